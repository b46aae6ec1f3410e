"""What a reader types cannot get a wrong answer, the terminal or a spreadsheet, or the
machine: view parameters are checked by their declared type, text is escaped on output,
and a query has a time limit, a size limit and stops on Ctrl-C (issue 14, items 7, 11, 12)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import allocation, organisation, source, transfer, world, write_jsonl
from processes import ledger_process, run_ledger, store_with_world
from stores import PROJECTIONS

from ledger.cli import main
from ledger.cli.output import render
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.views.projections import ProjectionError, bind, load_projections
from ledger.writing.ledger import Ledger

HISTORY = [
    *world(),
    organisation("Y55", name="Midlands and East", type="region"),
    allocation(as_at="2013-04-01"),
    allocation("alloc-06H-q4", effective="2014-03-31", amount="£1m", as_at="2013-04-01"),
    transfer(as_at="2013-10-15"),
]


def ledger_in(tmp_path: Path) -> Callable[..., Result]:
    """The CLI on a new SQLite store holding HISTORY."""
    store, views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            main, ["--store", store, "--views", views, *args], catch_exceptions=False
        )

    imported = invoke("import", str(write_jsonl(tmp_path / "history.jsonl", HISTORY)))
    assert imported.exit_code == 0, imported.output
    return invoke


# --- item 7: view parameters are checked by their type ---------------------------------

# Values each type of parameter refuses.
BAD_VALUES = {
    "date": ["banana", "2014-3-31", "20140331", "2014-02-30", "2014-W13-1", "31/03/2014"],
    "year": ["banana", "2013", "2013-15", "13-14"],
    "code": ["Y55' OR '1'='1", "", "06H;", "Q5\n6", "Q56\x1b"],
    "slug": ["September 2013", "sept_2013", "x'--"],
    "text": ["\x1b[2J", "nation"],
}
# Every parameter of the views that ship with the ledger, with the type it declares.
EVERY_PARAMETER = [
    ("audit", "account", "code"),
    ("audit", "as_at", "date"),
    ("audit", "lineage_as_at", "date"),
    ("audit", "measure", "slug"),
    ("audit", "service", "text"),
    ("audit", "year", "year"),
    ("baseline", "area_team", "code"),
    ("baseline", "as_at", "date"),
    ("baseline", "name", "slug"),
    ("baseline", "region", "code"),
    ("ccg-budgets", "area_team", "code"),
    ("ccg-budgets", "as_at", "date"),
    ("ccg-budgets", "boundaries", "year"),
    ("ccg-budgets", "compare", "year"),
    ("ccg-budgets", "effective", "date"),
    ("ccg-budgets", "group", "text"),
    ("ccg-budgets", "region", "code"),
    ("ccg-budgets", "year", "year"),
    ("deficit-forecasts", "as_at", "date"),
    ("deficit-forecasts", "year", "year"),
    ("drawdown", "as_at", "date"),
    ("drawdown", "year", "year"),
    ("icb-budgets", "as_at", "date"),
    ("icb-budgets", "group", "text"),
    ("icb-budgets", "service", "text"),
    ("icb-budgets", "year", "year"),
    ("national-position", "as_at", "date"),
    ("national-position", "year", "year"),
    ("qipp", "as_at", "date"),
    ("qipp", "year", "year"),
    ("reconciliation", "as_at", "date"),
    ("reconciliation", "year", "year"),
    ("specialised-delegation", "as_at", "date"),
    ("specialised-delegation", "group", "text"),
    ("specialised-delegation", "year", "year"),
    ("specialised-net-change", "account", "code"),
    ("specialised-net-change", "as_at", "date"),
    ("specialised-net-change", "year", "year"),
    ("system-position", "as_at", "date"),
    ("system-position", "system", "code"),
    ("system-position", "year", "year"),
]


def test_every_parameter_of_every_shipped_view_declares_its_type():
    declared = sorted(
        (view, parameter.name, parameter.type)
        for view, projection in PROJECTIONS.items()
        for parameter in projection.parameters
    )
    assert declared == EVERY_PARAMETER
    for path in sorted(Path(PROJECTIONS["audit"].path).parent.glob("*.sql")):
        lines = [line for line in path.read_text().splitlines() if line.startswith("-- :")]
        assert all(re.match(r"-- :\w+ +<\w+> ", line) for line in lines), path


@pytest.mark.parametrize(
    ("view", "name", "value"),
    [(view, name, value) for view, name, kind in EVERY_PARAMETER for value in BAD_VALUES[kind]],
)
def test_a_bad_value_of_any_parameter_is_an_error_naming_it(tmp_path, view, name, value):
    result = CliRunner().invoke(
        main, ["--store", str(tmp_path / "none.db"), "view", view, "-p", name, value]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: parameter {name}: "), result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("effective", "banana", "'banana' is not a date (write dates like 2013-09-30)"),
        ("effective", "2014-3-31", "'2014-3-31' is not a date (write dates like 2013-09-30)"),
        ("as_at", "20140331", "'20140331' is not a date (write dates like 2013-09-30)"),
        ("as_at", "2014-02-30", "'2014-02-30' is not a date (write dates like 2013-09-30)"),
        ("as_at", "２０１４-03-31", "'２０１４-03-31': only the digits 0-9 are read"),
        ("year", "2013", "a financial year is written like 2013-14, got '2013'"),
        ("year", "2013-15", "'2013-15' is not a financial year: the year after 2013 is 2014"),
        ("region", "Y55'", '"Y55\'" is not an organisation code, e.g. 06H or ccg-sector'),
        ("area_team", "Q5\n6", "'Q5\\n6' is not an organisation code, e.g. 06H or ccg-sector"),
        ("group", "nation", "'nation' is not one of ccg, area_team, region, england"),
        (
            "group",
            "ccg\x1b[2J",
            "'ccg\\x1b[2J' holds U+001B (a control character), which no code or name shows",
        ),
    ],
)
def test_what_a_bad_parameter_value_is_told(tmp_path, name, value, message):
    result = CliRunner().invoke(
        main, ["--store", str(tmp_path / "none.db"), "view", "ccg-budgets", "-p", name, value]
    )
    assert (result.exit_code, result.stderr) == (1, f"Error: parameter {name}: {message}\n")


def test_an_effective_date_is_compared_as_a_date_not_as_text(tmp_path):
    ledger = ledger_in(tmp_path)

    def total(effective: str) -> Result:
        return ledger(
            "view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "england",
            "-p", "effective", effective, "--format", "json",
        )  # fmt: skip

    assert json.loads(total("2013-09-30").output)[0]["allocation_pence"] == 84_420_400_000
    assert json.loads(total("2014-03-31").output)[0]["allocation_pence"] == 84_520_400_000
    for bad in ("banana", "2014-3-31", "9999"):
        refused = total(bad)
        assert (refused.exit_code, refused.stdout) == (1, ""), bad
        assert refused.stderr.startswith("Error: parameter effective: "), bad


def test_a_parameter_given_twice_is_an_error_not_the_last_one_winning(tmp_path):
    twice = CliRunner().invoke(
        main,
        ["--store", str(tmp_path / "none.db"), "view", "ccg-budgets",
         "-p", "year", "2013-14", "-p", "year", "2014-15"],
    )  # fmt: skip
    assert (twice.exit_code, twice.stderr) == (
        1,
        "Error: parameter year is given more than once\n",
    )


def test_values_are_normalised_by_their_type_before_they_are_bound(tmp_path):
    ledger = ledger_in(tmp_path)
    spelled = ledger("view", "ccg-budgets", "-p", "year", " 2013/14 ", "-p", "region", " Y55 ")
    plain = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "region", "Y55")
    assert spelled.exit_code == 0, spelled.output
    assert spelled.output == plain.output


def write_view(folder: Path, name: str, header: list[str], sql: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.sql").write_text("\n".join([f"-- {name}: a test view", *header, sql]))
    return folder


def test_a_header_declares_types_and_an_unknown_type_is_refused(tmp_path):
    folder = write_view(
        tmp_path / "views",
        "typed",
        [
            "-- :day     <date>    a day",
            "-- :month   <period>  a month",
            "-- :who     <text>    anyone",
            "-- :as_at   known date, typed by its name",
            "-- :note    untyped, so text",
        ],
        "SELECT :day AS day, :month AS month, :who AS who, :as_at AS as_at, :note AS note",
    )
    typed = load_projections([folder])["typed"]
    assert [(p.name, p.type) for p in typed.parameters] == [
        ("day", "date"),
        ("month", "period"),
        ("who", "text"),
        ("as_at", "date"),
        ("note", "text"),
    ]
    assert bind(typed, {"month": "month 6", "as_at": "2013-09-30"}) == {
        "day": None,
        "month": "M6",
        "who": None,
        "as_at": "2013-09-30",
        "note": None,
    }
    for name, value, message in [
        ("month", "M13", "parameter month: a month is written M1 to M12, got 'M13'"),
        ("as_at", "2013-9-30", "parameter as_at: '2013-9-30' is not a date (write dates "
         "like 2013-09-30)"),
        ("nobody", "x", "view typed has no parameter 'nobody' (it takes: day, month, who, "
         "as_at, note)"),
    ]:  # fmt: skip
        with pytest.raises(ProjectionError) as refused:
            bind(typed, {name: value})
        assert str(refused.value) == message

    write_view(folder, "odd", ["-- :when  <when>  a day"], "SELECT :when")
    with pytest.raises(ProjectionError) as unknown:
        load_projections([folder])
    assert str(unknown.value) == (
        f"{folder / 'odd.sql'}:2: parameter :when has an unknown type <when> "
        "(types: date, year, period, code, slug, text)"
    )


def test_a_text_parameter_is_bound_never_pasted_into_sql(tmp_path, monkeypatch):
    folder = write_view(
        tmp_path / "views", "echo", ["-- :who  <text>  anyone"], "SELECT :who AS who"
    )
    monkeypatch.setenv("LEDGER_PROJECTIONS", str(folder))
    ledger = ledger_in(tmp_path)
    sneaky = "x' OR '1'='1"
    result = ledger("view", "echo", "-p", "who", sneaky, "--format", "json")
    assert json.loads(result.output) == [{"who": sneaky}]


# --- item 11: text is escaped on output, and CSV cannot carry a formula -------------------

HOSTILE = "ok\x1b]52;c;aGk=\x07\x1b[2J\u202eevil\nforged row\r\t\x9b31m\x00"
SHOWN = "ok\\x1b]52;c;aGk=\\x07\\x1b[2J\\u202eevil\\nforged row\\r\\t\\x9b31m\\x00"


def test_a_table_shows_control_characters_as_escapes():
    table = render([{"name": HOSTILE, "n": 1}, {"name": "plain", "n": 2}], "table")
    assert table.splitlines() == [
        "name" + " " * len(SHOWN) + "n",
        "-" * len(SHOWN) + "  ---",
        SHOWN + "    1",
        "plain" + " " * (len(SHOWN) - 1) + "2",
    ]
    assert all(character.isprintable() for character in table.replace("\n", ""))


def test_csv_quotes_formulas_but_leaves_numbers_alone():
    rows = [
        {"text": '=HYPERLINK("http://x","y")', "amount_pence": -860_000_000, "p": "-1.5"},
        {"text": "+1+1", "amount_pence": 0, "p": "12"},
        {"text": "-2+3", "amount_pence": None, "p": "@SUM(A1)"},
        {"text": "\t=1", "amount_pence": 5, "p": "\r=1"},
        {"text": "a=b", "amount_pence": 1.5, "p": "-"},
    ]
    assert render(rows, "csv").splitlines() == [
        "text,amount_pence,p",
        '"\'=HYPERLINK(""http://x"",""y"")",-860000000,-1.5',
        "'+1+1,0,12",
        "'-2+3,,'@SUM(A1)",
        "\\t=1,5,\\r=1",
        "a=b,1.5,'-",
    ]
    assert render([{"=cmd|' /C calc'!A0": 1}], "csv").splitlines()[0] == "'=cmd|' /C calc'!A0"


def test_json_keeps_every_value_exact_and_escaped():
    text = render([{"name": HOSTILE + "\u2028\x7f Môn", "blob": b"\x00\xff"}], "json")
    assert text.isascii() is False  # ordinary letters stay readable
    assert all(character.isprintable() for character in text.replace("\n", ""))
    assert "Môn" in text
    assert json.loads(text) == [{"name": HOSTILE + "\u2028\x7f Môn", "blob": "x'00ff'"}]


def test_odd_values_from_a_query_print_in_every_format(tmp_path):
    ledger = ledger_in(tmp_path)
    sql = "SELECT 'abc' AS a_pence, 1.5 AS b_pence, x'00ff' AS c, 2500 AS d_pence"
    table = ledger("query", sql)
    assert table.output.splitlines()[2].split() == ["abc", "1.5", "x'00ff'", "£25.00"]
    assert json.loads(ledger("query", sql, "--format", "json").output) == [
        {"a_pence": "abc", "b_pence": 1.5, "c": "x'00ff'", "d_pence": 2500}
    ]
    assert ledger("query", sql, "--format", "csv").output == (
        "a_pence,b_pence,c,d_pence\nabc,1.5,x'00ff',2500\n"
    )


def plant(views: Path, sql: str, *params: str) -> None:
    """Write hostile text into the views database, as a hand-edited file or an old
    store whose text was never checked would hold it."""
    with sqlite3.connect(views) as db:
        db.execute(sql, params)
    db.close()


def test_audit_view_and_query_escape_what_the_views_database_holds(tmp_path):
    ledger = ledger_in(tmp_path)
    assert ledger("view", "ccg-budgets").exit_code == 0  # builds the views database
    views = tmp_path / "views.db"
    forged = "table 1\n2013-10-01  allocation  forged  06H  £1.00  £1.00"
    plant(views, "UPDATE postings SET locator = ? WHERE record_id = 'alloc-06H'", forged)
    plant(views, "UPDATE organisations SET name = ? WHERE code = '06H'", HOSTILE)
    plant(views, "UPDATE postings SET reason = ? WHERE record_id = 'transfer-05Q'", "=1+2")

    audit = ledger("audit", "06H", "allocation", "--year", "2013-14")
    lines = audit.output.splitlines()
    assert len(lines) == 4  # heading, rule, and the two allocations: no forged row
    assert "2013-04-01] table 1\\n2013-10-01  allocation  forged" in lines[2]
    budgets = ledger("view", "ccg-budgets", "-p", "year", "2013-14")
    assert SHOWN in budgets.output
    assert "\x1b" not in budgets.output and "\u202e" not in budgets.output
    csv_rows = ledger(
        "query",
        "SELECT record_id, reason FROM postings WHERE reason IS NOT NULL",
        "--format",
        "csv",
    )
    assert csv_rows.output == "record_id,reason\ntransfer-05Q,'=1+2\ntransfer-05Q,'=1+2\n"


def test_log_escapes_what_a_store_written_around_the_checks_holds(tmp_path):
    store = tmp_path / "ledger.db"
    records = [
        parse_record(source()).model_copy(update={"title": '=HYPERLINK("http://x")'}),
        parse_record(organisation("06H")).model_copy(update={"name": HOSTILE}),
    ]
    with Ledger(str(store)) as ledger, ledger.appending() as append:
        append([Located("test", record) for record in records])

    def log(*args: str) -> str:
        result = CliRunner().invoke(main, ["--store", str(store), "log", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    table = log()
    assert len(table.splitlines()) == 4
    assert f"{SHOWN} (ccg)" in table
    assert "\x1b" not in table
    csv_text = log("--format", "csv")
    assert '"\'=HYPERLINK(""http://x"")"' in csv_text
    assert f"{SHOWN} (ccg)" in csv_text
    assert json.loads(log("--format", "json"))[1]["detail"] == f"{HOSTILE} (ccg)"


# --- item 12: a query has a time limit, a size limit, and stops on Ctrl-C -----------------

RUNAWAY = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"


def counting(rows: int, columns: str = "x") -> str:
    return (
        f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {rows}) "
        f"SELECT {columns} FROM n"
    )


@pytest.fixture(scope="module")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``--store S --views V`` for a store holding the test world, views caught up."""
    folder = tmp_path_factory.mktemp("limits")
    store = store_with_world(folder)
    arguments = ["--store", store, "--views", str(folder / "views.db")]
    assert run_ledger(*arguments, "query", "SELECT 1").returncode == 0
    return arguments


