"""Errata among a figure's steps: the audit shows each erratum as a row of its own, right
after the record it fixes, saying what it changed.

The views show a record as fixed, so the record's own row already has the right value;
the erratum's row says that the ledger once held it otherwise, and from what day it
holds it right. A record that an erratum took away from the figure (withdrawn, or moved
to another organisation, measure or year) has no row of its own any more: its erratum
still gets a row, at the known date the record had, saying where it went.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger.explain.timeline import Step
from ledger.records.errata import WITHDRAWN
from ledger.records.money import format_pounds
from ledger.views.postings import MONEY_KINDS, posting_rows
from ledger.views.projections import run
from ledger.views.shown_percent import shown_percent
from ledger.views.tables import POSTING_COLUMNS

# The records as stored, before their errata, by id (read from the store on demand).
Originals = Callable[[Sequence[str]], dict[str, dict[str, Any]]]

_ACCOUNT = POSTING_COLUMNS.index("account")
_MEASURE = POSTING_COLUMNS.index("measure")
_YEAR = POSTING_COLUMNS.index("financial_year")
_AS_AT = POSTING_COLUMNS.index("as_at")


def with_errata(
    path: str | Path,
    steps: Sequence[Step],
    figure: tuple[str, str, str | None, str | None],
    originals: Originals,
) -> list[Step]:
    """``steps`` with a row for every erratum of a record behind them, and for every
    erratum that took a record of this figure (``(account, measure, year, as_at)``)
    away from it."""
    errata = _errata_by_record(path)
    if not errata:
        return list(steps)
    shown: set[str] = set()
    out: list[Step] = []
    for step in steps:
        out.append(step)
        if step.record_id in errata and step.record_id not in shown:
            shown.add(step.record_id)
            out += [_erratum_step(step, erratum) for erratum in errata[step.record_id]]
    missing = [record_id for record_id in errata if record_id not in shown]
    taken = _taken_away(path, missing, figure, originals) if missing else []
    for original in taken:
        at = original["as_at"]
        rows = [
            _taken_step(original, erratum, steps[0].unit if steps else "gbp")
            for erratum in errata[original["id"]]
        ]
        where = next((i for i, step in enumerate(out) if step.as_at > at), len(out))
        out[where:where] = rows
    return out


def _errata_by_record(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The errata the views hold, by the record they fix: each with its changes, in the
    order they were recorded."""
    rows = run(path, "SELECT * FROM errata ORDER BY recorded, position, rowid")
    by_record: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        errata = by_record.setdefault(row["fixes"], {})
        erratum = errata.setdefault(row["erratum_id"], {**row, "changes": []})
        erratum["changes"].append((row["field"], row["before"], row["after"]))
    return {record: list(errata.values()) for record, errata in by_record.items()}


def _erratum_step(fixed: Step, erratum: dict[str, Any]) -> Step:
    return replace(
        fixed,
        kind="erratum",
        record_id=erratum["erratum_id"],
        before=None,
        after=None,
        note=f"erratum recorded {erratum['recorded']}: {_changes(erratum['changes'])}",
        reason=erratum["reason"],
        source=erratum["source"],
        locator=erratum["locator"],
    )


def _taken_step(original: dict[str, Any], erratum: dict[str, Any], unit: str) -> Step:
    changes = erratum["changes"]
    if any(field == WITHDRAWN for field, *_ in changes):
        what = f"{original['id']} withdrawn (it should not exist)"
    else:
        what = f"{original['id']}, as fixed, is not part of this figure: {_changes(changes)}"
    return Step(
        as_at=original["as_at"],
        effective=original.get("effective", ""),
        kind="erratum",
        record_id=erratum["erratum_id"],
        account=str(original.get("account") or original.get("from")),
        unit=unit,
        before=None,
        after=None,
        note=f"erratum recorded {erratum['recorded']}: {what}",
        reason=erratum["reason"],
        source=erratum["source"],
        locator=erratum["locator"],
    )


def _taken_away(
    path: str | Path,
    record_ids: Sequence[str],
    figure: tuple[str, str, str | None, str | None],
    originals: Originals,
) -> list[dict[str, Any]]:
    """The records (as stored) that counted for the figure before their errata, in known
    date order: a posting of the organisation or one under it, of the measure and year."""
    account, measure, year, as_at = figure
    if year is None:
        return []
    accounts = _family(path, account)
    found = []
    for fields in originals(record_ids).values():
        if fields.get("kind") not in MONEY_KINDS:
            continue
        postings = posting_rows(fields, 0)
        if any(
            row[_ACCOUNT] in accounts
            and row[_MEASURE] == measure
            and row[_YEAR] == year
            and (as_at is None or row[_AS_AT] <= as_at)
            for row in postings
        ):
            found.append(fields)
    return sorted(found, key=lambda fields: str(fields["as_at"]))


def _family(path: str | Path, account: str) -> set[str]:
    rows = run(
        path,
        """
        WITH RECURSIVE family(code) AS (
            SELECT :account
            UNION
            SELECT o.code FROM organisations AS o JOIN family AS f ON o.parent = f.code
        )
        SELECT code FROM family
        """,
        {"account": account},
    )
    return {str(row["code"]) for row in rows}


def _changes(changes: Iterable[tuple[str, str | None, str | None]]) -> str:
    """``as_at 2013-09-30 -> 2013-12-18; amount £1.00 -> £2.00``."""
    return "; ".join(
        f"{_name(field)} {_value(field, before)} -> {_value(field, after)}"
        for field, before, after in changes
    )


def _name(field: str) -> str:
    return {"amount_pence": "amount", WITHDRAWN: "the record"}.get(field, field)


def _value(field: str, value: str | None) -> str:
    if value is None:
        return "(none)"
    if field == "amount_pence":
        try:
            return format_pounds(int(json.loads(value)))
        except (ValueError, TypeError):
            return value
    if field == "percent":
        return shown_percent(value)
    return value
