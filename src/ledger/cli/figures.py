"""Commands that explain figures: audit, diff, check and chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

import click

from ledger.cli.common import (
    Settings,
    caught_up_views,
    force_option,
    format_option,
    if_interrupted,
    if_interrupted_writing,
    iso,
    pass_settings,
    say_notes,
    show_rows,
    source_notes,
    views_recorded_by,
)
from ledger.cli.output import plural
from ledger.cli.steps import by_member, step_row, unit_values, with_unit
from ledger.cli.values import ChainHash, date_option, stripped
from ledger.records.kinds import SERVICES

year_option = click.option(
    "--year",
    type=stripped,
    help="financial year, e.g. 2013-14 (default: the latest with this figure)",
)
recorded_by_option = click.option(
    "--recorded-by",
    "recorded_by",
    type=date_option,
    help="as the ledger stood on this date: leave out errata recorded later",
)


@click.command()
@click.argument("account", type=stripped)
@click.argument("measure", type=stripped)
@year_option
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@click.option(
    "--service",
    type=stripped,
    metavar="SERVICE",
    help="only the records of this service (ICB era): " + ", ".join(SERVICES),
)
@recorded_by_option
@format_option
@pass_settings
def audit(
    settings: Settings,
    account: str,
    measure: str,
    year: str | None,
    as_at: Any,
    service: str | None,
    recorded_by: Any,
    fmt: str,
) -> None:
    """How one figure changed: every event that moved it, in known-date order, with the
    change, the value after it, the reason and the source. An erratum that fixed a record
    is a row of its own right after that record, saying what it changed; --recorded-by
    shows the figure as the ledger stood on a day, before the errata it recorded later.

    MEASURE is allocation, plan, forecast, drawdown, qipp-plan, qipp-shortfall or the
    measure of a reported figure. For allocations and drawdowns an aggregate (such as
    ccg-sector) adds up the organisations under it, an area team or region (Y55) the CCGs
    and ICBs under it on the year's 1 April, and a successor counts, in any year,
    the figures of every organisation merged into it (a split's part by its weights).

    \b
        ledger audit 06H allocation --year 2013-14
        ledger audit 13T allocation --year 2013-14
        ledger audit ccg-sector ccgs-forecasting-deficit

    A figure that supersedes and is recorded per service (base-growth-percent) is a
    figure per service: each service's rows step from that service's value, and the note
    names the service. With --service only that service's records count, and each row of
    an ICB-era allocation names the step of the baseline's construction it records:

    \b
        ledger audit QOQ allocation --year 2025-26 --service specialised
    """
    from ledger.explain.errata import with_errata
    from ledger.explain.timeline import services_apart, services_said, timeline

    measure = measure.replace(" ", "-").lower()
    if service is not None and service not in SERVICES:
        raise click.ClickException(
            f"--service {service!r} is not a service; the services are {', '.join(SERVICES)}"
        )
    notes: list[str] = []  # said on stderr, as view does: a year known only in part
    with views_recorded_by(settings, iso(recorded_by)) as path:
        found = _figure_rows(
            path, account, measure, year, iso(as_at), allow_empty=True, service=service,
            notes=notes,
        )  # fmt: skip
        steps = timeline(found, measure)
        if said := services_said(found, account, measure):
            many = len(services_apart(found, measure)) > 1
            notes.append(f"{said}: --service picks one" if many else said)
        figure = (account, measure, found[0]["financial_year"] if found else year, iso(as_at))
        shown = with_errata(path, steps, figure, _originals(settings))
        if not shown:  # not even an erratum that took a record of it away
            from ledger.explain.missing import no_service, nothing_recorded

            if service is not None:
                said = no_service(path, account, measure, year, service, iso(as_at))
                raise click.ClickException(said)
            raise click.ClickException(nothing_recorded(path, account, measure, year, iso(as_at)))
        sources = source_notes(path) if fmt == "table" else None
    rows = [step_row(step) for step in shown]
    columns = ["as_at", "kind", "record", "account", "change", "after", "note", "source"]
    show_rows(
        rows, fmt, with_unit(columns, steps) if fmt == "table" else None,
        sources=sources, title=f"audit {account} {measure}",
    )  # fmt: skip
    say_notes(notes)


@click.command()
@click.argument("account", type=stripped)
@click.option("--from", "from_date", type=date_option, required=True, help="the earlier known date")
@click.option("--to", "to_date", type=date_option, required=True, help="the later known date")
@click.option(
    "--measure", type=stripped, default="allocation", show_default=True, help="the figure compared"
)
@year_option
@click.option(
    "--by",
    type=click.Choice(["event", "member"], case_sensitive=False),
    default="event",
    show_default=True,
    help="one row per event, or the net change of each organisation under an aggregate",
)
@recorded_by_option
@format_option
@pass_settings
def diff(
    settings: Settings,
    account: str,
    from_date: Any,
    to_date: Any,
    measure: str,
    year: str | None,
    by: str,
    recorded_by: Any,
    fmt: str,
) -> None:
    """What changed a figure between two known dates: its value known at each, and the
    events between that explain the difference, summing exactly to it. A successor's
    figure counts its predecessors' events, through the mergers and splits known today.
    The figures are as the ledger holds them, errata applied; --recorded-by leaves out
    the errata recorded after a day. A year known only in part on either day (2025-26 on
    2024-01-01: running costs alone) is noted on stderr, as audit notes it.

    \b
        ledger diff ccg-sector --from 2013-09-30 --to 2014-03-31 --year 2013-14 --by member
    """
    from ledger.explain.timeline import difference, timeline, value_known_at

    start_day, end_day = from_date.date().isoformat(), to_date.date().isoformat()
    if end_day < start_day:
        raise click.BadParameter("--to is earlier than --from", param_hint="--to")
    measure = measure.replace(" ", "-").lower()
    # Both known dates see the figure on the boundaries known today, so that a merger or
    # split becoming known between them does not count as a change.
    today = date.today().isoformat()
    notes: list[str] = []  # said on stderr, as audit does: a year known only in part
    with views_recorded_by(settings, iso(recorded_by)) as path:
        found = _figure_rows(
            path, account, measure, year, end_day, lineage_as_at=today, notes=notes
        )
        _one_figure(found, "diff", account, measure)
        if start_day < end_day:  # and what audit notes of the year as known at --from
            chosen = found[0]["financial_year"]
            notes[:0] = _noted_on(path, account, measure, chosen, start_day, today)
    steps = timeline(found, measure)
    start = value_known_at(steps, start_day, measure)
    between = [step for step in steps if step.as_at > start_day]
    end = value_known_at(steps, end_day, measure)
    rows = by_member(between) if by == "member" else [step_row(step) for step in between]
    known = {"kind": "(known)", "record": None, "account": account, "note": "value known then"}
    rows = [
        {"as_at": start_day, **known, **unit_values(steps, after=start)},
        *rows,
        {
            "as_at": end_day,
            **known,
            **unit_values(steps, change=difference(start, end), after=end),
        },
    ]
    columns = ["as_at", "kind", "record", "account", "change", "after", "note"]
    show_rows(
        rows, fmt, with_unit(columns, steps) if fmt == "table" else None,
        title=f"diff {account}",
    )  # fmt: skip
    say_notes(notes)


@click.command()
@click.option(
    "--expected-head",
    metavar="HASH",
    type=ChainHash(),
    help="also fail unless the history ends in this hash (as log and export print it)",
)
@format_option
@pass_settings
def check(settings: Settings, expected_head: str | None, fmt: str) -> None:
    """Check the ledger's invariants: a SQLite store's file is sound (SQLite's integrity
    check), the hash chain holds, every record reads back, transfers conserve money,
    organisations are used only while open and once known (no record is known before an
    organisation it names) and close once, after they opened, a merger's or split's
    predecessors close the day before it and are carried on once a day, to successors
    open by then, lineage never runs in a circle, no version counts twice, a measure
    keeps one unit, reported figures reconcile with their components (other figures in
    their unit), and errata apply cleanly (each fixes a record that is not an erratum and
    was known by the day the erratum was recorded; no two of one day change one field of
    a record). Prints each failure; exit code 1 if there is one. The head of the hash
    chain goes to stderr first, to note down for --expected-head.

    \b
        ledger check
    """
    from ledger.explain.checks import check_all
    from ledger.store.application import EventStore

    if_interrupted("the check did not finish; nothing was recorded")
    with EventStore(settings.store, must_exist=True) as ledger:
        report = check_all(ledger, lambda: caught_up_views(settings), expected_head)
    if report.head is None:
        click.echo("head: none (the hash chain could not be read)", err=True)
    else:
        click.echo(f"head: {report.head} (position {report.position})", err=True)
    summary = f"{plural(len(report.checks), 'check')} over {plural(report.records, 'record')}"
    rows = [asdict(failure) for failure in report.failures]
    if fmt != "table" or rows:
        show_rows(rows, fmt, title="check")
    if rows:
        raise click.ClickException(f"{plural(len(rows), 'failure')} in {summary}.")
    click.echo(f"No failures in {summary}.", err=fmt != "table")


@click.command()
@click.argument("account", type=stripped)
@click.argument("measure", type=stripped)
@year_option
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@click.option("-o", "--output", required=True, help="PNG to write (a name ending .png)")
@force_option
@pass_settings
def chart(
    settings: Settings,
    account: str,
    measure: str,
    year: str | None,
    as_at: Any,
    output: str,
    force: bool,
) -> None:
    """Draw a step chart of one figure over known dates, each change labelled
    (needs the optional matplotlib: pip install 'commissioning-ledger[charts]').

    \b
        ledger chart 06H forecast --year 2013-14 -o forecast.png
    """
    from ledger.explain.chart import ChartError, draw
    from ledger.store.files import output_file, output_problem
    from ledger.store.special_paths import written_through

    refused = output_problem(output, store=settings.store, force=force)
    if not refused and not output.lower().endswith(".png") and not written_through(output):
        refused = f"cannot write {output}: a chart is a PNG; give a file name ending in .png"
    if refused:  # said before the figure is read
        raise click.ClickException(refused)
    from ledger.explain.timeline import timeline

    measure = measure.replace(" ", "-").lower()
    path = caught_up_views(settings)
    notes: list[str] = []  # said on stderr, as audit does: a year known only in part
    found = _figure_rows(path, account, measure, year, iso(as_at), notes=notes)
    _one_figure(found, "chart", account, measure)
    steps = timeline(found, measure)
    if_interrupted_writing(output)
    try:
        with output_file(output, store=settings.store, force=force, binary=True) as png:
            draw(steps, f"{measure} of {account}, {year or 'latest year'}", png)
    except ChartError as error:
        raise click.ClickException(str(error)) from None
    said = f"Wrote {output}: {plural(len(steps), 'change')} of {measure} for {account}."
    click.echo(said, err=True)  # as every command writing -o says it: not into its output
    say_notes(notes)


def _figure_rows(
    path: str,
    account: str,
    measure: str,
    year: str | None,
    as_at: str | None,
    *,
    allow_empty: bool = False,
    lineage_as_at: str | None = None,
    service: str | None = None,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The audit rows of one figure in the views at ``path``: with a successor's, those
    of every organisation whose figures were carried into it by the mergers and splits
    known by ``lineage_as_at`` (default: ``as_at``); what the view notes is added to
    ``notes``."""
    from ledger.views.projections import bind, load_projections, run

    projection = load_projections()["audit"]
    given = {"account": account, "measure": measure}
    given |= {"year": year} if year else {}
    given |= {"as_at": as_at} if as_at else {}
    given |= {"lineage_as_at": lineage_as_at} if lineage_as_at else {}
    given |= {"service": service} if service else {}
    rows = run(path, projection.sql, bind(projection, given), notes=notes)
    if not rows and not allow_empty:
        from ledger.explain.missing import nothing_recorded

        said = nothing_recorded(path, account, measure, year, as_at, lineage_as_at)
        raise click.ClickException(said)
    return rows


def _noted_on(
    path: str, account: str, measure: str, year: str, day: str, lineage_as_at: str
) -> list[str]:
    """What audit notes of the figure as known on ``day`` (through the mergers and splits
    known by ``lineage_as_at``): that its year was known only in part then. Nothing when
    none of it was known then, which diff's first row shows."""
    notes: list[str] = []
    found = _figure_rows(
        path, account, measure, year, day, allow_empty=True, lineage_as_at=lineage_as_at,
        notes=notes,
    )  # fmt: skip
    return notes if found else []


def _one_figure(found: list[dict[str, Any]], command: str, account: str, measure: str) -> None:
    """Refuse a figure recorded per service, which is no one figure to diff or chart."""
    from ledger.explain.timeline import services_apart, services_said

    if said := services_said(found, account, measure):
        services = services_apart(found, measure)
        one = f" --service {services[0]}" if len(services) > 1 else ""
        raise click.ClickException(
            f"{said}; {command} takes one figure (audit {account} {measure}{one} shows "
            f"{'one service' if one else 'each'})"
        )


def _originals(settings: Settings) -> Callable[[Sequence[str]], dict[str, dict[str, Any]]]:
    """Read records as stored (before their errata), by id, when the audit asks."""

    def read(record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        from ledger.store.application import EventStore

        with EventStore(settings.store, must_exist=True) as ledger:
            found = ledger.get_records(record_ids)
        return {record_id: record.normalised() for record_id, record in found.items()}

    return read
