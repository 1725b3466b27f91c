"""Writes of procedures: create one with its first version and checks, add a version, and copy
a library procedure to a site.

A procedure is a versioned record (imaging_ops.records.versioning); a new version applies from
the next record, and schedules, which point at the lineage, follow it. Limit bands are judged by
equipment.limits, recurrences by equipment.scheduling: this module only names the field at fault.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from equipment.limits import Band, BandMode, Limit, band_errors, choice_errors, to_decimal
from equipment.models import Category, Check, CheckKind, Procedure, ProcedureKind, ProcedureVersion
from equipment.models.procedures import LIMIT_FIELDS, RequiringEvent
from equipment.scheduling import DueTime, Interval, Recurrence, recurrence_errors
from equipment.services.grants import require_procedure_edit, require_some_procedure_edit
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
    "citation",
    "verify_locally",
)
# Set by the regulatory catalog's loader (compliance.catalog), not by the procedure form: carried
# over by a new version and by a site's copy unless given anew.
CATALOG_FIELDS = (
    "default_due_time",
    "catalog_code",
    "catalog_version",
    "catalog_digest",
    "verify_locally",
    "verify_locally_note",
)
LISTS = {
    "modalities": (Modality.values, "modality"),
    "categories": (Category.values, "equipment category"),
    "performer_roles": (Role.values, "role"),
    "required_after": (RequiringEvent.values, "event"),
}
# The largest whole number a small positive field holds.
SMALL_MAX = 32767

# What each field takes, as JSON would say it: the API sends anything a JSON body can hold, so
# every value is checked for its type before any rule reads it.
TEXT, TEXT_LIST, FLAG, WHOLE, WHOLE_OR_NONE, LIMIT = (
    "text",
    "text list",
    "flag",
    "whole",
    "whole or none",
    "limit",
)
CONTENT_TYPES = {
    "name": TEXT,
    "citation": TEXT,
    "instructions": TEXT,
    "modalities": TEXT_LIST,
    "categories": TEXT_LIST,
    "performer_roles": TEXT_LIST,
    "required_after": TEXT_LIST,
    "external_allowed": FLAG,
    "default_anchor": TEXT,
    "default_preset": TEXT,
    "default_interval_months": WHOLE,
    "default_interval_weeks": WHOLE,
    "default_interval_days": WHOLE,
    "default_early_days": WHOLE,
    "default_grace_days": WHOLE,
    "default_weekday": WHOLE_OR_NONE,
    "default_hard_limit_months": WHOLE_OR_NONE,
}
CHECK_TYPES = {
    "key": TEXT,
    "name": TEXT,
    "kind": TEXT,
    "unit": TEXT,
    **dict.fromkeys(LIMIT_FIELDS, LIMIT),
    **{f"{limit}_inclusive": FLAG for limit in LIMIT_FIELDS},
    "band_mode": TEXT,
    "choices": TEXT_LIST,
    "passing_choices": TEXT_LIST,
    "stop_use": FLAG,
    "correct_within_days": WHOLE_OR_NONE,
    "citation": TEXT,
    "verify_locally": FLAG,
}
CATALOG_TYPES = {
    "default_due_time": TEXT,
    "catalog_code": TEXT,
    "catalog_version": TEXT,
    "catalog_digest": TEXT,
    "verify_locally": FLAG,
    "verify_locally_note": TEXT,
}
COPY_EXISTS = "This site already has a copy of that library procedure."
# equipment.limits names a band's and a choice check's fields in its own words; the forms and
# the API name them as the Check model does.
LIMITS_FIELD_NAMES = {"mode": "band_mode", "passing": "passing_choices"}


def json_kind(value) -> str:
    """What a value is, in the words of JSON, for a message about a wrong type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def type_error(value, expected: str) -> str | None:
    """Why `value` is not of the `expected` type (TEXT, FLAG, ...), or None when it is."""
    if expected == TEXT:
        return None if isinstance(value, str) else f"Give text here, not {json_kind(value)}."
    if expected == FLAG:
        return None if isinstance(value, bool) else f"Give true or false, not {json_kind(value)}."
    if expected in (WHOLE, WHOLE_OR_NONE):
        if value is None and expected == WHOLE_OR_NONE:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return f"Give a whole number here, not {json_kind(value)}."
        if not 0 <= value <= SMALL_MAX:
            return f"Give a whole number from 0 to {SMALL_MAX}."
        return None
    if expected == TEXT_LIST:
        if not isinstance(value, (list, tuple)):
            return f"Give a list of text here, not {json_kind(value)}."
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                return f"Give a list of text; item {number} is {json_kind(item)}."
        return None
    if expected == LIMIT:
        if value is None or isinstance(value, (str, Decimal)):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return (
            f"Give the limit as a number in text, e.g. “10.5”, not {json_kind(value)}: the "
            "digits are kept as entered."
        )
    raise ValueError(f"Unknown expected type {expected!r}.")


