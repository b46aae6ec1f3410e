"""A user's own views (LEDGER_PROJECTIONS, or ./projections): a file that cannot be a view
is named with what is wrong, as an error, never a traceback; a folder is not a view."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main


def ledger_views(tmp_path: Path, monkeypatch, *args: str):
    monkeypatch.setenv("LEDGER_PROJECTIONS", str(tmp_path / "mine"))
    store, views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")
    return CliRunner().invoke(main, ["--store", store, "--views", views, *args])


def own_view(tmp_path: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe-- x: a view\n", r"x\.sql:1: not UTF-8 text \(byte 0xff at column 1\)"),
        (
            b"-- x: a view\n-- caf\xe9\nSELECT 1\n",
            r"x\.sql:2: not UTF-8 text \(byte 0xe9 at column 7\)",
        ),
        (
            b"-- x: a view\n-- :year <year> a year\n-- :year <year> the year again\nSELECT 1\n",
            r"x\.sql:3: parameter :year is declared twice",
        ),
    ],
    ids=["utf-16", "latin-1", "parameter-twice"],
)
@pytest.mark.parametrize("command", [("views",), ("view", "qipp")])
def test_a_view_file_that_cannot_be_read_is_named_with_why(
    tmp_path, monkeypatch, content, message, command
):
    own_view(tmp_path, "x.sql", content)
    result = ledger_views(tmp_path, monkeypatch, *command)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    assert str(tmp_path / "mine") in result.output
    assert re.search(message, result.output), result.output


def test_a_folder_named_like_a_view_is_not_one(tmp_path, monkeypatch):
    (tmp_path / "mine" / "folder.sql").mkdir(parents=True)
    own_view(tmp_path, "mine.sql", b"-- mine: one of my own\nSELECT 1 AS one\n")
    result = ledger_views(tmp_path, monkeypatch, "views")
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()[2:] if line.strip()]
    assert "mine" in names and "qipp" in names and "folder" not in names
