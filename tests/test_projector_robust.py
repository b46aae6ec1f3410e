"""The projector never fails on a stored event: an event it cannot project (an old bug, a
hand-edited store) is left out of the views and listed by `check` until a correction
reverses it; an event whose stored state cannot be read is reported by position; and
`check` compares the views with a fresh projection of the store."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from backends import store_sql
from click.testing import CliRunner
from factories import allocation, correction, figure, transfer, world, write_jsonl
from stores import append, new_store

from ledger.cli import main
from ledger.records.models import parse_record
from ledger.store.domain import EVENT_FOR_KIND, Entry, entry_id
from ledger.views.refresh import caught_up, replay
from ledger.writing.ledger import Ledger

LEFT_OUT = "(the views leave out 1 stored event that could not be projected; ledger check lists it)"


def normalised(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A record as the store holds it, with fields changed or (value None) removed."""
    fields = parse_record(record).normalised() | changes
    return {key: value for key, value in fields.items() if value is not None}


def append_unchecked(store: str, *records: dict[str, Any], under: str | None = None) -> list[int]:
    """Append records as they are, past every check an import makes, as an old bug or a
    hand-edited store would have left them (a kind the ledger does not know is stored as
    an allocation's event; ``under``, an id to store them under instead of their own);
    return their positions."""
    timestamp = Entry.Recorded.create_timestamp()
    with Ledger(store) as ledger, ledger.recorder.inserting() as insert:
        events = [
            EVENT_FOR_KIND.get(record["kind"], Entry.AllocationIssued)(
                originator_id=entry_id(under or record["id"]),
                originator_version=Entry.INITIAL_VERSION,
                timestamp=timestamp,
                originator_topic=Entry.TOPIC,
                record=record,
            )
            for record in records
        ]
        return list(insert([ledger.mapper.to_stored_event(event) for event in events]))


@pytest.fixture
def ledger(run, tmp_path):
    """The test's store holding world() and one allocation, and a ledger command on it."""
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    assert run("import", str(history)).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


def import_records(ledger, tmp_path, *records):
    path = write_jsonl(tmp_path / "more.jsonl", list(records))
    result = ledger("import", str(path))
    assert result.exit_code == 0, result.output


def failures(ledger) -> tuple[int, list[tuple[str, str | None, str, str | None]]]:
    result = ledger("check", "--format", "json")
    rows = json.loads(result.stdout)
    return result.exit_code, [(r["check"], r["record"], r["message"], r["source"]) for r in rows]


@pytest.mark.parametrize("components", [["part", "part"], ["part", "-part"]])
def test_a_figure_repeating_a_component_is_left_out_until_a_correction_reverses_it(
    ledger, store, tmp_path, components
):
    import_records(ledger, tmp_path, figure("part", "overspend", amount="£65m"))
    total = normalised(figure("total", "overspend", amount="£65m", components=["part"]))
    [position] = append_unchecked(store, total | {"components": components})
    assert position == 8

    # the one figure with components is left out, so the year has none to reconcile
    none = (
        "Error: no figures that name their components recorded for 2013-14 (recorded years: none)"
    )
    viewed = ledger("view", "reconciliation", "-p", "year", "2013-14", "--format", "json")
    assert (viewed.exit_code, viewed.stdout) == (1, "")
    assert viewed.stderr == LEFT_OUT + "\n" + none + "\n"
    budgets = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json")
    assert {row["code"]: row["allocation_pence"] for row in json.loads(budgets.stdout)} == {
        "05Q": 0,
        "06H": 84_920_400_000,
    }
    assert ledger("views").stderr == LEFT_OUT + "\n"
    repeated = "'part' is named more than once (a figure adds or subtracts each record once)"
    assert failures(ledger) == (
        1,
        [
            ("records read back", "total", f"components: {repeated}", "store position 8"),
            (
                "events projected",
                "total",
                "position 8: the event could not be projected into the views: its rows break "
                "a rule of the views database (UNIQUE constraint failed: "
                "figure_components.figure_id, figure_components.component_id); "
                "a correction that reverses it takes it out",
                "store position 8",
            ),
        ],
    )

    import_records(ledger, tmp_path, correction("drop-total", "total", as_at="2013-10-01"))
    assert failures(ledger) == (0, [])
    viewed = ledger("view", "reconciliation", "-p", "year", "2013-14")
    assert (viewed.exit_code, viewed.stderr) == (1, none + "\n")  # no longer left out
    assert ledger("views").stderr == ""


