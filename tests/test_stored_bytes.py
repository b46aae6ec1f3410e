"""An import makes each stored event itself, without the event object in between (issue
21): the bytes must be the ones the library's mapper makes of that event, or a store
written by a bulk import would read back, or hash, differently from one written event by
event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPOSITORY

from ledger.records.keys import RECORD_NAMESPACE, entry_key
from ledger.store.application import EventStore
from ledger.store.domain import Entry, entry_id
from ledger.store.transcoder import OrjsonTranscoder
from ledger.writing.importing import import_files
from ledger.writing.jsonlines import RecordStream


def test_every_published_record_is_stored_as_the_librarys_mapper_stores_it(tmp_path):
    with EventStore(str(tmp_path / "ledger.db")) as store:
        timestamp = Entry.Recorded.create_timestamp()
        stored_event = store._stored_event_maker(timestamp)
        compared = 0
        for item in RecordStream([REPOSITORY / "events"], parallel=False):
            ours = stored_event(item)
            mapper = store.mapper.to_stored_event(Entry.event_for(item.fields, timestamp))
            # the id as the 32 hex digits the store keeps, the rest as the mapper makes it
            assert ours.originator_id == mapper.originator_id.hex, item.where
            assert ours.originator_version == mapper.originator_version, item.where
            assert (ours.topic, ours.state) == (mapper.topic, mapper.state), item.where
            compared += 1
    assert compared == 12_867


def test_an_entry_is_keyed_by_the_name_based_uuid_of_its_record_id():
    """The store finds a record again by this key: it must stay uuid5 of the record id,
    or a repeated import would not find what an earlier one recorded."""
    for record_id in ["src-nhse-2013-14", "alloc-06H-2013-14", "syn-1", "é-ünïcode id"]:
        expected = uuid.uuid5(RECORD_NAMESPACE, record_id)
        assert entry_key(record_id) == expected.hex
        assert entry_id(record_id) == expected


def test_a_record_imported_again_is_found_by_its_key(tmp_path):
    """Importing the published record twice finds every record the first import stored."""
    store = str(tmp_path / "ledger.db")
    first = import_files(store, RecordStream([REPOSITORY / "events"], parallel=False))
    again = import_files(store, RecordStream([REPOSITORY / "events"], parallel=False))
    assert (first.new_records, first.already_recorded) == (12_867, 0)
    assert (again.new_records, again.already_recorded) == (0, 12_867)


def test_each_stored_time_is_read_back_as_written_and_a_bad_one_is_refused():
    """Times are parsed once for each text (a batch's events share one), and read back
    the same; text that is not a time is refused, as parsing each one refused it."""
    transcoder = OrjsonTranscoder()

    def time_of(text: str) -> datetime:
        return transcoder.decode(b'{"timestamp": "%s", "record": {}}' % text.encode())["timestamp"]

    first = time_of("2026-11-29T10:00:00+00:00")
    assert first == datetime(2026, 11, 29, 10, tzinfo=UTC)
    assert time_of("2026-11-29T10:00:00+00:00") is first
    assert time_of("2026-11-29T10:00:01+00:00") == first + timedelta(seconds=1)
    with pytest.raises(ValueError):
        time_of("29 November 2026")


def test_a_postgresql_store_holds_the_events_a_sqlite_store_holds_position_by_position(
    tmp_path, postgres_store
):
    """A PostgreSQL store is sent its events as arrays, one for each column, and gives
    their positions back in the order it was sent them: each position holds the event a
    SQLite store holds there, and the hash chain made from those positions verifies."""
    from backends import store_sql

    rows = {}
    for store in (str(tmp_path / "ledger.db"), postgres_store):
        import_files(store, RecordStream([REPOSITORY / "events"], parallel=False))
        rows[store] = [
            (position, uuid.UUID(str(key)).hex, version, topic, _after_time(bytes(state)))
            for position, key, version, topic, state in store_sql(
                store,
                "SELECT {position}, originator_id, originator_version, topic, state "
                "FROM {events} ORDER BY {position}",
            )
        ]
    sqlite_rows, postgres_rows = rows.values()
    assert len(postgres_rows) == 12_867
    assert postgres_rows == sqlite_rows
    with EventStore(postgres_store, must_exist=True) as store:
        report = store.verify_chain()
    assert (report.events, report.breaks) == (12_867, [])


def _after_time(state: bytes) -> bytes:
    """A stored state past its timestamp, which differs from one import to another."""
    return state[state.index(b'"originator_topic"') :]