def _blank_for_none(value, expected: str):
    """Null text is blank text and a null list an empty one, as a form sends them blank."""
    if value is None:
        return {TEXT: "", TEXT_LIST: []}.get(expected)
    return value


def _type_errors(values: dict, types: dict[str, str]) -> dict[str, str]:
    return {
        field: problem
        for field, value in values.items()
        if field in types and (problem := type_error(value, types[field]))
    }


def validate_procedure_content(content: dict) -> dict:
    """Trimmed text and known codes, as field errors; the default recurrence, when given, is
    judged by equipment.scheduling. A value of the wrong type is a field error too."""
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not part of a procedure."))
    content = {k: _blank_for_none(v, CONTENT_TYPES[k]) for k, v in content.items()}
    if errors := _type_errors(content, CONTENT_TYPES):
        raise ValidationError(errors)
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in content.items()}
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
                # An interval is three fields; its error goes beside the first of them.
                ("default_interval_months" if field == "interval" else f"default_{field}"): message
                for field, message in recurrence_errors(
                    _default_recurrence(cleaned), anchor=cleaned["default_anchor"]
                ).items()
            }
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_catalog_fields(values: dict) -> dict:
    """The catalog's fields of a version (CATALOG_FIELDS), trimmed, as field errors."""
    unknown = set(values) - set(CATALOG_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not part of a procedure."))
    values = {k: _blank_for_none(v, CATALOG_TYPES[k]) for k, v in values.items()}
    values = {k: v for k, v in values.items() if v is not None}
    if errors := _type_errors(values, CATALOG_TYPES):
        raise ValidationError(errors)
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    errors = {}
    if "default_due_time" in cleaned:
        cleaned["default_due_time"] = cleaned["default_due_time"] or DueTime.OPENING
        if cleaned["default_due_time"] not in DueTime.values:
            errors["default_due_time"] = (
                f"“{cleaned['default_due_time']}” is not a due time; choose opening or closing."
            )
    for field, most in (("catalog_code", 50), ("catalog_version", 20), ("catalog_digest", 64)):
        if len(cleaned.get(field, "")) > most:
            errors[field] = f"Give at most {most} characters."
    if cleaned.get("verify_locally") and not cleaned.get("verify_locally_note"):
        errors["verify_locally_note"] = "Say what to verify locally."
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
    return {LIMITS_FIELD_NAMES.get(field, field): message for field, message in errors.items()}


def build_checks(checks) -> list[Check]:
    """Unsaved checks in the order given, or every problem at once as field errors keyed
    `checks.<index>.<field>` (`checks` itself when it is not a list, `checks.<index>` for an
    entry that is not an object)."""
    if not isinstance(checks, (list, tuple)):
        raise ValidationError({"checks": f"Give the checks as a list, not {json_kind(checks)}."})
    built, errors, keys = [], {}, set()
    for index, data in enumerate(checks):
        prefix = f"checks.{index}."
        if not isinstance(data, dict):
            errors[f"checks.{index}"] = f"Give each check as an object, not {json_kind(data)}."
            continue
        unknown = set(data) - set(CHECK_FIELDS)
        if unknown:
            errors.update({prefix + f: "This field is not part of a check." for f in unknown})
            continue
        # Left out is the same as null for the optional fields; the model's default stands.
        data = {k: _blank_for_none(v, CHECK_TYPES[k]) for k, v in data.items()}
        data = {k: v for k, v in data.items() if v is not None or CHECK_TYPES[k] != FLAG}
        if wrong := _type_errors(data, CHECK_TYPES):
            errors.update({prefix + field: message for field, message in wrong.items()})
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
    catalog: dict | None = None,
    **content,
) -> Procedure:
    """A new procedure at `site` (None: the library) with its first version and checks;
    `catalog` holds the CATALOG_FIELDS the catalog's loader sets.

    Who may edit procedures there is asked first; then every problem of the content and the
    checks is raised at once, as field errors."""
    require_some_procedure_edit(actor, site)
    errors = {}
    for field, value in (("code", code), ("kind", kind)):
        if problem := type_error(value if value is not None else "", TEXT):
            errors[field] = problem
    kind = (kind or "").strip() if "kind" not in errors else ""
    code = (code or "").strip() if "code" not in errors else ""
    if "kind" not in errors and kind not in ProcedureKind.values:
        errors["kind"] = f"“{kind}” is not a kind of procedure." if kind else "Choose the kind."
    try:
        content = validate_procedure_content(content)
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
        content = {}
    try:
        built = build_checks(checks)
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    try:
        catalog = validate_catalog_fields(catalog or {})
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    if errors:
        raise ValidationError(errors)
    require_procedure_edit(actor, site, kind=kind, categories=content.get("categories"))
    procedure = Procedure(site=site, code=code, kind=kind, copied_from=copied_from)
    try:
        procedure.full_clean(exclude=["current_version"])
    except ValidationError as invalid:
        # The code's uniqueness at the site (or in the library) is a rule about the code.
        raise ValidationError(
            {
                ("code" if field == "__all__" else field): messages
                for field, messages in invalid.message_dict.items()
            }
        ) from None
    with regulated_transaction(actor=actor):
        version = ProcedureVersion(**content, **catalog)
        create_record(record=procedure, version=version, actor=actor, now=now)
        _save_checks(procedure.current_version, built)
    return procedure


