"""Tamper evidence: a hash chain over the stored events shows an altered, missing or
reordered event, and a consistently rewritten history shows in its head hash."""

import json

import pytest
from backends import checks_run, store_sql
from factories import allocation, forecast, plan, transfer, world, write_jsonl

from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.store.errors import ConcurrentWriteError
from ledger.writing.ledger import Ledger

HISTORY = [*world(), allocation(), transfer(), plan(), forecast()]


@pytest.fixture
def ledger(run, tmp_path):
    assert run("import", str(write_jsonl(tmp_path / "history.jsonl", HISTORY))).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


def chain_failures(ledger, *args):
    result = ledger("check", "--format", "json", *args)
    return result.exit_code, [
        (row["message"], row["source"])
        for row in json.loads(result.stdout)
        if row["check"] == "hash chain"
    ]


def test_log_and_export_show_the_head_hash_which_check_accepts(ledger):
    head_line = ledger("log").stderr.strip()
    assert head_line == ledger("export").stderr.strip()
    assert head_line.startswith("head: ")
    assert head_line.endswith(" (position 9, as stored: ledger check recomputes the chain)")
    head = head_line.split()[1]
    assert len(head) == 64
    assert ledger("check", "--expected-head", head).exit_code == 0
    # pasted with space around it, or in capitals, it is the same hash
    assert ledger("check", "--expected-head", f" {head.upper()}\n").exit_code == 0
    other = ledger("check", "--expected-head", "f" * 64)
    assert other.exit_code == 1 and "has been rewritten or has grown" in other.stdout


def test_an_expected_head_that_is_not_a_hash_is_refused_naming_the_option(ledger):
    for typed in ("", "abc", "g" * 64, "8eb9 cf82"):
        result = ledger("check", "--expected-head", typed)
        assert result.exit_code == 2, typed
        assert (
            "Invalid value for '--expected-head': "
            f"{typed!r} is not a hash of the history: 64 hexadecimal digits"
        ) in result.stderr


def test_one_byte_changed_in_a_stored_event_is_found(ledger, store):
    [(state,)] = store_sql(store, "SELECT state FROM {events} WHERE {position} = 7")
    altered = bytes(state).replace(b"500000000", b"600000000")
    store_sql(store, "UPDATE {events} SET state = ? WHERE {position} = 7", (altered,))
    code, failures = chain_failures(ledger)
    assert code == 1
    assert failures == [
        (
            "position 7: the event does not match its hash: it was altered, or an event before it was",
            "store position 7",
        )
    ]


def test_a_deleted_event_is_found(ledger, store):
    store_sql(store, "DELETE FROM {events} WHERE {position} = 8")
    assert chain_failures(ledger) == (
        1,
        [("position 8: the event recorded here is missing", "store position 8")],
    )


def test_two_events_swapped_are_both_found(ledger, store):
    rows = store_sql(
        store,
        "SELECT {position}, originator_id, topic, state FROM {events} "
        "WHERE {position} IN (8, 9) ORDER BY 1",
    )
    store_sql(store, "DELETE FROM {events} WHERE {position} IN (8, 9)")
    for (position, *_), (_, originator, topic, state) in zip(rows, reversed(rows), strict=True):
        store_sql(store, "INSERT INTO {events} ({position}, originator_id, "
                  "originator_version, topic, state) VALUES (?, ?, 1, ?, ?)",
                  (position, originator, topic, state))  # fmt: skip
    code, failures = chain_failures(ledger)
    assert [source for _, source in failures] == ["store position 8", "store position 9"]


def test_a_history_rewritten_consistently_fails_only_against_the_expected_head(
    run, ledger, tmp_path, store
):
    head = ledger("export").stderr.split()[1]
    rewritten = [*HISTORY[:-1], forecast(amount="-£1m")]
    other = str(tmp_path / "rewritten.db")
    assert (
        run(
            "--store", other, "import", str(write_jsonl(tmp_path / "rw.jsonl", rewritten))
        ).exit_code
        == 0
    )
    views = str(tmp_path / "rewritten-views.db")
    assert run("--store", other, "--views", views, "check").exit_code == 0
    result = run(
        "--store", other, "--views", views, "check", "--format", "json", "--expected-head", head
    )
    assert result.exit_code == 1
    [failure] = json.loads(result.stdout)
    assert failure["message"].endswith(
        f"not the expected {head}: it has been rewritten or has grown since"
    )


