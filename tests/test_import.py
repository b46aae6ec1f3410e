"""Importing JSON-lines files: all problems reported with file and line, nothing recorded
on any problem, every valid import atomic and idempotent."""

import json

from backends import store_sql
from factories import (
    allocation,
    correction,
    forecast,
    organisation,
    plan,
    transfer,
    world,
    write_jsonl,
)


def stored_event_count(store):
    [(count,)] = store_sql(store, "SELECT COUNT(*) FROM {events}")
    return count


def stored_bytes(store):
    """Every stored event, byte for byte, with its position."""
    return [
        (position, bytes(state))
        for position, state in store_sql(store, "SELECT {position}, state FROM {events} ORDER BY 1")
    ]


def test_a_valid_file_is_recorded_and_summarised(run, tmp_path):
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation(), transfer(), plan()])
    result = run("import", str(history))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Recorded 8 new records from 1 file; 0 already recorded.\n"
        "kind            2013-14    no year    total\n"
        "------------  ---------  ---------  -------\n"
        "source                           1        1\n"
        "organisation                     4        4\n"
        "allocation            1                   1\n"
        "transfer              1                   1\n"
        "plan                  1                   1\n"
    )


def test_importing_twice_records_nothing_new(run, store, tmp_path):
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    run("import", str(history))
    before = stored_bytes(store)
    again = run("import", str(history))
    assert again.exit_code == 0
    assert again.output == "Recorded 0 new records from 1 file; 6 already recorded.\n"
    assert stored_bytes(store) == before


def test_the_same_fact_spelled_differently_is_already_recorded(run, tmp_path):
    run(
        "import", str(write_jsonl(tmp_path / "a.jsonl", [*world(), allocation(amount="849204000")]))
    )
    respelled = allocation(amount=None, amount_pence=84_920_400_000, financial_year="2013/14")
    result = run("import", str(write_jsonl(tmp_path / "b.jsonl", [respelled])))
    assert result.output == "Recorded 0 new records from 1 file; 1 already recorded.\n"


def test_an_existing_id_with_different_content_is_an_error(run, store, tmp_path):
    run("import", str(write_jsonl(tmp_path / "a.jsonl", [*world(), allocation()])))
    changed = write_jsonl(tmp_path / "b.jsonl", [allocation(amount="£850m")])
    result = run("import", str(changed))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{changed}:1: id 'alloc-06H' is already recorded with different content "
        "(amount_pence: 84920400000 -> 85000000000)\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
    assert stored_event_count(store) == 6


def test_every_problem_in_every_file_is_reported_and_nothing_is_recorded(run, store, tmp_path):
    run("import", str(write_jsonl(tmp_path / "world.jsonl", world())))
    before = stored_bytes(store)
    folder = tmp_path / "batch"
    folder.mkdir()
    good = write_jsonl(folder / "a-good.jsonl", [allocation()])
    bad = folder / "b-bad.jsonl"
    bad.write_text(
        json.dumps(plan(amount="lots")) + "\n\n{not json\n" + json.dumps(transfer(to="XYZ")) + "\n",
        encoding="utf-8",
    )
    result = run("import", str(folder))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{bad}:1: amount: cannot read 'lots' as an amount (examples: 849204000, £8.6m, "
        "1.6bn, 849,204k, -2.4m)\n"
        f"{bad}:3: not valid JSON: Expecting property name enclosed in double quotes (column 2)\n"
        f"{bad}:4: to: unknown organisation 'XYZ'\n"
        "Error: 3 problems found; nothing was recorded.\n"
    )
    assert stored_bytes(store) == before
    assert good.exists()


def test_a_bad_import_into_a_new_store_does_not_create_it(run, store, tmp_path):
    result = run("import", str(write_jsonl(tmp_path / "a.jsonl", [allocation()])))
    assert result.exit_code == 1
    assert "account: unknown organisation '06H'" in result.stderr
    assert (
        "source: unknown source document 'board-paper-2013-11' (add a source record)"
        in result.stderr
    )
    assert not (tmp_path / "ledger.db").exists()


def test_a_dry_run_reports_and_records_nothing(run, store, tmp_path):
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    result = run("import", "--dry-run", str(history))
    assert result.exit_code == 0
    assert result.output.startswith("Would record 6 new records from 1 file; 0 already recorded.\n")
    assert not (tmp_path / "ledger.db").exists()


