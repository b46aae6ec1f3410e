"""How one figure changed: its value before and after every recorded step.

The steps are the rows of the ``audit`` view (every version of every record behind the
figure, in known-date order). Additive measures (allocations, drawdowns) add up: each
step changes the figure by its delta. The others supersede: after each step the figure
is the latest version that counts (about the latest date, then known latest, then
recorded latest), so a revision replaces and a reversal falls back to what came before.

A predecessor's rows (carried on through a merger or split) name the way they came; a
split's row counts only its part (``counted_pence``), not its whole amount.

A superseding figure recorded per service (an ICB-era base-growth percent, one for each
service's sheet) is one figure per service, not versions of one: each service's rows
step from that service's value before, and their note names the service (as a figure
recorded per step of a baseline's construction keeps each step apart). ``now`` gives
the value now of each such figure of its own, named as its steps' notes name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.records.money import format_in_unit

ADDITIVE_MEASURES = ("allocation", "drawdown")


@dataclass(frozen=True)
class Step:
    """One recorded change to a figure, with the figure's value either side of it."""

    as_at: str
    effective: str
    kind: str
    record_id: str
    account: str
    unit: str
    before: int | str | None
    after: int | str | None
    note: str
    reason: str | None
    source: str
    locator: str

    @property
    def change(self) -> int | str | None:
        return difference(self.before, self.after)


def difference(before: int | str | None, after: int | str | None) -> int | str | None:
    """after - before, where nothing counts as zero; percentages stay exact text."""
    if isinstance(before, str) or isinstance(after, str):
        return format(Decimal(str(after or 0)) - Decimal(str(before or 0)), "f")
    if before is None and after is None:
        return None
    return (after or 0) - (before or 0)


def _part(row: dict[str, Any]) -> str:
    """The service (and step of a baseline's construction) a row is recorded for."""
    service = row.get("service") or "(no service)"
    return f"{service} service" + (f"; {row['step']}" if row.get("step") else "")


def services_apart(rows: Sequence[dict[str, Any]], measure: str) -> list[str]:
    """The services a superseding figure's audit rows are recorded for, when it is
    recorded per service or per step (each is then a figure of its own); else empty."""
    if measure in ADDITIVE_MEASURES:  # the services' allocations add up to one figure
        return []
    if len({_part(row) for row in rows}) < 2:
        return []
    return sorted({row.get("service") or "(no service)" for row in rows})


def services_said(rows: Sequence[dict[str, Any]], account: str, measure: str) -> str | None:
    """What to say of a figure recorded per service (None when it is one figure)."""
    services = services_apart(rows, measure)
    if not services:
        return None
    year = f" for {rows[0]['financial_year']}" if rows else ""
    per = "per step of its construction" if len(services) < 2 else "per service"
    steps = " and step" if len(services) > 1 and any(row.get("step") for row in rows) else ""
    return (
        f"{account}'s {measure}{year} is recorded {per}{steps} ({', '.join(services)}), "
        "each a figure of its own"
    )


def timeline(rows: Sequence[dict[str, Any]], measure: str) -> list[Step]:
    """The steps of a figure from its audit rows (ordered by known date, then position)."""
    additive = measure in ADDITIVE_MEASURES
    apart = bool(services_apart(rows, measure))
    # (part, record, side) -> version; the part (service and step) is None unless apart
    current: dict[tuple[str | None, str, str], dict[str, Any]] = {}
    steps = []
    values: dict[str | None, int | str | None] = {}
    for row in rows:
        part = _part(row) if apart else None
        key = (part, row["record_id"], row["side"])
        replaced = current.get(key)
        current[key] = row
        before = value = values.get(part, 0 if additive else None)
        if additive and row.get("apportioned"):  # only the split's part of it counts
            value = int(value or 0) + int(row["counted_pence"] or 0)
        elif additive:  # the new version's amount takes the place of the one it replaces
            value = int(value or 0) + _live_amount(row) - _live_amount(replaced)
        else:
            value = _latest_value({k: v for k, v in current.items() if k[0] == part})
        values[part] = value
        steps.append(
            Step(
                as_at=row["as_at"],
                effective=row["effective"],
                kind="correction" if row["correction_id"] else row["kind"],
                record_id=row["correction_id"] or row["record_id"],
                account=row["account"],
                unit=row["unit"],
                before=before,
                after=value,
                note=_note(row, replaced, part),
                reason=row["reason"],
                source=row["source"],
                locator=row["locator"],
            )
        )
    return steps


@dataclass(frozen=True)
class Now:
    """A figure's value now (its last step) and how many steps made it; for a figure
    recorded per service, one service's (and step's), which ``part`` names."""

    service: str | None  # None unless the figure is recorded per service (or step)
    part: str | None  # "core service" or "core service; <step>", as the notes name it
    last: Step
    changes: int


def now(rows: Sequence[dict[str, Any]], measure: str) -> list[Now]:
    """The value now of the figure whose audit rows are ``rows``: one, or for a figure
    recorded per service one for each service (and step), in the order first recorded."""
    apart = bool(services_apart(rows, measure))
    found: dict[str | None, Now] = {}
    for row, step in zip(rows, timeline(rows, measure), strict=True):
        part = _part(row) if apart else None
        changes = found[part].changes + 1 if part in found else 1
        service = (row.get("service") or "(no service)") if apart else None
        found[part] = Now(service, part, step, changes)
    return list(found.values())


def _live_amount(version: dict[str, Any] | None) -> int:
    if version is None or version["is_void"]:
        return 0
    return int(version["amount_pence"])


def _latest_value(current: dict[Any, dict[str, Any]]) -> int | str | None:
    live = [version for version in current.values() if not version["is_void"]]
    if not live:
        return None
    latest = max(live, key=lambda version: version["precedence"])
    return _figure_value(latest)


def _figure_value(version: dict[str, Any]) -> int | str | None:
    if version["unit"] == "count":
        return int(version["count"])
    if version["unit"] == "percent":
        return str(version["percent"])
    return int(version["amount_pence"])


def _note(row: dict[str, Any], replaced: dict[str, Any] | None, apart: str | None) -> str:
    """What the step is (the service and step, when each is a figure of its own), and
    for a predecessor's row the way it came."""
    named = apart or row.get("step")
    note = "; ".join(part for part in (named, _what(row, replaced)) if part)
    if row.get("apportioned"):
        return "; ".join(part for part in (note, f"apportioned {row['apportioned']}") if part)
    if row.get("carried"):
        return "; ".join(part for part in (note, f"carried {row['carried']}") if part)
    return note


def _what(row: dict[str, Any], replaced: dict[str, Any] | None) -> str:
    if row["correction_id"] and replaced is not None:
        old = _shown(replaced)
        if row["is_void"]:
            return f"reverses {row['record_id']} ({old})"
        return f"replaces {row['record_id']}: {old} -> {_shown(row)}"
    if row["kind"] == "transfer":
        direction = "to" if row["side"] == "from" else "from"
        return f"transfer {direction} {row['counterparty']}"
    if row["period"]:
        return f"at {row['period']}"
    return ""


def _shown(version: dict[str, Any]) -> str:
    if version["is_void"]:
        return "reversed"
    return format_in_unit(_figure_value(version), version["unit"])


def value_known_at(steps: Sequence[Step], day: str, measure: str) -> int | str | None:
    """The figure's value as known on ``day`` (after the last step known by then)."""
    known = [step for step in steps if step.as_at <= day]
    if known:
        return known[-1].after
    return 0 if measure in ADDITIVE_MEASURES else None
