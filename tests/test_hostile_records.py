"""The systematic guard against hostile input: random histories of records of every kind
(tests/strategies.py), imported through the command line in random batches into one
SQLite store. Whatever import accepts, the views build, every named view answers for
every year the records use, and `check` passes or names a stored record; whatever import
refuses is told as `file:line: message` and leaves the store byte for byte as it was.

`make test` runs a few examples; LEDGER_HYPOTHESIS_EXAMPLES=5000 runs many more.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import re
import sqlite3
import threading
import traceback
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from strategies import BASELINES, MEASURES, STRANGERS, TODAY, History, days, histories

from ledger.cli import main
from ledger.explain.checks import CHAIN_CHECK, STORE_CHECK, VIEWS_CHECK
from ledger.records.kinds import KINDS
from ledger.views.projections import Parameter, load_projections

EXAMPLES_VARIABLE = "LEDGER_HYPOTHESIS_EXAMPLES"
# A command still running after this long is stopped and fails the test: a view that
# would run for ever must not hang the test suite.
LONGEST_COMMAND_SECONDS = 30


def _examples_asked_for() -> int | None:
    value = os.environ.get(EXAMPLES_VARIABLE)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{EXAMPLES_VARIABLE} must be a whole number of examples, got {value!r}")
    return int(value)


settings.register_profile(
    "hostile-records",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ASKED_FOR = _examples_asked_for()
settings.register_profile(
    "hostile-records-many",
    parent=settings.get_profile("hostile-records"),
    max_examples=ASKED_FOR or 5000,
)
HOSTILE = settings.get_profile("hostile-records-many" if ASKED_FOR else "hostile-records")


class CommandLine:
    """The ledger's command line on one store and views database, as a user runs it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.store = folder / "ledger.db"
        self.views = folder / "views.db"

    def run(self, *args: str) -> Result:
        """Run one command; a traceback, or a command that never ends, fails the test."""
        with interrupted_after(LONGEST_COMMAND_SECONDS) as stopped:
            result = CliRunner().invoke(
                main, ["--store", str(self.store), "--views", str(self.views), *args]
            )
        command = " ".join(["ledger", *args])
        assert not stopped.is_set(), f"{command} ran for over {LONGEST_COMMAND_SECONDS} s"
        error = result.exception
        if error is not None and not isinstance(error, SystemExit):
            raise AssertionError(
                f"{command} ended in a traceback:\n{''.join(traceback.format_exception(error))}"
            )
        return result

    def store_bytes(self) -> dict[str, bytes]:
        """Every byte of the store: its file and what its write-ahead log holds. SQLite
        makes and removes an empty log and its shared-memory index (-shm, an index of the
        log kept for readers, not data) as connections come and go: those are left out."""
        files = {path.name: path.read_bytes() for path in self.folder.glob("ledger.db*")}
        files.pop("ledger.db-shm", None)
        if files.get("ledger.db-wal") == b"":
            del files["ledger.db-wal"]
        return files


@contextlib.contextmanager
def interrupted_after(seconds: float) -> Iterator[threading.Event]:
    """Interrupt every SQLite statement still running after ``seconds``; the event says
    whether that happened."""
    stopped = threading.Event()

    def interrupt() -> None:
        stopped.set()
        for thing in gc.get_objects():
            if isinstance(thing, sqlite3.Connection):
                with contextlib.suppress(sqlite3.Error):
                    thing.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.start()
    try:
        yield stopped
    finally:
        timer.cancel()


@HOSTILE
@given(history=histories(), data=st.data())
def test_whatever_import_accepts_the_views_answer_and_whatever_it_refuses_changes_nothing(
    tmp_path_factory, history: History, data: st.DataObject
) -> None:
    ledger = CommandLine(tmp_path_factory.mktemp("hostile"))
    for number, batch in enumerate(history.batches, start=1):
        path = ledger.folder / f"batch-{number}.jsonl"
        path.write_bytes(history.content(batch))
        before = ledger.store_bytes()
        dry_run = data.draw(st.booleans(), label="dry run first")
        if dry_run:
            checked = ledger.run("import", "--dry-run", str(path))
            assert ledger.store_bytes() == before, "a dry run changed the store"
        result = ledger.run("import", str(path))
        if dry_run:
            assert checked.exit_code == result.exit_code, "the dry run and the import disagree"
        if result.exit_code == 0:
            event("batch accepted")
            stored = stored_records(ledger)
            every_view_answers(ledger, stored, data)
            check_passes_or_names_records(ledger, stored)
        else:
            event("batch refused")
            refused_with_file_and_line(result, path)
            assert ledger.store_bytes() == before, "a refused import changed the store"


def stored_records(ledger: CommandLine) -> list[dict[str, Any]]:
    exported = ledger.run("export")
    assert exported.exit_code == 0, exported.output
    return [json.loads(line) for line in exported.stdout.split("\n") if line]


