"""An organisation closes once, and its figures are carried on once, by a merger or split
that takes effect the day after it closes (noticed in issue 21): `record` and `import`
refuse what `check` would call "closed once" or "predecessors close", naming the option
or the file and line, and record nothing; every command reads the same closing day."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from factories import allocation, organisation, world, write_jsonl
from stores import published_ledger

from ledger.cli import main

CITED = ["--source", "data-ccgs-2013", "--locator", "x"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A store holding the shipped events/."""
    folder = tmp_path_factory.mktemp("closing")
    published_ledger(folder)
    return folder / "ledger.db"


@pytest.fixture
def ledger(published, tmp_path):
    """The ledger command on a copy of the published store."""
    store = tmp_path / "ledger.db"
    store.write_bytes(published.read_bytes())
    common = ["--store", str(store), "--views", str(tmp_path / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    invoke.store = store
    return invoke


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result, *problems):
    assert result.exit_code == 1, result.output
    count = len(problems)
    found = f"{count} problem{'s' if count > 1 else ''} found; nothing was recorded."
    assert result.stderr == "".join(f"{line}\n" for line in problems) + f"Error: {found}\n"


def ccgs_in(ledger, year):
    shown = ledger("view", "ccg-budgets", "-p", "year", year, "-p", "group", "england",
                   "--format", "json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)[0]["ccgs"]


MERGER_OF_MERGED = ["record", "merger", "--organisation", "06H", "--predecessors", "00C",
                    "--predecessors", "00D", "--effective", "2014-04-01", "--as-at",
                    "2014-05-01", *CITED]  # fmt: skip
ALREADY_MERGED = (
    "predecessors: {code} is already merged into {into} from 2020-04-01 ({into}-merger-2020, "
    "recorded in the store); an organisation's figures are carried on once"
)


def test_a_merger_of_ccgs_already_merged_elsewhere_is_refused(ledger):
    """00C and 00D merge into 16C and 84H in 2020: recording them merged into 06H in 2014
    as well once added their allocations to 06H's and counted 210 CCGs in 2015-16."""
    before = digest(ledger.store)
    refused(
        ledger(*MERGER_OF_MERGED),
        "record merger: --predecessors: "
        + ALREADY_MERGED.format(code="00C", into="16C").removeprefix("predecessors: "),
        "record merger: --predecessors: "
        + ALREADY_MERGED.format(code="00D", into="84H").removeprefix("predecessors: "),
    )
    assert digest(ledger.store) == before
    assert ccgs_in(ledger, "2015-16") == 209


def test_an_import_of_the_same_merger_names_the_file_and_line(ledger, tmp_path):
    merger = {"id": "into-06H", "kind": "merger", "organisation": "06H",
              "predecessors": ["00C", "00D"], "effective": "2014-04-01", "as_at": "2014-05-01",
              "source": "data-ccgs-2013", "locator": "x"}  # fmt: skip
    path = write_jsonl(tmp_path / "merger.jsonl", [merger])
    refused(
        ledger("import", str(path)),
        f"{path}:1: " + ALREADY_MERGED.format(code="00C", into="16C"),
        f"{path}:1: " + ALREADY_MERGED.format(code="00D", into="84H"),
    )


NEW7 = ["record", "organisation", "--id", "NEW7", "--name", "New 7", "--type", "ccg",
        "--parent", "ccg-sector", "--area-team", "Q45", "--region", "Y54",
        "--opened", "2013-04-01", "--as-at", "2013-04-01", *CITED]  # fmt: skip


def closure_of(code, effective, as_at, cited=CITED):
    return ["record", "closure", "--organisation", code, "--effective", effective,
            "--as-at", as_at, *cited]  # fmt: skip


def test_a_second_closure_is_refused_and_every_command_keeps_the_first(ledger):
    for recorded in (
        NEW7,
        ["record", "allocation", "--account", "NEW7", "--year", "2013-14", "--amount", "5m",
         "--as-at", "2013-05-01", *CITED],
        closure_of("NEW7", "2014-03-31", "2014-04-01"),
    ):  # fmt: skip
        assert ledger(*recorded).exit_code == 0
    stored = ledger("log", "--kind", "closure", "--account", "NEW7", "--format", "json")
    [first] = json.loads(stored.stdout)
    before = digest(ledger.store)
    refused(
        ledger(*closure_of("NEW7", "2016-03-31", "2016-04-01")),
        f"record closure: --organisation: NEW7 already closed on 2014-03-31 ({first['id']}, "
        "recorded in the store); an organisation closes once",
    )
    assert digest(ledger.store) == before
    shown = ledger("orgs", "NEW7", "--format", "json")
    assert json.loads(shown.stdout)[0]["closed"] == "2014-03-31"
    assert ccgs_in(ledger, "2014-15") == ccgs_in(ledger, "2013-14") - 1


def closure(code, effective, record_id=None):
    return {"id": record_id or f"{code}-closed-{effective}", "kind": "closure",
            "organisation": code, "effective": effective, "as_at": "2014-04-01",
            "source": "board-paper-2013-11", "locator": "annex C"}  # fmt: skip


def merger(successor, *predecessors, effective="2014-04-01", record_id=None):
    return {"id": record_id or f"into-{successor}", "kind": "merger",
            "organisation": successor, "predecessors": list(predecessors),
            "effective": effective, "as_at": "2014-04-01", "source": "board-paper-2013-11",
            "locator": "annex C"}  # fmt: skip


def split(code, *successors, effective="2014-04-01"):
    return {"id": f"{code}-split", "kind": "split", "organisation": code,
            "successors": [{"organisation": s, "weight": 1} for s in successors],
            "basis": "patients", "effective": effective, "as_at": "2014-04-01",
            "source": "board-paper-2013-11", "locator": "annex C"}  # fmt: skip


@pytest.fixture
def run(tmp_path):
    common = ["--store", str(tmp_path / "small.db"), "--views", str(tmp_path / "small-views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    return invoke


def imported(run, path, *records):
    """Import ``records`` after the small world and two more CCGs; the file's path."""
    path = write_jsonl(path, [*world(), organisation("07A"), organisation("07B"), *records])
    return run("import", str(path)), path


SMALL_CITED = ["--source", "board-paper-2013-11", "--locator", "annex C"]
# The small world's lines: a source, four organisations, then 07A and 07B (lines 6, 7).
FIRST = 8


def test_two_closures_in_one_batch_are_refused_at_the_second(run, tmp_path):
    result, path = imported(
        run, tmp_path / "h.jsonl", closure("07A", "2014-03-31"), closure("07A", "2016-03-31")
    )
    refused(
        result,
        f"{path}:{FIRST + 1}: organisation: 07A already closed on 2014-03-31 "
        f"(07A-closed-2014-03-31, {path}:{FIRST}); an organisation closes once",
    )


def test_a_merger_is_refused_beside_a_closure_on_another_day(run, tmp_path):
    """Either way round: the later line is the one at fault."""
    result, path = imported(
        run, tmp_path / "a.jsonl", closure("07A", "2013-12-31"), merger("06H", "07A")
    )
    refused(
        result,
        f"{path}:{FIRST + 1}: predecessors: 07A closes on 2013-12-31 (07A-closed-2013-12-31, "
        f"{path}:{FIRST}), but this merger takes effect on 2014-04-01: an organisation closes "
        "the day before its figures are carried on (2014-03-31)",
    )
    result, path = imported(
        run, tmp_path / "b.jsonl", merger("06H", "07A"), closure("07A", "2013-12-31")
    )
    refused(
        result,
        f"{path}:{FIRST + 1}: effective: 07A is merged into 06H from 2014-04-01 (into-06H, "
        f"{path}:{FIRST}), so it closes the day before, on 2014-03-31, not on 2013-12-31",
    )


def test_a_stored_merger_decides_the_closing_day(run, tmp_path):
    """A merger may come first (its predecessor's later figures need it to be recorded);
    its predecessor's closure must then be the day before it."""
    result, _ = imported(run, tmp_path / "base.jsonl", merger("06H", "07A"))
    assert result.exit_code == 0, result.output
    wrong = run(*closure_of("07A", "2014-06-30", "2014-07-01", SMALL_CITED))
    refused(
        wrong,
        "record closure: --effective: 07A is merged into 06H from 2014-04-01 (into-06H, "
        "recorded in the store), so it closes the day before, on 2014-03-31, not on 2014-06-30",
    )
    right = run(*closure_of("07A", "2014-03-31", "2014-04-01", SMALL_CITED))
    assert right.exit_code == 0, right.output
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_an_organisation_is_carried_on_once(run, tmp_path):
    result, path = imported(
        run,
        tmp_path / "h.jsonl",
        closure("07A", "2014-03-31"),
        merger("06H", "07A"),
        split("07A", "05Q", "07B", effective="2015-04-01"),
    )
    refused(
        result,
        f"{path}:{FIRST + 2}: organisation: 07A is already merged into 06H from 2014-04-01 "
        f"(into-06H, {path}:{FIRST + 1}); an organisation's figures are carried on once",
    )


def test_a_merger_before_its_predecessor_was_open_a_day_is_refused(run, tmp_path):
    result, path = imported(
        run,
        tmp_path / "h.jsonl",
        organisation("07C", opened="2014-04-01"),
        merger("06H", "07C"),
    )
    refused(
        result,
        f"{path}:{FIRST + 1}: predecessors: 07C opened on 2014-04-01; this merger from "
        "2014-04-01 would close it on 2014-03-31, before it opened",
    )


def test_a_closed_ccgs_figures_carried_on_by_its_merger_pass_check(run, tmp_path):
    later = allocation("alloc-07A-2014", account="07A", financial_year="2014-15")
    result, _ = imported(
        run, tmp_path / "h.jsonl", later, closure("07A", "2014-03-31"), merger("06H", "07A")
    )
    assert result.exit_code == 0, result.output
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_a_split_into_a_closed_organisation_names_its_successors(run, tmp_path):
    """The message once said "organisation: ... before this merger into it" of a split."""
    result, path = imported(
        run, tmp_path / "h.jsonl", closure("07B", "2013-12-31"), split("07A", "06H", "07B")
    )
    refused(
        result,
        f"{path}:{FIRST + 1}: successors: 07B closed on 2013-12-31 (07B-closed-2013-12-31, {path}:{FIRST}), "
        "before "
        "this split into it on 2014-04-01",
    )
