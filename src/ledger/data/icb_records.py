"""The records of NHS England's ICB allocation workbooks, made cell by cell as the table of
columns in icb_data says (see that module for the roles, pence and tolerances)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.data.icb_data import (
    ALLOCATING,
    CELLS_FILE,
    ENGLAND,
    HELD_BY_NHS_ENGLAND,
    SHEETS,
    SUFFIX,
    WORKBOOKS,
    Column,
    cell_pence,
    cell_percent,
    tolerance_pence,
    whole_thousands,
)

SheetKey = tuple[str, str]  # (workbook, sheet)
Part = tuple[SheetKey, str]  # a sheet and a key of its columns
Spread = tuple[int, int]  # cells a value comes from, and how many show whole £k


@dataclass
class Row:
    kind: str  # icb, region or england
    who: str  # the ICB or region code, or icb-sector
    region: str
    cells: dict[str, tuple[str, str, str]]  # column -> (cell, value, label)


Cells = dict[SheetKey, dict[str, Row]]


def read_cells(data: Path) -> Cells:
    sheets: Cells = {}
    with (data / CELLS_FILE).open(newline="", encoding="utf-8") as lines:
        for cell in csv.DictReader(lines):
            kind = cell["row_kind"]
            who = {"icb": cell["icb_code"], "region": cell["region_code"]}.get(kind, ENGLAND)
            rows = sheets.setdefault((cell["workbook"], cell["sheet"]), {})
            row = rows.setdefault(who, Row(kind, who, cell["region_code"], {}))
            column = re.sub(r"[0-9]", "", cell["cell"])
            row.cells[column] = (cell["cell"], cell["value"], cell["column_label"])
    return sheets


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resolve(sheet: SheetKey, ref: str) -> Part:
    """'E' on this sheet, 'Sheet!E' on another, 'workbook|Sheet!E' in another workbook."""
    workbook, _, ref = ref.rpartition("|")
    name, _, key = ref.rpartition("!")
    return (workbook or sheet[0], name or sheet[1]), key


def expand(sheet: SheetKey, refs: tuple[str, ...]) -> list[Part]:
    """Each part a figure names: a key, or every allocating key from one to another."""
    found = []
    for ref in refs:
        target, key = resolve(sheet, ref)
        if ":" not in key:
            found.append((target, key))
            continue
        first, last = key.split(":")
        keys = list(SHEETS[target].columns)
        for each in keys[keys.index(first) : keys.index(last) + 1]:
            if SHEETS[target].columns[each].role in ALLOCATING:
                found.append((target, each))
    return found


class Maker:
    """Finds any cell, step or record id of the workbooks for an ICB, region or England."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells

    def record_id(self, part: Part, who: str) -> str:
        sheet, key = part
        cell = self.cells[sheet][who].cells[key[0]][0]
        year = SHEETS[sheet].columns[key].year if key[1:] == "-" else ""
        suffix = SUFFIX.get(key[1:], "") + (f"-{year}" if year else "")
        return f"{WORKBOOKS[sheet[0]][0]}/{slug(sheet[1])}/{cell}{suffix}"

    def value(self, part: Part, who: str) -> tuple[int, Spread, str]:
        """Pence, spread and where: a cell, or a growth step worked out from cells."""
        sheet, key = part
        column = SHEETS[sheet].columns[key]
        if column.role == "growth":
            pence, (cells, whole), where = self.value(resolve(sheet, column.plus), who)
            for minus in column.minus:
                less, (more, more_whole), place = self.value(resolve(sheet, minus), who)
                pence, cells, whole = pence - less, cells + more, whole + more_whole
                where = f"{where} less {place}"
            return pence, (cells, whole), where
        cell, value, _ = self.cells[sheet][who].cells[key[0]]
        return cell_pence(value), (1, int(whole_thousands(value))), f"sheet {sheet[1]} cell {cell}"

    def recorded(self, part: Part, who: str) -> bool:
        """Every cell is recorded but a zero step (an allocation is never zero)."""
        role = SHEETS[part[0]].columns[part[1]].role
        return role not in ALLOCATING or self.value(part, who)[0] != 0

    def components(self, parts: list[tuple[Part, str]], own: Spread) -> dict[str, Any]:
        """The components fields of a figure: the parts recorded, and a tolerance with its
        reason from the cells of the figure and of all its parts."""
        ids, (cells, whole) = [], own
        for part, who in parts:
            _, (more, more_whole), _ = self.value(part, who)
            cells, whole = cells + more, whole + more_whole
            if self.recorded(part, who):
                ids.append(self.record_id(part, who))
        if not ids:
            return {}
        reason = f"tolerance: {cells} cells, each rounded to the penny on its own (up to half a penny)"
        if whole:
            reason += (
                f"; {whole} of them show whole £k, which may be NHS England's own rounding "
                "(up to £500 each)"
            )
        return {"components": ids, "tolerance_pence": tolerance_pence(cells, whole)} | {
            "reason": reason
        }


