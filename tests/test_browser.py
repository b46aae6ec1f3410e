"""ledger serve in a real browser: headless Chromium (the system's ``chromium``, driven by
Playwright) against a store of the real events/, as ``make demo`` makes it.

The story of the issue: open the index, run ccg-budgets for 2013-14 by region and read
the four regions' totals off the page, search "gateshead" and reach 13T's page, open a
timeline and follow its source link. Each page is photographed into
test-artefacts/browser/ (git-ignored). Without Chromium or Playwright the test is
skipped, saying which; with LEDGER_REQUIRE_BROWSER=1 (CI) that is a failure instead."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.records.money import format_pounds

REPOSITORY = Path(__file__).resolve().parent.parent
ARTEFACTS = REPOSITORY / "test-artefacts" / "browser"
CHROMIUM = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser")


def _chromium() -> str | None:
    for candidate in CHROMIUM:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    return None


def _missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import datasette  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed: pip install 'commissioning-ledger[web]'"
    if _chromium() is None:
        return "no Chromium here: apt-get install chromium"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LEDGER_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox"], headless=True
        )
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Served:
    def __init__(self, folder: Path) -> None:
        self.store, self.views = str(folder / "ledger.db"), str(folder / "views.db")
        self.cli("import", str(REPOSITORY / "events"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "ledger.cli", "--store", self.store]
        command += ["--views", self.views, "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/-/versions.json", timeout=5).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"ledger serve did not start: {self.stderr()}") from None
                time.sleep(0.2)

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(main, ["--store", self.store, "--views", self.views, *args])

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.stderr else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def served(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = browser.new_page(viewport={"width": 1280, "height": 900})
    yield opened
    opened.close()


def _photograph(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_the_story_of_a_reader(served: Served, page: Any) -> None:
    page.goto(served.url)
    assert page.title() == "The commissioning ledger: views, search"
    assert page.get_by_text("Open Government Licence v3.0").first.is_visible()
    _photograph(page, "1-index")

    # ccg-budgets for 2013-14 by region, through its form, read off the page.
    page.get_by_role("link", name="ccg-budgets", exact=True).first.click()
    page.fill("input[name=year]", "2013-14")
    page.fill("input[name=group]", "region")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_selector("table.rows-and-columns tbody tr")
    shown = _table(page)
    expected = json.loads(
        served.cli(
            "view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "region",
            "--format", "json",
        ).stdout
    )  # fmt: skip
    assert [row["code"] for row in shown] == ["Y54", "Y55", "Y56", "Y57"]
    assert {row["code"]: row["allocation (£)"] for row in shown} == {
        row["code"]: format_pounds(row["allocation_pence"]) for row in expected
    }
    _photograph(page, "2-ccg-budgets-2013-14-by-region")

    # Search for gateshead and reach 13T's page.
    page.goto(served.url)
    page.fill("#org-search", "gateshead")
    page.press("#org-search", "Enter")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    _photograph(page, "3-search-gateshead")
    page.get_by_role("link", name="13T", exact=True).first.click()
    assert page.locator("h1").inner_text() == "13T: NHS Newcastle Gateshead CCG"
    assert page.locator("#lineage").get_by_role("link", name="QHM").count() == 1
    _photograph(page, "4-organisation-13T")

    # Its 2013-14 allocation's timeline, and the source of its first step.
    page.get_by_role("link", name="timeline of allocation 2013-14").click()
    assert page.locator("h1").inner_text() == "allocation of 13T, 2013-14"
    steps = page.locator("#timeline tbody tr")
    assert steps.count() > 0
    _photograph(page, "5-timeline-13T-allocation-2013-14")
    link = page.locator("a.source-link").first
    title = link.inner_text()
    link.click()
    assert "/views/sources/" in page.url
    assert title in page.locator("body").inner_text()
    _photograph(page, "6-source")


def test_money_shown_in_pounds_is_headed_in_pounds(served: Served, page: Any) -> None:
    """A reader sees pounds under every heading of money, on a view's page, a table's, a
    row's and a query of their own; the CSV beside it keeps the name and the pence."""
    shown = {
        "view": "/views/ccg-budgets?year=2016-17&compare=2015-16&group=region",
        "table": "/views/postings?_sort_desc=delta_pence&_size=5",
        "row": "/views/postings/1",  # a count: its money columns are empty
        "query": "/views?sql=" + quote("SELECT account, delta_pence, delta_pence / 2.0 "
                                        "AS half_pence FROM postings WHERE unit = 'gbp' LIMIT 5"),
    }  # fmt: skip
    for kind, path in shown.items():
        page.goto(served.url + path)
        headings = _headings(page)
        assert not {"allocation_pence", "amount_pence", "delta_pence"} & set(headings), kind
        assert "delta (£)" in headings or "allocation (£)" in headings, (kind, headings)
        _photograph(page, f"pounds-{kind}")
    page.goto(served.url + shown["view"])
    view = _table(page)
    assert {"allocation (£)", "carried (£)", "compare (£)", "change (£)"} <= set(view[0])
    assert all(row["allocation (£)"].startswith("£") for row in view)
    page.goto(served.url + shown["query"])
    assert _headings(page) == ["account", "delta (£)", "half_pence"]  # not shown as pounds
    assert "delta_pence" in page.locator("th.col-delta_pence").get_attribute("title")
    csv = urllib.request.urlopen(served.url + shown["view"].replace("?", ".csv?")).read()
    header, first = csv.decode("utf-8").splitlines()[:2]
    assert "allocation_pence" in header.split(",") and "£" not in csv.decode("utf-8")
    allocation = first.split(",")[header.split(",").index("allocation_pence")]
    assert format_pounds(int(allocation)) == view[0]["allocation (£)"]


