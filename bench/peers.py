"""The peers a user would pick instead of the ledger, loading the same synthetic records.

Each peer reads the same JSON lines the ledger imports, decodes them with orjson (as the
raw sqlite3 row does), and stores them its own way in a new SQLite file, with its own
defaults and nothing checked. Each returns its wall time in seconds, from opening the
file to closing it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from ledger.writing.importing import CHUNK  # the ledger's import appends this many at a time


class Record(Aggregate):
    """The bare library's aggregate for one record: created by one event that holds it."""

    @event("Recorded")
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record


def eventsourcing_seconds(history: Path, path: Path, batch: int = CHUNK) -> float:
    """The bare eventsourcing library: an Application persisted by the library's own
    SQLite module with its default settings, one aggregate per record created by one event
    that holds the record, saved ``batch`` aggregates to a call (each call is one
    transaction). No validation, no checks between records, no hash chain."""
    started = time.perf_counter()
    application: Application[Any] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    )
    for records in pages(history, batch):
        application.save(*[Record(record) for record in records])
    application.close()
    return time.perf_counter() - started


def sqlite_utils_seconds(history: Path, path: Path) -> float:
    """sqlite-utils, as a Datasette user would load the records: ``insert_all`` of the
    decoded dicts into one table of a new file, keyed on the record id, adding a column
    when a later kind of record brings one (``alter``, which `sqlite-utils insert` asks
    for in that case), with its default batches and journal."""
    import sqlite_utils

    started = time.perf_counter()
    db = sqlite_utils.Database(path)
    db["records"].insert_all(decoded(history), pk="id", alter=True)
    db.close()
    return time.perf_counter() - started


def decoded(history: Path) -> Iterator[dict[str, Any]]:
    with history.open("rb") as lines:
        for line in lines:
            yield orjson.loads(line)


def pages(history: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    records = decoded(history)
    while page := list(islice(records, size)):
        yield page