def _members(rows: dict[str, Row], row: Row) -> list[str]:
    """The ICBs a region row (or the England row) adds up."""
    return [
        code
        for code, each in rows.items()
        if each.kind == "icb" and (row.kind == "england" or each.region == row.who)
    ]


def _record(maker: Maker, part: Part, row: Row, members: list[str]) -> dict[str, Any] | None:
    """The record one cell (or growth step) of one row gives, or None for a zero step."""
    sheet, key = part
    table = SHEETS[sheet]
    column: Column = table.columns[key]
    year = column.year or table.year
    _, source, as_at = WORKBOOKS[sheet[0]]
    cell, value, label = maker.cells[sheet][row.who].cells[key[0]]
    head: dict[str, Any] = {"id": maker.record_id(part, row.who), "kind": "figure"}
    tail = {"as_at": as_at, "source": source, "locator": f"sheet {sheet[1]} cell {cell}"}
    about = {"account": row.who, "financial_year": year, "service": table.service}
    if column.role == "percent":
        return head | about | {"measure": column.measure, "percent": cell_percent(value)} | tail
    if column.role == "per-head":
        amount = {"measure": column.measure, "unit": "gbp", "amount_pence": cell_pence(value, 1)}
        return head | about | amount | tail
    pence, spread, where = maker.value(part, row.who)
    tail["locator"] = where
    if row.kind == "icb" and column.role == "replaces":
        replaced = resolve(sheet, column.parts[0])
        reason = f"the {year} allowance as NHS England's later workbook gives it"
        fields = {"corrects": maker.record_id(replaced, row.who), "action": "replace"}
        return {**head, "kind": "correction", **fields, "amount_pence": pence, **tail} | {
            "reason": reason
        }
    if row.kind == "icb" and column.role in ALLOCATING:
        if pence == 0:
            return None
        step = column.label or label
        what = "opening baseline" if column.role == "opening" else "a step"
        reason = f"{what} of the ICB's {year} {table.service} allocation"
        if column.role == "growth":
            reason = f"worked out as {where}: the sheet gives this step only through those cells"
        allocation = {"kind": "allocation"} | about | {"step": step, "amount_pence": pence}
        return {"id": head["id"]} | allocation | tail | {"reason": reason}
    if row.kind == "icb":
        parts = [(each, row.who) for each in expand(sheet, column.parts)]
    else:
        parts = [(part, code) for code in members]
    figure = {"measure": column.measure or "allocation-step"}
    if not column.measure:
        figure["step"] = label
    figure |= {"unit": "gbp", "amount_pence": pence}
    fields = maker.components(parts, spread)
    if row.kind != "icb" and column.role == "replaces":  # the allocations it replaced
        fields["components"] = [maker.record_id(resolve(sheet, column.parts[0]), code)
                                for code in members]  # fmt: skip
    if row.kind != "icb" and fields:
        fields |= _beyond_rounding(pence - sum(maker.value(*each)[0] for each in parts),
                                   fields["tolerance_pence"], sheet[1])  # fmt: skip
    return head | about | figure | fields | tail


def _beyond_rounding(residual: int, tolerance: int, sheet: str) -> dict[str, Any]:
    """What a region or England figure says when its ICB rows do not add up to it."""
    if abs(residual) <= tolerance:
        return {}
    if sheet in HELD_BY_NHS_ENGLAND:
        return {
            "components_complete": False,
            "reason": f"the cell is {residual} pence more than its ICB rows: the sheet also "
            "counts money NHS England's regional teams hold themselves, on rows of their own "
            "that the cells file leaves out",
        }
    return {
        "tolerance_pence": abs(residual),
        "reason": f"the workbook's own cells differ: this cell is {residual} pence off the sum "
        "of its ICB rows, more than rounding explains; the tolerance is that difference, "
        "stated rather than hidden",
    }


def icb_allocation_files(data: Path) -> dict[str, list[dict[str, Any]]]:
    """events/<year>/icb-allocations.jsonl -> its records, sheet by sheet: the ICB rows,
    then the region rows, then England."""
    maker = Maker(read_cells(data))
    files: dict[str, list[dict[str, Any]]] = {}
    for sheet, table in SHEETS.items():
        rows = maker.cells[sheet]
        order = sorted(rows.values(), key=lambda row: ("icb", "region", "england").index(row.kind))
        for row in order:
            members = _members(rows, row)
            for key, column in table.columns.items():
                if row.kind != "icb" and column.role == "growth":
                    continue  # the sheet has no cell for it on a region or England row
                record = _record(maker, (sheet, key), row, members)
                if record is not None:
                    year = column.year or table.year
                    files.setdefault(f"{year}/icb-allocations.jsonl", []).append(record)
    return files
