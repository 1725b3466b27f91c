"""Reading an uploaded CSV for an import, the same way for every file the app takes: the size
and row limits, UTF-8 with or without a byte-order mark, strict quoting, a header naming known
columns once each, and rows with their line numbers. What the cells mean is each import's own.
"""

import csv
import io
from dataclasses import dataclass

from django import forms

from imaging_ops.csv_export import FORMULA_STARTS

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", ""})


class FileError(Exception):
    """The file as a whole cannot be read: nothing in it was imported."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def unescape(text: str) -> str:
    """Undo an export's neutralising apostrophe before a formula-like cell."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


@dataclass
class Row:
    """A row of the file: its first line number and its cells, un-neutralised and stripped."""

    line: int
    cells: dict[str, str]
    width: int  # how many cells the row had (the header's count when it is well formed)


def width_error(row: Row, header_width: int) -> str | None:
    """Why a row cannot be read cell by cell, or None."""
    if row.width == header_width:
        return None
    return f"This row has {row.width} cells; the header has {header_width} columns."


def _header(cells: list[str], *, columns, required, hint: str) -> list[str]:
    names = [unescape(cell).strip().lower().replace(" ", "_") for cell in cells]
    problems = []
    unknown = [name or "(blank)" for name in names if name not in columns]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    missing = [name for name in required if name not in names]
    if unknown:
        problems.append(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    if repeated:
        problems.append(
            f"Repeated column{'s' if len(repeated) > 1 else ''}: {', '.join(repeated)}."
        )
    if missing:
        problems.append(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.")
    if problems:
        problems.append(
            f"The first line must name the columns: {', '.join(columns)} "
            f"({', '.join(required)} are required; {hint})."
        )
        raise FileError(*problems)
    return names


def read_rows(
    upload, *, columns, required, hint: str, max_rows: int | None = None
) -> tuple[list[str], list[Row]]:
    """The header and the non-blank rows of an uploaded CSV, or a FileError saying why not.
    `hint` says where a template is found; `max_rows` lowers the row limit for a file whose
    rows cost more to write."""
    max_rows = MAX_ROWS if max_rows is None else min(max_rows, MAX_ROWS)
    size = getattr(upload, "size", None) or 0
    if size > MAX_BYTES:
        raise FileError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} "
            "MB. Split it into smaller files."
        )
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise FileError(f"The file is over {MAX_BYTES // 1024 // 1024} MB; split it.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). In a "
            "spreadsheet, save it as “CSV UTF-8”."
        ) from None
    if not text.strip():
        raise FileError("The file is empty.")
    if "\x00" in text:
        raise FileError("The file holds NUL characters: it is not CSV text.")
    # Strict: a stray quote is an error to correct, not a guess at where a cell ends.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, last_line = None, [], 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, columns=columns, required=required, hint=hint)
                continue
            if len(rows) >= max_rows:
                raise FileError(f"The file has more than {max_rows:,} rows; split it.")
            values = {
                name: unescape(cell).strip() for name, cell in zip(header, cells, strict=False)
            }
            rows.append(Row(line=line, cells=values, width=len(cells)))
    except csv.Error as exc:
        raise FileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None
    if not rows:
        raise FileError("The file has a header but no rows.")
    return header, rows


def yes_no(text: str, *, required: bool = False) -> bool:
    """A yes/no cell (`true`, `false`, `1`, `0` are read too); ValueError otherwise. A blank
    cell is no, unless `required`."""
    word = text.strip().casefold()
    if not word and required:
        raise ValueError("Write yes or no.")
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"“{text}” is not yes or no.")


class FlagInput(forms.CheckboxInput):
    """A checkbox on the page ("on"), and true/false, yes/no or 1/0 through the API."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str):
            word = value.strip().casefold()
            return word in TRUE_WORDS or word == "on"
        return bool(value)
