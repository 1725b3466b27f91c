"""Errors services raise besides Django's ValidationError and PermissionDenied."""


class Conflict(Exception):
    """The object is in a state that forbids the change (a signed or locked record)."""
