"""The ``ledger`` command line: parse and validate here, then hand over to the application.

Errors go to stderr as ``Error: ...`` (``file:line: message`` for import files) with
exit code 1, or 2 for a command used wrongly. A rejected command records nothing.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger, StoreError, is_database_url
from ledger.batch import Batch, Located, NoRecords, Problem, prepare_batch
from ledger.bulk import paused_garbage_collection
from ledger.chart import ChartError, draw
from ledger.checks import check_all
from ledger.importing import ImportRejected, import_files
from ledger.jsonlines import RecordStream, dump_line
from ledger.log import LOG_COLUMNS, LogFilter, log_rows
from ledger.output import FORMATS, plural, render
from ledger.periods import PeriodError, parse_financial_year
from ledger.projections import ProjectionError, bind, load_projections, run
from ledger.record_options import option_names, record_from_options, record_options
from ledger.records import KINDS, MODELS, RecordError
from ledger.refresh import caught_up, replay
from ledger.synthetic import Ccg, synthetic_history
from ledger.timeline import Step, difference, timeline, value_known_at
from ledger.views_db import ViewsError


@dataclass(frozen=True)
class Settings:
    store: str
    views: str


class LedgerGroup(click.Group):
    """Turns the application's errors into ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (StoreError, PersistenceError, ViewsError, ProjectionError) as error:
            raise click.ClickException(str(error)) from error


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table prints pounds; json and csv print integer pence",
)


@click.group(name="ledger", cls=LedgerGroup)
@click.option(
    "--store",
    envvar="LEDGER_STORE",
    default="ledger.db",
    show_default=True,
    help="event store: a SQLite file (env LEDGER_STORE)",
)
@click.option(
    "--views",
    envvar="LEDGER_VIEWS",
    default="views.db",
    show_default=True,
    help="SQLite views database (env LEDGER_VIEWS)",
)
@click.version_option(package_name="commissioning-ledger")
@click.pass_context
def main(ctx: click.Context, store: str, views: str) -> None:
    """An event-sourced ledger of NHS commissioning budgets.

    Every allocation, transfer, plan, forecast and drawdown is an immutable event
    with a known date and a source. Start with:

        ledger import events/
    """
    ctx.obj = Settings(store=store, views=views)


pass_settings = click.make_pass_decorator(Settings)


@main.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="check and report, record nothing")
@format_option
@pass_settings
def import_command(settings: Settings, paths: tuple[str, ...], dry_run: bool, fmt: str) -> None:
    """Check and append records from JSON-lines files or folders, all or nothing.

    Every problem is reported as file:line: message and nothing is recorded.
    Records already in the store are skipped, so importing twice changes nothing.

        ledger import events/
    """
    stream = RecordStream(paths)
    with paused_garbage_collection():
        try:
            imported = import_files(settings.store, stream, dry_run=dry_run)
        except ImportRejected as rejected:
            _reject(rejected.problems)
    verb = "Would record" if dry_run else "Recorded"
    click.echo(
        f"{verb} {plural(imported.new_records, 'new record')} from "
        f"{plural(imported.files, 'file')}; {imported.already_recorded:,} already recorded.",
        err=fmt != "table",
    )
    if imported.new:
        click.echo(render(_counts_by_kind_and_year(imported.new), fmt))


@main.group()
def record() -> None:
    """Append one record given as options (the same checks as import).

    ledger record allocation --account 06H --year 2013-14 --amount 849,204k
        --as-at 2013-09-30 --source ccg-allocations --locator "row 145"
    """


def _record_command(kind: str) -> click.Command:
    model = MODELS[kind]

    @pass_settings
    def append_one(settings: Settings, /, **values: Any) -> None:
        try:
            located = Located("command line", record_from_options(kind, values))
        except RecordError as error:
            names = option_names(model)
            _reject([Problem(f"record {kind}", _name_option(m, names)) for m in error.problems])
        batch, positions = _check_and_append(settings.store, [located], dry_run=False)
        if positions:
            click.echo(f"Recorded {kind} {located.record.id} at position {positions[0]}.")
        else:
            click.echo(f"Already recorded: {located.record.id} (nothing changed).")

    first_line = (model.__doc__ or kind).strip().splitlines()[0]
    return click.Command(kind, callback=append_one, params=record_options(model), help=first_line)


