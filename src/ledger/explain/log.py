"""The event log as rows: what each record says, in the order it was appended."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.store.reading import StoredRecord

LOG_COLUMNS = (
    "position",
    "as_at",
    "kind",
    "id",
    "account",
    "counterparty",
    "financial_year",
    "period",
    "amount_pence",
    "value",
    "detail",
    "in_force",
    "source",
)


@dataclass(frozen=True)
class LogFilter:
    """Which records to list; None means any."""

    account: str | None = None
    kind: str | None = None
    year: str | None = None
    as_at: str | None = None  # ISO date: only records known by then
    recorded_by: str | None = None  # ISO date: only errata recorded by then


def log_rows(
    records: Iterable[StoredRecord], wanted: LogFilter, in_force: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows for the records that pass ``wanted``; a correction or an erratum counts as
    being about the account and year of the record it corrects or fixes (as stored).
    A record in ``in_force`` (see ``corrections_in_force``) says there what a correction
    did to it, so that it does not mislead when read alone."""
    for row in _rows(records, wanted):
        stored = row.pop("stored")
        if row.pop("passes"):
            if stored.kind not in ("correction", "erratum"):
                row["in_force"] = (in_force or {}).get(row["id"])
            yield row


def corrections_in_force(
    corrections: Iterable[dict[str, Any]], as_at: str | None
) -> dict[str, str]:
    """For each corrected record, what its latest correction known by ``as_at`` (any,
    without one) did: "reversed by X" or "replaced by X: value". ``corrections`` are the
    stored corrections' fields in store order, so the later of two known on one day wins."""
    latest: dict[str, tuple[str, str]] = {}
    for fields in corrections:
        known, target = fields.get("as_at"), fields.get("corrects")
        if not isinstance(known, str) or not isinstance(target, str):
            continue  # a hand-made store's; check names it
        if as_at is not None and known > as_at:
            continue
        if target not in latest or latest[target][0] <= known:
            latest[target] = (known, _what_it_did(fields))
    return {target: text for target, (_, text) in latest.items()}


def _what_it_did(fields: dict[str, Any]) -> str:
    if fields.get("action") == "reverse":
        return f"reversed by {fields['id']}"
    return f"replaced by {fields['id']}: {_in_force_value(fields)}"


def _in_force_value(fields: dict[str, Any]) -> str:
    if fields.get("amount_pence") is not None:
        return f"{fields['amount_pence']:,} pence"
    return _value(fields) or ""


def _rows(records: Iterable[StoredRecord], wanted: LogFilter) -> Iterator[dict[str, Any]]:
    targets: dict[str, dict[str, Any]] = {}
    for stored in records:
        row = _described(stored)
        if stored.kind in ("correction", "erratum"):
            named = stored.fields["corrects" if stored.kind == "correction" else "fixes"]
            target = targets.get(named, {})
            row["account"], row["counterparty"] = target.get("account"), target.get("counterparty")
            row["financial_year"] = target.get("financial_year")
        else:
            targets[stored.fields["id"]] = row
        row["in_force"] = None
        row["stored"], row["passes"] = stored, _passes(row, stored, wanted)
        yield row


def _passes(row: dict[str, Any], stored: StoredRecord, wanted: LogFilter) -> bool:
    accounts = {row["account"], *(row["counterparty"] or "").split(", ")}
    return (
        (wanted.account is None or wanted.account in accounts)
        and (wanted.kind is None or stored.kind == wanted.kind)
        and (wanted.year is None or row["financial_year"] == wanted.year)
        and (wanted.as_at is None or row["as_at"] <= wanted.as_at)
        and (
            wanted.recorded_by is None
            or stored.kind != "erratum"
            or stored.fields["recorded"] <= wanted.recorded_by
        )
    )


def _described(stored: StoredRecord) -> dict[str, Any]:
    """``describe``, or for a stored record that lacks what its kind must hold (a
    hand-edited store) an error naming its position."""
    from ledger.store.errors import StoreError

    try:
        return describe(stored)
    except (KeyError, TypeError) as error:
        why = f"it has no {error.args[0]!r} field" if isinstance(error, KeyError) else str(error)
        raise StoreError(
            f"the record at position {stored.position} cannot be shown: {why}; run: ledger check"
        ) from None


def describe(stored: StoredRecord) -> dict[str, Any]:
    """One log row: the common columns, filled in the way each kind reads best."""
    fields = stored.fields
    kind = stored.kind
    row: dict[str, Any] = {
        "position": stored.position,
        "recorded": stored.recorded.isoformat(timespec="seconds"),
        "as_at": fields.get("as_at") or fields.get("published") or fields.get("recorded"),
        "kind": kind,
        "id": fields["id"],
        "account": fields.get("account") or fields.get("from") or fields.get("organisation"),
        "counterparty": fields.get("to") or fields.get("against"),
        "financial_year": fields.get("financial_year"),
        "period": fields.get("period"),
        "effective": fields.get("effective"),
        "amount_pence": fields.get("amount_pence"),
        "value": _value(fields),
        "detail": _detail(fields),
        "reason": fields.get("reason"),
        "source": fields.get("source"),
        "locator": fields.get("locator"),
    }
    if kind == "organisation":
        row["account"] = fields["id"]
    if kind == "merger":
        row["counterparty"] = ", ".join(fields["predecessors"])
    return row


def _value(fields: dict[str, Any]) -> str | None:
    if "count" in fields:
        return str(fields["count"])
    if "percent" in fields:
        return f"{fields['percent']}%"
    return None


def _detail(fields: dict[str, Any]) -> str | None:
    kind = fields["kind"]
    if kind == "source":
        return str(fields["title"])
    if kind == "organisation":
        return f"{fields['name']} ({fields['type']})"
    if kind == "merger":
        return "merged from " + ", ".join(fields["predecessors"])
    if kind == "closure":
        return f"closed after {fields['effective']}"
    if kind == "correction":
        return f"{fields['action']} {fields['corrects']}"
    if kind == "qipp":
        return f"QIPP {fields['measure']}"
    if kind == "figure":
        return str(fields["measure"])
    if kind == "erratum":
        return _fixes(fields)
    return None


def _fixes(fields: dict[str, Any]) -> str:
    """``fixes alloc-06H: as_at 2013-12-18, amount 849,205k; removes period``."""
    if fields.get("withdraw"):
        return f"withdraws {fields['fixes']}"
    parts = []
    if fields.get("set"):
        parts.append(
            ", ".join(f"{name} {_written(value)}" for name, value in fields["set"].items())
        )
    if fields.get("unset"):
        parts.append("removes " + ", ".join(fields["unset"]))
    return f"fixes {fields['fixes']}: " + "; ".join(parts)


def _written(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
