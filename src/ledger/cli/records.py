"""Commands that write records or read them back as records: import, record, log, export,
and the synthetic history of ``demo generate``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import click

from ledger.cli.common import (
    Settings,
    caught_up_views,
    force_option,
    format_option,
    if_interrupted,
    import_progress,
    iso,
    output_file,
    pass_settings,
    reject,
    show_head,
    show_rows,
)
from ledger.cli.output import plural, short_title
from ledger.cli.values import StrippedChoice, WholeNumber, date_option, stripped
from ledger.records.kinds import KINDS
from ledger.records.periods import PeriodError, parse_financial_year

if TYPE_CHECKING:
    from ledger.records.located import Located
    from ledger.store.application import EventStore
    from ledger.store.reading import StoredRecord
    from ledger.writing.importing import Imported
    from ledger.writing.ledger import Batch


@click.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="check and report, record nothing")
@format_option
@pass_settings
def import_command(settings: Settings, paths: tuple[str, ...], dry_run: bool, fmt: str) -> None:
    """Check and append records from JSON-lines files or folders, all or nothing.

    Every problem is reported as file:line: message and nothing is recorded.
    Records already in the store are skipped, so importing twice changes nothing.
    On a terminal, a long import shows on stderr how many records it has read, every
    2 seconds (LEDGER_PROGRESS_SECONDS); elsewhere it prints only the result.

    \b
        ledger import events/
    """
    from ledger.writing.bulk import paused_garbage_collection
    from ledger.writing.importing import ImportRejected, import_files
    from ledger.writing.interrupts import HeldInterrupts
    from ledger.writing.jsonlines import RecordStream

    stream = RecordStream(paths)
    rejected: ImportRejected | None = None
    # From the commit on, Ctrl-C waits for the result to be said: the records are recorded.
    held = HeldInterrupts(lambda: if_interrupted("the import's records were recorded"))
    if_interrupted("nothing of the import was recorded; the store is as it was")
    try:
        with paused_garbage_collection(), import_progress("import") as progress:
            try:
                imported = import_files(
                    settings.store, stream, dry_run=dry_run, progress=progress,
                    committing=held.hold,
                )  # fmt: skip
            except ImportRejected as error:
                rejected = error
        if rejected is not None:  # said once the progress line is gone
            reject(rejected.problems)
        _say_imported(imported, dry_run, fmt)
    finally:
        held.release()
    if held.interrupted:
        click.echo("Interrupted once the records were being kept: they are recorded.", err=True)
        raise click.exceptions.Exit(130)


def _say_imported(imported: Imported, dry_run: bool, fmt: str) -> None:
    verb = "Would record" if dry_run else "Recorded"
    click.echo(
        f"{verb} {plural(imported.new_records, 'new record')} from "
        f"{plural(imported.files, 'file')}; {imported.already_recorded:,} already recorded.",
        err=fmt != "table",
    )
    if imported.new:
        show_rows(_counts_by_kind_and_year(imported.new), fmt, title="import")


class _RecordKinds(click.Group):
    """A command per kind of record, made from the kind's model only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(KINDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return _record_command(name) if name in KINDS else None


@click.group(cls=_RecordKinds)
def record() -> None:
    """Append one record given as options (the same checks as import).

    \b
        ledger record allocation --account 06H --year 2013-14 --amount 849,204k \\
            --as-at 2013-09-30 --source ccg-allocations --locator "row 145"
    """


def _mentions(message: str, fields: dict[str, str]) -> bool:
    """Whether a record-level problem is about an option already said to be unreadable
    (a figure with an unreadable --count has no count: that is not news)."""
    words = set(re.findall(r"[a-z_]+", message))
    return any(field in words for field in fields)


def _record_command(kind: str) -> click.Command:
    from ledger.cli.record_options import (
        OPTION_PROBLEMS,
        command_help,
        option_names,
        record_from_options,
        record_options,
    )
    from ledger.records.errata import typed_recorded_problem
    from ledger.records.models import MODELS, RecordError

    model = MODELS[kind]

    @pass_settings
    def append_one(settings: Settings, /, **values: Any) -> None:
        from ledger.records.located import Located, Problem

        # Options missing or unreadable (a usage error, exit code 2), then whatever else
        # the record's model finds in the options given: every problem in one run.
        collected: dict[str, str] = click.get_current_context().meta.get(OPTION_PROBLEMS, {})
        problems = list(collected.values())
        names = option_names(model)
        try:
            located = Located(f"record {kind}", record_from_options(kind, values))
            if problem := typed_recorded_problem(located.record):
                problems.append(_name_option(problem, names))
        except RecordError as error:
            said = {names.get(field, field) for field in collected}
            problems += [
                _name_option(message, names)
                for message in error.problems
                if names.get(_field_of(message), _field_of(message)) not in said
                and not _mentions(message, collected)
            ]
        if problems:
            reject(
                [Problem(f"record {kind}", problem) for problem in problems],
                used_wrongly=bool(collected),
            )
        batch, positions = _check_and_append(settings.store, [located], names)
        if positions:
            click.echo(f"Recorded {kind} {located.record.id} at position {positions[0]}.")
        else:
            click.echo(f"Already recorded: {located.record.id} (nothing changed).")

    return click.Command(
        kind, callback=append_one, params=record_options(model), help=command_help(model)
    )


