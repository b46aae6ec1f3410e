"""What a user types is read exactly as written or refused with ``file:line``: no repeated
field, rounded amount, foreign digit, non-record line, control character or deeply nested
line gets through, and none ends in a traceback (issue 14)."""

import json
import sqlite3

import pytest
from click.testing import CliRunner
from factories import allocation, figure, world, write_jsonl

from ledger.cli import main

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
