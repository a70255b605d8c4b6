"""Any figure table as CSV: a header row, values as plain numbers, hidden values as marks.

Safe to open in a spreadsheet: a text cell that a spreadsheet would read as a formula (starting
with =, +, -, @, a tab or a carriage return, or their full-width forms) is written with a
leading apostrophe, as OWASP's CSV injection advice says; numbers are written as numbers.
"""

import csv
import io
from collections.abc import Mapping

from reclaim.figures._suppression import Mark
from reclaim.figures._tables import HOURS, PERCENT, Cell, Table

CSV_MARKS = {
    Mark.FEWER_THAN_5: "<5",  # a count from 1 to 4
    Mark.WITHHELD: "[c]",  # withheld so that a smaller count cannot be worked out
    Mark.TOO_FEW: "[low]",  # a share or time of fewer than 5 records, or of a hidden count
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])  # dropped from text


def to_csv(table: Table, labels: Mapping[str, str] | None = None) -> str:
    """Return ``table`` as CSV text; ``labels`` may rename its columns (by key) and row header."""
    names = dict(labels or {})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [names.get("row_header", table.row_header)]
    header += [names.get(column.key, column.label) for column in table.columns]
    writer.writerow([safe_text(text) for text in header])
    for row in table.rows:
        values = [
            _value(cell, column.unit) for cell, column in zip(row.cells, table.columns, strict=True)
        ]
        writer.writerow([safe_text(names.get(row.key, row.label)), *values])
    return out.getvalue()


def safe_text(text: str) -> str:
    """Return text a spreadsheet will show as text, never run as a formula."""
    text = text.translate(_CONTROL)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _value(cell: Cell, unit: str) -> str:
    if cell.value is None:
        return CSV_MARKS.get(cell.mark, "")
    if unit in (HOURS, PERCENT):
        return f"{cell.value:.1f}"
    return str(int(cell.value))
