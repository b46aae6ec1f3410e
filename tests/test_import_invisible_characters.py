"""Characters that do not show, or are not characters at all, make two identifiers that
look the same different: "06H" and "06H" with a zero width space after it. Import, record
and errata refuse them in every id, code, source, measure and year, naming the file and
line (or the option), the field and the character, and record nothing.

Free text (a name, a title, a reason, a locator) keeps what a writer may mean: letters of
any script, a zero width joiner in an emoji or a Persian word, a soft hyphen. It refuses
what no writer means there: control characters (the tab and the line break too, which
would break a table's row), line and paragraph separators, bidirectional controls, lone
surrogates and noncharacters (U+FDD0 to U+FDEF, U+FFFE, U+FFFF and their like in every
plane), which no text holds.

A store written before this rule that holds such a value is not a crash: ``ledger check``
names the record and what is wrong with it."""

import datetime
import json
import sqlite3

import pytest
from click.testing import CliRunner
from factories import SOURCE_ID, allocation, figure, organisation, world, write_jsonl
from stores import world_store
from test_projector_robust import append_unchecked, normalised

from ledger.cli import main

NOTHING_RECORDED = "Error: 1 problem found; nothing was recorded.\n"

# Characters that do not show, or are not characters, and what the error calls them.
INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE, an invisible formatting character",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE, an invisible formatting character",
    "\u2060": "WORD JOINER, an invisible formatting character",
    "\u00ad": "SOFT HYPHEN, an invisible formatting character",
    "\u0430": "CYRILLIC SMALL LETTER A",
}
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]


def in_code(character):
    return f"U+{ord(character):04X} ({INVISIBLE[character]}) is not allowed in a code or id"


def in_text(character, what="a noncharacter"):
    return f"U+{ord(character):04X} ({what}) is not allowed in text"


@pytest.fixture
def store(tmp_path):
    """A SQLite store holding the world the factories name and one allocation."""
    return world_store(tmp_path)


def ledger(store, *args):
    return CliRunner().invoke(main, ["--store", store, *args], catch_exceptions=False)


def stored(store):
    with sqlite3.connect(store) as db:
        return db.execute("SELECT rowid, state FROM stored_events ORDER BY 1").fetchall()


def refused(store, tmp_path, record):
    """The one problem an import of ``record`` reports, having recorded nothing."""
    path = tmp_path / "case.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    before = stored(store)
    result = ledger(store, "import", str(path))
    assert result.exit_code == 1, result.output
    assert stored(store) == before
    assert result.stderr.endswith(NOTHING_RECORDED)
    [problem] = result.stderr.removesuffix(NOTHING_RECORDED).splitlines()
    assert problem.startswith(f"{path}:1: ")
    return problem.removeprefix(f"{path}:1: ")


# Each identifier field, in a record that is valid without the character.
IDENTIFIERS = {
    "id": allocation("alloc-06H-2"),
    "account": allocation("alloc-06H-2"),
    "source": allocation("alloc-06H-2"),
    "organisation id": organisation("07X"),
    "parent": organisation("07X", parent="ccg-sector"),
    "measure": figure("f1", "ccgs", count=3, period="M6", as_at="2013-10-30"),
    "components": figure("f1", "total", amount="£1m", components=["alloc-06H"], period="M6",
                         as_at="2013-10-30"),
    "corrects": {"id": "k1", "kind": "correction", "corrects": "alloc-06H", "action": "reverse",
                 "reason": "twice", "as_at": "2013-10-01", "source": SOURCE_ID, "locator": "p"},
}  # fmt: skip


def with_character(record, field, character):
    name = field.split()[-1]
    value = record[name]
    if isinstance(value, list):
        return {**record, name: [value[0] + character]}
    return {**record, name: value[:2] + character + value[2:]}