def new_procedure_version(
    *,
    actor,
    procedure: Procedure,
    reason: str,
    now: datetime,
    checks=None,
    catalog: dict | None = None,
    **changes,
) -> ProcedureVersion:
    """A new version (fields and checks not given are carried over, the CATALOG_FIELDS too
    unless `catalog` gives them) that applies from the next record; schedules keep pointing at
    the procedure and so follow it."""
    current = procedure.current_version
    require_procedure_edit(
        actor, procedure.site, kind=procedure.kind, categories=current.categories
    )
    errors = {}
    if problem := type_error(reason if reason is not None else "", TEXT):
        errors["reason"] = problem
    elif not (reason or "").strip():
        errors["reason"] = "Give the reason for the new version."
    try:
        content = validate_procedure_content({**_content(current), **changes})
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
        content = None
    try:
        built = build_checks(
            _check_definitions(current) if checks is None else _with_sources(checks, current)
        )
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    try:
        catalog = validate_catalog_fields({**_catalog(current), **(catalog or {})})
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    if errors:
        raise ValidationError(errors)
    # The new categories must still be ones the actor may manage.
    require_procedure_edit(
        actor, procedure.site, kind=procedure.kind, categories=content.get("categories")
    )
    with regulated_transaction(actor=actor):
        version = amend_record(
            record=procedure,
            version=ProcedureVersion(**content, **catalog),
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
    try:
        return create_procedure(
            actor=actor,
            site=site,
            code=procedure.code,
            kind=procedure.kind,
            now=now,
            checks=_check_definitions(current),
            copied_from=procedure,
            catalog=_catalog(current),
            **_content(current),
        )
    except ValidationError as invalid:
        # The copy takes the library's content as it is: what can be wrong is the site (it
        # holds a copy already, or its own procedure with that code).
        messages = invalid.messages
        # A copy already there explains the code in use too: say that alone.
        messages = [m for m in messages if m == COPY_EXISTS] or messages
        raise ValidationError({"site": messages}) from None


def _content(version: ProcedureVersion) -> dict:
    return {field: getattr(version, field) for field in CONTENT_FIELDS}


# A check's source, which the procedure form does not show: kept, by key, when a new version's
# check leaves it out, so editing one limit of a catalog procedure keeps the others' citations.
CHECK_SOURCE_FIELDS = ("citation", "verify_locally")


def _with_sources(checks, version: ProcedureVersion):
    if not isinstance(checks, (list, tuple)):
        return checks  # build_checks says what is wrong with it
    before = {check.key: check for check in version.checks.all()}
    carried = []
    for check in checks:
        previous = before.get(check.get("key")) if isinstance(check, dict) else None
        if previous is not None:
            missing = {f: getattr(previous, f) for f in CHECK_SOURCE_FIELDS if f not in check}
            check = {**check, **missing}
        carried.append(check)
    return carried


def _catalog(version: ProcedureVersion) -> dict:
    return {field: getattr(version, field) for field in CATALOG_FIELDS}


def _check_definitions(version: ProcedureVersion) -> list[dict]:
    return [
        {field: getattr(check, field) for field in CHECK_FIELDS}
        for check in version.checks.order_by("position")
    ]
