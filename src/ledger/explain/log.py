"""The event log as rows: what each record says, in the order it was appended."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.views.shown_percent import shown_percent

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
    records: Iterable[StoredRecord],
    wanted: LogFilter,
    in_force: dict[str, str] | None = None,
    errata: Iterable[dict[str, Any]] = (),
) -> Iterator[dict[str, Any]]:
    """Rows for the records that pass ``wanted``; a correction or an erratum counts as
    being about the account and year of the record it corrects or fixes. A record is
    shown as stored, but judged as the ``errata`` recorded by ``wanted.recorded_by`` fix
    it too: known when they say (a record they date later is not known by an earlier
    day), and about the organisation and year they give as well as those it names.
    A record in ``in_force`` (see ``corrections_in_force``) says there what a correction
    did to it, so that it does not mislead when read alone."""
    fixing = errata_by_record(errata, wanted.recorded_by)
    for row in _rows(records, wanted, fixing):
        stored = row.pop("stored")
        if row.pop("passes"):
            if stored.kind not in ("correction", "erratum"):
                row["in_force"] = (in_force or {}).get(row["id"])
            yield row


def errata_by_record(
    errata: Iterable[dict[str, Any]], recorded_by: str | None
) -> dict[str, list[dict[str, Any]]]:
    """The stored errata recorded by ``recorded_by`` (all, without it), by the record
    they fix."""
    fixing: dict[str, list[dict[str, Any]]] = {}
    for erratum in errata:
        if recorded_by is None or str(erratum.get("recorded")) <= recorded_by:
            fixing.setdefault(str(erratum.get("fixes")), []).append(erratum)
    return fixing


def corrections_in_force(
    corrections: Iterable[dict[str, Any]],
    wanted: LogFilter,
    errata: Iterable[dict[str, Any]] = (),
) -> dict[str, str]:
    """For each corrected record, what its latest correction known by ``wanted.as_at``
    (any, without one) did: "reversed by X" or "replaced by X: value". ``corrections`` are
    the stored corrections' fields in store order, so the later of two known on one day
    wins; each is read as the ``errata`` recorded by ``wanted.recorded_by`` leave it
    (known when they say, with the value they give; one they withdraw does nothing), as
    the views read it."""
    as_at, fixing = wanted.as_at, errata_by_record(errata, wanted.recorded_by)
    latest: dict[str, tuple[str, str]] = {}
    for stored in corrections:
        fields = _as_fixed(stored, fixing.get(str(stored.get("id"))))
        if fields is None:
            continue
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


def _rows(
    records: Iterable[StoredRecord], wanted: LogFilter, fixing: dict[str, list[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    targets: dict[str, list[dict[str, Any]]] = {}  # each record as stored, and as fixed
    for stored in records:
        row = _described(stored)
        if stored.kind in ("correction", "erratum"):
            own = _as_fixed(stored.fields, fixing.get(row["id"])) or stored.fields
            named = own["corrects" if stored.kind == "correction" else "fixes"]
            versions = targets.get(named, [{}])
            row["account"], row["counterparty"] = _about(versions[0], "account", "counterparty")
            row["financial_year"] = versions[0].get("financial_year")
            known = _judged(own)["as_at"]  # a correction's, as its errata date it
            about = [{**version, "as_at": known} for version in versions]
        else:
            about = [row, *_fixed(stored.fields, fixing.get(row["id"]))]
            targets[row["id"]] = about
        row["in_force"] = None
        row["stored"] = stored
        row["passes"] = _passes(about, stored, wanted)
        yield row


def _about(row: dict[str, Any], *names: str) -> list[Any]:
    return [row.get(name) for name in names]


def _fixed(fields: dict[str, Any], errata: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """What the log judges of a record as its errata leave it (nothing when it has none,
    or they withdraw it, or cannot be applied: check says so)."""
    fixed = _as_fixed(fields, errata) if errata else None
    return [] if fixed is None else [_judged(fixed)]


def _as_fixed(fields: dict[str, Any], errata: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """A record's fields as its errata leave it: None if they withdraw it, as stored if
    it has none or they cannot be applied (check says so)."""
    from ledger.records.models import RecordError, fixed_by_all

    if not errata:
        return fields
    try:
        return fixed_by_all(fields, errata)
    except RecordError:
        return fields


def _passes(about: list[dict[str, Any]], stored: StoredRecord, wanted: LogFilter) -> bool:
    """Whether a record passes: about the account and year asked for as stored or as
    fixed, and known by the day asked for as its errata (the last of ``about``) date it."""
    accounts = {
        code
        for row in about
        for code in (row.get("account"), *(row.get("counterparty") or "").split(", "))
    }
    return (
        (wanted.account is None or wanted.account in accounts)
        and (wanted.kind is None or stored.kind == wanted.kind)
        and (wanted.year is None or wanted.year in {row.get("financial_year") for row in about})
        and (wanted.as_at is None or str(about[-1].get("as_at")) <= wanted.as_at)
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
    row: dict[str, Any] = {
        "position": stored.position,
        "recorded": stored.recorded.isoformat(timespec="seconds"),
        **_judged(fields),
        "kind": stored.kind,
        "period": fields.get("period"),
        "effective": fields.get("effective"),
        "amount_pence": fields.get("amount_pence"),
        "value": _value(fields),
        "detail": _detail(fields),
        "reason": fields.get("reason"),
        "source": fields.get("source"),
        "locator": fields.get("locator"),
    }
    return row


def _judged(fields: dict[str, Any]) -> dict[str, Any]:
    """What the log's filters read of a record: when it was known, its kind and id, the
    organisations it is about and its year."""
    kind = fields.get("kind")
    row = {
        "as_at": fields.get("as_at") or fields.get("published") or fields.get("recorded"),
        "kind": kind,
        "id": fields["id"],
        "account": fields.get("account") or fields.get("from") or fields.get("organisation"),
        "counterparty": fields.get("to") or fields.get("against"),
        "financial_year": fields.get("financial_year"),
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
        return f"{shown_percent(fields['percent'])}%"
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
            ", ".join(f"{name} {_written(name, value)}" for name, value in fields["set"].items())
        )
    if fields.get("unset"):
        parts.append("removes " + ", ".join(fields["unset"]))
    return f"fixes {fields['fixes']}: " + "; ".join(parts)


def _written(name: str, value: Any) -> str:
    if name == "percent":
        return shown_percent(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
