"""``ledger orgs``: organisations found by code or name in the shipped history, each with
its parents from each date, what it came from and went to, and its lineage as a tree."""

import json

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Run the CLI on a store and views database holding exactly the shipped events/."""
    folder = tmp_path_factory.mktemp("orgs")
    paths = ["--store", str(folder / "ledger.db"), "--views", str(folder / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*paths, *args])

    imported = invoke("import", str(REPOSITORY / "events"))
    assert imported.exit_code == 0, imported.output
    return invoke


def rows(ledger, *args):
    result = ledger("orgs", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["code"]: row for row in json.loads(result.stdout)}


def tree(ledger, *args):
    result = ledger("orgs", *args, "--lineage")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_a_name_finds_every_organisation_holding_it_and_where_each_went(ledger):
    found = rows(ledger, "staffordshire")
    assert sorted(found) == ["05D", "05G", "05Q", "Q60", "QNC", "staffordshire-health-economy"]
    assert found["05D"]["name"] == "NHS East Staffordshire CCG"
    assert found["05D"]["closed"] == "2022-06-30"
    assert found["05D"]["successors"] == "QNC on 2022-07-01"
    # The ICB found by the same word names the CCGs it took over, 05Q among them.
    assert found["QNC"]["predecessors"] == "04Y, 05D, 05G, 05Q, 05V, 05W on 2022-07-01"
    assert found["QNC"]["type"] == "icb"


def test_a_search_matches_every_name_an_organisation_has_had(ledger):
    # 05Q was registered in 2013 as "...Staffs and Seisdon and Peninsular"; the ODS
    # extract of 2016 calls it "...Staffordshire and Seisdon Peninsula".
    found = rows(ledger, "staffs and seisdon")
    assert list(found) == ["05Q"]
    assert found["05Q"]["successors"] == "QNC on 2022-07-01"
    assert list(rows(ledger, "staffordshire and seisdon")) == ["05Q"]


def test_a_code_in_any_case_finds_13t_with_its_predecessors_and_parents(ledger):
    found = rows(ledger, "13t")
    row = found["13T"]
    assert list(found)[0] == "13T"
    assert row["name"] == "NHS Newcastle Gateshead CCG"
    assert row["predecessors"] == "00F, 00G, 00H on 2015-04-01"
    assert row["parents"] == "Y54 from 2014-11-26; Q74 Y54 from 2015-04-01"
    assert row["successors"] == "QHM on 2022-07-01"
    assert (row["opened"], row["closed"]) == ("2014-11-26", "2022-06-30")


def test_the_table_shows_the_same_row(ledger):
    result = ledger("orgs", "13T")
    assert result.exit_code == 0, result.output
    header, rule, line = result.stdout.splitlines()
    assert header.split() == [
        "code", "name", "type", "opened", "closed", "parents", "predecessors", "successors"
    ]  # fmt: skip
    assert line.startswith("13T     NHS Newcastle Gateshead CCG  ccg ")
    assert line.endswith("  00F, 00G, 00H on 2015-04-01  QHM on 2022-07-01")


def test_a_split_ccg_shows_both_successors_with_their_shares(ledger):
    row = rows(ledger, "01Y")["01Y"]
    assert row["successors"] == "QJ2 13.09%, QOP 86.91% on 2022-07-01"
    taken = rows(ledger, "QOP")["QOP"]["predecessors"]
    assert taken.endswith("; 86.91% of 01Y on 2022-07-01")


def test_the_lineage_of_13t_shows_its_three_predecessors_and_the_icb(ledger):
    assert tree(ledger, "13T") == [
        "13T  NHS Newcastle Gateshead CCG (ccg, 2014-11-26 to 2022-06-30)",
        "",
        "came from:",
        "├── 00F  NHS Gateshead CCG (ccg, 2013-04-01 to 2015-03-31): merged into 13T on 2015-04-01",
        "├── 00G  NHS Newcastle North and East CCG (ccg, 2013-04-01 to 2015-03-31): merged into 13T on 2015-04-01",
        "└── 00H  NHS Newcastle West CCG (ccg, 2013-04-01 to 2015-03-31): merged into 13T on 2015-04-01",
        "",
        "went to:",
        "└── QHM  NHS North East and North Cumbria ICB (icb, from 2022-07-01): 13T merged into it on 2022-07-01",
    ]


def test_the_lineage_of_a_split_shows_each_share(ledger):
    lines = tree(ledger, "01y")
    assert lines[0].startswith("01Y  NHS Tameside and Glossop CCG ")
    basis = "(split by GP registered patients, 2022-23)"
    assert lines[-2:] == [
        f"├── QJ2  NHS Derby and Derbyshire ICB (icb, from 2022-07-01): took 13.09% of 01Y on 2022-07-01 {basis}",
        f"└── QOP  NHS Greater Manchester ICB (icb, from 2022-07-01): took 86.91% of 01Y on 2022-07-01 {basis}",
    ]


def test_the_lineage_goes_back_through_predecessors_of_predecessors(ledger):
    lines = tree(ledger, "QOP")
    manchester = next(n for n, line in enumerate(lines) if line.startswith("├── 14L "))
    assert lines[manchester + 1 : manchester + 4] == [
        "│   ├── 00W  NHS Central Manchester CCG (ccg, 2013-04-01 to 2017-03-31): merged into 14L on 2017-04-01",
        "│   ├── 01M  NHS North Manchester CCG (ccg, 2013-04-01 to 2017-03-31): merged into 14L on 2017-04-01",
        "│   └── 01N  NHS South Manchester CCG (ccg, 2013-04-01 to 2017-03-31): merged into 14L on 2017-04-01",
    ]
    assert lines[-1].startswith("└── 01Y  NHS Tameside and Glossop CCG ")
    assert lines[-1].endswith(
        ": 86.91% went to QOP on 2022-07-01 (split by GP registered patients, 2022-23)"
    )


def test_the_lineage_as_rows_for_programs(ledger):
    result = ledger("orgs", "13T", "--lineage", "--format", "json")
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.stdout)
    assert [(n["direction"], n["depth"], n["code"], n["via"]) for n in nodes] == [
        ("self", 0, "13T", None),
        ("before", 1, "00F", "13T"),
        ("before", 1, "00G", "13T"),
        ("before", 1, "00H", "13T"),
        ("after", 1, "QHM", "13T"),
    ]
    assert {n["effective"] for n in nodes[1:4]} == {"2015-04-01"}
    assert nodes[4]["effective"] == "2022-07-01"


def test_as_at_a_date_shows_only_what_was_known_then(ledger):
    row = rows(ledger, "13T", "--as-at", "2014-12-01")["13T"]
    assert row["predecessors"] == "00F, 00G, 00H on 2015-04-01"
    assert (row["closed"], row["successors"]) == (None, None)
    assert row["parents"] == "Y54 from 2014-11-26"
    unknown = ledger("orgs", "13T", "--as-at", "2014-11-25")
    assert unknown.exit_code == 1
    assert (
        unknown.stderr
        == "Error: no organisation's code or name contains '13T' (known by 2014-11-25)\n"
    )


def test_without_text_every_organisation_is_listed(ledger):
    counted = ledger("query", "SELECT COUNT(*) AS n FROM organisations", "--format", "json")
    everything = rows(ledger)
    assert len(everything) == json.loads(counted.stdout)[0]["n"]
    assert {"13T", "QHM", "Q74", "Y54", "ccg-sector"} <= set(everything)


def test_no_match_is_one_line_and_exit_code_1(ledger):
    result = ledger("orgs", "xyzzy")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no organisation's code or name contains 'xyzzy'\n"


def test_text_with_a_control_character_is_refused_in_one_line(ledger):
    result = ledger("orgs", "a\x1bb")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: TEXT: 'a\\x1bb' holds U+001B (a control character), which no code or name shows\n"
    )


def test_text_with_an_invisible_character_names_it_rather_than_call_it_a_control(ledger):
    result = ledger("orgs", "Newcastle\u200b")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: TEXT: 'Newcastle\\u200b' holds U+200B (ZERO WIDTH SPACE, an invisible "
        "formatting character), which no code or name shows\n"
    )