def timed(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    return result, time.monotonic() - started


def test_a_runaway_query_stops_at_its_time_limit(world_store):
    result, seconds = timed(*world_store, "query", "--timeout", "1", RUNAWAY)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "Error: the query was stopped after 1 second; give it longer with "
        "--timeout SECONDS (or LEDGER_QUERY_TIMEOUT)\n",
    )
    assert seconds < 10


def test_the_time_limit_has_a_default_an_environment_variable_and_covers_views(
    world_store, tmp_path
):
    folder = write_view(tmp_path / "views", "forever", [], RUNAWAY)
    env = {**os.environ, "LEDGER_QUERY_TIMEOUT": "0.5", "LEDGER_PROJECTIONS": str(folder)}
    result, seconds = timed(*world_store, "view", "forever", env=env)
    assert (result.returncode, result.stderr) == (
        1,
        "Error: the query was stopped after 0.5 seconds; give it longer with "
        "--timeout SECONDS (or LEDGER_QUERY_TIMEOUT)\n",
    )
    assert seconds < 10
    result, seconds = timed(*world_store, "query", RUNAWAY)
    assert result.stderr.startswith("Error: the query was stopped after 5 seconds;")
    assert 5 <= seconds < 20


def test_ctrl_c_stops_a_running_query_with_the_line_of_every_interrupt(world_store):
    process = ledger_process(*world_store, "query", "--timeout", "600", RUNAWAY)
    time.sleep(3)  # past start-up and catching up: the statement is running
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - interrupted < 5
    assert (process.returncode, stdout, stderr) == (
        130,
        "",
        "Interrupted (Ctrl-C): nothing was recorded.\n",
    )