NARROW = {"width": 390, "height": 844}  # a phone held upright
NARROW_PAGES = {
    "index": "/",
    "view": "/views/ccg-budgets?year=2013-14&group=region",
    "organisation": "/-/organisation/13T",
    "timeline": "/-/timeline/13T/allocation/2013-14",
    "sources": "/views/sources",
}


def test_a_reader_on_a_phone_reads_every_label_and_no_page_is_wider_than_it(
    served: Served, browser: Any
) -> None:
    """On a phone the view's form cut its labels ("bounda" for boundaries), long source
    names widened the index past the screen, and the cells of a timeline, shown as
    cards, had no headings: a change and the value after it were two bare amounts."""
    page = browser.new_page(viewport=NARROW)
    try:
        for name, path in NARROW_PAGES.items():
            page.goto(served.url + path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= NARROW["width"], (name, wide)
            _photograph(page, f"narrow-{name}")
        page.goto(served.url + NARROW_PAGES["view"])
        labels = page.locator("form.sql label").all()
        assert [label.inner_text() for label in labels][:4] == [
            "year", "as_at", "effective", "boundaries",
        ]  # fmt: skip
        for label in labels:
            cut = label.evaluate("label => label.scrollWidth > label.clientWidth")
            assert not cut, label.inner_text()
        assert _labels_of_first_card(page)[5] == "allocation (£)"
        page.goto(served.url + NARROW_PAGES["timeline"])
        assert _labels_of_first_card(page) == [
            "known (about)", "record", "account", "change", "after", "note", "reason", "source",
        ]  # fmt: skip
        page.goto(served.url + NARROW_PAGES["organisation"])
        assert _labels_of_first_card(page)[:3] == ["direction", "depth", "code"]
        # A figure of no service showed an empty "recorded for" line on its card.
        page.goto(served.url + "/-/organisation/QOQ")
        assert set(page.evaluate(_EMPTY_PARTS_SHOWN)) == {"none"}
    finally:
        page.close()


# How each empty "recorded for" cell of an organisation's figures is displayed.
_EMPTY_PARTS_SHOWN = """[...document.querySelectorAll("#figures td.part")]
    .filter(cell => !cell.textContent).map(cell => getComputedStyle(cell).display)"""


# Pages whose tables hold long words (a source's file name and locator, a URL, a record
# id) or long headings (carried_from, change_percent), as a desktop window and a phone
# show them.
LONG_WORDS = {
    "view": "/views/ccg-budgets?year=2013-14&group=region",
    "view-ccgs": "/views/ccg-budgets?year=2013-14",
    "view-deficits": "/views/deficit-forecasts?year=2013-14",
    "timeline": "/-/timeline/13T/allocation/2013-14",
    "timeline-icb": "/-/timeline/QOQ/allocation/2025-26",
    "organisation": "/-/organisation/QHM",
    "sources": "/views/sources",
    "errata": "/views/errata",
    "search": "/search/organisations?_search=gateshead",
}


# The cells of dates and amounts whose text runs over more than one line.
_BROKEN_WHOLE = """[...document.querySelectorAll("table.rows-and-columns td")].filter(cell => {
    if (!/^(\\d{4}-\\d{2}-\\d{2}|£[\\d,.]+)$/.test(cell.innerText.trim())) return false;
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map(line => Math.round(line.top))).size > 1;
}).map(cell => cell.innerText)"""


@pytest.mark.parametrize("width", [1280, NARROW["width"]])
def test_long_words_wrap_and_no_table_scrolls_sideways(
    served: Served, browser: Any, width: int
) -> None:
    """At 1280 pixels a timeline's source column ran past the window: its source's file
    name and locator ("data/ccg_allocations_2013_14_to_2015_16.csv: line 5") would not
    wrap, nor the sources' and errata's long words, and a view's headings kept each name
    on one line (ccg-budgets by region ran 170 pixels past the window). They wrap where
    they must; dates, codes and amounts stay whole."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        for name, path in LONG_WORDS.items():
            page.goto(served.url + path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            scrolled = page.evaluate(
                "[...document.querySelectorAll('.table-wrapper')]"
                ".filter(wrapper => wrapper.scrollWidth > wrapper.clientWidth).length"
            )
            assert (wide, scrolled) == (width, 0), name
            assert page.evaluate(_BROKEN_WHOLE) == [], name
            _photograph(page, f"fits-{width}-{name}")
    finally:
        page.close()


# The views with the most columns, too wide for a 1280-pixel window while their amounts
# stay whole: the column saying whose row it is, and the first figure, by heading.
WIDE_VIEWS = {
    "/views/audit?account=QHM&year=2013-14": ("as_at", "delta (£)"),
    "/views/specialised-delegation": ("name", "physical_health_baseline (£)"),
    "/views/national-position": ("financial_year", "ccg_allocations (£)"),
}
# Whether a heading lies within its table's scroll box, uncovered; the most lines a cell
# runs to.
_IN_SIGHT = """heading => {
    const box = heading.closest(".table-wrapper").getBoundingClientRect();
    const cell = heading.getBoundingClientRect();
    const seen = document.elementFromPoint(cell.left + 2, cell.top + 2);
    return cell.left >= box.left && cell.right <= box.right && heading.contains(seen);
}"""
_LINES = """wrapper => Math.max(...[...wrapper.querySelectorAll("tbody td")].map(cell =>
    Math.round(cell.clientHeight / parseFloat(getComputedStyle(cell).lineHeight))))"""


@pytest.mark.parametrize(("path", "shown"), WIDE_VIEWS.items(), ids=list(WIDE_VIEWS))
def test_a_wide_view_keeps_whose_row_it_is_in_sight(
    served: Served, page: Any, path: str, shown: tuple[str, str]
) -> None:
    """audit, specialised-delegation and national-position (16 to 27 columns) scrolled
    sideways inside their tables at 1280 pixels: scrolled to the right, no row said whose
    it was, and a sentence of specialised-delegation ran fourteen lines in a column one
    word wide. A table fits, or the column naming the row and the first figure are in
    sight, and the naming column stays in sight scrolled to the end; words wrap as lines."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(served.url + path)
    wrapper = page.locator(".table-wrapper")
    key, figure = (page.locator("thead th", has_text=text).first for text in shown)
    assert key.inner_text().replace("\n", "") == shown[0]
    fits = wrapper.evaluate("wrapper => wrapper.scrollWidth <= wrapper.clientWidth")
    if not fits:
        wrapper.evaluate("wrapper => wrapper.scrollIntoView()")  # its headings at the top
        assert _in_sight(key) and _in_sight(figure)
        wrapper.evaluate("wrapper => { wrapper.scrollLeft = wrapper.scrollWidth; }")
        assert wrapper.evaluate("wrapper => wrapper.scrollLeft") > 0
        assert _in_sight(key) and not _in_sight(figure)
    assert wrapper.evaluate(_LINES) <= 6
    _photograph(page, f"wide-{path.split('?')[0].rsplit('/', 1)[1]}")


def _in_sight(heading: Any) -> bool:
    seen: bool = heading.evaluate(_IN_SIGHT)
    return seen


def _labels_of_first_card(page: Any) -> list[str]:
    """What labels each cell of the page's first table row, shown as a card."""
    cells = page.locator("table.rows-and-columns tbody tr").first.locator("td").all()
    shown = [cell.evaluate("cell => getComputedStyle(cell, '::before').content") for cell in cells]
    return [label.strip('"') for label in shown]


def _headings(page: Any) -> list[str]:
    """The column headings of the page's table as a reader reads them (no sort arrows)."""
    texts = page.locator("table.rows-and-columns thead th").all_inner_texts()
    return [text.replace("▼", "").replace("▲", "").strip() for text in texts]


def _table(page: Any) -> list[dict[str, str]]:
    """The rows of the page's results table, by column heading."""
    headings = page.locator("table.rows-and-columns thead th").all_inner_texts()
    names = [heading.strip().split("\n")[0].strip() for heading in headings]
    rows = []
    for row in page.locator("table.rows-and-columns tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows
