"""A small history told through the application, on a real store of each backend."""

import pytest
from backends import store_sql
from factories import allocation, correction, forecast, plan, transfer, world

from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.store.errors import ConcurrentWriteError
from ledger.writing.ledger import Ledger


def located(records):
    return [Located(f"test:{number}", parse_record(data)) for number, data in enumerate(records, 1)]


def test_a_year_of_records_is_kept_in_the_order_appended_and_survives_reopening(store):
    ledger = Ledger(store)
    history = [
        *world(),
        allocation(),
        transfer(),
        plan("plan-06H-june", as_at="2013-06-30"),
        plan("plan-06H-nov", amount="-1m", as_at="2013-11-08"),
        forecast(),
        correction(
            "fix-forecast", "forecast-06H", action="replace", amount="-8.4m", as_at="2013-12-01"
        ),
    ]
    batch = ledger.prepare(located(history))
    assert batch.problems == []
    assert ledger.append(batch) == list(range(1, 12))
    ledger.close()

    reopened = Ledger(store, must_exist=True)
    stored = list(reopened.stored_records())
    assert [record.fields["id"] for record in stored] == [record["id"] for record in history]
    assert reopened.get_record("transfer-05Q").amount_pence == 500_000_000
    assert reopened.get_record("fix-forecast").amount_pence == -840_000_000
    assert reopened.get_record("never-recorded") is None
    assert all(record.recorded.tzinfo is not None for record in stored)

    reopened.close()
    topics = [
        topic for (topic,) in store_sql(store, "SELECT topic FROM {events} ORDER BY {position}")
    ]
    assert topics[5:] == [
        "ledger:AllocationIssued",
        "ledger:AllocationTransferred",
        "ledger:PlanSubmitted",
        "ledger:PlanSubmitted",
        "ledger:ForecastRevised",
        "ledger:CorrectionRecorded",
    ]


def test_a_writer_that_loses_a_race_records_nothing_and_may_retry(store):
    first, second = Ledger(store), Ledger(store)
    first.append(first.prepare(located(world())))

    slow = first.prepare(located([allocation(), plan()]))
    second.append(second.prepare(located([allocation()])))
    with pytest.raises(ConcurrentWriteError, match="running the command again is safe"):
        first.append(slow)

    assert first.get_record("plan-06H") is None
    retry = first.prepare(located([allocation(), plan()]))
    assert [item.record.id for item in retry.new] == ["plan-06H"]
    assert [item.record.id for item in retry.already_recorded] == ["alloc-06H"]
    first.close()
    second.close()