def test_a_huge_string_or_blob_is_refused(world_store):
    for sql in (
        "SELECT randomblob(900000000)",
        "SELECT length(zeroblob(20000000))",
        "SELECT length(replace(hex(zeroblob(3000000)), '0', 'xx'))",
        "SELECT length(group_concat(hex(zeroblob(1000)))) FROM (" + counting(10_000) + ")",
    ):
        result = run_ledger(*world_store, "query", sql)
        assert (result.returncode, result.stderr) == (
            1,
            "Error: the query makes a text or blob larger than 10 MB\n",
        ), sql


def test_an_answer_has_at_most_max_rows_rows(world_store):
    refused = run_ledger(*world_store, "query", counting(100_001))
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        1,
        "",
        "Error: the answer has more than 100,000 rows; narrow the query (WHERE, LIMIT) or "
        "raise --max-rows (or LEDGER_MAX_ROWS)\n",
    )
    allowed = run_ledger(*world_store, "query", counting(3), "--max-rows", "3", "--format", "csv")
    assert (allowed.returncode, allowed.stdout) == (0, "x\n1\n2\n3\n")
    fewer = run_ledger(*world_store, "query", counting(3), "--max-rows", "2", "--format", "csv")
    assert (fewer.returncode, fewer.stdout) == (1, "")
    assert fewer.stderr.startswith("Error: the answer has more than 2 rows;")
    environment = {**os.environ, "LEDGER_MAX_ROWS": "2"}
    from_environment, _ = timed(*world_store, "query", counting(3), env=environment)
    assert from_environment.stderr == fewer.stderr


