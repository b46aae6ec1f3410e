"""`ledger check` compares the views with a fresh projection of the store row by row, by
each table's key: it says how many rows of a table differ and names the first, and views
that move on while it compares them are compared with a projection made again."""

import multiprocessing
import sqlite3
import threading
import time

import pytest
from factories import allocation, transfer, world
from stores import append, new_store

from ledger.explain import afresh, checks
from ledger.explain.checks import MATCH_CHECK, check_all
from ledger.views.errors import ViewsError
from ledger.views.projections import ProjectionError
from ledger.views.refresh import caught_up, replay


def checked(tmp_path, *more, store=None):
    """A store (by default a SQLite file) of the world, an allocation and a transfer, its
    views caught up, and the store's ledger."""
    ledger = new_store(store or tmp_path / "ledger.db", [*world(), allocation(), transfer(), *more])
    caught_up(ledger, tmp_path / "views.db").close()
    return ledger


def match_failures(ledger, views):
    """What check says of the views against a fresh projection (up to how to fix it)."""
    failures = check_all(ledger, lambda: views).failures
    return [f.message.split("; run: ")[0] for f in failures if f.check == MATCH_CHECK]


def test_rows_only_in_the_views_and_only_in_the_fresh_projection_are_each_named(tmp_path):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    with sqlite3.connect(views) as db:
        # A posting copied under another record's id, an organisation taken away.
        db.execute(
            "INSERT INTO postings (record_id, kind, measure, account, side, financial_year, "
            "as_at, version) SELECT 'planted', kind, measure, account, side, financial_year, "
            "as_at, version FROM postings WHERE record_id = 'transfer-05Q'"
        )
        db.execute("DELETE FROM organisations WHERE code = 'SPEC'")
    assert match_failures(ledger, views) == [
        "the postings table differs from a fresh projection of the store in 2 rows "
        "(the first: record_id 'planted', side 'from', version 0)",
        "the organisations table differs from a fresh projection of the store in 1 row "
        "(code 'SPEC')",
    ]


def test_views_that_move_on_during_the_check_are_compared_with_a_projection_made_again(
    tmp_path, monkeypatch
):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    made_until = []

    def replay_while_the_views_move_on(ledger_, path, known_by, *, until, recorded_by):
        if not made_until:  # another command imports a record and catches the views up
            append(ledger, [allocation("while-checking", account="05Q")])
            caught_up(ledger, views).close()
        made_until.append(until)
        return replay(ledger_, path, known_by, until=until, recorded_by=recorded_by)

    monkeypatch.setattr(afresh, "replay", replay_while_the_views_move_on)
    report = check_all(ledger, lambda: views)
    assert [f for f in report.failures if f.check == MATCH_CHECK] == []
    positions = len(world()) + 2
    assert made_until == [positions, positions + 1]


def test_views_that_keep_moving_on_are_reported_not_compared(tmp_path, monkeypatch):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    made = []

    def replay_while_the_views_keep_moving(ledger_, path, known_by, *, until, recorded_by):
        made.append(until)
        append(ledger, [allocation(f"while-checking-{len(made)}", account="05Q")])
        caught_up(ledger, views).close()
        return replay(ledger_, path, known_by, until=until, recorded_by=recorded_by)

    monkeypatch.setattr(afresh, "replay", replay_while_the_views_keep_moving)
    assert match_failures(ledger, views) == [
        "the views database moved on three times while it was being compared with a fresh "
        "projection of the store; run check again when nothing else is writing to it"
    ]  # (no table is named: the views were never still long enough to compare)
    assert len(made) == 3


# -- a large store: the fresh projection is made in a child process, alongside ----------


def alongside(monkeypatch):
    """Make the fresh projection alongside the store checks, whatever the store's size;
    the projections then made in this process, by their scope."""
    monkeypatch.setattr(afresh, "ALONGSIDE_FROM_EVENTS", 1)
    made_here = []
    project = checks.project

    def projected_here(ledger, fresh, scope):
        made_here.append(scope)
        project(ledger, fresh, scope)

    monkeypatch.setattr(checks, "project", projected_here)
    return made_here


def test_a_projection_made_alongside_finds_what_one_made_here_finds(tmp_path, monkeypatch, store):
    made_here = alongside(monkeypatch)
    ledger = checked(tmp_path, store=store)  # (the child opens the store itself)
    views = tmp_path / "views.db"
    with sqlite3.connect(views) as db:
        db.execute("UPDATE postings SET amount_pence = 1 WHERE record_id = 'alloc-06H'")
    assert match_failures(ledger, views) == [
        "the postings table differs from a fresh projection of the store in 1 row "
        "(record_id 'alloc-06H', side '', version 0)"
    ]
    assert made_here == []  # (made in the child)
    assert multiprocessing.active_children() == []


def test_views_that_move_on_after_a_projection_alongside_began_are_compared_again(
    tmp_path, monkeypatch
):
    made_here = alongside(monkeypatch)
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    chain_holds = checks.chain_holds

    def while_the_views_move_on(ledger_, expected_head):
        append(ledger, [allocation("while-checking", account="05Q")])
        caught_up(ledger, views).close()
        return chain_holds(ledger_, expected_head)

    monkeypatch.setattr(checks, "chain_holds", while_the_views_move_on)
    report = check_all(ledger, lambda: views)
    assert [f for f in report.failures if f.check == MATCH_CHECK] == []
    assert made_here == [(len(world()) + 3, None, None)]  # made again, here, to the new end


def test_a_projection_alongside_that_fails_fails_the_check_as_one_made_here(tmp_path, monkeypatch):
    alongside(monkeypatch)
    ledger = checked(tmp_path)

    def failing(*_, **__):
        raise ViewsError("planted: the projection failed")

    monkeypatch.setattr(afresh, "replay", failing)
    with pytest.raises(ViewsError, match="planted: the projection failed"):
        check_all(ledger, lambda: tmp_path / "views.db")
    assert multiprocessing.active_children() == []


def test_a_check_stopped_early_stops_the_projection_alongside(tmp_path, monkeypatch):
    alongside(monkeypatch)
    ledger = checked(tmp_path)
    started = threading.Event()

    def slow(*_, **__):
        time.sleep(60)

    def stopped(*_, **__):
        started.set()
        raise KeyboardInterrupt

    monkeypatch.setattr(afresh, "replay", slow)
    monkeypatch.setattr(checks, "records_read_back", stopped)
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        check_all(ledger, lambda: tmp_path / "views.db")
    assert started.is_set()
    assert time.monotonic() - began < 30  # the child was stopped, not waited for
    assert multiprocessing.active_children() == []


def test_a_check_of_the_views_that_fails_in_its_thread_fails_the_check(tmp_path, monkeypatch):
    """The checks of the views are made in a thread while the store is read back
    (explain/background.py): an error there is the check's, as it was."""
    ledger = checked(tmp_path)

    def failing(views_path):
        raise ProjectionError("planted: the query failed")

    monkeypatch.setitem(checks.VIEW_CHECKS, "versions count once", failing)
    with pytest.raises(ProjectionError, match="planted: the query failed"):
        check_all(ledger, lambda: tmp_path / "views.db")
