"""Writes of procedures: create one with its first version and checks, add a version, and copy
a library procedure to a site.

A procedure is a versioned record (imaging_ops.records.versioning); a new version applies from
the next record, and schedules, which point at the lineage, follow it. Limit bands are judged by
equipment.limits, recurrences by equipment.scheduling: this module only names the field at fault.
"""

from datetime import datetime

from django.core.exceptions import ValidationError

from equipment.limits import Band, BandMode, Limit, band_errors, choice_errors, to_decimal
from equipment.models import Category, Check, CheckKind, Procedure, ProcedureKind, ProcedureVersion
from equipment.models.procedures import LIMIT_FIELDS, RequiringEvent
from equipment.scheduling import Interval, Recurrence, recurrence_errors
from equipment.services.grants import require_procedure_edit
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Site
from imaging_ops.records.versioning import amend_record, create_record
from imaging_ops.vocabulary import Modality, Role

CONTENT_FIELDS = (
    "name",
    "modalities",
    "categories",
    "citation",
    "instructions",
    "performer_roles",
    "external_allowed",
    "required_after",
    "default_anchor",
    "default_interval_months",
    "default_interval_weeks",
    "default_interval_days",
    "default_preset",
    "default_weekday",
    "default_early_days",
    "default_grace_days",
    "default_hard_limit_months",
)
CHECK_FIELDS = (
    "key",
    "name",
    "kind",
    "unit",
    *LIMIT_FIELDS,
    *(f"{limit}_inclusive" for limit in LIMIT_FIELDS),
    "band_mode",
    "choices",
    "passing_choices",
    "stop_use",
    "correct_within_days",
)
LISTS = {
    "modalities": (Modality.values, "modality"),
    "categories": (Category.values, "equipment category"),
    "performer_roles": (Role.values, "role"),
    "required_after": (RequiringEvent.values, "event"),
}


