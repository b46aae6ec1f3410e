"""An import pauses Python's cycle collector while it checks its records, so what it keeps
of each record must be freed by reference counting once it returns. A reference cycle
through the checker kept every record alive until the collector ran again, which then
walked them all: 0.8 s at the end of an import of a million records (issue 21)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.records.base import RecordBase
from ledger.records.located import Located
from ledger.records.seen import Seen
from ledger.writing.importing import CHUNK


@pytest.fixture
def collector_keeping_garbage() -> Iterator[None]:
    """The cycle collector set to keep what it finds unreachable in gc.garbage."""
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.garbage.clear()
        gc.set_debug(flags)


def test_what_an_import_kept_of_its_records_is_freed_when_it_returns(
    tmp_path, collector_keeping_garbage
):
    records = [*world(), *(allocation(f"alloc-{n}") for n in range(2 * CHUNK))]
    imported = CliRunner().invoke(
        main,
        ["--store", str(tmp_path / "ledger.db"), "--views", str(tmp_path / "views.db"),
         "import", str(write_jsonl(tmp_path / "records.jsonl", records))],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    gc.collect()
    kinds = (Seen, Located, RecordBase)
    stranded = [found for found in gc.garbage if isinstance(found, kinds)]
    assert len(stranded) == 0, f"{len(stranded):,} records left to the cycle collector"
