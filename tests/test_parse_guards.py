"""What a user types is read exactly as written or refused with ``file:line``: no repeated
field, rounded amount, foreign digit, non-record line, control character or deeply nested
line gets through, and none ends in a traceback (issue 14)."""

import json
import sqlite3

import pytest
from click.testing import CliRunner
from factories import (
    allocation,
    baseline,
    correction,
    drawdown,
    figure,
    forecast,
    organisation,
    plan,
    qipp,
    source,
    transfer,
    world,
    write_jsonl,
)

from ledger.cli import main
from ledger.records.models import RecordError, parse_record
from ledger.records.money import MoneyError, parse_percent, parse_pounds
from ledger.records.periods import PeriodError, parse_date, parse_financial_year, parse_period

NOTHING_RECORDED = "Error: 1 problem found; nothing was recorded.\n"


@pytest.fixture
def store(tmp_path):
    """A SQLite store holding the world the factories name."""
    path = str(tmp_path / "ledger.db")
    history = write_jsonl(tmp_path / "world.jsonl", world())
    assert CliRunner().invoke(main, ["--store", path, "import", str(history)]).exit_code == 0
    return path


def stored(store):
    with sqlite3.connect(store) as db:
        return db.execute("SELECT rowid, topic, state FROM stored_events ORDER BY 1").fetchall()


def ledger(store, *args):
    return CliRunner().invoke(main, ["--store", store, *args], catch_exceptions=False)


def import_line(store, tmp_path, line):
    """Import a file holding one line (text or bytes); a refusal must record nothing."""
    path = tmp_path / "case.jsonl"
    if isinstance(line, str):
        line = line.encode("utf-8")
    path.write_bytes(line + b"\n")
    before = stored(store)
    result = ledger(store, "import", str(path))
    if result.exit_code != 0:
        assert result.exit_code == 1
        assert stored(store) == before
    return path, result


def refused(store, tmp_path, line):
    """The one problem an import of ``line`` reports, without its ``file:line: ``."""
    path, result = import_line(store, tmp_path, line)
    assert result.exit_code == 1, result.output
    assert result.stderr.endswith(NOTHING_RECORDED)
    [problem] = result.stderr.removesuffix(NOTHING_RECORDED).splitlines()
    assert problem.startswith(f"{path}:1: ")
    return problem.removeprefix(f"{path}:1: ")


def line_of(record, **raw):
    """A record as a JSON line, with ``raw`` fields appended exactly as given."""
    text = json.dumps(record)
    return text[:-1] + "".join(f", {json.dumps(key)}: {value}" for key, value in raw.items()) + "}"


# Item 6: repeated fields, found by the JSON parser however the text is spaced.

ALLOCATION_WITHOUT_AMOUNT = json.dumps(allocation(amount=None))[:-1]


@pytest.mark.parametrize(
    "repeat",
    [
        '"amount": "2m"',
        '"amount"  :"2m"',
        '"amount"\t:"2m"',
        '"amount" \t :"2m"',
        '"amount"\r:"2m"',
        '"\\u0061mount": "2m"',
        '"amoun\\u0074"   : "2m"',
    ],
)
def test_a_repeated_field_is_refused_however_it_is_spelled(store, tmp_path, repeat):
    line = ALLOCATION_WITHOUT_AMOUNT + ', "amount":"1m", ' + repeat + "}"
    assert refused(store, tmp_path, line) == "field 'amount' is given twice"


def test_a_repeated_key_inside_a_nested_object_is_refused(store, tmp_path):
    line = ALLOCATION_WITHOUT_AMOUNT + ', "amount": "1m", "note": {"a": 1, "a"  : 2}}'
    assert refused(store, tmp_path, line) == "field 'a' is given twice"


def test_a_colon_after_a_quote_inside_text_is_not_a_repeat(store, tmp_path):
    record = allocation(locator='table "1" : row 2', reason='"amount" : "2m"')
    path, result = import_line(store, tmp_path, json.dumps(record))
    assert result.exit_code == 0, result.output
    exported = json.loads(ledger(store, "export").stdout.splitlines()[-1])
    assert (exported["amount_pence"], exported["reason"]) == (84_920_400_000, '"amount" : "2m"')