@pytest.mark.parametrize("character", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", IDENTIFIERS)
def test_an_identifier_holding_an_invisible_character_is_refused(store, tmp_path, field, character):
    record = with_character(IDENTIFIERS[field], field, character)
    name = field.split()[-1]
    where = f"{name}.0" if name == "components" else name
    assert refused(store, tmp_path, record) == f"{where}: {in_code(character)}"


@pytest.mark.parametrize("character", NONCHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["id", "account", "source", "locator", "reason"])
def test_a_noncharacter_is_refused_in_an_identifier_and_in_text(store, tmp_path, field, character):
    record = allocation("alloc-06H-2", reason="growth")
    record[field] = record[field][:2] + character + record[field][2:]
    assert refused(store, tmp_path, record) == f"{field}: {in_text(character)}"


@pytest.mark.parametrize("field", ["name", "title"])
def test_a_name_or_title_with_a_noncharacter_is_refused(store, tmp_path, field):
    record = organisation("07X") if field == "name" else {**world()[0], "id": "paper-2"}
    record[field] += "\ufdd0"
    assert refused(store, tmp_path, record) == f"{field}: {in_text(chr(0xFDD0))}"


def test_a_year_holding_a_zero_width_space_is_refused(store, tmp_path):
    record = allocation("alloc-06H-2", financial_year="2013-14\u200b")
    assert refused(store, tmp_path, record) == (
        "financial_year: a financial year is written like 2013-14, got '2013-14\\u200b'"
    )


def test_free_text_keeps_a_soft_hyphen_a_joiner_and_a_zero_width_space(store, tmp_path):
    """What a writer may mean in a locator: a soft hyphen, a zero width joiner in an emoji
    and a non-joiner in a Persian word, a zero width space where a line may break."""
    locator = "Ab\u00adschnitt 3 \U0001f469\u200d\u2695\ufe0f \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 p.\u200b4"
    path = write_jsonl(tmp_path / "kept.jsonl", [allocation("alloc-06H-2", locator=locator)])
    assert ledger(store, "import", str(path)).exit_code == 0
    assert json.loads(ledger(store, "export").stdout.splitlines()[-1])["locator"] == locator


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--id", "alloc-06H\u200b", f"--id: {in_code(chr(0x200B))}"),
        ("--account", "06H\ufeff", f"--account: {in_code(chr(0xFEFF))}"),
        ("--source", f"{SOURCE_ID}\u2060", f"--source: {in_code(chr(0x2060))}"),
        ("--locator", "table\uffff 1", f"--locator: {in_text(chr(0xFFFF))}"),
        ("--reason", "growth\x07", f"--reason: {in_text(chr(7), 'a control character')}"),
    ],
    ids=lambda value: value if str(value).startswith("--") else "",
)
def test_record_refuses_an_option_holding_an_invisible_character(store, option, value, problem):
    options = {"--id": "alloc-06H-2", "--account": "06H", "--year": "2013-14", "--amount": "£1m",
               "--as-at": "2013-09-30", "--source": SOURCE_ID, "--locator": "table 1"}  # fmt: skip
    options[option] = value
    before = stored(store)
    result = ledger(store, "record", "allocation", *[a for pair in options.items() for a in pair])
    assert result.exit_code == 1
    assert result.stderr == f"record allocation: {problem}\n{NOTHING_RECORDED}"
    assert stored(store) == before


def erratum(**fields):
    return {"id": "fix-06H", "kind": "erratum", "fixes": "alloc-06H", "recorded": "2014-01-02",
            "reason": "misread", "source": SOURCE_ID, "locator": "note", **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"set": {"locator": "table\ufffe 2"}}, f"set: locator: {in_text(chr(0xFFFE))}"),
        ({"set": {"account": "06H\u200b"}},
         f"set: the fixed record is not valid: account: {in_code(chr(0x200B))}"),
        ({"set": {"locator\u200b": "table 2"}},
         "set: U+200B (ZERO WIDTH SPACE, an invisible formatting character) is not allowed "
         "in a field's name"),
        ({"unset": ["reason\u00ad"]},
         "unset.0: U+00AD (SOFT HYPHEN, an invisible formatting character) is not allowed "
         "in a field's name"),
        ({"set": {"locator": "2"}, "fixes": "alloc-06H\u200b"}, f"fixes: {in_code(chr(0x200B))}"),
    ],
    ids=["set-noncharacter", "set-account", "set-name", "unset-name", "fixes"],
)  # fmt: skip
def test_an_erratum_line_with_an_invisible_character_is_refused(store, tmp_path, fields, problem):
    assert refused(store, tmp_path, erratum(**fields)) == problem


def test_record_erratum_refuses_an_invisible_character_in_what_it_sets(store):
    before = stored(store)
    result = ledger(
        store, "record", "erratum", "--fixes", "alloc-06H",
        "--recorded", datetime.date.today().isoformat(),
        "--set", "account=06H\u200b", "--reason", "misread", "--source", SOURCE_ID,
        "--locator", "note",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "record erratum: --set: the fixed record is not valid: account: "
        f"{in_code(chr(0x200B))}\n" + NOTHING_RECORDED
    )
    assert stored(store) == before


def test_check_names_the_records_of_an_older_store_that_hold_such_characters(store, tmp_path):
    """A store written by hand, or before the rule, holding an organisation whose code
    ends in a zero width space and an allocation whose locator holds a noncharacter:
    check reports both, and the commands that read the store still answer."""
    append_unchecked(
        store,
        normalised(organisation("07X")) | {"id": "07X\u200b"},
        normalised(allocation("alloc-07X")) | {"locator": "table\ufffe 1"},
    )
    views = ["--views", str(tmp_path / "views.db")]
    checked = ledger(store, *views, "check", "--format", "json")
    assert checked.exit_code == 1
    assert [(row["record"], row["message"]) for row in json.loads(checked.stdout)] == [
        ("07X\u200b", f"id: {in_code(chr(0x200B))}"),
        ("alloc-07X", f"locator: {in_text(chr(0xFFFE))}"),
    ]
    for command in (("log",), ("orgs", "07X"), ("view", "ccg-budgets"), ("rebuild",)):
        assert ledger(store, *views, *command).exit_code == 0, command