def validate_procedure_content(content: dict) -> dict:
    """Trimmed text and known codes, as field errors; the default recurrence, when given, is
    judged by equipment.scheduling."""
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in content.items()}
    unknown = set(cleaned) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not part of a procedure."))
    errors = {}
    if not cleaned.get("name"):
        errors["name"] = "Give the procedure a name."
    for field, (known, what) in LISTS.items():
        values = cleaned.get(field) or []
        wrong = [v for v in values if v not in known]
        if wrong:
            errors[field] = f"Not a {what}: " + ", ".join(f"“{v}”" for v in wrong)
    if cleaned.get("default_anchor"):
        errors.update(
            {
                f"default_{field}": message
                for field, message in recurrence_errors(
                    _default_recurrence(cleaned), anchor=cleaned["default_anchor"]
                ).items()
            }
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _default_recurrence(content: dict) -> Recurrence:
    if content.get("default_preset"):
        return Recurrence(preset=content["default_preset"], weekday=content.get("default_weekday"))
    return Recurrence(
        interval=Interval(
            content.get("default_interval_months") or 0,
            content.get("default_interval_weeks") or 0,
            content.get("default_interval_days") or 0,
        )
    )


def check_band(check: Check) -> Band:
    """A numeric check's limits as the band equipment.limits evaluates."""
    limits = {
        name: Limit(getattr(check, name), getattr(check, f"{name}_inclusive"))
        for name in LIMIT_FIELDS
        if getattr(check, name) is not None
    }
    return Band(**limits, mode=check.band_mode)


def _check_errors(check: Check) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in LIMIT_FIELDS:
        value = getattr(check, name)
        if value is None:
            continue
        try:
            setattr(check, name, to_decimal(value, name=f"{name.replace('_', ' ')} limit"))
        except (TypeError, ValueError) as problem:
            errors[name] = str(problem)
    if errors:
        return errors
    has_limits = any(getattr(check, name) is not None for name in LIMIT_FIELDS)
    if check.kind == CheckKind.NUMERIC:
        # The reference belongs to each schedule; a percent band is judged on it when it is set.
        errors = {k: v for k, v in band_errors(check_band(check)).items() if k != "reference"}
    elif has_limits:
        errors["kind"] = "Only a numeric check has limits."
    if check.kind == CheckKind.CHOICE:
        errors.update(choice_errors(choices=check.choices, passing=check.passing_choices))
    return errors


def build_checks(checks) -> list[Check]:
    """Unsaved checks in the order given, or every problem at once as field errors keyed
    `checks.<index>.<field>`."""
    built, errors, keys = [], {}, set()
    for index, data in enumerate(checks):
        prefix = f"checks.{index}."
        unknown = set(data) - set(CHECK_FIELDS)
        if unknown:
            errors.update({prefix + f: "This field is not part of a check." for f in unknown})
            continue
        data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        data.setdefault("band_mode", BandMode.ABSOLUTE)
        check = Check(position=index + 1, **data)
        problems = _check_errors(check)
        try:
            check.full_clean(exclude=["version"])
        except ValidationError as invalid:
            problems = {**invalid.message_dict, **problems}
        if check.key in keys:
            problems["key"] = "Another check of this procedure has that key."
        keys.add(check.key)
        errors.update({prefix + field: _one(message) for field, message in problems.items()})
        built.append(check)
    if errors:
        raise ValidationError(errors)
    return built


def _one(message) -> str:
    return " ".join(message) if isinstance(message, list) else message


def _save_checks(version: ProcedureVersion, checks: list[Check]) -> None:
    for check in checks:
        check.version = version
        check.save()


def create_procedure(
    *,
    actor,
    site: Site | None,
    code: str,
    kind: str,
    now: datetime,
    checks=(),
    copied_from: Procedure | None = None,
    **content,
) -> Procedure:
    """A new procedure at `site` (None: the library) with its first version and checks."""
    content = validate_procedure_content(content)
    if kind not in ProcedureKind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of procedure."})
    require_procedure_edit(actor, site, kind=kind, categories=content.get("categories"))
    built = build_checks(checks)
    procedure = Procedure(site=site, code=(code or "").strip(), kind=kind, copied_from=copied_from)
    procedure.full_clean(exclude=["current_version"])
    with regulated_transaction(actor=actor):
        create_record(record=procedure, version=ProcedureVersion(**content), actor=actor, now=now)
        _save_checks(procedure.current_version, built)
    return procedure


def new_procedure_version(
    *, actor, procedure: Procedure, reason: str, now: datetime, checks=None, **changes
) -> ProcedureVersion:
    """A new version (fields and checks not given are carried over) that applies from the next
    record; schedules keep pointing at the procedure and so follow it."""
    current = procedure.current_version
    require_procedure_edit(
        actor, procedure.site, kind=procedure.kind, categories=current.categories
    )
    content = validate_procedure_content({**_content(current), **changes})
    # The new categories must still be ones the actor may manage.
    require_procedure_edit(
        actor, procedure.site, kind=procedure.kind, categories=content.get("categories")
    )
    built = build_checks(_check_definitions(current) if checks is None else checks)
    with regulated_transaction(actor=actor):
        version = amend_record(
            record=procedure,
            version=ProcedureVersion(**content),
            reason=reason,
            actor=actor,
            now=now,
        )
        _save_checks(version, built)
    return version


def copy_library_procedure(*, actor, procedure: Procedure, site: Site, now: datetime) -> Procedure:
    """The site's own copy of a library procedure (its current version and checks), linked to
    the original so the site can see what the library changes later."""
    if not procedure.is_library:
        raise ValidationError({"procedure": "Only a library procedure can be copied to a site."})
    current = procedure.current_version
    return create_procedure(
        actor=actor,
        site=site,
        code=procedure.code,
        kind=procedure.kind,
        now=now,
        checks=_check_definitions(current),
        copied_from=procedure,
        **_content(current),
    )


def _content(version: ProcedureVersion) -> dict:
    return {field: getattr(version, field) for field in CONTENT_FIELDS}


def _check_definitions(version: ProcedureVersion) -> list[dict]:
    return [
        {field: getattr(check, field) for field in CHECK_FIELDS}
        for check in version.checks.order_by("position")
    ]
