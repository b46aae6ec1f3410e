"""Importing a few records into a large store takes as long as the few records, not the
store (issue 21): the sums that keep money exact (writing/sums.py) are kept beside the
events after each append, and a later check starts from them instead of reading every
stored record. They are used only while they count every event the store holds."""

from __future__ import annotations

from collections import Counter

import pytest
from backends import store_sql
from click.testing import CliRunner
from conftest import REPOSITORY
from factories import allocation, world, write_jsonl
from test_batch_guards import BEYOND, FITS, huge, refused

from ledger.cli import main
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.store.reading import LogReader
from ledger.writing.ledger import Ledger
from ledger.writing.sums import Totals


def kept_and_counted(store: str) -> tuple[object, Totals]:
    """The sums kept beside the store's events, and the sums of every record it holds
    (reading every record counts sides without a value as 0, which adds nothing)."""
    with Ledger(store, must_exist=True) as ledger:
        kept = ledger.stored_totals(ledger.last_position())
        counted = Totals()
        for fields in ledger.record_fields(ledger.last_position()):
            counted.add(fields)
    counted.by_account = +counted.by_account  # values are sizes, never below 0
    return kept, counted


def test_the_sums_kept_after_importing_the_published_record_are_its_records_sums(tmp_path):
    store = str(tmp_path / "ledger.db")
    result = CliRunner().invoke(main, ["--store", store, "import", str(REPOSITORY / "events")])
    assert result.exit_code == 0, result.output

    kept, counted = kept_and_counted(store)
    assert kept is not None
    assert kept.by_account == dict(counted.by_account)
    assert kept.corrections == counted.corrections
    # A real figure: NHS England's 2013-14 allocation to one CCG is among them.
    assert kept.by_account["2013-14", "06H"] > 0
    assert kept.position == 12_867


@pytest.fixture
def no_reading_every_record(monkeypatch):
    """Make reading every stored record fail the test, while ``allowed`` is False."""
    reading = {"allowed": False, "times": 0}
    real = LogReader.record_fields

    def record_fields(self, up_to):
        reading["times"] += 1
        assert reading["allowed"], "read every stored record although its sums were kept"
        return real(self, up_to)

    monkeypatch.setattr(LogReader, "record_fields", record_fields)
    return reading


def test_a_later_import_starts_from_the_kept_sums(run, store, tmp_path, no_reading_every_record):
    no_reading_every_record["allowed"] = True  # the first import has nothing kept yet
    first = write_jsonl(tmp_path / "first.jsonl", [*world(), *huge(3000)])
    assert run("import", str(first)).exit_code == 0
    no_reading_every_record["allowed"] = False

    fitting = write_jsonl(tmp_path / "fitting.jsonl", huge(FITS - 3000, start=3000))
    assert run("import", str(fitting)).exit_code == 0, "the rest of what fits is recorded"
    one_more = write_jsonl(tmp_path / "one-more.jsonl", huge(1, start=FITS))
    refused(
        run("import", str(one_more)),
        f"{one_more}:1: amount: 06H's figures for 2013-14 would add up to {BEYOND}",
    )
    no_reading_every_record["allowed"] = True  # to compare with
    kept, counted = kept_and_counted(store)
    assert kept.by_account == {("2013-14", "06H"): FITS * 10**15}
    assert dict(counted.by_account) == kept.by_account


def test_sums_that_miss_the_last_events_are_not_used(run, store, tmp_path, no_reading_every_record):
    """Events appended without keeping the sums (here straight through the store, as a
    process stopped between its append and its sums would leave it) make the next check
    read every record again, so their values still count."""
    no_reading_every_record["allowed"] = True
    first = write_jsonl(tmp_path / "first.jsonl", [*world(), *huge(3000)])
    assert run("import", str(first)).exit_code == 0
    no_reading_every_record["times"] = 0  # (a first import reads an empty store's, or none)
    with Ledger(store) as ledger, ledger.appending() as append:
        append([Located(f"hand:{n}", parse_record(r)) for n, r in enumerate(huge(1000, 3000))])

    rest = write_jsonl(tmp_path / "rest.jsonl", huge(FITS - 4000 + 1, start=4000))
    refused(
        run("import", str(rest)),
        f"{rest}:{FITS - 4000 + 1}: amount: 06H's figures for 2013-14 would add up to {BEYOND}",
    )
    assert no_reading_every_record["times"] == 1  # this import read them all again


def test_sums_whose_table_of_totals_was_dropped_are_counted_again(run, store, tmp_path):
    """The table of totals was made again, empty, under a count that still named the last
    event: the next import started from no sums, and let a record through whose total is
    beyond what the ledger can add up exactly."""
    first = write_jsonl(tmp_path / "first.jsonl", [*world(), *huge(FITS)])
    assert run("import", str(first)).exit_code == 0
    store_sql(store, "DROP TABLE value_totals")

    one_more = write_jsonl(tmp_path / "one-more.jsonl", huge(1, start=FITS))
    refused(
        run("import", str(one_more)),
        f"{one_more}:1: amount: 06H's figures for 2013-14 would add up to {BEYOND}",
    )


def test_a_store_made_before_the_sums_were_kept_is_read_and_then_kept(
    run, store, tmp_path, no_reading_every_record
):
    no_reading_every_record["allowed"] = True
    first = write_jsonl(tmp_path / "first.jsonl", [*world(), *huge(10)])
    assert run("import", str(first)).exit_code == 0
    for table in ("value_totals", "value_totals_counted"):
        store_sql(store, f"DROP TABLE {table}")

    more = write_jsonl(tmp_path / "more.jsonl", [allocation("one-more", account="05Q")])
    assert run("import", "--dry-run", str(more)).exit_code == 0  # read, with nothing kept
    assert run("import", str(more)).exit_code == 0  # the tables are made again, and kept
    kept, counted = kept_and_counted(store)
    assert kept is not None
    assert kept.by_account == dict(counted.by_account)
    assert set(Counter(kept.by_account)) == {("2013-14", "06H"), ("2013-14", "05Q")}


def test_the_few_closures_mergers_and_errata_are_found_by_their_topic(
    run, store, tmp_path, no_reading_every_record
):
    """A check looks up the store's closures, mergers, splits and errata by topic, as the
    recorder's notification_rows_of_topics asks; an index on topic answers without reading
    every event. A store made before the index gains it on its next import."""
    no_reading_every_record["allowed"] = True
    first = write_jsonl(tmp_path / "first.jsonl", [*world(), *huge(10)])
    assert run("import", str(first)).exit_code == 0
    store_sql(store, "DROP INDEX {events}_topic")
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("one-more", account="05Q")])
    assert run("import", str(more)).exit_code == 0

    if store.startswith("postgresql://"):  # the server's planner uses it once it pays
        # (this store's schema only: another test's schema on the server has one too)
        indexes = store_sql(
            store,
            "SELECT indexname FROM pg_indexes WHERE indexname = ? "
            "AND schemaname = current_schema()",
            ("ledger_events_topic",),
        )
        assert indexes == [("ledger_events_topic",)]
    else:
        plan = store_sql(
            store,
            "EXPLAIN QUERY PLAN SELECT rowid, originator_id, originator_version, topic, state "
            "FROM {events} WHERE rowid > 0 AND rowid <= 99 "
            "AND topic IN ('ledger:OrganisationClosed') ORDER BY rowid LIMIT 10",
        )
        assert any("USING INDEX stored_events_topic" in str(row) for row in plan), plan
