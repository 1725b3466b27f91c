"""Equipment as CSV: one column spec for the export and the import.

The export streams the filtered list, text cells neutralised against spreadsheet formulas; the
import (equipment/csv_import.py) reads the same file back: this module turns cells into values
and holds the upload form that the page and the API share; the file itself is read as every
import reads one (imaging_ops/csv_import.py).
"""

import csv
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone

from equipment.models import Equipment
from equipment.services import registry as services
from imaging_ops import csv_import as shared
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.csv_export import FORMULA_STARTS, Echo, neutralise
from imaging_ops.csv_import import (  # noqa: F401 (the equipment imports read them from here)
    FALSE_WORDS,
    MAX_BYTES,
    MAX_ROWS,
    TRUE_WORDS,
    FileError,
    Row,
)
from imaging_ops.csv_import import FlagInput as _FlagInput

# The columns, in export order. `status` is exported to be read, and never imported.
FIELD_COLUMNS = ("name", "category", "modalities", "location", *services.DETAIL_FIELDS)
COLUMNS = ("site", "asset_tag", *FIELD_COLUMNS, "status")
REQUIRED_COLUMNS = ("site", "asset_tag", "name")

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def may_import(user) -> bool:
    """Importing creates and edits equipment: refused to people who may do that nowhere."""
    return bool(sites_where(user, Action.EDIT_EQUIPMENT))


# --- cells ---------------------------------------------------------------------------------


def _model_field(column: str):
    return Equipment._meta.get_field(column)


def _escape(text: str) -> str:
    """Neutralise a text cell; text that already looks neutralised gains one more apostrophe,
    so that the import's un-neutralising gives back exactly what was stored."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return neutralise(text)


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def location_key(text: str) -> str:
    return " / ".join(part.strip() for part in text.split("/")).casefold()


def _cell(equipment: Equipment, column: str):
    """The cell of one column: text neutralised; dates, numbers and yes/no left alone."""
    if column == "site":
        return _escape(equipment.site.code)
    if column == "modalities":
        return ";".join(equipment.modalities or [])
    if column == "location":
        return _escape(str(equipment.location)) if equipment.location_id else ""
    value = getattr(equipment, column)
    model_field = _model_field(column)
    if value is None:
        return ""
    if isinstance(model_field, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(model_field, models.DateField):
        return value.isoformat()
    if isinstance(model_field, models.DecimalField):
        return _decimal_text(value)
    return _escape(str(value))


# --- export --------------------------------------------------------------------------------


def export_lines(queryset):
    """The CSV text of the header and one line per piece of equipment, streamed."""
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    rows = queryset.select_related("site", "location").iterator(chunk_size=2000)
    for equipment in rows:
        yield writer.writerow([_cell(equipment, column) for column in COLUMNS])


def export_response(queryset, *, filters) -> StreamingHttpResponse:
    """Stream the (already scoped and filtered) equipment as CSV; the export is audited."""
    used = {key: value for key, value in filters.items() if value and key != "page"}
    # One event per site whose equipment left, so each site's auditors see the export.
    site_ids = sorted(set(queryset.order_by().values_list("site_id", flat=True).distinct()))
    with regulated_transaction():
        for site_id in site_ids or [None]:
            record_event(
                AuditAction.EXPORT,
                object_type="equipment list",
                site_id=site_id,
                changes={"filters": used},
            )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(export_lines(queryset), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="equipment-{stamp}.csv"'
    return response


# --- reading the file ----------------------------------------------------------------------


def read_rows(
    upload, *, columns=COLUMNS, required=REQUIRED_COLUMNS, hint: str = ""
) -> tuple[list[str], list[Row]]:
    """The header and the non-blank rows of an uploaded CSV, or a FileError saying why not.
    `columns` and `required` are the equipment file's unless another file is read; `hint`
    says where a template is found."""
    return shared.read_rows(
        upload, columns=columns, required=required, hint=hint or "export a CSV for a template"
    )


# --- values --------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _choice(column: str, text: str) -> str:
    choices = _model_field(column).choices
    for value, label in choices:
        if text.casefold() in (str(value).casefold(), str(label).casefold()):
            return value
    raise CellError(
        f"“{text}” is not a {column.replace('_', ' ')}; use one of: "
        f"{', '.join(str(value) for value, _ in choices)}."
    )


def cell_value(column: str, text: str):
    """The Python value of a cell (already un-neutralised and stripped)."""
    if column == "modalities":
        return [code.strip().upper() for code in re.split(r"[;,]", text) if code.strip()]
    model_field = _model_field(column)
    if isinstance(model_field, models.BooleanField):
        word = text.casefold()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise CellError(f"“{text}” is not yes or no.")
    if isinstance(model_field, models.DateField):
        if not text:
            return None
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise CellError(
                f"“{text}” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-04."
            ) from None
    if isinstance(model_field, models.DecimalField):
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise CellError(f"“{text}” is not a number; write it like 370 or 1.5.")
        return number
    if model_field.choices and text:
        return _choice(column, text)
    if model_field.null and not text:
        return None
    try:
        return model_field.to_python(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


# --- the request ---------------------------------------------------------------------------


class ImportForm(forms.Form):
    """The file and the options of an import, for the upload page and the API alike."""

    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with the columns of the export (site, asset_tag and name required).",
        error_messages={"empty": "The file is empty.", "required": "Choose a CSV file."},
    )
    dry_run = forms.BooleanField(
        required=False, widget=_FlagInput, label="Check only (dry run): save nothing"
    )
    skip_invalid = forms.BooleanField(
        required=False,
        widget=_FlagInput,
        label="Save the valid rows even when others are invalid",
    )
    adopt_in_service = forms.BooleanField(
        required=False,
        widget=_FlagInput,
        label="New equipment is already in clinical use: adopt it in service",
        help_text="Managers only. Otherwise new equipment awaits acceptance.",
    )
    adoption_reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for adoption",
    )

    def clean(self):
        data = super().clean()
        if data.get("adopt_in_service") and not (data.get("adoption_reason") or "").strip():
            self.add_error("adoption_reason", "Say why the new equipment is adopted in service.")
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "upload": data["file"],
            "dry_run": data["dry_run"],
            "skip_invalid": data["skip_invalid"],
            # The page leaves the adoption fields out for people who may adopt nowhere.
            "adopt_in_service": data.get("adopt_in_service", False),
            "adoption_reason": data.get("adoption_reason", "").strip(),
        }