for _kind in KINDS:
    record.add_command(_record_command(_kind))


@main.command()
@click.option("--account", help="only records about this organisation (code)")
@click.option("--kind", type=click.Choice(KINDS), help="only records of this kind")
@click.option("--year", help="only records about this financial year, e.g. 2013-14")
@click.option(
    "--as-at", "as_at", type=click.DateTime(["%Y-%m-%d"]), help="only what was known by this date"
)
@format_option
@pass_settings
def log(
    settings: Settings,
    account: str | None,
    kind: str | None,
    year: str | None,
    as_at: Any,
    fmt: str,
) -> None:
    """List records in the order they were appended.

    ledger log --account 06H --year 2013-14
    """
    wanted = LogFilter(
        account=account,
        kind=kind,
        year=_option_value("--year", parse_financial_year, year),
        as_at=as_at.date().isoformat() if as_at else None,
    )
    ledger = Ledger(settings.store, must_exist=True)
    rows = list(log_rows(ledger.stored_records(), wanted))
    click.echo(render(rows, fmt, columns=LOG_COLUMNS if fmt == "table" else None))
    _show_head(ledger)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="file to write (default: stdout)",
)
@pass_settings
def export(settings: Settings, output: Any) -> None:
    """Write every record, in store order, as JSON lines that import reads back.

    ledger export -o history.jsonl
    """
    ledger = Ledger(settings.store, must_exist=True)
    for stored in ledger.stored_records():
        output.write(dump_line(stored.fields) + "\n")
    _show_head(ledger)


@main.command("views")
@format_option
def views_command(fmt: str) -> None:
    """List the named views (projections/*.sql) and what they show.

    ledger views
    """
    rows = [
        {
            "name": projection.name,
            "shows": projection.description,
            "parameters": ", ".join(parameter.name for parameter in projection.parameters),
        }
        for projection in load_projections().values()
    ]
    click.echo(render(rows, fmt))


@main.command()
@click.argument("name")
@click.option(
    "-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
    help="a parameter of the view, e.g. -p year 2013-14 (repeat for more)",
)  # fmt: skip
@format_option
@pass_settings
def view(settings: Settings, name: str, params: tuple[tuple[str, str], ...], fmt: str) -> None:
    """Run a named view on the views database, caught up with the store first.

    ledger view ccg-budgets -p year 2013-14 -p as_at 2013-09-30 -p group region
    """
    projections = load_projections()
    if name not in projections:
        raise click.ClickException(f"no view named {name!r}; `ledger views` lists them")
    projection = projections[name]
    bound = bind(projection, dict(params))
    path = _caught_up_views(settings)
    click.echo(render(run(path, projection.sql, bound), fmt))


@main.command()
@click.argument("sql")
@format_option
@pass_settings
def query(settings: Settings, sql: str, fmt: str) -> None:
    """Run one read-only SQL statement on the views database.

    ledger query "SELECT account, SUM(delta_pence) FROM postings GROUP BY account"
    """
    click.echo(render(run(_caught_up_views(settings), sql), fmt))


@main.command("replay")
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(["%Y-%m-%d"]),
    help="keep only what was known by this date",
)
@click.option(
    "--views", "views_path", help="views database to build (default: the --views of ledger)"
)
@pass_settings
def replay_command(settings: Settings, as_at: Any, views_path: str | None) -> None:
    """Rebuild a views database from scratch, optionally as known at a date.

    ledger replay --as-at 2013-09-30 --views september.db
    """
    known_by = as_at.date().isoformat() if as_at else None
    _replay(settings, views_path or settings.views, known_by)


