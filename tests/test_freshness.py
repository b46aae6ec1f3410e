"""A command that reads the views first asks, with sqlite3 alone, whether they are already
up to date with the store; only a sure yes skips the event store's library."""

import sqlite3
import subprocess
import sys

from click.testing import CliRunner
from factories import allocation, plan, world
from stores import append, new_store

from ledger.cli import main
from ledger.views.freshness import up_to_date
from ledger.views.refresh import caught_up


def test_views_caught_up_are_up_to_date_until_the_store_moves_on(tmp_path):
    store, views = tmp_path / "ledger.db", tmp_path / "views.db"
    ledger = new_store(store, [*world(), allocation()])
    assert not up_to_date(str(store), views)  # no views yet
    caught_up(ledger, views).close()
    assert up_to_date(str(store), views)
    append(ledger, [plan()])
    assert not up_to_date(str(store), views)
    caught_up(ledger, views).close()
    assert up_to_date(str(store), views)


def test_views_of_another_store_as_long_are_not_up_to_date_and_the_command_says_why(tmp_path):
    first, second, views = tmp_path / "first.db", tmp_path / "second.db", tmp_path / "views.db"
    caught_up(new_store(first, [*world(), allocation()]), views).close()
    new_store(second, [*world(), plan()])  # as many events, another last record
    assert not up_to_date(str(second), views)
    result = CliRunner().invoke(
        main, ["--store", str(second), "--views", str(views), "view", "ccg-budgets"]
    )
    assert result.exit_code == 1
    assert "was built from another store" in result.output


def test_views_of_an_older_schema_a_server_store_or_the_store_itself_are_not_up_to_date(
    tmp_path,
):
    store, views = tmp_path / "ledger.db", tmp_path / "views.db"
    caught_up(new_store(store, [*world(), allocation()]), views).close()
    with sqlite3.connect(views) as db:
        db.execute("UPDATE ledger_tracking SET schema_version = schema_version - 1")
    assert not up_to_date(str(store), views)
    assert not up_to_date("postgresql://nobody@127.0.0.1:1/none", views)
    assert not up_to_date(str(store), store)


def test_a_view_of_caught_up_views_does_not_load_the_event_store_library(tmp_path):
    store, views = tmp_path / "ledger.db", tmp_path / "views.db"
    caught_up(new_store(store, [*world(), allocation()]), views).close()
    program = (
        "import sys\n"
        "from ledger.cli import main\n"
        "try:\n"
        f"    main(['--store', {str(store)!r}, '--views', {str(views)!r}, 'view', "
        "'ccg-budgets', '-p', 'year', '2013-14'])\n"
        "except SystemExit as stop:\n"
        "    assert stop.code in (0, None), stop.code\n"
        "print(sorted(name for name in sys.modules if name.startswith('eventsourcing')))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert loaded == "[]"
