"""Rows as a spreadsheet (``--format xlsx -o FILE``): one sheet, a header row, and typed
cells: numbers as numbers, money as numbers in the chosen units (pounds by default) with
a number format to match, and text as text, never a formula.

Needs the optional openpyxl: pip install 'commissioning-ledger[xlsx]'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from ledger.cli.output import (
    PENCE_SUFFIX,
    UNIT_SIGN,
    as_text,
    in_units,
    is_money,
    money_columns,
    visible,
)

# How each unit's money cells are shown; the cell holds the exact value.
_NUMBER_FORMATS = {"pounds": "#,##0.00", "k": "#,##0", "m": "#,##0.0", "bn": "#,##0.00"}


class SpreadsheetError(Exception):
    """The spreadsheet cannot be written (openpyxl is not installed)."""


def write_xlsx(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    units: str,
    file: IO[bytes],
    title: str = "ledger",
) -> None:
    """Write ``rows`` (the ``keys`` of each, in order) as an .xlsx workbook to ``file``."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
    except ImportError:
        raise SpreadsheetError(
            "--format xlsx needs openpyxl: pip install 'commissioning-ledger[xlsx]'"
        ) from None
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    money = money_columns(keys)
    header = []
    for key in keys:
        name = f"{key.removesuffix(PENCE_SUFFIX)} ({UNIT_SIGN[units]})" if key in money else key
        cell = WriteOnlyCell(sheet, value=visible(name))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for key in keys:
            value = row.get(key)
            if key in money and isinstance(value, int) and is_money(value):
                cell = WriteOnlyCell(sheet, value=float(in_units(value, units)))
                cell.number_format = _NUMBER_FORMATS[units]
            elif value is None or isinstance(value, (int, float)):
                cell = WriteOnlyCell(sheet, value=value)
            else:
                cell = WriteOnlyCell(sheet, value=visible(as_text(value)))
                cell.data_type = "s"  # text that starts with = stays text
            cells.append(cell)
        sheet.append(cells)
    book.save(file)


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in visible(title))
    return cleaned[:31] or "ledger"
