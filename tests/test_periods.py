"""Financial years run April to March; M6 is the position at 30 September."""

from datetime import date

import pytest

from ledger.records.periods import (
    PeriodError,
    financial_year_of,
    first_day,
    last_day,
    parse_financial_year,
    parse_period,
    period_end,
)


@pytest.mark.parametrize("written", ["2013-14", "2013/14", "2013-2014", " 2013 - 14 "])
def test_financial_years_take_one_spelling(written):
    assert parse_financial_year(written) == "2013-14"


def test_the_year_after_1999_is_2000():
    assert parse_financial_year("1999-00") == "1999-00"


@pytest.mark.parametrize(
    ("written", "complaint"),
    [
        ("2013-15", "the year after 2013 is 2014"),
        ("2013", "written like 2013-14"),
        ("13-14", "written like 2013-14"),
        ("1900-01", "outside the years the NHS has existed"),
        (2013, "written like 2013-14"),
    ],
)
def test_refuses_years_that_do_not_exist(written, complaint):
    with pytest.raises(PeriodError, match=complaint):
        parse_financial_year(written)


def test_year_bounds_and_membership():
    assert first_day("2013-14") == date(2013, 4, 1)
    assert last_day("2013-14") == date(2014, 3, 31)
    assert financial_year_of(date(2014, 3, 31)) == "2013-14"
    assert financial_year_of(date(2014, 4, 1)) == "2014-15"


@pytest.mark.parametrize("written", ["M6", "m6", "6", 6, "month 6"])
def test_months_take_one_spelling(written):
    assert parse_period(written) == "M6"


@pytest.mark.parametrize("written", ["M0", "M13", "June", "", None])
def test_refuses_months_outside_m1_to_m12(written):
    with pytest.raises(PeriodError, match="M1 to M12"):
        parse_period(written)


@pytest.mark.parametrize(
    ("year", "period", "end"),
    [
        ("2013-14", "M1", date(2013, 4, 30)),
        ("2013-14", "M6", date(2013, 9, 30)),
        ("2013-14", "M9", date(2013, 12, 31)),
        ("2013-14", "M10", date(2014, 1, 31)),
        ("2015-16", "M11", date(2016, 2, 29)),
        ("2013-14", "M12", date(2014, 3, 31)),
    ],
)
def test_month_ends(year, period, end):
    assert period_end(year, period) == end
