"""Money is read exactly, in every spelling finance papers use, and never as float."""

import pytest

from ledger.records.money import MoneyError, format_pounds, parse_percent, parse_pounds


@pytest.mark.parametrize(
    ("written", "pence"),
    [
        ("849204000", 84_920_400_000),
        (849204000, 84_920_400_000),
        ("£8.6m", 860_000_000),
        ("8.6m", 860_000_000),
        ("£1.6bn", 160_000_000_000),
        ("849,204k", 84_920_400_000),
        ("-2.4m", -240_000_000),
        ("-£2.4m", -240_000_000),
        ("£-2.4m", -240_000_000),
        ("£176.8m", 17_680_000_000),
        ("£97.3bn", 9_730_000_000_000),
        ("1.5", 150),
        ("£0.01", 1),
        ("12.5K", 1_250_000),
        ("+5m", 500_000_000),
        (" £ 60m ", 6_000_000_000),
    ],
)
def test_reads_every_spelling_of_an_amount(written, pence):
    assert parse_pounds(written) == pence


@pytest.mark.parametrize(
    ("written", "complaint"),
    [
        (8.6, "not as a floating-point number"),
        ("£1.234", "fraction of a penny"),
        ("1.234567k", "fraction of a penny"),
        ("eight million", "cannot read"),
        ("8,60m", "cannot read"),
        ("--5m", "cannot read"),
        ("-£-5m", "two signs"),
        ("5m£", "cannot read"),
        ("", "cannot read"),
        (True, "expected an amount"),
        (None, "expected an amount"),
        ("20000bn", "larger than any NHS budget"),
    ],
)
def test_refuses_amounts_it_cannot_read_exactly(written, complaint):
    with pytest.raises(MoneyError, match=complaint):
        parse_pounds(written)


def test_prints_pence_as_pounds():
    assert format_pounds(84_920_400_000) == "£849,204,000.00"
    assert format_pounds(-240_000_000) == "-£2,400,000.00"
    assert format_pounds(5) == "£0.05"
    assert format_pounds(None) == ""


def test_reads_percentages_as_exact_text():
    assert parse_percent("12.9%") == "12.9"
    assert parse_percent(9.5) == "9.5"
    assert parse_percent(13) == "13"
    assert parse_percent("-0.50") == "-0.5"
    with pytest.raises(MoneyError, match="as a percentage"):
        parse_percent("twelve")