def refused_with_file_and_line(result: Result, path: Path) -> None:
    """Exit code 1, nothing on stdout, and on stderr one `file:line: message` line per
    problem, then one `Error: ...` line, with no control characters in any of them."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.stdout == ""
    *problems, summary = result.stderr.removesuffix("\n").split("\n")
    assert summary.startswith("Error: "), result.stderr
    assert problems, result.stderr
    where = re.compile(re.escape(str(path)) + r":\d+: \S")
    assert all(where.match(line) for line in problems), result.stderr
    assert not control_characters(result.stderr), result.stderr


def control_characters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) == "Cc" and c != "\n"]


def every_view_answers(
    ledger: CommandLine, stored: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Each named view answers for each financial year of the stored records, its other
    parameters drawn from the world: in JSON, with money in whole pence, and as a table
    or CSV showing the same rows."""
    years = sorted({r["financial_year"] for r in stored if "financial_year" in r}) or [None]
    for projection in load_projections().values():
        declared = [parameter.name for parameter in projection.parameters]
        for year in years if "year" in declared else [None]:
            given = {"year": year} if year else {}
            for parameter in projection.parameters:
                if parameter.name != "year":
                    value = data.draw(parameter_values(parameter, stored), label=parameter.name)
                    if value is not None:
                        given[parameter.name] = value
            options = [part for name, value in given.items() for part in ("-p", name, value)]
            answer = ledger.run("view", projection.name, *options, "--format", "json")
            if answer.exit_code == 1:  # a filter that matches nothing is one line saying so
                lines = answer.stderr.splitlines()
                assert len(lines) == 1 and lines[0].startswith("Error: "), lines
                continue
            assert answer.exit_code == 0, (projection.name, given, answer.output)
            rows = json.loads(answer.stdout)
            money_is_whole_pence(rows)
            fmt = data.draw(st.sampled_from(["table", "csv"]), label="format")
            shown = ledger.run("view", projection.name, *options, "--format", fmt)
            assert shown.exit_code == 0, (projection.name, given, shown.output)
            shows_the_rows(shown.stdout, fmt, rows)


def parameter_values(parameter: Parameter, stored: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Values a user might give a view's parameter, or None to leave it out."""
    named = {kind: sorted({r["id"] for r in stored if r["kind"] == kind}) for kind in KINDS}
    if parameter.choices:
        values: st.SearchStrategy[Any] = st.sampled_from(parameter.choices)
    elif parameter.name in ("as_at", "effective") or parameter.name.endswith("_date"):
        values = (st.just(TODAY) | days(date(2013, 1, 1), TODAY)).map(date.isoformat)
    elif parameter.name in ("account", "system", "region", "area_team"):
        values = st.sampled_from([*named["organisation"], *STRANGERS])
    elif parameter.name == "measure":
        values = st.sampled_from(["allocation", "plan", "forecast", "drawdown", *MEASURES])
    elif parameter.name == "name":
        values = st.sampled_from([*named["baseline"], *BASELINES])
    else:
        values = st.nothing()
    return st.none() | values


def money_is_whole_pence(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        money = {k: v for k, v in row.items() if k.endswith("_pence") and v is not None}
        assert all(type(v) is int for v in money.values()), row


def shows_the_rows(output: str, fmt: str, rows: list[dict[str, Any]]) -> None:
    """A table or CSV has one line or record per row: no text breaks a row in two; and a
    table holds no control characters a terminal would act on."""
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(output)))) == len(rows), output
        return
    assert not control_characters(output), output
    lines = output.removesuffix("\n").split("\n")
    assert len(lines) == (len(rows) + 2 if rows else 1), output


def check_passes_or_names_records(ledger: CommandLine, stored: list[dict[str, Any]]) -> None:
    """`check` passes, or each failure is about a stored record and its data, not about
    the hash chain, records that no longer read back or views that cannot be built."""
    result = ledger.run("check", "--format", "json")
    assert result.stdout, f"check named no record: {result.output}"
    failures = json.loads(result.stdout)
    assert result.exit_code == (1 if failures else 0), result.output
    ids = {record["id"] for record in stored}
    for failure in failures:
        assert failure["record"] in ids, failure
        assert failure["check"] not in (CHAIN_CHECK, STORE_CHECK, VIEWS_CHECK), failure


def test_a_fair_share_of_batches_is_accepted(tmp_path_factory) -> None:
    """A guard whose batches were all refused would prove little about the views."""
    accepted: list[bool] = []

    @settings(HOSTILE, max_examples=40, database=None, phases=[Phase.generate], derandomize=True)
    @given(history=histories())
    def import_all(history: History) -> None:
        folder = tmp_path_factory.mktemp("share")
        for number, batch in enumerate(history.batches, start=1):
            path = folder / f"batch-{number}.jsonl"
            path.write_bytes(history.content(batch))
            store = str(folder / "ledger.db")
            accepted.append(
                CliRunner().invoke(main, ["--store", store, "import", str(path)]).exit_code == 0
            )

    import_all()
    assert sum(accepted) / len(accepted) >= 0.1, f"{sum(accepted)} of {len(accepted)} accepted"