def test_sqlite_memory_has_a_ceiling(world_store):
    """The ceiling (512 MB) lowered to 4 MB, so that a modest query reaches it."""
    lowered = (
        "import sys; from ledger.views import read_limits; read_limits.MAX_HEAP_BYTES = 4 * 2**20; "
        "from ledger.cli import main; sys.exit(main())"
    )
    sql = f"SELECT length(group_concat(x)) FROM ({counting(1_000_000)})"
    result = subprocess.run(
        [sys.executable, "-c", lowered, *world_store, "query", sql],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        1,
        "Error: the query needs more memory than a read may use (4 MB)\n",
    )
    assert run_ledger(*world_store, "query", sql).stdout.splitlines()[-1].strip() == "6,888,895"


def test_memory_stays_bounded_whatever_the_answer(world_store):
    """The child's peak memory, measured by a process of its own that runs it."""
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, peak, repr(done.stderr))\n"
    )
    too_many = "Error: the answer has more than 100,000 rows; narrow the query (WHERE, LIMIT) "
    too_large = "Error: the answer is larger than 100 MB; ask for fewer rows or columns\n"
    unlimited = ("--max-rows", "1000000000", "--timeout", "120")
    for options, sql, error in [
        ((), counting(20_000_000), too_many + "or raise --max-rows (or LEDGER_MAX_ROWS)\n"),
        (unlimited, counting(20_000_000), too_large),
        (unlimited, counting(20_000_000, "x, randomblob(5000000)"), too_large),
    ]:
        shown = subprocess.run(
            [sys.executable, "-c", measure, sys.executable, "-m", "ledger.cli", *world_store,
             "query", *options, sql],
            capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
        code, peak_kib, stderr = shown.stdout.split(" ", 2)
        assert (int(code), stderr.strip()) == (1, repr(error)), sql
        assert int(peak_kib) < 400 * 1024, (sql, peak_kib)
