"""audit and diff through lineage: a successor's figure counts, in any year, the figures
of every organisation merged or split into it, through every wave, and an organisation
with no figure is told where its figures went or came from. On the real events/."""

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main

REPOSITORY = Path(__file__).resolve().parent.parent
SPLITS = [
    json.loads(line)
    for line in (REPOSITORY / "events" / "organisations" / "icbs-2022.jsonl")
    .read_text()
    .splitlines()
    if json.loads(line)["kind"] == "split"
]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lineage-audit")
    common = ["--store", str(folder / "ledger.db"), "--views", str(folder / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    assert invoke("import", str(REPOSITORY / "events")).exit_code == 0
    invoke.views = folder / "views.db"
    return invoke


def rows(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def audit(ledger, code, year, *more):
    """The audit's rows of recorded changes (the published record's errata, which the
    audit lists after the records they fix, left out)."""
    found = rows(ledger("audit", code, "allocation", "--year", year, *more, "--format", "json"))
    return [row for row in found if row["kind"] != "erratum"]


def total(ledger, code, year):
    return audit(ledger, code, year)[-1]["after_pence"]


def restated(ledger, year, boundaries):
    found = ledger("view", "ccg-budgets", "-p", "year", year, "-p", "boundaries", boundaries,
                   "--format", "json")  # fmt: skip
    return {row["code"]: row["allocation_pence"] for row in rows(found)}


def predecessors(ledger, code):
    """Every organisation carried into ``code``, read from the views' lineage table."""
    with sqlite3.connect(ledger.views) as views:
        pairs = views.execute("SELECT predecessor, successor FROM lineage").fetchall()
    found, wave = set(), {code}
    while wave:
        wave = {before for before, after in pairs if after in wave} - found
        found |= wave
    return found


def test_a_merged_ccg_counts_its_three_predecessors_before_it_existed(ledger):
    steps = audit(ledger, "13T", "2013-14")
    assert [(step["account"], step["note"]) for step in steps] == [
        ("00F", "at M6; carried 00F -> 13T"),
        ("00G", "at M6; carried 00G -> 13T"),
        ("00H", "at M6; carried 00H -> 13T"),
    ]
    assert steps[-1]["after_pence"] == sum(
        total(ledger, code, "2013-14") for code in ["00F", "00G", "00H"]
    )
    assert steps[-1]["after_pence"] == restated(ledger, "2013-14", "2015-16")["13T"]


def test_an_icb_counts_every_wave_of_predecessors(ledger):
    steps = audit(ledger, "QHM", "2013-14")
    accounts = {step["account"] for step in steps}
    assert {"00F", "00G", "00H"} <= accounts  # through 13T, which merged into QHM
    assert accounts <= predecessors(ledger, "QHM")
    assert {step["note"] for step in steps if step["account"] == "00F"} == {
        "at M6; carried 00F -> 13T -> QHM"
    }
    assert steps[-1]["after_pence"] == restated(ledger, "2013-14", "2023-24")["QHM"]
    assert steps[-1]["after_pence"] == sum(step["change_pence"] for step in steps)


@pytest.mark.parametrize("year", ["2013-14", "2019-20"])
def test_each_successor_of_a_split_adds_up_to_its_restated_figure(ledger, year):
    figures = restated(ledger, year, "2023-24")
    for split in SPLITS:
        for share in split["successors"]:
            assert total(ledger, share["organisation"], year) == figures[share["organisation"]]


def test_a_split_predecessors_rows_count_their_running_weighted_part(ledger):
    split = next(split for split in SPLITS if split["organisation"] == "06H")
    whole = total(ledger, "06H", "2013-14")
    grand, before, parts = sum(s["weight"] for s in split["successors"]), 0, []
    for share in split["successors"]:
        steps = [
            s for s in audit(ledger, share["organisation"], "2013-14") if s["account"] == "06H"
        ]
        cut = whole * (before + share["weight"]) // grand - whole * before // grand
        assert sum(step["change_pence"] for step in steps) == cut
        percent = f"{100 * share['weight'] / grand:.2f}%"
        assert all(
            f"apportioned 06H -> {share['organisation']} {percent} "
            f"({share['weight']:,} of {grand:,} {split['basis']}" in step["note"]
            for step in steps
        )
        parts.append(cut)
        before += share["weight"]
    assert sum(parts) == whole


def test_the_audit_view_keeps_recorded_amounts_beside_the_part_counted(ledger):
    que = rows(ledger("view", "audit", "-p", "account", "QUE", "-p", "year", "2013-14",
                      "--format", "json"))  # fmt: skip
    own = rows(ledger("view", "audit", "-p", "account", "06H", "-p", "year", "2013-14",
                      "--format", "json"))  # fmt: skip
    assert [row["amount_pence"] for row in que] == [row["amount_pence"] for row in own]
    assert all(row["carried"] is None and row["apportioned"] is None for row in own)
    assert all(row["counted_pence"] == row["delta_pence"] for row in own)
    assert all(row["carried"] == "06H -> QUE" for row in que)
    assert all(0 < row["counted_pence"] < row["delta_pence"] for row in que if row["delta_pence"])


def test_an_organisations_own_audit_does_not_take_in_its_successors(ledger):
    steps = audit(ledger, "06H", "2013-14")
    assert {step["account"] for step in steps} == {"06H"}
    assert not any("carried" in step["note"] or "apportioned" in step["note"] for step in steps)


def test_lineage_known_only_later_is_not_followed_by_an_audit_as_known_earlier(ledger):
    result = ledger("audit", "13T", "allocation", "--year", "2013-14", "--as-at", "2014-06-30")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 13T has no allocation for 2013-14; its predecessors 00F, 00G and 00H have "
        "one, but that those figures are carried on to 13T became known only on 2014-11-26"
    )


def test_diff_of_a_successor_explains_its_predecessors_changes(ledger):
    found = rows(ledger("diff", "13T", "--from", "2013-04-01", "--to", "2014-03-31",
                        "--year", "2013-14", "--by", "member", "--format", "json"))  # fmt: skip
    start, *members, end = found
    assert start["after_pence"] == 0
    assert sorted(member["account"] for member in members) == ["00F", "00G", "00H"]
    assert sum(member["change_pence"] for member in members) == end["change_pence"]
    assert end["after_pence"] == total(ledger, "13T", "2013-14")


def test_a_closed_predecessor_is_told_where_its_figures_went(ledger):
    result = ledger("audit", "00F", "allocation", "--year", "2016-17")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 00F has no allocation for 2016-17; it closed on 2015-03-31 and its figures "
        "are carried to 13T, then QHM; recorded for 00F: allocation (2013-14,"
    )
    assert "Traceback" not in result.output


def test_a_split_predecessor_is_told_how_its_figures_were_shared(ledger):
    result = ledger("audit", "06H", "allocation", "--year", "2023-24")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 06H has no allocation for 2023-24; it closed on 2022-06-30 and its figures "
        "are apportioned between QPM (1.08%) and QUE (98.92%) by GP registered patients, "
        "2022-23; recorded for 06H: "
    )