# Numbers in JSON are read exactly: never rounded through a float.


def test_a_json_percentage_is_kept_to_its_last_digit(store, tmp_path):
    record = figure("f1", "shortfall-percent", period="M6", as_at="2013-10-30")
    line = line_of(record, percent="12.345678901234567890123")
    path, result = import_line(store, tmp_path, line)
    assert result.exit_code == 0, result.output
    exported = ledger(store, "export").stdout.splitlines()
    assert json.loads(exported[-1])["percent"] == "12.345678901234567890123"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("NaN", "not valid JSON: NaN is not a number JSON allows"),
        ("-Infinity", "not valid JSON: -Infinity is not a number JSON allows"),
        ("1e3", "the number 1e3 has an exponent: write numbers in full"),
        ("12.9E-1", "the number 12.9E-1 has an exponent: write numbers in full"),
        ("1e999999999", "the number 1e999999999 has an exponent: write numbers in full"),
        ("9" * 5000, "a number of 5,000 characters is longer than any value of a record"),
        ("0." + "1" * 200, "a number of 202 characters is longer than any value of a record"),
    ],
)
def test_json_numbers_that_no_field_could_hold_are_refused(store, tmp_path, number, problem):
    record = figure("f1", "shortfall-percent", period="M6", as_at="2013-10-30")
    assert refused(store, tmp_path, line_of(record, percent=number)) == problem


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        (
            "123456789012345678901234567890",
            "amount: 123456789012345678901234567890 is larger than any NHS budget "
            "(over £10 trillion)",
        ),
        (
            "8.60",
            "amount: write amounts as text or whole pounds, not as a floating-point number "
            '(got 8.60; write "8.60" or "£8.60" to mean pounds)',
        ),
    ],
)
def test_a_json_amount_is_named_as_written(store, tmp_path, number, problem):
    line = line_of(allocation(amount=None), amount=number)
    assert refused(store, tmp_path, line) == problem


# Item 9: a line is a record, a JSON object, or blank.


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("null", "null"),
        ("  null  ", "null"),
        ("[]", "an array"),
        ("[{}]", "an array"),
        ("1", "a number"),
        ("1.5", "a number"),
        ('"x"', "a string"),
        ("true", "true"),
        ("false", "false"),
    ],
)
def test_a_line_that_is_not_an_object_is_refused(store, tmp_path, line, what):
    assert refused(store, tmp_path, line) == f"a record is a JSON object, got {what}"


def test_a_line_of_control_characters_is_not_blank(store, tmp_path):
    problem = refused(store, tmp_path, "\x1c\u2028")
    assert problem.startswith("not valid JSON: Expecting value")


# Item 13: a line nested deeper than any record is a problem, not a traceback.

TOO_DEEP = "nested more than 100 levels deep: not a record"


@pytest.mark.parametrize(
    "line",
    [
        "[" * 101 + "]" * 101,
        "[" * 1_100 + "]" * 1_100,
        '{"a":' * 1_100 + "1" + "}" * 1_100,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        "[" * 100_000,
        line_of(allocation(), note="[" * 1_100 + "]" * 1_100),
        line_of(allocation(), note="[" * 500 + "1.5" + "]" * 500),
        line_of(allocation(), note='{"a":' * 900 + '{"b": 1, "b" : 2}' + "}" * 900),
    ],
    ids=[
        "101-arrays",
        "1100-arrays",
        "1100-objects",
        "100k-arrays",
        "100k-objects",
        "100k-unclosed",
        "1100-in-a-record",
        "500-with-a-fraction",
        "900-with-a-repeat",
    ],
)
def test_a_deeply_nested_line_is_a_problem_not_a_traceback(store, tmp_path, line):
    assert refused(store, tmp_path, line) == TOO_DEEP


