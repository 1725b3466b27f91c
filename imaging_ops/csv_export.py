"""CSV that spreadsheets open safely: text that starts like a formula is neutralised."""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Numbers and dates are left alone: only strings are ever neutralised.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Echo:
    """A file-like object whose write returns the line, for StreamingHttpResponse."""

    def write(self, value):
        return value


def csv_lines(header: list[str], rows):
    """Yield the CSV text of a header and rows, row by row, neutralised."""
    writer = csv.writer(Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])