@main.command()
@pass_settings
def rebuild(settings: Settings) -> None:
    """Replay the whole store into the views database, from scratch.

    ledger rebuild
    """
    _replay(settings, settings.views, None)


date_option = click.DateTime(["%Y-%m-%d"])


@main.command()
@click.argument("account")
@click.argument("measure")
@click.option("--year", help="financial year, e.g. 2013-14 (default: the latest with this figure)")
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@format_option
@pass_settings
def audit(
    settings: Settings, account: str, measure: str, year: str | None, as_at: Any, fmt: str
) -> None:
    """How one figure changed: every event that moved it, in known-date order, with the
    change, the value after it, the reason and the source.

    MEASURE is allocation, plan, forecast, drawdown, qipp-plan, qipp-shortfall or the
    measure of a reported figure. For allocations and drawdowns an aggregate (such as
    ccg-sector) adds up the organisations under it.

        ledger audit 06H allocation --year 2013-14
        ledger audit ccg-sector ccgs-forecasting-deficit
    """
    measure = measure.replace(" ", "-").lower()
    steps = _figure_steps(settings, account, measure, year, _iso(as_at))
    rows = [_step_row(step) for step in steps]
    columns = ["as_at", "kind", "record", "account", "change", "after", "note", "source"]
    click.echo(render(rows, fmt, columns=_with_unit(columns, steps) if fmt == "table" else None))


@main.command()
@click.argument("account")
@click.option("--from", "from_date", type=date_option, required=True, help="the earlier known date")
@click.option("--to", "to_date", type=date_option, required=True, help="the later known date")
@click.option("--measure", default="allocation", show_default=True, help="the figure compared")
@click.option("--year", help="financial year, e.g. 2013-14 (default: the latest with this figure)")
@click.option(
    "--by",
    type=click.Choice(["event", "member"]),
    default="event",
    show_default=True,
    help="one row per event, or the net change of each organisation under an aggregate",
)
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
    fmt: str,
) -> None:
    """What changed a figure between two known dates: its value known at each, and the
    events between that explain the difference, summing exactly to it.

        ledger diff ccg-sector --from 2013-09-30 --to 2014-03-31 --year 2013-14 --by member
    """
    start_day, end_day = from_date.date().isoformat(), to_date.date().isoformat()
    if end_day < start_day:
        raise click.BadParameter("--to is earlier than --from", param_hint="--to")
    measure = measure.replace(" ", "-").lower()
    steps = _figure_steps(settings, account, measure, year, end_day, allow_empty=True)
    start = value_known_at(steps, start_day, measure)
    between = [step for step in steps if step.as_at > start_day]
    end = value_known_at(steps, end_day, measure)
    rows = _by_member(between) if by == "member" else [_step_row(step) for step in between]
    known = {"kind": "(known)", "record": None, "account": account, "note": "value known then"}
    rows = [
        {"as_at": start_day, **known, **_unit_values(steps, after=start)},
        *rows,
        {
            "as_at": end_day,
            **known,
            **_unit_values(steps, change=difference(start, end), after=end),
        },
    ]
    columns = ["as_at", "kind", "record", "account", "change", "after", "note"]
    click.echo(render(rows, fmt, columns=_with_unit(columns, steps) if fmt == "table" else None))


@main.command()
@click.option(
    "--expected-head",
    metavar="HASH",
    help="also fail unless the history ends in this hash (as log and export print it)",
)
@format_option
@pass_settings
def check(settings: Settings, expected_head: str | None, fmt: str) -> None:
    """Check the ledger's invariants: the hash chain holds, every record reads back,
    transfers conserve money, organisations are used only while open, no version counts
    twice, and reported figures reconcile with their components. Prints each failure;
    exit code 1 if there is one.

        ledger check
    """
    ledger = Ledger(settings.store, must_exist=True)
    report = check_all(ledger, _caught_up_views(settings), expected_head)
    summary = f"{plural(len(report.checks), 'check')} over {plural(report.records, 'record')}"
    rows = [asdict(failure) for failure in report.failures]
    if fmt != "table" or rows:
        click.echo(render(rows, fmt))
    if rows:
        raise click.ClickException(f"{plural(len(rows), 'failure')} in {summary}.")
    click.echo(f"No failures in {summary}.", err=fmt != "table")