def test_unknown_codes_get_a_suggestion_when_only_the_case_differs(run, tmp_path):
    run("import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    result = run("import", str(write_jsonl(tmp_path / "a.jsonl", [allocation(account="06h")])))
    assert "account: unknown organisation '06h' (did you mean '06H'?)" in result.stderr


def test_an_organisation_cannot_be_used_before_it_opened(run, tmp_path):
    records = [
        *world(),
        organisation("13T", opened="2014-11-26", as_at="2014-11-26"),
        allocation(account="13T"),
    ]
    path = write_jsonl(tmp_path / "a.jsonl", records)
    result = run("import", str(path))
    assert (
        "account: 13T did not exist on 2013-04-01 (it opened on 2014-11-26: organisation 13T, "
        f"{path}:6)" in result.stderr
    )


def test_a_repeated_id_in_one_batch_must_repeat_the_same_record(run, tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl", [*world(), allocation(), allocation(), allocation(amount="1m")]
    )
    result = run("import", str(path))
    assert result.stderr.splitlines()[0] == (
        f"{path}:8: id 'alloc-06H' is used again with different content (first at {path}:6)"
    )


def test_files_in_a_folder_are_read_in_path_order_naming_sources_ahead(run, tmp_path):
    """The forecast cites a source and names an organisation registered by a later file."""
    folder = tmp_path / "events"
    (folder / "2013-14").mkdir(parents=True)
    write_jsonl(folder / "2013-14" / "forecasts.jsonl", [forecast()])
    write_jsonl(folder / "world.jsonl", world())
    (folder / "README.md").write_text("not an import file")
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    log = json.loads(run("log", "--format", "json").stdout)
    assert [row["kind"] for row in log] == [
        "forecast",
        "source",
        "organisation",
        "organisation",
        "organisation",
        "organisation",
    ]


def test_missing_paths_and_empty_files_are_problems(run, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = run("import", str(empty), str(tmp_path / "nowhere.jsonl"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tmp_path / 'nowhere.jsonl'}: no such file or folder\n"
        f"{empty}:1: the file holds no records\n"
        "Error: 2 problems found; nothing was recorded.\n"
    )


def test_lines_that_are_not_utf8_or_repeat_a_field_are_problems(run, tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'{"id": "caf\xe9"}\n{"id": "a", "id": "b"}\n')
    result = run("import", str(path))
    assert result.stderr == (
        f"{path}:1: not UTF-8 text (byte 0xe9 at column 12)\n"
        f"{path}:2: field 'id' is given twice\n"
        "Error: 2 problems found; nothing was recorded.\n"
    )


def test_a_correction_must_follow_what_it_corrects(run, tmp_path):
    run("import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            correction("c-early", "alloc-06H"),
            allocation(),
            correction("c-missing", "alloc-nowhere"),
            correction("c-of-source", "board-paper-2013-11"),
            correction("c-too-soon", "alloc-06H", as_at="2013-09-01"),
            correction("c-wrong-unit", "alloc-06H", action="replace", count=3),
            correction("c-of-correction", "c-early"),
        ],
    )
    result = run("import", str(path))
    assert result.stderr.splitlines() == [
        f"{path}:1: corrects: 'alloc-06H' must be recorded before its correction",
        f"{path}:3: corrects: no record with id 'alloc-nowhere' to correct",
        f"{path}:4: corrects: a source record cannot be corrected (only allocation, transfer, "
        "plan, forecast, drawdown, qipp, figure)",
        f"{path}:5: as_at: a correction cannot be known (2013-09-01) before the record it "
        "corrects (2013-09-30)",
        f"{path}:6: a replacement for 'alloc-06H' must give an amount",
        f"{path}:7: corrects: a correction record cannot be corrected (only allocation, "
        "transfer, plan, forecast, drawdown, qipp, figure)",
        "Error: 6 problems found; nothing was recorded.",
    ]


def test_a_transfer_replacement_must_stay_positive(run, tmp_path):
    run("import", str(write_jsonl(tmp_path / "w.jsonl", [*world(), transfer()])))
    path = write_jsonl(
        tmp_path / "c.jsonl", [correction("c1", "transfer-05Q", action="replace", amount="-1m")]
    )
    result = run("import", str(path))
    assert result.stderr.splitlines()[0] == (
        f"{path}:1: replacement for 'transfer-05Q': "
        "amount must be more than zero, got -£1,000,000.00"
    )


def test_a_very_long_value_is_quoted_by_its_start_in_the_problem(run, tmp_path):
    """A problem quotes the value it is about: a 500,000-digit amount or a 100,000-letter
    id made a line as long, found by trying the tool."""
    long_id, digits = "x" * 100_000, "9" * 500_000
    path = write_jsonl(
        tmp_path / "long.jsonl",
        [*world(), allocation(record_id=long_id), allocation("a-2", amount=digits)],
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert f"{path}:6: id: '{'x' * 59}... (100,002 characters) is not a valid code or id" in (
        result.stderr
    )
    assert f"{path}:7: amount: '{'9' * 59}... (500,002 characters) is larger than any" in (
        result.stderr
    )
    assert max(len(line) for line in result.stderr.splitlines()) < 400
    assert result.stderr.endswith("Error: 2 problems found; nothing was recorded.\n")
