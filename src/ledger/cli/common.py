"""What the command line's commands share: settings, options, and how they report."""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import click

from ledger.cli.output import FORMATS, UNITS, plural, render, visible

if TYPE_CHECKING:
    from ledger.records.located import Problem
    from ledger.store.application import EventStore


Command = TypeVar("Command", bound=Callable[..., Any])


@dataclass(frozen=True)
class Settings:
    store: str
    views: str


pass_settings = click.make_pass_decorator(Settings)

_UNITS = "ledger.units"
_ON_INTERRUPT = "ledger.on_interrupt"
_OUTPUT = "ledger.output"
_FORCE = "ledger.force"


def if_interrupted(outcome: str) -> None:
    """What Ctrl-C leaves from now on in this command, as the line that says it is
    interrupted will say (by default: nothing was recorded)."""
    click.get_current_context().meta[_ON_INTERRUPT] = outcome


def if_interrupted_writing(path: str) -> None:
    """Ctrl-C while a file is written leaves no part of it (see store.files.output_file);
    a device or a named pipe, written as it is, may have had part of it."""
    from ledger.store.special_paths import written_through

    if written_through(path):
        if_interrupted(f"{path} may have had part of the output; nothing was recorded")
    else:
        if_interrupted(f"{path} was not written; nothing was recorded")


def interrupted_outcome(ctx: click.Context | None) -> str:
    """What the command stopped by Ctrl-C left, as if_interrupted last said."""
    from ledger.cli.starting import NOTHING_RECORDED

    return str(ctx.meta.get(_ON_INTERRUPT, NOTHING_RECORDED)) if ctx else NOTHING_RECORDED


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        ctx.meta[key] = value
        return value

    return callback


def format_option(command: Command) -> Command:
    """--format, --units, -o and --force: how a command that prints rows prints them
    (see show_rows, which reads the last three)."""
    options = [
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
            default="table", show_default=True,
            help="table prints pounds; json prints integer pence; csv integer pence unless "
            "--units is given; xlsx writes a spreadsheet (needs -o FILE)",
        ),
        click.option(
            "--units", type=click.Choice(tuple(UNITS), case_sensitive=False), expose_value=False,
            callback=_remember(_UNITS),
            help="money in pounds, or thousands (k), millions (m) or billions (bn) of "
            "pounds, for table, csv and xlsx (default: pounds; csv: integer pence)",
        ),
        click.option(
            "-o", "--output", metavar="FILE", expose_value=False, callback=_remember(_OUTPUT),
            help="write the rows to FILE instead of standard output (needed for xlsx)",
        ),
        click.option(
            "--force", is_flag=True, expose_value=False, callback=_remember(_FORCE),
            help="with -o, replace an existing file that would otherwise be refused",
        ),
    ]  # fmt: skip

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_output(kwargs.get("fmt"))  # before any work is done
        return command(*args, **kwargs)

    wrapped = cast(Command, checked)
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def _check_output(fmt: str | None) -> None:
    ctx = click.get_current_context()
    if fmt == "json" and ctx.meta.get(_UNITS):
        raise click.UsageError("--units does not apply to json, which is always integer pence")
    output = ctx.meta.get(_OUTPUT)
    if fmt == "xlsx" and (output is None or output == "-"):
        raise click.UsageError("--format xlsx writes a file: give -o FILE (e.g. -o rows.xlsx)")
    if output is not None and output != "-":
        from ledger.store.files import output_problem

        settings = ctx.find_object(Settings)
        store = settings.store if settings else None
        refused = output_problem(output, store=store, force=bool(ctx.meta.get(_FORCE)))
        if refused:
            raise click.ClickException(refused)