def test_a_successor_with_nothing_even_through_lineage_names_its_predecessors(ledger):
    """A year that others have (a drawdown of 2013-14) but neither QHM nor any of its
    predecessors: a year no organisation has says that instead."""
    result = ledger("audit", "QHM", "drawdown", "--year", "2013-14")
    assert result.exit_code == 1
    named = result.stderr.split(", nor have its predecessors ")[1].split(";")[0]
    assert named.replace(" and ", ", ").split(", ") == sorted(predecessors(ledger, "QHM"))
    assert result.stderr.startswith("Error: QHM has no drawdown for 2013-14, nor have its")
    assert "; recorded for QHM and its predecessors: " in result.stderr
    assert "allocation (2013-14,2014-15,2015-16," in result.stderr
    unknown = ledger("audit", "NOWHERE", "allocation")
    assert unknown.stderr == "Error: unknown organisation 'NOWHERE'\n"


def test_a_successor_asked_before_its_merger_was_known_is_told_so_not_that_none_had_one(ledger):
    """An auditor asks for Kent and Medway CCG's 2014-15 allocation as known in December
    2013: its predecessors' allocations were known then, but not the 2020 merger that
    carries them to 91Q. The message says that, rather than that they had none."""
    result = ledger("audit", "91Q", "allocation", "--year", "2014-15", "--as-at", "2013-12-18")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 91Q has no allocation for 2014-15; its predecessors 09C, 09E, 09J, 09W, 10A, "
        "10D, 10E and 99J have one, but that those figures are carried on to 91Q became "
        "known only on 2020-04-01 (--as-at 2020-04-01 or later counts them; "
    )
    assert "nor have" not in result.stderr
    assert audit(ledger, "91Q", "2014-15", "--as-at", "2020-04-01")


def test_a_successor_without_a_forecast_is_told_its_predecessors_count_from_the_split(ledger):
    """06H forecast for 2013-14; QUE, which took most of it in 2022, has no forecast of
    its own, and a forecast supersedes, so 06H's counts for QUE only from 1 July 2022."""
    result = ledger("audit", "QUE", "forecast")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: QUE has no forecast; its predecessor 06H has one, but a forecast supersedes "
        "rather than adds up, so a predecessor's counts only from 2022-07-01, when its "
        "figures were carried on (audit 06H forecast shows it); recorded for QUE and its "
    )
    assert rows(ledger("audit", "06H", "forecast", "--format", "json"))
    none = ledger("audit", "QUE", "drawdown", "--year", "2013-14")  # others have one
    assert none.stderr.startswith("Error: QUE has no drawdown for 2013-14, nor has its "
                                  "predecessor 06H; recorded for QUE")  # fmt: skip
