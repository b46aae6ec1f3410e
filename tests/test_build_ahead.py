"""A large build has its pages made by a worker process while it writes them (views/ahead.py).
Whatever the worker meets (errata, records it cannot make rows of, being killed), the
views are those a build made in one process makes."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import threading
import time
from pathlib import Path

import pytest
from factories import allocation, correction, transfer, world
from stores import new_store, published_ledger, succeeding
from test_errata import erratum
from test_projector_robust import append_unchecked, normalised, table_rows

from ledger.store.application import EventStore
from ledger.views import ahead, projector, refresh
from ledger.views.refresh import replay


class Recorded(ahead.MadeAhead):
    """The real worker, remembered, to say afterwards how many pages it made."""

    made: list[Recorded] = []

    def __init__(self, reading: ahead.Reading, **given):
        super().__init__(reading, **given)
        self.pages = 0
        self.bounds: list[tuple[int, int]] = []  # (after, upto) of each page
        Recorded.made.append(self)

    def __iter__(self):
        for page in super().__iter__():
            self.pages += 1
            self.bounds.append((page.after, page.upto))
            yield page


class KilledAfterTwoPages(Recorded):
    """The real worker, killed once it has handed over two pages."""

    def __iter__(self):
        for page in super().__iter__():
            yield page
            if self.pages == 2:
                self._worker.process.kill()
                self._worker.process.wait()


@pytest.fixture
def made_ahead(monkeypatch):
    """Builds of any size are made ahead, in pages of 1,000 events; gives the workers used."""
    monkeypatch.setattr(projector, "AHEAD_FROM_EVENTS", 0)
    monkeypatch.setattr(refresh, "REPLAY_PAGE_SIZE", 1000)
    monkeypatch.setattr(projector, "MadeAhead", Recorded)
    Recorded.made = []
    return Recorded.made


@pytest.fixture(scope="module")
def published_store(tmp_path_factory) -> Path:
    """The published record (with its errata) and 3,000 synthetic records after it (with
    corrections), in a SQLite store made once for the module."""
    folder = tmp_path_factory.mktemp("published")
    ledger = succeeding(published_ledger(folder))
    history = folder / "synthetic.jsonl"
    ledger("demo", "generate", "--events", "3000", "--seed", "7", "-o", str(history))
    ledger("import", str(history))
    return folder / "ledger.db"


def built_here_and_ahead(store: str, tmp_path: Path, monkeypatch, **replaying) -> tuple[Path, Path]:
    """The same build twice: in this process, then with its pages made by a worker."""
    here, there = tmp_path / "here.db", tmp_path / "ahead.db"
    with EventStore(store, must_exist=True) as ledger:
        with monkeypatch.context() as serial:
            serial.setattr(projector, "AHEAD_FROM_EVENTS", 10**12)
            replay(ledger, here, **replaying)
        replay(ledger, there, **replaying)
    return here, there


@pytest.mark.parametrize(
    "replaying",
    [
        {},
        {"known_by": "2014-03-31"},
        {"recorded_by": "2026-11-27"},  # before the errata of the published record
        {"until": 9_000},
    ],
    ids=["rebuild", "as-at", "recorded-by", "until"],
)
def test_a_build_made_ahead_is_the_build_made_here(
    published_store, tmp_path, monkeypatch, made_ahead, replaying
):
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    here, there = built_here_and_ahead(str(store), tmp_path, monkeypatch, **replaying)
    assert table_rows(there) == table_rows(here)
    assert [worker.complete for worker in made_ahead] == [True]
    events = 9_000 if "until" in replaying else 15_867  # 12,867 published, 3,000 synthetic
    sizes = page_sizes(made_ahead[0].bounds, events)
    assert (sizes[0], max(sizes), sizes[-1] <= 125) == (125, 1000, True)
    if not replaying:
        assert len(table_rows(there)["errata"]) == 244


def page_sizes(bounds: list[tuple[int, int]], events: int) -> list[int]:
    """The sizes of pages that follow on from one another and cover the events exactly."""
    assert bounds[0][0] == 0 and bounds[-1][1] == events
    assert all(before[1] == after[0] for before, after in zip(bounds, bounds[1:], strict=False))
    return [upto - after for after, upto in bounds]


@pytest.mark.parametrize("events", [1, 124, 125, 999, 2001, 15_868, 100_003])
def test_pages_start_and_end_small_and_cover_every_position_once(events):
    """Pages of 1,000: the first of 125 (or all there is), each next twice the one
    before, and the last ones halving what is left, down to 125 or less."""
    sizes = page_sizes(list(ahead.page_bounds(0, events, 1000)), events)
    assert sizes[0] == min(events, 125)
    assert max(sizes) <= 1000 and sizes[-1] <= 125
    if events > 4000:
        assert sizes[:5] == [125, 250, 500, 1000, 1000]
        assert sizes[-4] < 1000 and sizes[-3] < 500 and sizes[-2] < 250


def test_a_worker_killed_mid_build_leaves_the_rest_to_the_projector(
    published_store, tmp_path, monkeypatch, made_ahead
):
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    monkeypatch.setattr(projector, "MadeAhead", KilledAfterTwoPages)
    here, there = built_here_and_ahead(str(store), tmp_path, monkeypatch)
    assert table_rows(there) == table_rows(here)
    assert [(worker.complete, worker.pages <= 3) for worker in made_ahead] == [(False, True)]


def test_a_worker_that_cannot_be_started_leaves_the_build_to_the_projector(
    published_store, tmp_path, monkeypatch, made_ahead
):
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    monkeypatch.setattr(ahead.sys, "executable", str(tmp_path / "no-such-python"))
    here, there = built_here_and_ahead(str(store), tmp_path, monkeypatch)
    assert table_rows(there) == table_rows(here)
    assert [(worker.complete, worker.pages) for worker in made_ahead] == [(False, 0)]


def test_a_worker_whose_python_prints_as_it_starts_still_makes_every_page(
    published_store, tmp_path, monkeypatch, made_ahead
):
    """A sitecustomize that prints (as site set-ups may) writes to the worker's stdout,
    not among its pages: before they had a pipe of their own, the projector took the
    printed line for a broken page and made every page itself."""
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text('print("site set up")\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    here, there = built_here_and_ahead(str(store), tmp_path, monkeypatch)
    assert table_rows(there) == table_rows(here)
    assert [worker.complete for worker in made_ahead] == [True]


class GarbledAfterOnePage(Recorded):
    """The real worker's first page, then bytes that are not a page (``garble`` makes
    them of the first page's pickle), then its word that it is done."""

    garble: staticmethod = staticmethod(lambda first: b"")

    def __enter__(self):
        super().__enter__()
        first = pickle.dumps(pickle.load(self._worker.pages))
        self._worker.pages.close()
        self._worker.pages = io.BytesIO(first + self.garble(first) + pickle.dumps(ahead._DONE))
        return self