def show_rows(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    sources: dict[str, str] | None = None,
    title: str = "ledger",
) -> None:
    """Print ``rows`` as the command's --format, --units and -o ask: on standard output,
    or written safely to the -o file (a spreadsheet for xlsx, titled ``title``)."""
    ctx = click.get_current_context()
    units, output = ctx.meta.get(_UNITS), ctx.meta.get(_OUTPUT)
    force = bool(ctx.meta.get(_FORCE))
    settings = ctx.find_object(Settings)
    store = settings.store if settings else None
    _check_output(fmt)
    if fmt == "xlsx":
        _write_spreadsheet(rows, columns, units or "pounds", output, store, force, title)
        return
    text = render(rows, fmt, columns, units=units, sources=sources)
    if output is None or output == "-":
        click.echo(text)
        return
    from ledger.store.files import output_file as safe_output

    if_interrupted_writing(output)
    with safe_output(output, store=store, force=force) as file:
        file.write(text + "\n")
    click.echo(f"Wrote {output}: {plural(len(rows), 'row')}.", err=True)


def _write_spreadsheet(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None,
    units: str,
    output: str | None,
    store: str | None,
    force: bool,
    title: str,
) -> None:
    from ledger.cli.spreadsheet import SpreadsheetError, write_xlsx
    from ledger.store.files import output_file as safe_output

    assert output is not None  # _check_output saw to it
    keys = (
        list(columns)
        if columns is not None
        else list(dict.fromkeys(key for row in rows for key in row))
    )
    if_interrupted_writing(output)
    try:
        with safe_output(output, store=store, force=force, binary=True) as file:
            write_xlsx(rows, keys, units, file, title)
    except SpreadsheetError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {output}: {plural(len(rows), 'row')} with a header row.", err=True)


def source_notes(views_path: str) -> dict[str, str]:
    """What a table prints beside each source id: its short title and date."""
    from ledger.cli.output import short_title
    from ledger.views.projections import run

    rows = run(views_path, "SELECT id, title, published FROM sources")
    return {row["id"]: f"{short_title(row['title'])}, {row['published']}" for row in rows}


def say_notes(notes: Sequence[str]) -> None:
    """What a view noted (``view_note``: a year known only in part by the day asked, say),
    each in brackets on stderr, beside the answer: JSON and CSV stay the data alone."""
    for note in notes:
        click.echo(f"({visible(note)})", err=True)


force_option = click.option(
    "--force",
    is_flag=True,
    help="replace an existing file that would otherwise be refused (never the store)",
)


def iso(day: Any) -> str | None:
    """A click DateTime value as an ISO date, or None."""
    return day.date().isoformat() if day else None


class _UsedWrongly(click.ClickException):
    exit_code = 2


def reject(problems: Sequence[Problem], *, used_wrongly: bool = False) -> None:
    """Print every problem on stderr, then stop with exit code 1, or 2 when the command
    was used wrongly (an option missing or unreadable)."""
    for problem in problems:
        click.echo(str(problem), err=True)
    stop = _UsedWrongly if used_wrongly else click.ClickException
    raise stop(f"{plural(len(problems), 'problem')} found; nothing was recorded.")


def caught_up_views(settings: Settings) -> str:
    """The path of the views database, caught up with the store."""
    from ledger.store.files import unwritable
    from ledger.views.database import ViewsDatabase
    from ledger.views.freshness import up_to_date

    if up_to_date(settings.store, settings.views):  # read as it is, whoever may write it
        views = ViewsDatabase.open(settings.views, reading=bool(unwritable(settings.views)))
    else:
        from ledger.store.application import EventStore
        from ledger.views.refresh import caught_up

        with EventStore(settings.store, must_exist=True) as ledger:
            views = caught_up(ledger, settings.views, lambda: _say_waiting(settings.views))
    known_by = views.tracking.known_by
    left_out = views.left_out()
    views.close()
    if known_by:
        click.echo(
            f"(the views database {settings.views} holds only what was known by {known_by})",
            err=True,
        )
    show_left_out(left_out)
    return settings.views


def _say_waiting(views: str) -> None:
    click.echo(
        f"(another command is building the views database {views}; waiting for it)", err=True
    )