def test_a_line_nested_100_levels_deep_is_read_as_json(store, tmp_path):
    line = line_of(allocation(), note="[" * 99 + "]" * 99)
    assert refused(store, tmp_path, line) == "unknown field 'note'"
    assert (
        refused(store, tmp_path, "[" * 100 + "]" * 100) == "a record is a JSON object, got an array"
    )


# Item 8: money is read exactly, with the digits 0-9, or refused.

CANNOT_READ = "as an amount (examples: 849204000, £8.6m, 1.6bn, 849,204k, -2.4m)"


@pytest.mark.parametrize(
    ("written", "pence"),
    [
        ("1.000000000000000000000000000000", 100),
        ("1." + "0" * 60, 100),
        ("0" * 40 + "1", 100),
        ("0.000000000000000000000000000001bn", None),
        ("1.000000000000000000000000000001", None),
        ("1.0000000000000000000000000000001m", None),
        ("£10,000,000,000,000", 10**15),
        ("9,999,999,999,999.99", 10**15 - 1),
        ("0.00000000001bn", 1),
        ("0.000000000001bn", None),
        ("-0", 0),
        ("+5", 500),
        ("\u22122.4m", -240_000_000),
        ("£\u22122.4m", -240_000_000),
        (".5", 50),
        ("0.10", 10),
        ("8.6 m", 860_000_000),
    ],
)
def test_amounts_are_exact_to_the_penny_whatever_their_length(written, pence):
    if pence is None:
        with pytest.raises(MoneyError) as raised:
            parse_pounds(written)
        assert str(raised.value) == f"{written!r} has a fraction of a penny"
    else:
        assert parse_pounds(written) == pence


@pytest.mark.parametrize(
    "written",
    ["£８.６m", "٨", "８", "1٠", "£1.6\u0665bn", "\u0968\u0966m", "𝟠"],
)
def test_amounts_are_written_with_the_digits_0_to_9(written):
    with pytest.raises(MoneyError) as raised:
        parse_pounds(written)
    assert str(raised.value) == f"{written!r}: only the digits 0-9 are read"


@pytest.mark.parametrize(
    "written",
    [
        "1e3",
        "1E+2",
        "1e-2",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "1_000",
        "1,00",
        "1,0000",
        ",100",
        "1,000,00",
        "1.000,5",
        "1..5",
        "1.2.3",
        "0x10",
        "1/2",
        "5-",
        "\u20135m",
        "\u20105m",
        "8.6\u00a0m",
        "\u20038.6m",
        "8\u202f600k",
        "£",
        "m",
        ".",
        " ",
        "8.6mm",
        "8.6 million",
        "8.6m\n",
        "\n8.6m",
        "8.6m\t",
        "8.6\u212a",
    ],
)
def test_amounts_in_any_other_notation_are_refused(written):
    with pytest.raises(MoneyError) as raised:
        parse_pounds(written)
    assert str(raised.value) == f"cannot read {written!r} {CANNOT_READ}"


@pytest.mark.parametrize("written", ["9" * 5000, "1" + "0" * 16, "0." + "0" * 4000 + "1m"])
def test_amounts_with_thousands_of_digits_are_refused_without_a_crash(written):
    with pytest.raises(MoneyError) as raised:
        parse_pounds(written)
    assert str(raised.value).startswith(repr(written)[:20])
    assert str(raised.value).endswith(
        ("is larger than any NHS budget (over £10 trillion)", "has a fraction of a penny")
    )


def test_a_thirty_digit_fraction_of_a_penny_is_refused_at_import(store, tmp_path):
    line = json.dumps(allocation(amount="1.000000000000000000000000000001"))
    assert refused(store, tmp_path, line) == (
        "amount: '1.000000000000000000000000000001' has a fraction of a penny"
    )


def test_full_width_digits_are_refused_at_import(store, tmp_path):
    line = json.dumps(allocation(amount="£８.６m"), ensure_ascii=False)
    assert refused(store, tmp_path, line) == "amount: '£８.６m': only the digits 0-9 are read"


