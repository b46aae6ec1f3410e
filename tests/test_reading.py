"""Reading the store back: the ledger's page reader gives exactly what the library's own
notification log and mapper give, on both backends, and posting rows name the columns
they fill."""

from __future__ import annotations

from typing import Any

import pytest
from factories import allocation, correction, forecast, plan, transfer, world
from stores import new_store

from ledger.records.models import parse_record
from ledger.store import reading
from ledger.store.domain import Entry
from ledger.views.postings import posting_rows
from ledger.views.tables import POSTING_COLUMNS
from ledger.writing.ledger import Ledger

HISTORY = [
    *world(),
    allocation(),
    transfer(as_at="2013-10-15"),
    plan(as_at="2013-06-30"),
    forecast(as_at="2013-10-20", period="M6", deficit="planned"),
    correction("fix-transfer", "transfer-05Q", action="replace", amount="£4m", as_at="2013-11-01"),
]


def through_the_library(ledger: Ledger) -> list[tuple[int, Any, dict[str, Any]]]:
    """Every record as select_notifications and the mapper read it."""
    read = []
    for notification in ledger.recorder.select_notifications(start=1, limit=1000):
        event = ledger.mapper.to_domain_event(notification)
        assert isinstance(event, Entry.Recorded)
        read.append((notification.id, event.timestamp, event.record))
    return read


def through_the_ledger(ledger: Ledger) -> list[tuple[int, Any, dict[str, Any]]]:
    return [(r.position, r.recorded, r.fields) for r in ledger.stored_records()]


def test_the_page_reader_reads_what_the_library_reads(store):
    with new_store(store, HISTORY) as ledger:
        expected = through_the_library(ledger)
        assert len(expected) == len(HISTORY)
        assert through_the_ledger(ledger) == expected


def test_a_record_event_that_needs_upcasting_is_read_by_the_mapper(sqlite_store, monkeypatch):
    """Were a record class given a class_version, its events would need the mapper's
    upcasting: the page reader then hands them to the mapper rather than decoding them."""
    with new_store(sqlite_store, HISTORY) as ledger:
        expected = through_the_library(ledger)
        handed_over = []
        real = ledger.mapper.to_domain_event

        def to_domain_event(stored: Any) -> Any:
            handed_over.append(stored.topic)
            return real(stored)

        monkeypatch.setattr(reading, "UNVERSIONED_TOPICS", frozenset())
        monkeypatch.setattr(ledger.mapper, "to_domain_event", to_domain_event)
        assert through_the_ledger(ledger) == expected
        assert len(handed_over) == len(HISTORY)


def test_records_after_returns_the_last_position_read(sqlite_store):
    with new_store(sqlite_store, HISTORY) as ledger:
        last, records = ledger.records_after(2, 3)
        assert (last, [record.position for record in records]) == (5, [3, 4, 5])
        assert ledger.records_after(len(HISTORY), 10) == (len(HISTORY), [])


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            forecast(as_at="2013-10-20", period="M6", deficit="planned"),
            [{"account": "06H", "counterparty": None, "side": "", "period": "M6",
              "effective": "2013-09-30", "deficit": "planned", "measure": "forecast"}],
        ),
        (
            transfer(as_at="2013-10-15"),
            [{"account": "05Q", "counterparty": "SPEC", "side": "from",
              "amount_pence": -500_000_000, "delta_pence": -500_000_000},
             {"account": "SPEC", "counterparty": "05Q", "side": "to",
              "amount_pence": 500_000_000, "delta_pence": 500_000_000}],
        ),
    ],
)  # fmt: skip
def test_posting_rows_fill_the_columns_they_name(record, expected):
    fields = parse_record(record).normalised()
    rows = [dict(zip(POSTING_COLUMNS, row, strict=True)) for row in posting_rows(fields, 42)]
    assert len(rows) == len(expected)
    for row, wanted in zip(rows, expected, strict=True):
        assert {key: row[key] for key in wanted} == wanted
    for row in rows:
        assert (row["record_id"], row["position"], row["version"], row["valid_to"]) == (
            fields["id"], 42, 0, None,
        )  # fmt: skip
        assert row["precedence"] == f"{row['effective']} {row['as_at']} {42:012d}"
        assert (row["source"], row["locator"]) == (fields["source"], fields["locator"])
