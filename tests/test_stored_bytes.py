"""An import makes each stored event itself, without the event object in between (issue
21): the bytes must be the ones the library's mapper makes of that event, or a store
written by a bulk import would read back, or hash, differently from one written event by
event."""

from __future__ import annotations

from conftest import REPOSITORY

from ledger.store.application import EventStore
from ledger.store.domain import Entry
from ledger.writing.jsonlines import RecordStream


def test_every_published_record_is_stored_as_the_librarys_mapper_stores_it(tmp_path):
    with EventStore(str(tmp_path / "ledger.db")) as store:
        timestamp = Entry.Recorded.create_timestamp()
        compared = 0
        for item in RecordStream([REPOSITORY / "events"], parallel=False):
            ours = store._stored_event(item.fields, timestamp)
            mapper = store.mapper.to_stored_event(Entry.event_for(item.fields, timestamp))
            assert ours == mapper, item.where
            compared += 1
    assert compared == 12_867
