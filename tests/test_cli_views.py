"""The read side from the command line: views, view, query, replay and rebuild."""

import json
import shutil
import sqlite3
import subprocess

import pytest
from factories import allocation, correction, organisation, transfer, world, write_jsonl

from ledger.cli import views as cli_views
from ledger.views import refresh

HISTORY = [
    *world(),
    organisation("Y55", name="Midlands and East", type="region"),
    allocation(as_at="2013-04-01"),
    allocation("alloc-05Q", account="05Q", amount="£300m", as_at="2013-04-01"),
    transfer(as_at="2013-10-15"),
    correction("fix-transfer", "transfer-05Q", action="replace", amount="£4m", as_at="2013-11-01"),
]


def imported(run, tmp_path):
    result = run("import", str(write_jsonl(tmp_path / "history.jsonl", HISTORY)))
    assert result.exit_code == 0, result.output
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


def test_views_lists_every_view_with_what_it_shows(run):
    lines = run("views").output.splitlines()
    assert lines[0].split() == ["name", "shows", "parameters"]
    names = [line.split()[0] for line in lines[2:]]
    assert names == [
        "audit",
        "baseline",
        "ccg-budgets",
        "deficit-forecasts",
        "drawdown",
        "icb-budgets",
        "national-position",
        "qipp",
        "reconciliation",
        "specialised-delegation",
        "specialised-net-change",
        "system-position",
    ]


def test_view_prints_pounds_in_a_table_and_pence_in_json(run, tmp_path):
    ledger = imported(run, tmp_path)
    table = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", "2013-12-31")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines() == [
        "code    name                                                    ccgs       allocation    adjustments    carried    apportioned  boundaries",
        "------  ----------------------------------------------------  ------  ---------------  -------------  ---------  -------------  ------------",
        "05Q     NHS South East Staffs and Seisdon and Peninsular CCG       1  £296,000,000.00              2      £0.00          £0.00  2013-14",
        "06H     NHS Cambridgeshire and Peterborough CCG                    1  £849,204,000.00              0      £0.00          £0.00  2013-14",
    ]
    rows = json.loads(
        ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json").output
    )
    assert [(row["code"], row["allocation_pence"]) for row in rows] == [
        ("05Q", 29_600_000_000),
        ("06H", 84_920_400_000),
    ]


def test_view_names_a_missing_view_or_parameter(run, tmp_path):
    ledger = imported(run, tmp_path)
    missing = ledger("view", "no-such-thing")
    assert (missing.exit_code, missing.stderr) == (
        1,
        "Error: no view named 'no-such-thing'; `ledger views` lists them\n",
    )
    for misspelt in ("ccg-budget", "CCG-Budgets", "ccg_budgets"):
        near = ledger("view", misspelt)
        assert (near.exit_code, near.stderr) == (
            1,
            f"Error: no view named {misspelt!r} (did you mean 'ccg-budgets'?); "
            "`ledger views` lists them\n",
        )
    wrong = ledger("view", "drawdown", "-p", "region", "Y55")
    assert wrong.stderr == (
        "Error: view drawdown has no parameter 'region' (it takes: year, as_at)\n"
    )
    bad_date = ledger("view", "drawdown", "-p", "as_at", "30/09/2013")
    assert bad_date.stderr == (
        "Error: parameter as_at: '30/09/2013' is not a date (write dates like 2013-09-30)\n"
    )


@pytest.mark.parametrize(
    "spelt",
    [
        ["-p", "year=2013-14", "-p", "as_at=2013-12-31"],
        ["--param", "year=2013-14", "--param", "as_at=2013-12-31"],
        ["--param=year=2013-14", "--param=as_at=2013-12-31"],
        ["-pyear=2013-14", "-pas_at=2013-12-31"],
        ["-p", "year=2013-14", "-p", "as_at", "2013-12-31"],
    ],
)
def test_a_parameter_may_be_given_as_name_equals_value(run, tmp_path, spelt):
    """``-p year=2013-14`` is read as ``-p year 2013-14``: click took the next -p as the
    year's value and refused the rest as stray arguments."""
    ledger = imported(run, tmp_path)
    given = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", "2013-12-31")
    assert given.exit_code == 0, given.output
    assert "£849,204,000.00" in given.output
    assert ledger("view", "ccg-budgets", *spelt).output == given.output