@click.command()
@click.option("--account", type=stripped, help="only records about this organisation (code)")
@click.option("--kind", type=StrippedChoice(KINDS), help="only records of this kind")
@click.option("--year", type=stripped, help="only records about this financial year, e.g. 2013-14")
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@click.option(
    "--recorded-by",
    "recorded_by",
    type=date_option,
    help="as the ledger stood on this date: leave out errata recorded later",
)
@format_option
@pass_settings
def log(
    settings: Settings,
    account: str | None,
    kind: str | None,
    year: str | None,
    as_at: Any,
    recorded_by: Any,
    fmt: str,
) -> None:
    """List records in the order they were appended, as stored: an erratum is an entry of
    its own (its as_at the day it was recorded), about the record it fixes. --as-at,
    --account and --year judge a record as its errata (those recorded by --recorded-by)
    leave it: one they say became known later is not listed as known earlier.

    \b
        ledger log --account 06H --year 2013-14
    """
    from ledger.explain.log import LOG_COLUMNS, LogFilter, corrections_in_force, log_rows
    from ledger.store.application import EventStore

    wanted = LogFilter(
        account=account,
        kind=kind,
        year=_option_value("--year", parse_financial_year, year),
        as_at=iso(as_at),
        recorded_by=iso(recorded_by),
    )
    sources: dict[str, str] = {}
    with EventStore(settings.store, must_exist=True) as ledger:
        if account is not None:
            _refuse_unknown_organisation(ledger, account)
        corrections = ledger.records_of_kinds(("correction",), ledger.last_position())
        errata = ledger.records_of_kinds(("erratum",), ledger.last_position())
        in_force = corrections_in_force(corrections, wanted, errata)
        records = _noting_sources(ledger.stored_records(), sources)
        rows = list(log_rows(records, wanted, in_force, errata))
        show_rows(rows, fmt, LOG_COLUMNS if fmt == "table" else None, sources=sources, title="log")
        show_head(ledger)


def _refuse_unknown_organisation(ledger: EventStore, code: str) -> None:
    """--account names a recorded organisation (an unknown one listed nothing, as if it
    had no records)."""
    spellings = [code, *sorted({code.upper(), code.lower()} - {code})]
    found = ledger.get_records(spellings)
    if code in found and found[code].kind == "organisation":
        return
    other = [c for c in spellings[1:] if c in found and found[c].kind == "organisation"]
    hint = f" (did you mean {other[0]!r}?)" if other else ""
    raise click.BadParameter(f"unknown organisation {code!r}{hint}", param_hint="--account")


def _noting_sources(
    records: Iterable[StoredRecord], notes: dict[str, str]
) -> Iterator[StoredRecord]:
    """``records`` as they are, noting each source's short title and date in ``notes``."""
    for stored in records:
        fields = stored.fields
        if stored.kind == "source" and "title" in fields and "published" in fields:
            # (a source without them is a hand-made store's: log says so at its row)
            notes[fields["id"]] = f"{short_title(str(fields['title']))}, {fields['published']}"
        yield stored


@click.command()
@click.option("-o", "--output", default="-", help="file to write (default: stdout)")
@force_option
@pass_settings
def export(settings: Settings, output: str, force: bool) -> None:
    """Write every record, in store order, as JSON lines that import reads back.

    \b
        ledger export -o history.jsonl
    """
    from ledger.store.application import EventStore
    from ledger.writing.jsonlines import dump_line

    with EventStore(settings.store, must_exist=True) as ledger:
        with output_file(output, settings, force) as lines:
            for stored in ledger.stored_records():
                lines.write(dump_line(stored.fields) + "\n")
        show_head(ledger)


@click.group()
def demo() -> None:
    """Tools for trying the ledger out at scale."""


