"""The compliance app's models: the regulatory logs it has issued."""

from compliance.models.logs import LogKind, LogState, RegulatoryLog

__all__ = ["LogKind", "LogState", "RegulatoryLog"]
