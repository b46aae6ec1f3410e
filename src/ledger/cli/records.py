"""Commands that write records or read them back as records: import, log, export, and the
synthetic history of ``demo generate`` (``record KIND`` is in record_command)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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
    from ledger.store.application import EventStore
    from ledger.store.reading import StoredRecord
    from ledger.writing.importing import Imported


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


@click.command()
@click.option("--account", type=stripped, help="only records about this organisation (code)")
@click.option(
    "--kind", type=StrippedChoice(KINDS, case_sensitive=False), help="only records of this kind"
)
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


def _option_value(option: str, parse: Callable[[str], str], value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse(value)
    except (PeriodError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint=option) from None