def test_only_a_parameters_name_and_value_in_one_word_is_split(run, tmp_path):
    """A value may hold ``=``: given after its name, it is passed on whole, and so is a
    name that is not one (refused by name, as before)."""
    ledger = imported(run, tmp_path)
    odd_value = ledger("view", "drawdown", "-p", "as_at", "x=1")
    assert odd_value.stderr == (
        "Error: parameter as_at: 'x=1' is not a date (write dates like 2013-09-30)\n"
    )
    odd_name = ledger("view", "drawdown", "-p", "as at=2013-09-30")
    assert odd_name.exit_code == 2
    assert "Option '-p' requires 2 arguments" in odd_name.stderr


def test_query_reads_and_refuses_to_write_attach_or_load(run, tmp_path):
    ledger = imported(run, tmp_path)
    result = ledger(
        "query",
        "SELECT account, SUM(delta_pence) AS net_pence FROM postings "
        "GROUP BY account ORDER BY account",
        "--format",
        "csv",
    )
    assert result.output == "account,net_pence\n05Q,29600000000\n06H,84920400000\nSPEC,400000000\n"
    for sql, refused in [
        ("DELETE FROM postings", "DELETE FROM postings"),
        ("UPDATE postings SET amount_pence = 0", "UPDATE postings"),
        ("ATTACH DATABASE 'other.db' AS other", "ATTACH 'other.db'"),
        ("CREATE TEMP TABLE t (x)", "CREATE TEMP TABLE or VIEW"),
        ("DROP TABLE postings", "DROP TABLE, VIEW or INDEX"),
        ("SELECT load_extension('evil')", "the function load_extension()"),
    ]:
        result = ledger("query", sql)
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: the views database is read-only here: {refused} is not allowed\n",
        ), sql
    with sqlite3.connect(tmp_path / "views.db") as db:
        assert db.execute("SELECT COUNT(*), SUM(amount_pence) FROM postings").fetchone() == (
            6,
            114_920_400_000,
        )
    assert not (tmp_path / "other.db").exists()


def test_replay_as_at_a_date_builds_a_snapshot_of_what_was_known(run, tmp_path):
    ledger = imported(run, tmp_path)
    snapshot = str(tmp_path / "october.db")
    result = ledger("replay", "--as-at", "2013-10-31", "--views", snapshot)
    assert result.output == (
        f"Replayed 10 events into {snapshot}, keeping what was known by 2013-10-31: "
        "4 postings, 5 organisations.\n"
    )
    shown = run(
        "--views", snapshot, "view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json"
    )
    assert (
        shown.stderr == f"(the views database {snapshot} holds only what was known by 2013-10-31)\n"
    )
    assert {row["code"]: row["allocation_pence"] for row in json.loads(shown.stdout)} == {
        "05Q": 29_500_000_000,
        "06H": 84_920_400_000,
    }


def test_rebuild_replays_everything_into_the_views_database(run, tmp_path):
    ledger = imported(run, tmp_path)
    assert ledger("rebuild").output == (
        f"Replayed 10 events into {tmp_path / 'views.db'}: 6 postings, 5 organisations.\n"
    )


def test_replay_reports_progress_on_stderr_for_long_histories(run, tmp_path, monkeypatch):
    ledger = imported(run, tmp_path)
    monkeypatch.setattr(refresh, "REPLAY_PAGE_SIZE", 3)
    real_progress = cli_views.progress_on_stderr
    monkeypatch.setattr(
        cli_views, "progress_on_stderr", lambda label: real_progress(label, every_seconds=0)
    )
    result = ledger("rebuild")
    assert result.stderr.splitlines() == [
        "replay: 3 of 10 events",
        "replay: 6 of 10 events",
        "replay: 9 of 10 events",
        "replay: 10 of 10 events",
    ]


def test_the_views_database_opens_in_the_sqlite3_shell(run, tmp_path):
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed here")
    ledger = imported(run, tmp_path)
    ledger("rebuild")
    shown = subprocess.run(
        [shell, str(tmp_path / "views.db"), "SELECT code FROM organisations ORDER BY code"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == ["05Q", "06H", "SPEC", "Y55", "ccg-sector"]


def test_parameters_are_bound_never_pasted_into_sql(run, tmp_path):
    ledger = imported(run, tmp_path)
    sneaky = ledger(
        "view",
        "ccg-budgets",
        "-p",
        "year",
        "2013-14",
        "-p",
        "region",
        "Y55' OR '1'='1",
        "--format",
        "json",
    )
    assert (sneaky.exit_code, sneaky.stderr) == (
        1,
        "Error: parameter region: \"Y55' OR '1'='1\" is not an organisation code, "
        "e.g. 06H or ccg-sector\n",
    )
    two = ledger("query", "SELECT 1; DELETE FROM postings")
    assert (two.exit_code, two.stderr) == (
        1,
        "Error: SQL error: You can only execute one statement at a time.\n",
    )