@contextmanager
def views_recorded_by(settings: Settings, recorded_by: str | None) -> Iterator[str]:
    """The views database to answer from "as the ledger stood on ``recorded_by``": the
    caught-up one, unless the ledger has errata recorded after that day; then one built
    without them, in a temporary folder that is removed afterwards."""
    from ledger.views.projections import run

    path = caught_up_views(settings)
    later = "SELECT COUNT(*) AS later FROM errata WHERE recorded > :day"
    if recorded_by is None or not run(path, later, {"day": recorded_by})[0]["later"]:
        yield path
        return
    import tempfile  # (here: it brings shutil, bz2 and lzma, which most views need none of)

    from ledger.store.application import EventStore
    from ledger.views.refresh import replay

    with tempfile.TemporaryDirectory(prefix="ledger-recorded-by-") as folder:
        built = str(Path(folder) / "views.db")
        with EventStore(settings.store, must_exist=True) as ledger:
            replay(ledger, built, recorded_by=recorded_by)
        yield built


def show_left_out(events: int) -> None:
    """Say on stderr that the views leave out stored events that could not be projected."""
    if events:
        click.echo(
            f"(the views leave out {plural(events, 'stored event')} that could not be "
            f"projected; ledger check lists {'it' if events == 1 else 'them'})",
            err=True,
        )


@contextmanager
def output_file(path: str, settings: Settings, force: bool) -> Iterator[IO[str]]:
    """The text file an ``-o`` option names ("-" for standard output), written safely:
    see store.files.output_file."""
    from ledger.store.files import output_file as safe_output

    if path == "-":
        yield sys.stdout
        return
    if_interrupted_writing(path)
    with safe_output(path, store=settings.store, force=force) as file:
        yield file


def progress_on_stderr(label: str, every_seconds: float = 2.0) -> Callable[[int, int], None]:
    """Report progress at most every few seconds, so long histories show they are moving."""
    last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every_seconds:
            click.echo(f"{label}: {done:,} of {total:,} events", err=True)
            last = now

    return report


PROGRESS_SECONDS = "LEDGER_PROGRESS_SECONDS"
LONGEST_PROGRESS = 3600  # seconds between progress lines at most


@contextmanager
def import_progress(label: str) -> Iterator[Callable[[str, int, str], None] | None]:
    """On a terminal, a line on stderr, rewritten in place at most every couple of
    seconds (``LEDGER_PROGRESS_SECONDS``, default 2), saying how many records ``label``
    has read and where it is, and erased when the block ends; None (nothing said) when
    stderr is not a terminal, so scripts and logs see only the result."""
    import os

    every = os.environ.get(PROGRESS_SECONDS, "2")
    # The digits 0-9 (float() reads others, and "inf"); a number of hundreds of digits
    # was read as infinity, and nothing was ever said.
    sensible = re.fullmatch(r"0*[0-9]{1,9}(\.[0-9]+)?", every)
    if not (sensible and float(every) <= LONGEST_PROGRESS):
        raise click.ClickException(
            f"{PROGRESS_SECONDS} must be a number of seconds from 0 to {LONGEST_PROGRESS:,} "
            f"(e.g. 2), got {every!r}"
        )
    every_seconds = float(every)
    stderr = sys.stderr
    if not stderr.isatty():
        yield None
        return
    # Lines are cut to the terminal's width: a line that wrapped could not be rewritten.
    try:
        width = os.get_terminal_size(stderr.fileno()).columns
    except (OSError, ValueError):
        width = 0
    width = width if width >= 20 else 80
    last = time.monotonic()
    shown = False

    def report(doing: str, records: int, where: str) -> None:
        nonlocal last, shown
        now = time.monotonic()
        if now - last >= every_seconds:
            line = f"{label}: {records:,} records {doing} (at {where})"
            stderr.write(f"\r\x1b[K{line[: width - 1]}")
            stderr.flush()
            last, shown = now, True

    try:
        yield report
    finally:
        if shown:
            stderr.write("\r\x1b[K")
            stderr.flush()


def show_head(ledger: EventStore) -> None:
    """The head of the hash chain as stored, on stderr, to note down and check against
    later; it is read, not recomputed, and says so."""
    from ledger.store.errors import StoreDamagedError

    try:
        position, head = ledger.head()
    except StoreDamagedError as error:  # what was read is shown still
        click.echo(f"head: none ({error})", err=True)
        return
    click.echo(
        f"head: {head} (position {position}, as stored: ledger check recomputes the chain)",
        err=True,
    )