@pytest.mark.parametrize(
    "garble",
    [
        lambda first: b"a line printed among the pages\n",
        lambda first: b"\x80\x04X\x02\x00\x00\x00\xff\xfe.",  # text that is not UTF-8
        lambda first: b"\x80\x04\x8c\x0bno_such_mod\x94\x8c\x01x\x94\x93\x94.",
        lambda first: pickle.dumps({"not": "a page"}),
        lambda first: first[: len(first) // 2],  # half a page
    ],
    ids=["printed", "not-utf-8", "no-such-module", "not-a-page", "half-a-page"],
)
def test_a_worker_pipe_holding_what_is_not_a_page_leaves_the_rest_to_the_projector(
    published_store, tmp_path, monkeypatch, made_ahead, garble
):
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    monkeypatch.setattr(GarbledAfterOnePage, "garble", staticmethod(garble))
    monkeypatch.setattr(projector, "MadeAhead", GarbledAfterOnePage)
    here, there = built_here_and_ahead(str(store), tmp_path, monkeypatch)
    assert table_rows(there) == table_rows(here)
    assert [(worker.complete, worker.pages) for worker in made_ahead] == [(False, 1)]


def test_pages_the_worker_or_the_writing_cannot_take_whole_are_made_record_by_record(
    store, tmp_path, monkeypatch, made_ahead
):
    """A hand-edited store, in pages of three events: a transfer with no giver (its page
    cannot be made), a correction of a text amount and a record stored again under
    another's id (their pages cannot be written), and an erratum on such a page fixing a
    record of an earlier page, which the projector must know as the worker did."""
    monkeypatch.setattr(refresh, "REPLAY_PAGE_SIZE", 3)
    ledger = new_store(store, [*world(), allocation()])
    text_amount = correction("text-amount", "alloc-06H", action="replace", amount="£1m")
    hostile = [
        (normalised(transfer(), **{"from": None}), None),
        (normalised(text_amount, amount_pence="lots"), None),
        (normalised(erratum(set={"amount": "£850m"})), None),
        (normalised(allocation("later", account="05Q", amount="£5m")), None),
        (normalised(allocation(amount="£1m")), "twin-06H"),  # alloc-06H again
    ]
    for record, under in hostile:
        append_unchecked(ledger.store, record, under=under)
    here, there = built_here_and_ahead(ledger.store, tmp_path, monkeypatch)
    assert table_rows(there) == table_rows(here)
    assert sorted(row[1] for row in table_rows(there)["unprojected"]) == [
        "alloc-06H",
        "text-amount",
        "transfer-05Q",
    ]
    assert [row[:2] for row in table_rows(there)["errata"]] == [("fix-06H", "alloc-06H")]
    assert [worker.complete for worker in made_ahead] == [True]
    ledger.close()


def test_the_worker_makes_pages_ahead_while_the_projector_is_busy():
    """Pages larger than a pipe holds are sent without waiting for the reader, up to
    PAGES_QUEUED of them, and arrive whole and in order once it reads."""
    reading_end, writing_end = os.pipe()
    pages = [bytes([number]) * 200_000 for number in range(ahead.PAGES_QUEUED)]
    with (
        open(writing_end, "wb") as out,
        open(reading_end, "rb") as pipe,
        ahead._Sender(out) as send,
    ):
        sent = threading.Thread(target=lambda: [send(page) for page in pages])
        sent.start()
        sent.join(timeout=10)
        assert not sent.is_alive()  # none waited for the reader
        received = [pipe.read(200_000) for _ in pages]
    assert received == pages


def test_a_worker_whose_projector_stopped_reading_stops():
    """Once nobody reads the pipe, sending a page says so (the worker then stops rather
    than make pages for nobody) within the pages already queued, and nothing waits."""
    reading_end, writing_end = os.pipe()
    os.close(reading_end)
    sent: list[int] = []
    with open(writing_end, "wb") as out:
        finished = threading.Thread(target=_send_to, args=(out, sent))
        finished.start()
        finished.join(timeout=10)
        assert not finished.is_alive()
    assert 1 <= len(sent) <= ahead.PAGES_QUEUED + 2


def _send_to(out, sent: list[int]) -> None:
    """Send pages until sending fails, counting those sent."""
    with ahead._Sender(out) as send, pytest.raises(BrokenPipeError):
        for page in range(1000):
            send(b"x" * 200_000)
            sent.append(page)
            time.sleep(0.01)  # as a worker takes time to make the next page


def test_the_worker_starts_before_the_views_tables_are_made(
    published_store, tmp_path, monkeypatch, made_ahead
):
    """Its Python takes a few tenths of a second to start: it does so while the projector
    makes the tables, not after, and it is the one worker of the build."""
    from ledger.views.database import ViewsSchema

    happened: list[str] = []
    starting, creating = ahead.Worker.start, ViewsSchema.create

    def start():
        happened.append("worker started")
        return starting()

    def create(self, *args, **kwargs):
        happened.append("tables made")
        return creating(self, *args, **kwargs)

    monkeypatch.setattr(ahead.Worker, "start", staticmethod(start))
    monkeypatch.setattr(ViewsSchema, "create", create)
    store = tmp_path / "ledger.db"
    shutil.copy(published_store, store)
    with EventStore(str(store), must_exist=True) as ledger:
        replay(ledger, tmp_path / "views.db")
    assert happened == ["worker started", "tables made"]
    assert [worker.complete for worker in made_ahead] == [True]