def test_the_hash_is_written_in_the_same_transaction_as_the_event(store):
    first, second = Ledger(store), Ledger(store)
    first.append(first.prepare([Located("t", parse_record(r)) for r in world()]))
    slow = first.prepare([Located("t", parse_record(allocation()))])
    second.append(second.prepare([Located("t", parse_record(allocation()))]))
    with pytest.raises(ConcurrentWriteError):
        first.append(slow)
    [(events,)] = store_sql(store, "SELECT COUNT(*) FROM {events}")
    [(hashes,)] = store_sql(store, "SELECT COUNT(*) FROM stored_event_hashes")
    assert events == hashes == 6
    assert first.verify_chain().breaks == []
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("tampering", "ends"),
    [
        ("DELETE FROM {events} WHERE {position} = 9", "its hash chain ends at position 9 but its last event is at position 8"),
        ("DELETE FROM stored_event_hashes WHERE notification_id = 9", "its hash chain ends at position 8 but its last event is at position 9"),
        ("DELETE FROM stored_event_hashes", "its hash chain ends at position 0 but its last event is at position 9"),
    ],
    ids=["last event deleted", "last hash deleted", "every hash deleted"],
)  # fmt: skip
def test_a_write_to_a_store_whose_chain_does_not_end_at_its_last_event_is_refused_as_damage(
    ledger, run, store, tmp_path, tampering, ends
):
    """With its last event deleted, every import and record said another writer had
    recorded one of its ids while it ran, and that running it again was safe, for ever;
    on PostgreSQL the new events were chained on over the gap."""
    store_sql(store, tampering)
    before = store_sql(store, "SELECT COUNT(*) FROM {events}")
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    for _ in range(2):
        result = run("import", str(more))
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: the store at {store} is damaged: {ends}; nothing was recorded; "
            "run: ledger check\n",
        )
    assert store_sql(store, "SELECT COUNT(*) FROM {events}") == before
    assert chain_failures(ledger)[0] == 1


def test_check_reports_a_lost_table_of_hashes_and_still_runs_its_other_checks(ledger, store):
    """check stopped at once: Error: no such table: stored_event_hashes."""
    store_sql(store, "DROP TABLE stored_event_hashes")
    store_sql(store, "UPDATE {events} SET state = ? WHERE {position} = 9", (b"{}",))
    result = ledger("check", "--format", "json")
    assert result.exit_code == 1
    assert "head: none (the hash chain could not be read)" in result.stderr.splitlines()
    assert [(row["check"], row["message"]) for row in json.loads(result.stdout)] == [
        ("hash chain", "the store is damaged: its table of hashes (stored_event_hashes) is "
         "missing, so no event has its hash"),
        ("records read back", "position 9: the event cannot be read: its stored state holds "
         "no record"),
    ]  # fmt: skip
    assert result.stderr.endswith(
        f"Error: 2 failures in {checks_run(store)} checks over 8 records.\n"
    )


def test_a_write_to_a_store_that_lost_its_table_of_hashes_is_refused(ledger, run, store, tmp_path):
    """record and import made the table again and began a new chain from the next event,
    which hid the damage."""
    store_sql(store, "DROP TABLE stored_event_hashes")
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    result = run("import", str(more))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the store at {store} is damaged: it holds events but its table of hashes "
        "(stored_event_hashes) is missing; nothing was recorded; run: ledger check\n",
    )
    assert store_sql(store, "SELECT COUNT(*) FROM {events}") == [(9,)]
    logged = ledger("log", "--format", "json")
    assert logged.exit_code == 0
    assert len(json.loads(logged.stdout)) == 9
    assert logged.stderr == (
        f"head: none (the store at {store} is damaged: its table of hashes "
        "(stored_event_hashes) is missing, so no event has its hash; run: ledger check)\n"
    )


@pytest.mark.parametrize("command", [["log"], ["import", "more.jsonl"]], ids=" ".join)
def test_a_store_that_lost_its_table_of_events_is_named_damaged(
    run, ledger, store, tmp_path, monkeypatch, command
):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    store_sql(store, "DROP TABLE {events} CASCADE" if "://" in store else "DROP TABLE {events}")
    events = "ledger_events" if "://" in store else "stored_events"
    result = run(*command)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the store at {store} is damaged: its table of events ({events}) is missing; "
        "restore it from a copy, or import an earlier export into a "
        "new store\n",
    )
    assert store_sql(store, "SELECT COUNT(*) FROM stored_event_hashes") == [(9,)]
