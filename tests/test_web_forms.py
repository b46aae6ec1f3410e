"""An error page of a view leads back to the view's form, filled in as the reader left
it: a date that is not a date, a year that is not a year, a value not among the choices,
the view's own error, and a timeline (the audit view) asked wrongly."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest

from ledger.views.projections import load_projections

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-forms"))


def _back(page: str) -> str:
    """The address the error page's link back to the form leads to."""
    found = re.search(r'<p class="ledger-back"><a href="([^"]+)">', page)
    assert found is not None, page[-800:]
    return html.unescape(found[1])


def _fields(page: str) -> dict[str, str]:
    """The form's fields and the values they hold."""
    found = re.findall(r'<input type="text" id="qp\d+" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def _follow(ledger: Ledger, address: str) -> tuple[str, dict[str, str]]:
    split = urlsplit(address)
    page = ledger.get(split.path, **dict(parse_qsl(split.query)))
    assert page.status_code == 200, page.text[:300]
    return page.text, _fields(page.text)


def _asked_wrongly(name: str) -> dict[str, str]:
    declared = {parameter.name for parameter in load_projections()[name].parameters}
    asked = {"year": "2013-14"} if "year" in declared else {}
    return asked | {"as_at": "31/12/2013"}


@pytest.mark.parametrize("name", list(load_projections()))
def test_a_date_that_is_not_a_date_leads_back_to_the_form_filled_in(
    ledger: Ledger, name: str
) -> None:
    """The error page said only what was wrong: the reader had to find the view again and
    type every value anew. It links to the view's form with their values in it and what
    is wrong with them, and the form asks the view again."""
    asked = _asked_wrongly(name)
    error = ledger.get(f"/views/{name}", **asked)
    assert error.status_code == 400
    message = re.search(r"Error: (parameter as_at: [^<]+)", html.unescape(error.text))
    assert message is not None
    form, fields = _follow(ledger, _back(error.text))
    declared = [parameter.name for parameter in load_projections()[name].parameters]
    assert fields == {parameter: asked.get(parameter, "") for parameter in declared}
    assert message[1] in html.unescape(form)
    assert f'<form class="sql" action="/views/{name}" method="get">' in form
    text = html.unescape(re.sub(r"<[^>]+>", "", form))
    assert f"{name}: {load_projections()[name].description}" in text


# Other ways to ask wrongly, and other addresses of the same view.
WRONG = [
    ("/views/ccg-budgets", {"year": "2013", "group": "region"}, 400),
    ("/views/ccg-budgets", {"year": "2013-14", "group": "banana"}, 400),
    ("/views/ccg-budgets", {"year": "2013-14", "as_at": "2012-01-01"}, 400),  # its own error
    ("/views/ccg~2Dbudgets", {"year": "2013-14", "as_at": "2013-02-30"}, 400),
    ("/views/ccg-budgets.csv", {"year": "2013-14", "as_at": "2013-02-30"}, 400),
    ("/views/ccg-budgets", {"year": "2013-14", "_timelimit": "soon"}, 400),
]


@pytest.mark.parametrize(("path", "asked", "status"), WRONG, ids=str)
def test_every_way_of_asking_a_view_wrongly_leads_back_to_its_form(
    ledger: Ledger, path: str, asked: dict[str, str], status: int
) -> None:
    error = ledger.get(path, **asked)
    assert error.status_code == status, error.text[:300]
    _, fields = _follow(ledger, _back(error.text))
    assert {name: value for name, value in fields.items() if value} == {
        name: value for name, value in asked.items() if not name.startswith("_")
    }


TIMELINES = [
    ("/-/timeline/13T/allocation/2013-14", {"as_at": "yesterday"}, 400),
    ("/-/timeline/13T/allocation/2013-14", {"as_at": "2012-01-01"}, 404),
    ("/-/timeline/06H/banana/2013-14", {}, 404),
]


@pytest.mark.parametrize(("path", "asked", "status"), TIMELINES, ids=str)
def test_a_timeline_asked_wrongly_leads_to_the_audit_form(
    ledger: Ledger, path: str, asked: dict[str, str], status: int
) -> None:
    """A timeline is the audit of a figure: its error leads to audit's form, filled in."""
    error = ledger.get(path, **asked)
    assert error.status_code == status
    _, fields = _follow(ledger, _back(error.text))
    account, measure, year = path.split("/")[3:]
    expected = {"account": account, "measure": measure, "year": year} | asked
    assert {name: value for name, value in fields.items() if value} == expected


def test_the_json_of_an_error_stays_as_it_was(ledger: Ledger) -> None:
    answer = ledger.get("/views/ccg-budgets.json", as_at="notadate")
    assert answer.status_code == 400
    assert set(answer.json()) == {"ok", "error", "status"}


def test_an_address_that_is_no_view_has_no_form_to_go_back_to(ledger: Ledger) -> None:
    for path in ("/views/ccg-budget", "/views/postings.json?_sort=nosuch", "/nowhere"):
        assert 'class="ledger-back"' not in ledger.get(path).text
