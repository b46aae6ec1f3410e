"""`ledger check` compares the views with a fresh projection of the store row by row, by
each table's key: it says how many rows of a table differ and names the first, and views
that move on while it compares them are compared with a projection made again."""

import sqlite3
import time

import pytest
from factories import allocation, correction, transfer, world
from stores import append, new_store, published_ledger
from test_projector_robust import append_unchecked, normalised

from ledger.explain import afresh, checks
from ledger.explain.checks import MATCH_CHECK, check_all
from ledger.store.application import EventStore
from ledger.store.errors import StoreError
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


# -- a large store: the fresh projection is made by a child process, alongside ----------


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
    assert made_here == []  # (made by the child)


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


def test_a_projection_alongside_that_fails_raises_what_one_made_here_raises(tmp_path):
    missing = str(tmp_path / "gone.db")
    with pytest.raises(StoreError) as here:  # as a check in one process would find it
        EventStore(missing, must_exist=True)
    child = afresh.Alongside(missing, tmp_path / "there.db", (1, None, None), read_from=0)
    try:
        with pytest.raises(StoreError) as there:
            child.made()
        assert child.read_back() is None  # (the check reads the records back itself)
    finally:
        child.stop()
    assert str(there.value) == str(here.value)


def test_records_read_back_half_by_the_child_are_found_as_by_one_reading(tmp_path, monkeypatch):
    """The child reads back the later half of the store: a correction there that
    reverses a record of the earlier half clears its failure, as in one reading."""
    ledger = checked(tmp_path)  # 7 events
    store = str(tmp_path / "ledger.db")
    append_unchecked(store, normalised(allocation("broken-early"), account=None))  # 8
    append(ledger, [allocation(f"more-{n}", account="05Q") for n in range(6)])  # 9-14
    append(ledger, [correction("reverse-early", "broken-early", as_at="2013-12-01")])  # 15
    append_unchecked(store, normalised(allocation("broken-late"), amount_pence="lots"))
    caught_up(ledger, tmp_path / "views.db").close()
    one_reading = check_all(ledger, lambda: tmp_path / "views.db")
    made_here = alongside(monkeypatch)
    halves = check_all(ledger, lambda: tmp_path / "views.db")
    assert made_here == []  # (the child was at work)
    assert halves == one_reading
    assert halves.records == 16
    assert [(f.check, f.record) for f in halves.failures] == [
        ("records read back", "broken-late"),
        ("events projected", "broken-late"),
    ]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A store of the published record (12,867 events): a child takes a second or two
    to project it."""
    folder = tmp_path_factory.mktemp("published")
    published_ledger(folder)
    return str(folder / "ledger.db")


def at_work(published, folder):
    """A child begun on the published record, still at work."""
    child = afresh.Alongside(published, folder / "fresh.db", (12_867, None, None), 6_000)
    time.sleep(0.2)
    assert child._child.poll() is None
    return child


def test_a_check_stopped_early_stops_its_child_which_leaves_nothing_behind(published, tmp_path):
    child = at_work(published, tmp_path)
    began = time.monotonic()
    child.stop()
    assert time.monotonic() - began < 5  # stopped, not waited for
    assert list(tmp_path.iterdir()) == []  # its build's file removed as it stopped


def test_a_child_that_stops_without_a_word_leaves_the_projection_to_the_check(
    published, tmp_path, monkeypatch
):
    child = at_work(published, tmp_path)
    child._child.kill()  # as the machine might
    assert child.made() is False
    child.stop()
    # and the check then projects the store itself:
    made_here = alongside(monkeypatch)
    monkeypatch.setattr(afresh.Alongside, "made", lambda self: False)
    ledger = checked(tmp_path)
    assert match_failures(ledger, tmp_path / "views.db") == []
    assert made_here == [(len(world()) + 2, None, None)]


def test_a_check_of_the_views_that_fails_in_its_thread_fails_the_check(tmp_path, monkeypatch):
    """The checks of the views are made in a thread while the store is read back
    (explain/background.py): an error there is the check's, as it was."""
    ledger = checked(tmp_path)

    def failing(views_path):
        raise ProjectionError("planted: the query failed")

    monkeypatch.setitem(checks.VIEW_CHECKS, "versions count once", failing)
    with pytest.raises(ProjectionError, match="planted: the query failed"):
        check_all(ledger, lambda: tmp_path / "views.db")
