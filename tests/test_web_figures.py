"""The figures of an organisation's page of ledger serve are ``ledger audit``'s: each
value now and number of changes, of an organisation, a successor through its mergers,
a region and an ICB's figures recorded per service and per step. The page asked the
audit view once per year and measure, each on a connection of its own, and took seconds
(QOQ's some 60 questions); it asks them all on one connection, which compiles the view
once (noticed in issue 21)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.views import projections
from ledger.views.projections import ProjectionError, Reader, run
from ledger.web.pages import Figure, figures

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-figures"))


def _audited(ledger: Ledger, code: str, figure: Figure) -> tuple[Any, int]:
    """The figure's value now and how many changes made it, as ``ledger audit`` says."""
    service = ["--service", figure.service] if figure.service else []
    asked = ("audit", code, figure.measure, "--year", figure.year, *service, "--format", "json")
    result = ledger.cli(*asked)
    assert result.exit_code == 0, result.output
    steps = [step for step in json.loads(result.stdout) if step["kind"] != "erratum"]
    if figure.part and any(step["note"].startswith(figure.part) for step in steps):
        steps = [step for step in steps if step["note"].split(";")[:2] == figure.part.split(";")]
    last = steps[-1]
    return last["after_pence" if "after_pence" in last else "after"], len(steps)


ASKED = [
    ("13T", None, None),  # every figure of a successor of three CCGs
    ("06H", None, None),
    ("Y56", "2024-25", None),  # a region's reported figures of a year
    ("QOQ", "2025-26", "allocation"),
    ("QOQ", "2025-26", "base-growth-percent"),  # one per service
    ("Y56", "2025-26", "allocation-step"),  # one per service and step
]


@pytest.mark.parametrize(("code", "year", "measure"), ASKED, ids=str)
def test_the_pages_figures_are_ledger_audits(
    ledger: Ledger, code: str, year: str | None, measure: str | None
) -> None:
    shown = [
        figure
        for figure in figures(ledger.views, code)
        if year in (None, figure.year) and measure in (None, figure.measure)
    ]
    assert shown
    for figure in shown[:12]:  # the first dozen: each is a command of its own
        assert (figure.value, figure.changes) == _audited(ledger, code, figure), figure


def test_the_page_asks_all_its_figures_on_one_connection(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    open_read_only = projections.open_read_only

    def counted(views: str, refused: list[str]) -> Any:
        opened.append(views)
        return open_read_only(views, refused)

    monkeypatch.setattr(projections, "open_read_only", counted)
    shown = figures(ledger.views, "QOQ")
    assert len({(figure.year, figure.measure) for figure in shown}) > 40
    assert opened == [ledger.views]


def test_a_reader_says_of_each_statement_only_what_it_raised_or_noted(ledger: Ledger) -> None:
    """A connection asked many questions says what each stopped or noted, as ``run``."""
    with Reader(ledger.views) as reader:
        with pytest.raises(ProjectionError, match="^stopped here$"):
            reader.run("SELECT view_error('stopped here')")
        with pytest.raises(ProjectionError, match="read-only here: DELETE FROM postings is not"):
            reader.run("DELETE FROM postings")
        notes: list[str] = []
        asked = "SELECT view_note('said'), 1 AS one"
        assert run(ledger.views, asked, notes=notes, reader=reader) == [
            {"view_note('said')": None, "one": 1}
        ]
        assert notes == ["said"]
        later: list[str] = []
        assert run(ledger.views, "SELECT 2 AS two", notes=later, reader=reader) == [{"two": 2}]
        assert later == []
        with pytest.raises(ProjectionError, match="^SQL error: no such table: no_table$"):
            reader.run("SELECT * FROM no_table")
