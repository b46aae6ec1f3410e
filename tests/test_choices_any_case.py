"""A reading command's choices are taken in any letters (``--format JSON``, ``log --kind
Allocation``, ``-p group Region``), each as the choice it spells, as audit's measure
already was. What a record is made of is not: an import file's "Reverse" is refused, so
``ledger record`` refuses it too."""

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("published"))


@pytest.mark.parametrize(
    ("as_typed", "as_listed"),
    [
        (["log", "--kind", "Allocation", "--account", "06H"], ["log", "--kind", "allocation", "--account", "06H"]),
        (["log", "--account", "06H", "--format", "JSON"], ["log", "--account", "06H", "--format", "json"]),
        (["view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "Region"],
         ["view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "region"]),
        (["view", "ccg-budgets", "-p", "year", "2013-14", "--units", "M"],
         ["view", "ccg-budgets", "-p", "year", "2013-14", "--units", "m"]),
        (["diff", "06H", "--from", "2013-04-01", "--to", "2014-03-31", "--by", "EVENT"],
         ["diff", "06H", "--from", "2013-04-01", "--to", "2014-03-31", "--by", "event"]),
    ],
)  # fmt: skip
def test_a_reading_commands_choice_may_be_typed_in_any_letters(ledger, as_typed, as_listed):
    listed = ledger(*as_listed)
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip()
    assert ledger(*as_typed).output == listed.output


def test_a_choice_that_is_none_in_any_letters_is_still_refused_with_the_choices(ledger):
    result = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "regions")
    assert result.exit_code == 1
    assert "parameter group: 'regions' is not one of ccg, area_team, region, england" in (
        result.output
    )


def test_what_a_record_is_made_of_is_still_spelt_as_an_import_file_spells_it(ledger):
    result = ledger(
        "record", "correction", "--corrects", "alloc-2013-14-06H", "--action", "Reverse",
        "--reason", "twice", "--as-at", "2014-03-31", "--source", "nhse-allocations-2013-14",
        "--locator", "p1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'Reverse' is not one of" in result.output