@main.command()
@click.argument("account")
@click.argument("measure")
@click.option("--year", help="financial year, e.g. 2013-14 (default: the latest with this figure)")
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="PNG to write")
@pass_settings
def chart(
    settings: Settings, account: str, measure: str, year: str | None, as_at: Any, output: str
) -> None:
    """Draw a step chart of one figure over known dates, each change labelled
    (needs the optional matplotlib: pip install 'commissioning-ledger[charts]').

        ledger chart 06H forecast --year 2013-14 -o forecast.png
    """
    measure = measure.replace(" ", "-").lower()
    steps = _figure_steps(settings, account, measure, year, _iso(as_at))
    try:
        draw(steps, f"{measure} of {account}, {year or 'latest year'}", output)
    except ChartError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {output}: {plural(len(steps), 'change')} of {measure} for {account}.")


def _figure_steps(
    settings: Settings,
    account: str,
    measure: str,
    year: str | None,
    as_at: str | None,
    *,
    allow_empty: bool = False,
) -> list[Step]:
    """The steps of one figure, read through the audit view."""
    projection = load_projections()["audit"]
    given = {"account": account, "measure": measure}
    given |= {"year": year} if year else {}
    given |= {"as_at": as_at} if as_at else {}
    path = _caught_up_views(settings)
    rows = run(path, projection.sql, bind(projection, given))
    if not rows and not allow_empty:
        raise click.ClickException(_nothing_recorded(path, account, measure, year))
    return timeline(rows, measure)


def _nothing_recorded(path: str, account: str, measure: str, year: str | None) -> str:
    known = run(path, "SELECT 1 FROM organisations WHERE code = :code", {"code": account})
    if not known:
        return f"unknown organisation {account!r}"
    recorded = run(
        path,
        "SELECT measure, group_concat(DISTINCT financial_year) AS years FROM postings "
        "WHERE account = :code GROUP BY measure ORDER BY measure",
        {"code": account},
    )
    what = "; ".join(f"{row['measure']} ({row['years']})" for row in recorded) or "nothing"
    in_year = f" in {year}" if year else ""
    return f"no {measure} recorded for {account}{in_year}; recorded for {account}: {what}"


def _step_row(step: Step) -> dict[str, Any]:
    return {
        "as_at": step.as_at,
        "effective": step.effective,
        "kind": step.kind,
        "record": step.record_id,
        "account": step.account,
        **_unit_values([step], change=step.change, before=step.before, after=step.after),
        "note": step.note,
        "reason": step.reason,
        "source": f"{step.source} {step.locator}",
    }


