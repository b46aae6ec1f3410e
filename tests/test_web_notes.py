"""What a view says beside its answer (``view_note``, on stderr for ``ledger view``) is
said on its page in the browser too, and a timeline with no steps says why as
``ledger audit`` does."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402

# Views asked about a known date before anything they read was known: each notes the day
# the first of it became known (the shipped views' notes; see projections/README.md).
EARLY = "2012-01-01"
NOTED = [
    ("ccg-budgets", {"as_at": EARLY}),
    ("qipp", {"as_at": EARLY}),
    ("deficit-forecasts", {"as_at": EARLY}),
    ("drawdown", {"as_at": EARLY}),
    ("audit", {"account": "06H", "measure": "allocation", "as_at": EARLY}),
]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-notes"))


def _notes_shown(page: str) -> list[str]:
    found = re.findall(r'<p class="message-info ledger-note">(.*?)</p>', page, re.DOTALL)
    return [html.unescape(note).strip() for note in found]


def _notes_said(ledger: Ledger, name: str, params: dict[str, str]) -> list[str]:
    pairs = [arg for item in params.items() for arg in ("-p", *item)]
    said = ledger.cli("view", name, *pairs, "--format", "json")
    assert said.exit_code == 0, said.output
    return [line.strip("()") for line in said.stderr.splitlines()]


@pytest.mark.parametrize(("name", "params"), NOTED, ids=str)
def test_a_journalist_reads_the_note_ledger_view_prints(
    ledger: Ledger, name: str, params: dict[str, str]
) -> None:
    """Asked what was known before the first record, a view page says when the first
    became known, as ``ledger view`` says it on stderr, instead of a bare "0 results"."""
    said = _notes_said(ledger, name, params)
    assert len(said) == 1 and f"known by {EARLY}: the first" in said[0], said
    page = ledger.get(f"/views/{name}", **params)
    assert page.status_code == 200, page.text[:300]
    assert _notes_shown(page.text) == said


def test_the_ccg_budgets_note_names_the_day_the_first_allocation_became_known(
    ledger: Ledger,
) -> None:
    page = ledger.get("/views/ccg-budgets", as_at=EARLY)
    assert _notes_shown(page.text) == [
        "no commissioners' allocations were known by 2012-01-01: "
        "the first became known on 2013-12-18"
    ]


def test_a_view_with_nothing_to_note_shows_no_note_nor_one_from_an_earlier_page(
    ledger: Ledger,
) -> None:
    ledger.get("/views/ccg-budgets", as_at=EARLY)
    page = ledger.get("/views/ccg-budgets", year="2013-14", group="region")
    assert page.status_code == 200
    assert _notes_shown(page.text) == []
    assert ledger.get("/views/postings").status_code == 200
    assert _notes_shown(ledger.get("/views/postings").text) == []


# Notes of other kinds: a baseline asked before all its figures were known (a partial
# answer), a service not recorded for the year by the day asked.
PARTIAL = [
    ("baseline", {"as_at": "2013-11-30"}),
    ("icb-budgets", {"year": "2025-26", "service": "specialised", "as_at": "2023-06-19"}),
]


@pytest.mark.parametrize(("name", "params"), NOTED + PARTIAL, ids=str)
@pytest.mark.parametrize("shape", ["arrays", "objects"])
def test_a_views_json_carries_the_notes_its_page_shows(
    ledger: Ledger, name: str, params: dict[str, str], shape: str
) -> None:
    """The JSON of a view had its rows but not what the page says above them (nothing
    was known by then, only what was known counts): a script reading it took "no rows"
    for "none recorded". It carries them under "notes", its rows as Datasette shapes them."""
    said = _notes_said(ledger, name, params)
    assert said
    answer = ledger.get(f"/views/{name}.json", **params, _shape=shape)
    assert answer.status_code == 200, answer.text[:300]
    assert (
        answer.json()["notes"] == said == _notes_shown(ledger.get(f"/views/{name}", **params).text)
    )
    rows = ledger.get(f"/views/{name}.json", **params, _shape="array").json()
    assert rows == ledger.view_rows(name, params)
    if shape == "objects":
        assert answer.json()["rows"] == rows


def test_a_views_json_with_nothing_to_note_has_empty_notes(ledger: Ledger) -> None:
    ledger.get("/views/ccg-budgets.json", as_at=EARLY)
    answer = ledger.get("/views/ccg-budgets.json", year="2013-14", group="region").json()
    assert answer["notes"] == [] and len(answer["rows"]) == 4
    assert "notes" not in ledger.get("/views/postings.json", _size="1").json()


def test_the_json_and_csv_stay_the_data_alone(ledger: Ledger) -> None:
    answer = ledger.get("/views/ccg-budgets.json", as_at=EARLY, _shape="array")
    assert answer.json() == []
    csv = ledger.get("/views/ccg-budgets.csv", as_at=EARLY).text
    assert csv.splitlines()[0].startswith("code,name,") and len(csv.splitlines()) == 1


# Timelines with no steps: known before anything of it was, a year with nothing recorded,
# a measure not recorded for the organisation.
EMPTY_TIMELINES = [
    ("13T", "allocation", "2013-14", EARLY),
    ("06H", "allocation", "2013-14", EARLY),
    ("13T", "allocation", "2099-00", None),
    ("13T", "forecast", "2013-14", None),
    ("06H", "banana", "2013-14", None),
]


@pytest.mark.parametrize(("account", "measure", "year", "as_at"), EMPTY_TIMELINES, ids=str)
def test_an_empty_timeline_says_why_as_ledger_audit_does(
    ledger: Ledger, account: str, measure: str, year: str, as_at: str | None
) -> None:
    """A timeline known before its first record said "nothing is recorded", which is
    not so; it says what ``ledger audit`` says: when the first became known, or what is
    recorded for the organisation and where its figures went."""
    asked = ["--year", year, *(["--as-at", as_at] if as_at else [])]
    said = ledger.cli("audit", account, measure, *asked)
    assert said.exit_code == 1
    message = said.stderr.strip().removeprefix("Error: ")
    page = ledger.get(
        f"/-/timeline/{account}/{measure}/{year}", **({"as_at": as_at} if as_at else {})
    )
    assert page.status_code == 404
    assert f"Error: {message}" in html.unescape(page.text)


def test_a_timeline_known_too_early_names_the_day_its_first_record_became_known(
    ledger: Ledger,
) -> None:
    page = ledger.get("/-/timeline/13T/allocation/2013-14", as_at=EARLY)
    assert (
        "nothing of 13T's allocation for 2013-14 was known by 2012-01-01: the first record "
        "of it became known on 2013-12-18" in html.unescape(page.text)
    )