@demo.command()
@click.option("--events", type=WholeNumber(least=1), required=True, help="how many records")
@click.option(
    "--seed",
    type=WholeNumber(),
    default=1,
    show_default=True,
    help="the same seed gives the same history",
)
@click.option("-o", "--output", required=True, help="file to write (- for standard output)")
@force_option
@pass_settings
def generate(settings: Settings, events: int, seed: int, output: str, force: bool) -> None:
    """Write a synthetic history (made-up figures over the real CCGs, every id starting
    syn-) for import into a store that holds events/. Never put it in events/.

    \b
        ledger demo generate --events 100000 --seed 1 -o synthetic.jsonl
    """
    from datetime import date

    from ledger.data.synthetic import SECTOR, SPECIALISED, Ccg, synthetic_history
    from ledger.views.projections import run
    from ledger.writing.jsonlines import dump_line

    views = caught_up_views(settings)
    rows = run(
        views,
        # The CCGs of 2013 whose closure, if any, a merger or split carries on: the
        # history's later figures of a merged CCG count for its successor.
        "SELECT code, area_team, as_at FROM organisations WHERE type = 'ccg' "
        "AND (opened IS NULL OR opened <= '2013-04-01') "
        "AND code NOT IN (SELECT organisation FROM closures "
        "                 WHERE organisation NOT IN (SELECT predecessor FROM lineage)) "
        "ORDER BY code",
    )
    if not rows:
        raise click.ClickException("the store has no CCGs: import events/ first")
    ccgs = [Ccg(row["code"], row["area_team"], date.fromisoformat(row["as_at"])) for row in rows]
    named = run(
        views,
        "SELECT code, as_at FROM organisations WHERE code IN (:budget, :sector)",
        {"budget": SPECIALISED, "sector": SECTOR},
    )
    known = {row["code"]: date.fromisoformat(row["as_at"]) for row in named}
    try:
        with output_file(output, settings, force) as lines:
            for fields in synthetic_history(ccgs, events, seed, known):
                lines.write(dump_line(fields) + "\n")
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {plural(events, 'synthetic record')} over {plural(len(ccgs), 'CCG')}.", err=True
    )


def _check_and_append(
    store: str, items: Sequence[Located], names: dict[str, str]
) -> tuple[Batch, list[int]]:
    """Check records against the store, then append them; a problem names the option at
    fault (``names``: field -> option). A store that does not exist yet is only created
    when there is something to append."""
    from ledger.records.located import Problem
    from ledger.store.application import store_exists
    from ledger.writing.batch import NoRecords
    from ledger.writing.ledger import Ledger, prepare_batch

    def refuse(problems: Sequence[Problem]) -> None:
        reject([Problem(found.where, _name_option(found.message, names)) for found in problems])

    if store_exists(store):
        with Ledger(store) as ledger:
            batch = ledger.prepare(items)
            if batch.problems:
                refuse(batch.problems)
            return batch, ledger.append(batch)
    batch = prepare_batch(items, NoRecords())
    if batch.problems:
        refuse(batch.problems)
    with Ledger(store) as ledger:
        return batch, ledger.append(batch)


def _counts_by_kind_and_year(counts: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    years = sorted({year for _, year in counts if year != "no year"})
    if any(year == "no year" for _, year in counts):
        years.append("no year")
    rows = []
    for kind in KINDS:
        row: dict[str, Any] = {"kind": kind}
        row.update({year: counts.get((kind, year)) for year in years})
        row["total"] = sum(counts.get((kind, year), 0) for year in years)
        if row["total"]:
            rows.append(row)
    return rows


def _name_option(message: str, names: dict[str, str]) -> str:
    """``amount: ...`` -> ``--amount: ...`` (and ``components.0 is empty`` ->
    ``--components is empty``) so the user sees which option to fix."""
    about = _ABOUT.match(message)
    if about is None or about["field"] not in names:
        return message
    return names[about["field"]] + message[about.end() :]


def _field_of(message: str) -> str:
    """The field a model's message is about: ``amount`` of ``amount: ...``."""
    about = _ABOUT.match(message)
    return about["field"] if about else message.split(":", 1)[0].split(" ", 1)[0]


# What a model's message begins with: a field, and the place in it of a list's value.
_ABOUT = re.compile(r"(?P<field>[a-z_]+)(?:\.[0-9]+)?(?=[: ]|$)")


def _option_value(option: str, parse: Callable[[str], str], value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse(value)
    except (PeriodError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint=option) from None