def _by_member(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """The net change of each organisation that moved, largest first."""
    net: dict[str, int] = {}
    events: Counter[str] = Counter()
    for step in steps:
        change = step.change
        net[step.account] = net.get(step.account, 0) + (change if isinstance(change, int) else 0)
        events[step.account] += 1
    ordered = sorted(net, key=lambda member: (-abs(net[member]), member))
    return [
        {"as_at": None, "kind": "(member)", "record": None, "account": member,
         **_unit_values(steps, change=net[member]), "note": plural(events[member], "event")}
        for member in ordered
    ]  # fmt: skip


def _unit_values(steps: Sequence[Step], **values: Any) -> dict[str, Any]:
    """``change``/``after`` as ``change_pence``/``after_pence`` when the figure is money."""
    money = not steps or steps[0].unit == "gbp"
    return {(f"{name}_pence" if money else name): value for name, value in values.items()}


def _with_unit(columns: list[str], steps: Sequence[Step]) -> list[str]:
    money = not steps or steps[0].unit == "gbp"
    valued = ("change", "before", "after")
    return [f"{c}_pence" if money and c in valued else c for c in columns]


def _iso(day: Any) -> str | None:
    return day.date().isoformat() if day else None


def _replay(settings: Settings, path: str, known_by: str | None) -> None:
    ledger = Ledger(settings.store, must_exist=True)
    with paused_garbage_collection():
        done = replay(ledger, path, known_by, progress=_progress_on_stderr("replay"))
    scope = f", keeping what was known by {known_by}" if known_by else ""
    click.echo(
        f"Replayed {plural(done.events, 'event')} into {path}{scope}: "
        f"{plural(done.rows['postings'], 'posting')}, "
        f"{plural(done.rows['organisations'], 'organisation')}."
    )


def _caught_up_views(settings: Settings) -> str:
    views = caught_up(Ledger(settings.store, must_exist=True), settings.views)
    known_by = views.tracking.known_by
    views.close()
    if known_by:
        click.echo(
            f"(the views database {settings.views} holds only what was known by {known_by})",
            err=True,
        )
    return settings.views


def _progress_on_stderr(label: str, every_seconds: float = 2.0) -> Callable[[int, int], None]:
    """Report progress at most every few seconds, so long histories show they are moving."""
    last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every_seconds:
            click.echo(f"{label}: {done:,} of {total:,} events", err=True)
            last = now

    return report


@main.group()
def demo() -> None:
    """Tools for trying the ledger out at scale."""


@demo.command()
@click.option("--events", type=click.IntRange(min=1), required=True, help="how many records")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="the same seed gives the same history"
)
@click.option(
    "-o", "--output", type=click.File("w", encoding="utf-8"), required=True, help="file to write"
)
@pass_settings
def generate(settings: Settings, events: int, seed: int, output: Any) -> None:
    """Write a synthetic history (made-up figures over the real CCGs, every id starting
    syn-) for import into a store that holds events/. Never put it in events/.

        ledger demo generate --events 100000 --seed 1 -o synthetic.jsonl
    """
    rows = run(
        _caught_up_views(settings),
        "SELECT code, area_team FROM organisations WHERE type = 'ccg' "
        "AND (opened IS NULL OR opened <= '2013-04-01') "
        "AND code NOT IN (SELECT organisation FROM closures) ORDER BY code",
    )
    if not rows:
        raise click.ClickException("the store has no CCGs: import events/ first")
    ccgs = [Ccg(row["code"], row["area_team"]) for row in rows]
    try:
        for record in synthetic_history(ccgs, events, seed):
            output.write(dump_line(record) + "\n")
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {plural(events, 'synthetic record')} over {plural(len(ccgs), 'CCG')}.", err=True
    )


def _show_head(ledger: Ledger) -> None:
    """The head of the hash chain, on stderr, to note down and check against later."""
    position, head = ledger.head()
    click.echo(f"head: {head} (position {position})", err=True)


def _check_and_append(
    store: str, items: Sequence[Located], dry_run: bool
) -> tuple[Batch, list[int]]:
    """Check records against the store, then append them unless it is a dry run.
    A store that does not exist yet is only created when there is something to append."""
    exists = is_database_url(store) or Path(store).exists()
    ledger = Ledger(store) if exists else None
    batch = ledger.prepare(items) if ledger else prepare_batch(items, NoRecords())
    if batch.problems:
        _reject(batch.problems)
    if dry_run or not batch.new:
        return batch, []
    return batch, (ledger or Ledger(store)).append(batch)


def _reject(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    count = len(problems)
    raise click.ClickException(f"{plural(count, 'problem')} found; nothing was recorded.")


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
    """``amount: ...`` -> ``--amount: ...`` so the user sees which option to fix."""
    field = message.split(":", 1)[0].split(" ", 1)[0]
    return names[field] + message[len(field) :] if field in names else message


def _option_value(option: str, parse: Callable[[str], str], value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse(value)
    except (PeriodError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint=option) from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