@pytest.mark.parametrize(
    ("written", "exact"),
    [
        ("1.000000000000000000000000000001", "1.000000000000000000000000000001"),
        ("12.90%", "12.9"),
        ("0012.50 %", "12.5"),
        ("+5%", "5"),
        ("-0", "0"),
        ("-0.50", "-0.5"),
        ("100", "100"),
        ("0.000", "0"),
    ],
)
def test_percentages_are_kept_exactly_as_written(written, exact):
    assert parse_percent(written) == exact


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("١٢%", "'١٢%': only the digits 0-9 are read"),
        ("1２.9", "'1２.9': only the digits 0-9 are read"),
        ("1e3", "cannot read '1e3' as a percentage (example: 12.9%)"),
        ("NaN", "cannot read 'NaN' as a percentage (example: 12.9%)"),
        ("1_0", "cannot read '1_0' as a percentage (example: 12.9%)"),
        ("12.9%%", "cannot read '12.9%%' as a percentage (example: 12.9%)"),
        ("12.9\u00a0%", "cannot read '12.9\\xa0%' as a percentage (example: 12.9%)"),
        ("12.9\n", "cannot read '12.9\\n' as a percentage (example: 12.9%)"),
    ],
)
def test_percentages_in_other_digits_or_notations_are_refused(written, message):
    with pytest.raises(MoneyError) as raised:
        parse_percent(written)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        (
            "10000000000000000000",
            "count: 10000000000000000000 is more than any count (at most 1,000,000,000,000)",
        ),
        (
            "1000000000001",
            "count: 1000000000001 is more than any count (at most 1,000,000,000,000)",
        ),
        ("5.0", "count: a count is a whole number of zero or more, got 5.0"),
        ('"5"', "count: a count is a whole number of zero or more, got '5'"),
        ("-1", "count: a count is a whole number of zero or more, got -1"),
    ],
)
def test_counts_are_whole_numbers_a_view_can_add_up(store, tmp_path, count, problem):
    record = figure("f1", "ccgs-forecasting-deficit", period="M6", as_at="2013-10-30")
    assert refused(store, tmp_path, line_of(record, count=count)) == problem


@pytest.mark.parametrize(
    ("parse", "written", "message"),
    [
        (parse_financial_year, "٢٠١٣-١٤", "'٢٠١٣-١٤': only the digits 0-9 are read"),
        (parse_financial_year, "２０１３-14", "'２０１３-14': only the digits 0-9 are read"),
        (
            parse_financial_year,
            "2013-14\n",
            "a financial year is written like 2013-14, got '2013-14\\n'",
        ),
        (
            parse_financial_year,
            "\u20032013-14",
            "a financial year is written like 2013-14, got '\\u20032013-14'",
        ),
        (parse_period, "M٦", "'M٦': only the digits 0-9 are read"),
        (parse_period, "month ６", "'month ６': only the digits 0-9 are read"),
        (parse_period, "M6\u00a0", "a month is written M1 to M12, got 'M6\\xa0'"),
        (parse_period, "M6\n", "a month is written M1 to M12, got 'M6\\n'"),
        (parse_period, "\u216b", "a month is written M1 to M12, got 'Ⅻ'"),
        (parse_date, "2013-09-30\n", "'2013-09-30\\n' is not a date (write dates like 2013-09-30)"),
        (parse_date, "２０１３-09-30", "'２０１３-09-30': only the digits 0-9 are read"),
    ],
)
def test_years_months_and_dates_are_written_with_the_digits_0_to_9(parse, written, message):
    with pytest.raises(PeriodError) as raised:
        parse(written)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("٢٠١٣-٠٩-٣٠", "as_at: '٢٠١٣-٠٩-٣٠': only the digits 0-9 are read"),
        ("２０１３-09-30", "as_at: '２０１３-09-30': only the digits 0-9 are read"),
        ("20130930", "as_at: '20130930' is not a date (write dates like 2013-09-30)"),
        ("2013-W40-1", "as_at: '2013-W40-1' is not a date (write dates like 2013-09-30)"),
        ("2013-9-30", "as_at: '2013-9-30' is not a date (write dates like 2013-09-30)"),
    ],
)
def test_dates_in_records_are_written_like_2013_09_30(written, problem):
    with pytest.raises(RecordError) as raised:
        parse_record(allocation(as_at=written))
    assert raised.value.problems == [problem]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("２０１３-09-30", "'２０１３-09-30': only the digits 0-9 are read"),
        ("2013-9-30", "'2013-9-30' is not a date (write dates like 2013-09-30)"),
        ("2013-02-30", "'2013-02-30' is not a date (write dates like 2013-09-30)"),
    ],
)
def test_dates_on_the_command_line_are_written_like_2013_09_30(store, written, message):
    result = ledger(store, "log", "--as-at", written)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: Invalid value for '--as-at': {message}\n")