def test_a_correction_replacing_a_reversed_event_brings_it_back_to_the_list(
    ledger, store, tmp_path
):
    """Whether a left-out event still counts is decided by its latest correction, in the
    order corrections apply: by known date, then by store position."""
    append_unchecked(store, normalised(allocation("broken"), account=None))
    later_reversal = correction("reverse-broken", "broken", as_at="2013-12-01")
    earlier_replacement = correction(
        "replace-broken", "broken", action="replace", amount="£1m", as_at="2013-11-01"
    )
    import_records(ledger, tmp_path, later_reversal, earlier_replacement)
    assert failures(ledger) == (0, [])
    import_records(
        ledger,
        tmp_path,
        correction("restore-broken", "broken", action="replace", amount="£2m", as_at="2014-01-01"),
    )
    code, found = failures(ledger)
    assert (code, [(check, record) for check, record, *_ in found]) == (
        1,
        [("records read back", "broken"), ("events projected", "broken")],
    )


def test_the_events_around_a_bad_one_in_the_same_page_are_all_projected(ledger, store):
    """A page that fails is projected again event by event: only the bad event is lost."""
    append_unchecked(
        store,
        normalised(allocation("before", account="05Q", amount="£1m")),
        normalised(allocation("no-account"), account=None),
        normalised(allocation("text-amount", amount="£2m"), amount_pence="lots"),
        normalised(transfer(as_at="2013-10-15")),
    )
    sql = "SELECT record_id, side, amount_pence FROM postings ORDER BY 1, 2"
    rows = ledger("query", sql, "--format", "csv")
    assert rows.exit_code == 0
    assert rows.stdout.splitlines() == [
        "record_id,side,amount_pence",
        "alloc-06H,,84920400000",
        "before,,100000000",
        "transfer-05Q,from,-500000000",
        "transfer-05Q,to,500000000",
    ]
    assert failures(ledger) == (
        1,
        [
            ("records read back", "no-account", "account is missing", "store position 8"),
            (
                "records read back",
                "text-amount",
                "amount_pence: pence must be a whole number, got 'lots'",
                "store position 9",
            ),
            (
                "events projected",
                "no-account",
                "position 8: the event could not be projected into the views: it has no "
                "'account' field; a correction that reverses it takes it out",
                "store position 8",
            ),
            (
                "events projected",
                "text-amount",
                "position 9: the event could not be projected into the views: its fields do "
                "not validate: amount_pence: pence must be a whole number, got 'lots'; a "
                "correction that reverses it takes it out",
                "store position 9",
            ),
        ],
    )


MERGER = {
    "id": "merge-05Q",
    "kind": "merger",
    "organisation": "06H",
    "predecessors": ["05Q"],
    "effective": "2014-03-31",
    "as_at": "2013-09-30",
    "source": "board-paper-2013-11",
    "locator": "p4",
}

# Stored records the write side should never have accepted, each as an old bug or a
# hand-edited store could have left it, and what the projector says of it.
LEFT_OUT_FAMILY = [
    (
        MERGER | {"predecessors": ["05Q", "05Q"]},
        "its rows break a rule of the views database "
        "(UNIQUE constraint failed: lineage.record_id, lineage.predecessor, lineage.successor)",
    ),
    (
        normalised(allocation("grant-06H")) | {"kind": "grant"},
        "the projector does not know records of kind 'grant'",
    ),
    (normalised(transfer(), to=None), "it has no 'to' field"),
    (
        normalised(allocation("dict-locator"), locator={"row": 3}),
        "its fields do not validate: locator: Input should be a valid string",
    ),
    (
        normalised(allocation("list-account"), account=["06H"]),
        "its fields do not validate: account: Input should be a valid string",
    ),
    (
        normalised(transfer(), financial_year={"year": "2013-14"}),
        "its fields do not validate: financial_year: a financial year is written like 2013-14, "
        "got {'year': '2013-14'}",
    ),
    (
        normalised(correction("fix-06H", "alloc-06H"), corrects=None),
        "it has no 'corrects' field",
    ),
    (
        normalised(correction("dict-reason", "alloc-06H"), reason={"said": "twice"}),
        "its fields do not validate: reason: Input should be a valid string",
    ),
]


