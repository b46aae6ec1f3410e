"""The command line as a user types it: exact output, exit codes, errors on stderr."""

import json

from factories import allocation, correction, forecast, plan, transfer, world, write_jsonl


def import_world(run, tmp_path, *records):
    result = run("import", str(write_jsonl(tmp_path / "history.jsonl", [*world(), *records])))
    assert result.exit_code == 0, result.output


def test_help_lists_the_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("import", "record", "log", "export"):
        assert f"\n  {command} " in result.output


def test_record_appends_one_allocation_from_options(run, tmp_path):
    import_world(run, tmp_path)
    args = [
        "record",
        "allocation",
        "--id",
        "adj-06H-1",
        "--account",
        "06H",
        "--year",
        "2013-14",
        "--amount",
        "-2.4m",
        "--as-at",
        "2013-10-15",
        "--source",
        "board-paper-2013-11",
        "--locator",
        "para 11",
        "--reason",
        "specialised rebasing",
    ]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.output == "Recorded allocation adj-06H-1 at position 6.\n"
    assert run(*args).output == "Already recorded: adj-06H-1 (nothing changed).\n"


def test_record_without_an_id_derives_one_from_the_content(run, tmp_path):
    import_world(run, tmp_path)
    args = [
        "record",
        "plan",
        "--account",
        "06H",
        "--year",
        "2013-14",
        "--amount",
        "£1m",
        "--as-at",
        "2013-06-30",
        "--source",
        "board-paper-2013-11",
        "--locator",
        "p2",
    ]
    first = run(*args)
    record_id = first.output.split()[2]
    assert record_id.startswith("plan-") and len(record_id) == len("plan-") + 12
    again = run(*args[:7], "1,000k", *args[8:])
    assert again.output == f"Already recorded: {record_id} (nothing changed).\n"


def test_record_names_the_option_at_fault(run, tmp_path):
    import_world(run, tmp_path)
    result = run(
        "record",
        "transfer",
        "--from",
        "05Q",
        "--to",
        "NOWHERE",
        "--year",
        "2013-14",
        "--amount",
        "5 million",
        "--as-at",
        "2013-09-30",
        "--source",
        "board-paper-2013-11",
        "--locator",
        "p9",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "record transfer: --amount: cannot read '5 million' as an amount (examples: "
        "849204000, £8.6m, 1.6bn, 849,204k, -2.4m)\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
    result = run(
        "record",
        "transfer",
        "--from",
        "05Q",
        "--to",
        "NOWHERE",
        "--year",
        "2013-14",
        "--amount",
        "5m",
        "--as-at",
        "2013-09-30",
        "--source",
        "board-paper-2013-11",
        "--locator",
        "p9",
    )
    assert result.stderr == (
        "record transfer: --to: unknown organisation 'NOWHERE'\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )


def test_a_record_commands_problems_all_name_the_command_and_option(run, tmp_path):
    """What the record's model finds and what the store's records show once came under
    "record correction:" and "command line:" for the same command, the second naming the
    field rather than the option (and saying "a organisation")."""
    import_world(run, tmp_path)
    correction = ["record", "correction", "--corrects", "06H", "--action", "replace",
                  "--as-at", "2013-10-15", "--source", "board-paper-2013-11", "--locator",
                  "p2", "--reason", "restated"]  # fmt: skip
    unreadable = run(*correction, "--amount", "5 million")
    assert unreadable.stderr.splitlines()[0] == (
        "record correction: --amount: cannot read '5 million' as an amount (examples: "
        "849204000, £8.6m, 1.6bn, 849,204k, -2.4m)"
    )
    not_correctable = run(*correction, "--amount", "5m")
    assert not_correctable.exit_code == 1
    assert not_correctable.stderr.splitlines()[0] == (
        "record correction: --corrects: an organisation record cannot be corrected (only "
        "allocation, transfer, plan, forecast, drawdown, qipp, figure)"
    )


def test_a_missing_option_is_a_usage_error(run):
    result = run("record", "forecast", "--account", "06H")
    assert result.exit_code == 2
    assert "record forecast: --year is missing" in result.stderr


def test_log_lists_records_in_store_order(run, tmp_path):
    import_world(run, tmp_path, allocation(), transfer(), forecast())
    result = run("log", "--kind", "forecast")
    assert result.stdout.splitlines() == [
        "  position  as_at       kind      id            account    financial_year    period            amount  source",
        "----------  ----------  --------  ------------  ---------  ----------------  --------  --------------  ---------------------------------------------------------------------",
        "         8  2013-09-30  forecast  forecast-06H  06H        2013-14           M6        -£8,600,000.00  board-paper-2013-11 [Board paper on the month-6 position, 2013-04-01]",
    ]


def test_log_filters_by_account_year_and_known_date(run, tmp_path):
    import_world(
        run,
        tmp_path,
        allocation(),
        transfer(),
        plan("plan-06H-june", as_at="2013-06-30"),
        plan("plan-06H-nov", amount="-1m", as_at="2013-11-08"),
        correction("fix-transfer", "transfer-05Q", as_at="2013-10-01"),
    )

    def ids(*args):
        return [row["id"] for row in json.loads(run("log", "--format", "json", *args).stdout)]

    assert ids("--account", "SPEC") == ["SPEC", "transfer-05Q", "fix-transfer"]
    assert ids("--account", "06H", "--as-at", "2013-09-30") == ["06H", "alloc-06H", "plan-06H-june"]
    assert ids("--year", "2013/14", "--kind", "plan") == ["plan-06H-june", "plan-06H-nov"]


def test_log_as_csv_keeps_integer_pence(run, tmp_path):
    import_world(run, tmp_path, allocation())
    lines = run("log", "--kind", "allocation", "--format", "csv").output.splitlines()
    assert lines[0].startswith("position,recorded,as_at,kind,id,account,counterparty,")
    assert ",2013-09-30,allocation,alloc-06H,06H,,2013-14,,2013-04-01,84920400000,," in lines[1]


def test_log_refuses_a_year_that_does_not_exist(run, tmp_path):
    import_world(run, tmp_path)
    result = run("log", "--year", "2013-15")
    assert result.exit_code == 2
    assert "Error: Invalid value for --year: '2013-15' is not a financial year" in result.stderr


def test_reading_a_store_that_does_not_exist_is_an_error(run, store):
    result = run("log")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no ledger store at {store} "
        f"(create one with: ledger --store {store} import events/)\n"
    )


def test_export_is_read_back_by_import_identically(run, tmp_path):
    import_world(run, tmp_path, allocation(), transfer(), forecast(), correction("c1", "alloc-06H"))
    exported = run("export").stdout
    copy = str(tmp_path / "copy.db")
    export_file = tmp_path / "export.jsonl"
    export_file.write_text(exported, encoding="utf-8")
    assert run("--store", copy, "import", str(export_file)).exit_code == 0
    assert run("--store", copy, "export").stdout == exported
    assert len(exported.splitlines()) == 9
    assert json.loads(exported.splitlines()[5]) == {
        "id": "alloc-06H",
        "kind": "allocation",
        "account": "06H",
        "financial_year": "2013-14",
        "effective": "2013-04-01",
        "amount_pence": 84920400000,
        "as_at": "2013-09-30",
        "source": "board-paper-2013-11",
        "locator": "table 1",
    }