FIGURE_OPTIONS = [
    *("record", "figure", "--account", "ccg-sector", "--year", "2013-14", "--period", "M6"),
    *("--measure", "ccgs-forecasting-deficit", "--as-at", "2013-10-30"),
    *("--source", "board-paper-2013-11", "--locator", "p1"),
]


@pytest.mark.parametrize("count", ["٣", "３", "1_000", " 5", "5.0", "0x5"])
def test_counts_on_the_command_line_are_written_with_the_digits_0_to_9(store, count):
    before = stored(store)
    result = ledger(store, *FIGURE_OPTIONS, "--count", count)
    assert result.exit_code == 2
    assert result.stderr == (
        f"record figure: --count: {count!r} is not a whole number (digits 0-9)\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
    assert stored(store) == before


def test_a_count_on_the_command_line_is_recorded(store):
    result = ledger(store, *FIGURE_OPTIONS, "--count", "24")
    assert result.exit_code == 0, result.output
    assert json.loads(ledger(store, "export").stdout.splitlines()[-1])["count"] == 24


@pytest.mark.parametrize("seconds", ["²", "٣", "３", "1_0", " 5", "0"])
def test_the_lock_timeout_is_written_with_the_digits_0_to_9(store, monkeypatch, seconds):
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", seconds)
    result = ledger(store, "log")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: LEDGER_LOCK_TIMEOUT must be a whole number of seconds from 1 to 86,400 "
        f"(a day), got {seconds!r}\n"
    )


# Item 11: control characters and other invisible spoofers are refused in text.

HOSTILE = {
    "\x00": "a control character",
    "\x07": "a control character",
    "\t": "a control character",
    "\n": "a control character",
    "\r": "a control character",
    "\x1b": "a control character",
    "\x7f": "a control character",
    "\x85": "a control character",
    "\x9b": "a control character",
    "\u2028": "a line or paragraph separator",
    "\u2029": "a line or paragraph separator",
    "\u202a": "a bidirectional-text control",
    "\u202e": "a bidirectional-text control",
    "\u2066": "a bidirectional-text control",
    "\u2069": "a bidirectional-text control",
    "\ud800": "a lone surrogate",
    "\ufffe": "a noncharacter",
    "\U0010ffff": "a noncharacter",
}


