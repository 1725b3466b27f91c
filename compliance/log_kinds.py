"""The kinds of regulatory log, one entry each: what the log is called, what it covers (one
piece of equipment or a site), the selector that reads its snapshot, the builder that renders
it, how many entries it holds, and who may approve it beside a manager. The services, pages,
API and task dispatch by kind through `log_kind()`; a new kind is an entry here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from compliance.documents.equipment_log import build_equipment_log_pdf
from compliance.documents.inspection_pack import build_inspection_pack_pdf
from compliance.documents.log_pages import LogStamp
from compliance.documents.site_logs import (
    build_radioactive_log_pdf,
    build_site_qc_pdf,
    build_training_log_pdf,
)
from compliance.models import LogKind
from compliance.selectors.inspection_packs import pack_count, pack_entries, pack_snapshot
from compliance.selectors.logs import (
    Period,
    equipment_log_snapshot,
    log_entry_count,
    loggable_equipment,
)
from compliance.selectors.radioactive_log import radioactive_log_count, radioactive_log_snapshot
from compliance.selectors.site_qc_log import site_qc_count, site_qc_snapshot
from compliance.selectors.training_log import training_log_count, training_log_snapshot
from imaging_ops.access.permissions import PHYSICS_LOGS, RADIOACTIVE_MATERIALS_LOGS, Limited
from imaging_ops.models import Site


class Covers(models.TextChoices):
    EQUIPMENT = "equipment", "One piece of equipment"
    SITE = "site", "A site"


@dataclass(frozen=True)
class LogKindSpec:
    """One kind of log. `snapshot(subject=, period=, now=, actor=)` reads it (the subject is
    the equipment or the site it covers, already scoped); `build_pdf(snapshot, stamp)` renders
    it; `count(subject=, period=)` is the entries before generation (a large log is made by
    the task), `entries(snapshot)` after. `approvers` is the limited grant of the matrix's
    "approve regulatory logs" that approves this kind; a full grant (a manager) approves
    every kind, and None means only a full grant does."""

    kind: str
    label: str
    covers: str
    snapshot: Callable[..., dict]
    build_pdf: Callable[[dict, LogStamp], bytes]
    count: Callable[..., int]
    entries: Callable[[dict], int]
    approvers: Limited | None
    approvers_text: str  # who approves it, in words

    def subject_queryset(self):
        """Where the subject is found (scope it to the person's sites)."""
        return loggable_equipment() if self.covers == Covers.EQUIPMENT else Site.objects.all()

    def subject_of(self, log):
        """The equipment or site an issued log covers, as its snapshot reads it."""
        if self.covers == Covers.EQUIPMENT:
            return loggable_equipment().get(pk=log.equipment_id)
        return Site.objects.get(pk=log.site_id)

    def site_of(self, subject) -> Site:
        return subject.site if self.covers == Covers.EQUIPMENT else subject

    def scope_label(self, subject) -> str:
        if self.covers == Covers.EQUIPMENT:
            return f"{subject.asset_tag} {subject.name} at {subject.site.name}"
        return f"{subject.name} ({subject.code})"


def _equipment_snapshot(*, subject, period: Period, now, actor) -> dict:
    return equipment_log_snapshot(equipment=subject, period=period, now=now)


def _equipment_count(*, subject, period: Period) -> int:
    return log_entry_count(equipment=subject, period=period)


def _training_snapshot(*, subject, period: Period, now, actor) -> dict:
    return training_log_snapshot(site=subject, period=period, now=now)


def _radioactive_snapshot(*, subject, period: Period, now, actor) -> dict:
    return radioactive_log_snapshot(site=subject, period=period, now=now)


def _site_qc_snapshot(*, subject, period: Period, now, actor) -> dict:
    return site_qc_snapshot(site=subject, period=period, now=now, actor=actor)


def _pack(kind: str, approvers: Limited | None, approvers_text: str) -> LogKindSpec:
    """An inspection pack of a site: its sections read by compliance.selectors.inspection_packs."""

    def snapshot(*, subject, period: Period, now, actor) -> dict:
        return pack_snapshot(kind=kind, site=subject, period=period, now=now, actor=actor)

    return LogKindSpec(
        kind=kind,
        label=LogKind(kind).label,
        covers=Covers.SITE,
        snapshot=snapshot,
        build_pdf=build_inspection_pack_pdf,
        count=lambda *, subject, period: pack_count(kind=kind, site=subject, period=period),
        entries=pack_entries,
        approvers=approvers,
        approvers_text=approvers_text,
    )


KINDS: dict[str, LogKindSpec] = {
    spec.kind: spec
    for spec in (
        LogKindSpec(
            kind=LogKind.EQUIPMENT,
            label=LogKind.EQUIPMENT.label,
            covers=Covers.EQUIPMENT,
            snapshot=_equipment_snapshot,
            build_pdf=build_equipment_log_pdf,
            count=_equipment_count,
            entries=lambda snapshot: len(snapshot["records"]),
            approvers=PHYSICS_LOGS,
            approvers_text="a manager or a physicist",
        ),
        LogKindSpec(
            kind=LogKind.TRAINING,
            label=LogKind.TRAINING.label,
            covers=Covers.SITE,
            snapshot=_training_snapshot,
            build_pdf=build_training_log_pdf,
            count=lambda *, subject, period: training_log_count(site=subject, period=period),
            entries=lambda snapshot: len(snapshot["records"]),
            approvers=None,
            approvers_text="a manager",
        ),
        LogKindSpec(
            kind=LogKind.RADIOACTIVE_MATERIALS,
            label=LogKind.RADIOACTIVE_MATERIALS.label,
            covers=Covers.SITE,
            snapshot=_radioactive_snapshot,
            build_pdf=build_radioactive_log_pdf,
            count=lambda *, subject, period: radioactive_log_count(site=subject, period=period),
            entries=lambda snapshot: sum(len(s["records"]) for s in snapshot["sections"]),
            approvers=RADIOACTIVE_MATERIALS_LOGS,
            approvers_text="a manager or the radiation safety officer",
        ),
        LogKindSpec(
            kind=LogKind.SITE_QC_SUMMARY,
            label=LogKind.SITE_QC_SUMMARY.label,
            covers=Covers.SITE,
            snapshot=_site_qc_snapshot,
            build_pdf=build_site_qc_pdf,
            count=lambda *, subject, period: site_qc_count(site=subject, period=period),
            entries=lambda snapshot: len(snapshot["equipment"]),
            approvers=PHYSICS_LOGS,  # a QC summary is a physics log
            approvers_text="a manager or a physicist",
        ),
        # Beside a manager, the physicist approves a pack of physics records (mammography,
        # X-ray), the RSO the radioactive materials licence's.
        _pack(LogKind.PACK_MQSA, PHYSICS_LOGS, "a manager or a physicist"),
        _pack(
            LogKind.PACK_NRC,
            RADIOACTIVE_MATERIALS_LOGS,
            "a manager or the radiation safety officer",
        ),
        _pack(LogKind.PACK_JOINT_COMMISSION, None, "a manager"),
        _pack(LogKind.PACK_STATE_XRAY, PHYSICS_LOGS, "a manager or a physicist"),
    )
}


def log_kind(kind: str) -> LogKindSpec:
    """The entry of `kind`; KeyError for a kind that is not (or no longer) issued."""
    return KINDS[kind]


def kinds_covering(covers: str) -> list[LogKindSpec]:
    """The kinds issued for one piece of equipment, or for a site, in the registry's order."""
    return [spec for spec in KINDS.values() if spec.covers == covers]
