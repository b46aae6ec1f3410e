"""A figure recorded per service (an ICB's base-growth percent, one for each service's
sheet) on the organisation and timeline pages of ledger serve: the organisation page
showed one "value now", whichever service's row came last; it shows each service's own
value now, named by service and linked to that service's own timeline, as ``ledger
audit --service`` gives it, and the timeline says what ``ledger audit`` says of such a
figure (noticed in issue 21)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402

SERVICES = ["core", "specialised", "primary-medical-care", "pod"]  # in the order recorded


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-services"))


def _cells(row: str) -> dict[str, str]:
    """A table row's cells by their heading, as text, with a link's address as ``href``."""
    cells = {
        heading: " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
        for heading, text in re.findall(r'data-heading="([^"]+)">(.*?)</td>', row, re.DOTALL)
    }
    link = re.search(r'data-heading="timeline"><a href="([^"]+)"', row)
    return cells | ({"href": html.unescape(link[1])} if link else {})


def _figures(page: str, year: str, measure: str) -> list[dict[str, str]]:
    table = page.split('id="figures"', 1)[1].split("</table>", 1)[0]
    rows = [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)]
    return [row for row in rows if row.get("year") == year and row.get("measure") == measure]


def _audit(ledger: Ledger, *args: str) -> list[dict[str, Any]]:
    result = ledger.cli("audit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_an_organisation_shows_each_services_value_now_not_the_last_services(
    ledger: Ledger,
) -> None:
    page = ledger.get("/-/organisation/QOQ")
    assert page.status_code == 200
    shown = _figures(page.text, "2025-26", "base-growth-percent")
    assert [(row["recorded for"], row["value now"], row["changes"]) for row in shown] == [
        ("core service", "4.37%", "1"),
        ("specialised service", "5.570197719608%", "1"),
        ("primary-medical-care service", "3.09%", "1"),
        ("pod service", "3.47%", "1"),
    ]
    for service, row in zip(SERVICES, shown, strict=True):
        steps = _audit(ledger, "QOQ", "base-growth-percent", "--year", "2025-26", "--service", service)  # fmt: skip
        assert row["value now"] == f"{steps[-1]['after']}%"
        assert row["href"] == f"/-/timeline/QOQ/base-growth-percent/2025-26?service={service}"
        assert row["timeline"] == f"timeline of base-growth-percent 2025-26, {service}"


def test_a_figure_of_all_services_stays_one_figure(ledger: Ledger) -> None:
    page = ledger.get("/-/organisation/QOQ").text
    (row,) = _figures(page, "2025-26", "allocation")
    steps = _audit(ledger, "QOQ", "allocation", "--year", "2025-26")
    counted = [step for step in steps if step["kind"] != "erratum"]
    assert (row["recorded for"], row["changes"]) == ("", str(len(counted)))
    assert row["href"] == "/-/timeline/QOQ/allocation/2025-26"


def test_a_timeline_says_the_figure_is_recorded_per_service_and_links_each(
    ledger: Ledger,
) -> None:
    page = ledger.get("/-/timeline/QOQ/base-growth-percent/2025-26")
    assert page.status_code == 200
    said = ledger.cli("audit", "QOQ", "base-growth-percent", "--year", "2025-26").stderr
    note = said.strip().removeprefix("(").removesuffix(": --service picks one)")
    assert note == (
        "QOQ's base-growth-percent for 2025-26 is recorded per service (core, pod, "
        "primary-medical-care, specialised), each a figure of its own"
    )
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.text)).split())
    assert f"{note}: each service's rows step from its own value; its own timeline: " in text
    for service in SERVICES:
        link = f'href="/-/timeline/QOQ/base-growth-percent/2025-26?service={service}"'
        assert link in page.text
    afters = re.findall(r'data-heading="after">([^<]*)</td>', page.text)
    assert afters == ["4.37%", "5.570197719608%", "3.09%", "3.47%"]


def test_a_services_own_timeline_is_its_audit_with_service(ledger: Ledger) -> None:
    page = ledger.get("/-/timeline/QOQ/base-growth-percent/2025-26", service="specialised")
    assert page.status_code == 200
    (step,) = _audit(ledger, "QOQ", "base-growth-percent", "--year", "2025-26", "--service", "specialised")  # fmt: skip
    assert step["record"] in page.text
    assert re.findall(r'data-heading="after">([^<]*)</td>', page.text) == [f"{step['after']}%"]
    assert "<title>base-growth-percent of QOQ, 2025-26, specialised service</title>" in page.text
    assert "--year 2025-26 --service specialised</code>" in page.text
    assert 'id="per-service"' not in page.text


def test_a_service_not_recorded_or_not_a_service_is_refused_as_audit_refuses_it(
    ledger: Ledger,
) -> None:
    asked = ("audit", "QOQ", "base-growth-percent", "--year", "2025-26", "--service")
    said = ledger.cli(*asked, "running-costs").stderr.strip()
    page = ledger.get("/-/timeline/QOQ/base-growth-percent/2025-26", service="running-costs")
    assert page.status_code == 404
    assert said.startswith("Error: no base-growth-percent of the running-costs service")
    assert said in html.unescape(page.text)
    wrong = ledger.get("/-/timeline/QOQ/base-growth-percent/2025-26", service="bogus")
    assert wrong.status_code == 400
    assert "parameter service: 'bogus' is not one of core," in html.unescape(wrong.text)
