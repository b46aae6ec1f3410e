"""The layout of the code: packages named for the architecture, imports that go one way
only (checked by import-linter, configured in pyproject.toml), modules and classes small
enough to read; and however the modules are arranged, the stores written before still
read.

tests/fixtures/store-before-layout.db was written by the ledger before its modules were
arranged in packages (issue 15), from tests/fixtures/store-before-layout.jsonl (see
tests/fixtures/README.md). Whatever the modules are called now, that store reads, checks
clean and rebuilds to the views a fresh import of the same records gives.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.store.application import EventStore
from ledger.writing.ledger import Ledger

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGE = REPOSITORY / "src" / "ledger"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD_STORE = FIXTURES / "store-before-layout.db"
OLD_RECORDS = FIXTURES / "store-before-layout.jsonl"
# The head of the old store's hash chain, as `ledger check` printed it when it was made.
OLD_HEAD = "890cdba27df6702de62ec6be4e616d216384c8f666f3bb8d93bb9cb8dd94a165"


def ledger(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def old_store(tmp_path: Path) -> str:
    """A copy of the old store: the committed file is never opened, even to read."""
    copy = tmp_path / "old.db"
    shutil.copyfile(OLD_STORE, copy)
    return str(copy)


def records_in(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_application_keeps_the_name_a_postgresql_store_is_named_after():
    """The library names a PostgreSQL store's tables after the application (ledger_events),
    so renaming or moving the classes must not change it."""
    assert EventStore.name == Ledger.name == "Ledger"


def test_a_store_written_before_the_layout_reads(old_store):
    result = ledger("--store", old_store, "log", "--format", "json")
    assert result.exit_code == 0, result.output
    logged = json.loads(result.stdout)
    expected = records_in(OLD_RECORDS)
    assert [(row["position"], row["id"], row["kind"]) for row in logged] == [
        (position, record["id"], record["kind"])
        for position, record in enumerate(expected, start=1)
    ]
    assert {row["kind"] for row in logged} >= {
        "source", "organisation", "closure", "merger", "baseline", "allocation",
        "transfer", "forecast", "drawdown", "qipp", "figure", "correction",
    }  # fmt: skip


def test_a_store_written_before_the_layout_checks_clean(old_store, tmp_path):
    views = str(tmp_path / "views.db")
    result = ledger("--store", old_store, "--views", views, "check", "--expected-head", OLD_HEAD)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No failures in 17 checks over 531 records.\n"
    assert result.stderr == f"head: {OLD_HEAD} (position 531)\n"


def test_a_store_written_before_the_layout_rebuilds_to_the_views_of_a_fresh_import(
    old_store, tmp_path
):
    old_views, new_store, new_views = (str(tmp_path / name) for name in ("a.db", "b.db", "c.db"))
    assert ledger("--store", old_store, "--views", old_views, "rebuild").exit_code == 0
    assert ledger("--store", new_store, "import", str(OLD_RECORDS)).exit_code == 0
    assert ledger("--store", new_store, "--views", new_views, "rebuild").exit_code == 0
    old, new = table_rows(old_views), table_rows(new_views)
    assert sorted(old) == sorted(new)
    for table in old:
        assert old[table] == new[table], f"the {table} table differs"
    assert len(old["postings"]) == 261  # 257 sides of records, 4 versions from corrections
    assert old["unprojected"] == []


def table_rows(path: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a views database, in the order of all its columns."""
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        rows = {}
        for table in tables:
            width = len(connection.execute(f'SELECT * FROM "{table}" LIMIT 0').description)
            order = ", ".join(str(column) for column in range(1, width + 1))
            rows[table] = connection.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
    connection.close()
    return rows


# The most lines a module or a class may have: past these, split where a part has a name
# of its own.
LONGEST_MODULE = 400
LONGEST_CLASS = 120


def lint_imports(*, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """import-linter's check of the contracts in pyproject.toml, as make lint runs it."""
    run_it = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", run_it, "--no-cache", "--no-logo", str(REPOSITORY / "pyproject.toml")],
        capture_output=True, text=True, timeout=300, env=env, cwd=REPOSITORY,
    )  # fmt: skip


def test_imports_go_only_the_way_the_contracts_say():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_an_import_against_the_layers_fails_the_check_and_is_named(tmp_path):
    """records may import nothing above it: a copy of the package whose money module
    imports the command line breaks the layers, and the failure names the import."""
    copy = tmp_path / "src" / "ledger"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    money = copy / "records" / "money.py"
    money.write_text(money.read_text() + "\nfrom ledger.cli import main  # noqa: E402, F401\n")
    result = lint_imports(pythonpath=tmp_path / "src")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ledger.records is not allowed to import ledger.cli:" in result.stdout
    assert "- ledger.records.money -> ledger.cli (l." in result.stdout


def packages() -> list[Path]:
    return sorted(path for path in PACKAGE.iterdir() if (path / "__init__.py").is_file())


def test_the_packages_are_the_layers_of_the_architecture():
    assert [path.name for path in packages()] == [
        "cli", "data", "explain", "records", "store", "views", "web", "writing",
    ]  # fmt: skip
    assert sorted(path.name for path in PACKAGE.glob("*.py")) == ["__init__.py"]


def test_each_package_says_what_lives_there_and_what_it_may_import():
    for package in packages():
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring, f"{package.name}/__init__.py has no docstring"
        assert "import" in docstring, f"{package.name}/__init__.py does not say what it imports"


def test_no_module_or_class_is_too_long_to_read():
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE)
        assert len(text.splitlines()) <= LONGEST_MODULE, f"{name} is over {LONGEST_MODULE} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                assert lines <= LONGEST_CLASS, f"{name}: {node.name} is {lines} lines"