@pytest.mark.parametrize(("record", "reason"), LEFT_OUT_FAMILY, ids=lambda value: str(value)[:24])
def test_every_kind_of_unprojectable_record_is_left_out_and_listed(ledger, store, record, reason):
    [position] = append_unchecked(store, record)
    viewed = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json")
    assert (viewed.exit_code, viewed.stderr) == (0, LEFT_OUT + "\n")
    assert {row["code"]: row["allocation_pence"] for row in json.loads(viewed.stdout)} == {
        "05Q": 0,
        "06H": 84_920_400_000,
    }
    code, found = failures(ledger)
    assert code == 1
    assert ("events projected", record["id"], f"position {position}: the event could not be "
            f"projected into the views: {reason}; a correction that reverses it takes it out",
            f"store position {position}") in found  # fmt: skip


def test_an_import_naming_a_stored_record_that_cannot_be_read_says_so(ledger, store, tmp_path):
    [(position,)] = store_sql(store, "SELECT {position} FROM {events} ORDER BY 1 LIMIT 1")
    alter_state(store, position, b"{not json")  # the source every record cites
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    result = ledger("import", str(more))
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: a stored record these records name cannot be read: its stored state is not "
        "JSON (unexpected character, expected a string key: line 1 column 2 (char 1)); "
        "run: ledger check\n",
    )


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without the row ids SQLite assigns."""
    with sqlite3.connect(path) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        found = {}
        for table in tables:
            columns = [
                c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] != "posting_id"
            ]
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            found[table] = sorted(rows, key=repr)
    return found


def test_catching_up_event_by_event_leaves_out_what_a_replay_leaves_out(tmp_path):
    good = [*world(), allocation(), figure("part", "overspend", amount="£65m")]
    ledger = new_store(tmp_path / "ledger.db", good)
    stepwise = tmp_path / "stepwise.db"
    caught_up(ledger, stepwise).close()
    total = normalised(figure("total", "overspend", amount="£65m", components=["part"]))
    append_unchecked(ledger.store, total | {"components": ["part", "part"]})
    caught_up(ledger, stepwise).close()
    append_unchecked(ledger.store, normalised(transfer(), **{"from": None}))
    caught_up(ledger, stepwise).close()
    append(ledger, [allocation("alloc-05Q", account="05Q", amount="£300m")])
    caught_up(ledger, stepwise).close()
    rebuilt = tmp_path / "rebuilt.db"
    done = replay(ledger, rebuilt)
    assert done.unprojected == 2
    assert table_rows(stepwise) == table_rows(rebuilt)
    assert [row[:2] for row in table_rows(rebuilt)["unprojected"]] == [
        (8, "total"),
        (9, "transfer-05Q"),
    ]
    ledger.close()


def test_a_correction_stored_before_what_it_names_does_not_correct_it_in_any_page(tmp_path):
    """The write side refuses it; a hand-edited store may hold it. Caught up event by
    event the correction finds nothing; in one page with what it names, it must not
    find it either, or the views would depend on where the pages end."""
    ledger = new_store(tmp_path / "ledger.db", world())
    too_early = correction("too-early", "later", action="replace", amount="£2m")
    append_unchecked(ledger.store, normalised(too_early))
    stepwise = tmp_path / "stepwise.db"
    caught_up(ledger, stepwise).close()
    append(ledger, [allocation("later", amount="£5m")])
    caught_up(ledger, stepwise).close()
    one_page = tmp_path / "one-page.db"
    caught_up(ledger, one_page).close()
    assert table_rows(one_page) == table_rows(stepwise)
    assert [row[:2] for row in table_rows(one_page)["postings"]] == [("later", "allocation")]
    ledger.close()


def test_a_rebuild_leaves_out_and_corrects_what_catching_up_event_by_event_does(tmp_path):
    """A rebuild inserts its postings with no unique index and applies every correction
    at the end: a correction that cannot be applied, a record whose postings repeat
    another's (found when the index is made, and the file built again with the index up
    front) and a correction stored before the record it names come out as they do when
    each event is caught up as it arrives."""
    ledger = new_store(tmp_path / "ledger.db", [*world(), allocation(), transfer()])
    stepwise = tmp_path / "stepwise.db"
    caught_up(ledger, stepwise).close()
    text_amount = correction("text-amount", "transfer-05Q", action="replace", amount="£1m")
    hostile = [
        (normalised(text_amount, amount_pence="lots"), None),  # 8: cannot be negated
        (normalised(correction("undo-text-amount", "text-amount", as_at="2013-10-02")), None),
        (normalised(correction("too-early", "later", action="replace", amount="£2m")), None),
        (normalised(allocation("later", account="05Q", amount="£5m")), None),  # 11
        (normalised(correction("fix-06H", "alloc-06H", action="replace", amount="£850m")), None),
        (normalised(allocation(amount="£1m")), "twin-06H"),  # 13: alloc-06H again
    ]
    for record, under in hostile:
        append_unchecked(ledger.store, record, under=under)
        caught_up(ledger, stepwise).close()
    rebuilt = tmp_path / "rebuilt.db"
    assert replay(ledger, rebuilt).unprojected == 1
    assert table_rows(rebuilt) == table_rows(stepwise)
    assert sorted(table_rows(rebuilt)["unprojected"]) == [
        (8, "text-amount", "its fields do not validate: amount_pence: pence must be a whole "
         "number, got 'lots'", "undo-text-amount",
         "2013-10-02 000000000009"),
        # Stored after fix-06H, so not corrected by it.
        (13, "alloc-06H", "its rows break a rule of the views database (UNIQUE constraint "
         "failed: postings.record_id, postings.side, postings.version)", None, None),
    ]  # fmt: skip
    postings = "SELECT record_id, version, amount_pence FROM postings WHERE side != 'from'"
    with sqlite3.connect(rebuilt) as db:
        assert sorted(db.execute(postings)) == [
            ("alloc-06H", 0, 84_920_400_000),
            ("alloc-06H", 1, 85_000_000_000),
            ("later", 0, 500_000_000),
            ("transfer-05Q", 0, 500_000_000),
        ]
    ledger.close()


def test_rebuild_and_replay_say_what_they_left_out(ledger, store, tmp_path):
    append_unchecked(store, normalised(allocation("late", as_at="2014-01-10"), account=None))
    rebuilt = ledger("rebuild")
    assert rebuilt.exit_code == 0
    assert rebuilt.stdout.splitlines()[-1] == (
        f"Replayed 7 events into {tmp_path / 'views.db'}: 1 posting, 4 organisations; "
        "1 stored event could not be projected (ledger check lists it)."
    )
    earlier = str(tmp_path / "earlier.db")
    replayed = ledger("replay", "--as-at", "2013-12-31", "--views", earlier)
    assert replayed.stdout.splitlines()[-1] == (
        f"Replayed 7 events into {earlier}, keeping what was known by 2013-12-31: "
        "1 posting, 4 organisations."
    )


# -- a stored event's state altered so that it cannot be read (item 13) ------------------


def alter_state(store: str, position: int, state: bytes | None) -> None:
    store_sql(store, "UPDATE {events} SET state = ? WHERE {position} = ?", (state, position))


UNREADABLE = [
    (None, "its stored state is NULL"),
    (
        b"{not json",
        "its stored state is not JSON "
        "(unexpected character, expected a string key: line 1 column 2 (char 1))",
    ),
    (b"[]", "its stored state holds no record"),
    (b'{"record": 1}', "its stored state holds no record"),
    (
        b'{"timestamp": "2013-04-01T00:00:00", "record": {"id": "x"}}',
        "its stored state holds no record",
    ),
]


@pytest.mark.parametrize(("state", "reason"), UNREADABLE, ids=lambda value: repr(value)[:16])
def test_check_reports_an_event_whose_state_cannot_be_read_by_its_position(
    ledger, store, state, reason
):
    alter_state(store, 6, state)
    assert failures(ledger) == (
        1,
        [
            (
                "hash chain",
                None,
                "position 6: the event does not match its hash: it was altered, "
                "or an event before it was",
                "store position 6",
            ),
            (
                "records read back",
                None,
                f"position 6: the event cannot be read: {reason}",
                "store position 6",
            ),
        ],
    )


@pytest.mark.parametrize("command", [["log"], ["export"], ["log", "--kind", "source"]])
def test_log_and_export_stop_at_an_event_that_cannot_be_read(ledger, store, command):
    alter_state(store, 6, b"{}")
    result = ledger(*command)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the event at position 6 cannot be read: its stored state holds no record; "
        "run: ledger check\n"
    )


def test_views_leave_out_an_event_that_cannot_be_read(ledger, store):
    alter_state(store, 6, None)
    append_unchecked(store, normalised(allocation("alloc-05Q", account="05Q")))
    viewed = ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json")
    assert viewed.exit_code == 0
    assert viewed.stderr == LEFT_OUT + "\n"
    assert {row["code"]: row["allocation_pence"] for row in json.loads(viewed.stdout)} == {
        "05Q": 84_920_400_000,
        "06H": 0,
    }
    rebuilt = ledger("rebuild")
    assert rebuilt.exit_code == 0
    assert rebuilt.stdout.endswith(
        "1 stored event could not be projected (ledger check lists it).\n"
    )


@pytest.mark.parametrize("last", [True, False])
def test_an_event_made_unreadable_after_it_was_projected_is_found_by_check(ledger, store, last):
    """The views still work, and check says they no longer match the store."""
    assert ledger("view", "ccg-budgets").exit_code == 0
    if not last:
        append_unchecked(store, normalised(allocation("alloc-05Q", account="05Q")))
        assert ledger("view", "ccg-budgets").exit_code == 0
    alter_state(store, 6, b"[]")
    again = ledger("view", "ccg-budgets")
    assert (again.exit_code, again.stderr) == (0, "")
    # Alone, the allocation was also the first of its kind and year that became known.
    # Each table names its first differing row by its key: the allocation, its day, its
    # year's first known date, and the position now left out.
    differing = {
        "postings": "1 row (record_id 'alloc-06H', side '', version 0)",
        "allocation_days": "1 row (financial_year '2013-14', account '06H', service '', ",
        **({"known_years": "1 row (kind 'allocation', measure 'allocation', "} if last else {}),
        "unprojected": "1 row (position 6)",
    }
    code, found = failures(ledger)
    assert (code, [(check, source) for check, _, _, source in found]) == (
        1,
        [
            ("hash chain", "store position 6"),
            ("records read back", "store position 6"),
            *[("views match the store", "views database")] * len(differing),
        ],
    )
    said = [message.split(";")[0] for _, _, message, _ in found[2:]]
    assert len(said) == len(differing)
    for message, (table, rows) in zip(said, differing.items(), strict=True):
        assert message.startswith(
            f"the {table} table differs from a fresh projection of the store in {rows}"
        )
    assert ledger("rebuild").exit_code == 0
    viewed = ledger("view", "ccg-budgets")
    assert (viewed.exit_code, viewed.stderr) == (0, LEFT_OUT + "\n")


def test_a_state_turned_to_text_is_found_by_the_hash_chain(tmp_path, sqlite_store):
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    ledger = partial(CliRunner().invoke, main, catch_exceptions=False)
    assert ledger(["--store", sqlite_store, "import", str(history)]).exit_code == 0
    store_sql(sqlite_store, "UPDATE {events} SET state = CAST(state AS TEXT) WHERE {position} = 6")
    result = ledger(["--store", sqlite_store, "--views", str(tmp_path / "v.db"), "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2:] == [
        "hash chain  position 6: the event does not match its hash: it was altered, or an event before it was  store position 6"
    ]


def test_a_record_that_reads_but_lacks_what_log_shows_stops_log_by_position(ledger, store):
    append_unchecked(
        store, normalised(allocation("half"), as_at=None, account=None) | {"kind": "source"}
    )
    result = ledger("log")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: the record at position 7 cannot be shown: it has no 'title' field; "
        "run: ledger check\n",
    )


# -- check compares the views with a fresh projection of the store (item 17) -------------


def test_check_finds_views_edited_consistently_and_names_the_tables(ledger, store, tmp_path):
    assert failures(ledger) == (0, [])
    views = tmp_path / "views.db"
    billion = 100_000_000_000
    with sqlite3.connect(views) as db:
        db.execute(
            "UPDATE postings SET amount_pence = amount_pence + ?, delta_pence = delta_pence + ?",
            (billion, billion),
        )
        db.execute("UPDATE allocation_days SET delta_pence = delta_pence + ?", (billion,))
        # Every row of both tables was changed (one in each), and is named by its key.
        postings = db.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
        first_posting = db.execute(
            "SELECT record_id, side, version FROM postings ORDER BY 1, 2, 3 LIMIT 1"
        ).fetchone()
        days = db.execute("SELECT COUNT(*) FROM allocation_days").fetchone()[0]
    assert (postings, first_posting, days) == (1, ("alloc-06H", "", 0), 1)
    rebuild = f"ledger --store {store} --views {views} rebuild"
    assert failures(ledger) == (
        1,
        [
            (
                "views match the store",
                None,
                f"the {table} table differs from a fresh projection of the store in {rows}; "
                f"run: {rebuild}",
                "views database",
            )
            for table, rows in (
                ("postings", "1 row (record_id 'alloc-06H', side '', version 0)"),
                (
                    "allocation_days",
                    "1 row (financial_year '2013-14', account '06H', service '', "
                    "effective '2013-04-01', as_at '2013-09-30')",
                ),
            )
        ],
    )
    assert ledger("rebuild").exit_code == 0
    assert failures(ledger) == (0, [])


def test_check_on_views_replayed_as_at_a_date_compares_them_with_the_same_replay(
    ledger, store, tmp_path
):
    earlier = tmp_path / "earlier.db"
    import_records(ledger, tmp_path, allocation("later", account="05Q", as_at="2014-01-10"))
    assert ledger("replay", "--as-at", "2013-12-31", "--views", str(earlier)).exit_code == 0

    def check_earlier():
        result = ledger("--views", str(earlier), "check", "--format", "json")
        return result.exit_code, [(r["check"], r["message"]) for r in json.loads(result.stdout)]

    assert check_earlier() == (0, [])
    with sqlite3.connect(earlier) as db:
        db.execute("DELETE FROM organisations WHERE code = '05Q'")
    fix = f"ledger --store {store} replay --as-at 2013-12-31 --views {earlier}"
    assert check_earlier() == (
        1,
        [
            (
                "views match the store",
                "the organisations table differs from a fresh projection of the store in "
                f"1 row (code '05Q'); run: {fix}",
            )
        ],
    )


def test_views_caught_up_event_by_event_match_a_fresh_projection(ledger, tmp_path):
    for n in range(3):
        import_records(ledger, tmp_path, allocation(f"more-{n}", amount=f"£{n + 1}m"))
        assert ledger("view", "ccg-budgets").exit_code == 0
    import_records(ledger, tmp_path, correction("undo-1", "more-1", as_at="2013-10-01"))
    assert failures(ledger) == (0, [])


# -- the head hash that log and export print (item 18) ------------------------------------


def test_log_and_export_say_their_head_hash_is_the_stored_one(ledger, store):
    [(head,)] = store_sql(store, "SELECT hash FROM stored_event_hashes WHERE notification_id = 6")
    stored = f"head: {head} (position 6, as stored: ledger check recomputes the chain)\n"
    assert ledger("log").stderr == stored
    assert ledger("export").stderr == stored
    assert ledger("check").stderr.splitlines()[0] == f"head: {head} (position 6)"