@pytest.mark.parametrize("character", HOSTILE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_locator_with_a_control_character_is_refused(store, tmp_path, character):
    line = json.dumps(allocation(locator=f"table 1{character}| forged | row |"))
    assert refused(store, tmp_path, line) == (
        f"locator: U+{ord(character):04X} ({HOSTILE[character]}) is not allowed in text"
    )


def every_kind_of_record():
    common = {"as_at": "2013-09-30", "source": "board-paper-2013-11", "locator": "p1"}
    return [
        source(licence="OGL", attribution="NHS England", url="https://example.org/p"),
        organisation("06H", parent="ccg-sector", area_team="Q01", region="Y55", ons_code="E1"),
        {"id": "c1", "kind": "closure", "organisation": "06H", "effective": "2015-03-31", **common},
        {
            "id": "m1",
            "kind": "merger",
            "organisation": "13T",
            "predecessors": ["00F", "00G"],
            "effective": "2015-04-01",
            **common,
        },
        baseline(),
        allocation(reason="growth", period="M6", effective="2013-09-30"),
        transfer(),
        plan(),
        forecast(deficit="unplanned"),
        drawdown(against="SPEC"),
        qipp("q1", "plan", "£5m", period="M6", as_at="2013-10-30"),
        figure("f1", "total", amount="£5m", components=["a", "-b"], tolerance="£1"),
        figure("f2", "ccgs", count=3, sum_of_members=True, tolerance_count=1),
        figure("f3", "share", percent="12.9", unit="percent"),
        correction("k1", "alloc-06H", action="replace", amount="£1m"),
    ]


def text_fields():
    for record in every_kind_of_record():
        for field, value in record.items():
            if field != "kind" and isinstance(value, (str, list)):
                yield pytest.param(record, field, id=f"{record['id']}-{field}")


def test_every_kind_of_record_is_valid_as_written():
    for record in every_kind_of_record():
        parse_record(record)


@pytest.mark.parametrize(("record", "field"), list(text_fields()))
@pytest.mark.parametrize("character", ["\x1b", "\u202e", "\ufffe"], ids=["ESC", "RLO", "FFFE"])
def test_every_text_field_of_every_kind_refuses_control_characters(record, field, character):
    value = record[field]
    hostile = [*value[:-1], value[-1] + character] if isinstance(value, list) else value + character
    with pytest.raises(RecordError) as raised:
        parse_record({**record, field: hostile})
    assert raised.value.problems == [
        f"{field}: U+{ord(character):04X} ({HOSTILE[character]}) is not allowed in text"
    ]


@pytest.mark.parametrize(
    "nested",
    [
        {"\x80 key": "\x80 value"},
        {"\x07": {"\x08": "value"}},
        {"safe": {"\x1b[2J": ["\x1b"]}},
    ],
    ids=["key-and-value", "key-of-a-nested-object", "key-one-level-down"],
)
def test_a_key_that_cannot_be_shown_is_not_shown_in_the_problem(nested):
    """A nested object's key is checked before its values, whose problem would name it
    (found by tests/test_hostile_records.py: ``colour: \x80...: U+0080 ...``)."""
    with pytest.raises(RecordError) as raised:
        parse_record({**every_kind_of_record()[0], "colour": nested})
    [problem] = raised.value.problems
    assert problem.isprintable(), problem
    assert problem.endswith("(a control character) is not allowed in text")


def test_record_refuses_a_control_character_in_an_option(store):
    before = stored(store)
    result = ledger(store, *FIGURE_OPTIONS[:-1], "row 1\n| 06H | £1bn |", "--count", "3")
    assert result.exit_code == 1
    assert result.stderr == (
        "record figure: --locator: U+000A (a control character) is not allowed in text\n"
        + NOTHING_RECORDED
    )
    assert stored(store) == before


def test_ordinary_unicode_text_is_kept(store, tmp_path):
    locator = "Région — tableau 3 · £5m ✓ 👩\u200d⚕️ تقرير ‘row’"
    path, result = import_line(store, tmp_path, json.dumps(allocation(locator=locator)))
    assert result.exit_code == 0, result.output
    assert json.loads(ledger(store, "export").stdout.splitlines()[-1])["locator"] == locator


# The record command reads true or false, and money, for the fields that hold them.


def test_record_reads_true_or_false_options(store):
    args = [*FIGURE_OPTIONS, "--count", "3", "--sum-of-members", "true"]
    result = ledger(store, *args)
    assert result.exit_code == 0, result.output
    exported = json.loads(ledger(store, "export").stdout.splitlines()[-1])
    assert (exported["count"], exported["sum_of_members"]) == (3, True)


def test_record_reads_a_tolerance_in_pounds(store):
    args = [*FIGURE_OPTIONS[:-1], "p2", "--amount", "£5m", "--sum-of-members", "yes"]
    result = ledger(store, *args, "--tolerance", "£1,000")
    assert result.exit_code == 0, result.output
    exported = json.loads(ledger(store, "export").stdout.splitlines()[-1])
    assert (exported["amount_pence"], exported["tolerance_pence"]) == (500_000_000, 100_000)
