"""A first version is written with only the columns its record fills (postings.Shape,
issue 21): the postings a rebuild writes must still be, column for column, the rows
posting_rows documents, whatever optional fields a record has, leaves out or holds as
null."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from factories import allocation, drawdown, figure, forecast, qipp, transfer, world
from stores import published_ledger
from test_projector_robust import append_unchecked, normalised

from ledger.store.application import EventStore
from ledger.views.postings import MONEY_KINDS, posting_rows
from ledger.views.refresh import replay
from ledger.views.tables import POSTING_COLUMNS

_CHANGED_BY_CORRECTIONS = ("valid_to", "delta_pence", "is_earliest")
_COMPARED = tuple(name for name in POSTING_COLUMNS if name not in _CHANGED_BY_CORRECTIONS)


def first_versions_written(views: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with sqlite3.connect(views) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT {', '.join(POSTING_COLUMNS)} FROM postings WHERE version = 0")
        return {(row["record_id"], row["side"]): dict(row) for row in rows}


def documented_rows(store: str, leave_out: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """posting_rows of every money record in the store but those named."""
    rows = {}
    with EventStore(store) as ledger:
        for stored in ledger.stored_records():
            fields = stored.fields
            if fields["kind"] in MONEY_KINDS and fields["id"] not in leave_out:
                for row in posting_rows(fields, stored.position):
                    named = dict(zip(POSTING_COLUMNS, row, strict=True))
                    rows[(named["record_id"], named["side"])] = named
    return rows


def test_the_published_records_first_versions_are_their_posting_rows(tmp_path):
    ledger = published_ledger(tmp_path)
    with sqlite3.connect(ledger.views) as conn:  # an erratum changes what is projected
        fixed = {fixes for (fixes,) in conn.execute("SELECT fixes FROM errata")}
    written = first_versions_written(ledger.views)
    documented = documented_rows(str(tmp_path / "ledger.db"), fixed)
    assert len(documented) > 11_000  # every side of every money record the errata leave
    for key, row in documented.items():
        assert {name: written[key][name] for name in _COMPARED} == {
            name: row[name] for name in _COMPARED
        }, key


# A posting's columns that hold a record's field as it is stored.
_FROM_FIELDS = {
    "record_id": "id", "kind": "kind", "financial_year": "financial_year",
    "effective": "effective", "as_at": "as_at", "period": "period", "count": "count",
    "percent": "percent", "deficit": "deficit", "reason": "reason", "source": "source",
    "locator": "locator", "service": "service", "step": "step",
}  # fmt: skip


def test_records_of_every_shape_and_with_null_fields_are_written_whole(tmp_path):
    store = str(tmp_path / "ledger.db")
    records = [
        normalised(allocation("plain")),
        normalised(allocation("with-reason", reason="moved")),
        normalised(allocation("null-reason")) | {"reason": None, "step": None},
        normalised(transfer("moved", reason="agreed")),
        normalised(forecast("late", period="M6", deficit="planned", as_at="2013-10-20")),
        normalised(qipp("saved", "plan", "£1m")),
        normalised(figure("counted", "ccgs-in-deficit", count=3, amount=None)),
        normalised(drawdown("offset", against="SPEC")),
    ]
    append_unchecked(store, *[normalised(record) for record in world()])
    positions = append_unchecked(store, *records)
    views = tmp_path / "views.db"
    with EventStore(store) as ledger:
        replay(ledger, views)
    written = first_versions_written(views)
    assert written == documented_rows(store, set())
    for record, position in zip(records, positions, strict=True):
        sides = ("from", "to") if record["kind"] == "transfer" else ("",)
        for side in sides:
            row = written[(record["id"], side)]
            assert {column: row[column] for column in _FROM_FIELDS} == {
                column: record.get(field) for column, field in _FROM_FIELDS.items()
            }
            assert (row["version"], row["is_void"], row["valid_to"], row["correction_id"]) == (
                0, 0, None, None,
            )  # fmt: skip
            assert row["position"] == position
            assert row["precedence"] == f"{record['effective']} {record['as_at']} {position:012d}"
    assert written[("moved", "from")]["counterparty"] == "SPEC"
    assert written[("moved", "to")]["amount_pence"] == 500_000_000
    assert written[("offset", "")]["counterparty"] == "SPEC"
    assert written[("counted", "")]["amount_pence"] is None


def test_text_that_postings_repeat_is_one_object_and_other_values_are_kept_as_they_are():
    """What a page's pickle writes once and refers back to (issue 21); a value that is
    not text keeps its own type, though an equal one of another type came first."""
    import orjson

    from ledger.views.postings import first_versions

    def columns(record: dict[str, Any], position: int) -> dict[str, Any]:
        fields = orjson.loads(orjson.dumps(normalised(record)))  # text as a store reads it
        shape, rows = first_versions(fields, position)
        return dict(zip(shape.columns, rows[0], strict=True))

    first = columns(allocation("a-1", account="06H"), 1)
    second = columns(allocation("a-2", account="06H"), 2)
    for name in ("kind", "account", "financial_year", "as_at", "source"):
        assert second[name] is first[name], name
    assert second["record_id"] == "a-2" and second["locator"] == first["locator"]
    whole = {**normalised(allocation("b-1")), "account": 1}
    fraction = {**normalised(allocation("b-2")), "account": 1.0}
    assert type(first_versions(whole, 3)[1][0][3]) is int
    assert type(first_versions(fraction, 4)[1][0][3]) is float
