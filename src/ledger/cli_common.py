"""What the command line's commands share: settings, options, and how they report."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click

from ledger.output import FORMATS, plural

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.batch import Problem


@dataclass(frozen=True)
class Settings:
    store: str
    views: str


pass_settings = click.make_pass_decorator(Settings)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table prints pounds; json and csv print integer pence",
)

date_option = click.DateTime(["%Y-%m-%d"])

force_option = click.option(
    "--force",
    is_flag=True,
    help="replace an existing file that would otherwise be refused (never the store)",
)


def iso(day: Any) -> str | None:
    """A click DateTime value as an ISO date, or None."""
    return day.date().isoformat() if day else None


def reject(problems: Sequence[Problem]) -> None:
    """Print every problem on stderr, then stop with exit code 1."""
    for problem in problems:
        click.echo(str(problem), err=True)
    raise click.ClickException(f"{plural(len(problems), 'problem')} found; nothing was recorded.")


def caught_up_views(settings: Settings) -> str:
    """The path of the views database, caught up with the store."""
    from ledger.application import Ledger
    from ledger.refresh import caught_up

    with Ledger(settings.store, must_exist=True) as ledger:
        views = caught_up(ledger, settings.views)
    known_by = views.tracking.known_by
    views.close()
    if known_by:
        click.echo(
            f"(the views database {settings.views} holds only what was known by {known_by})",
            err=True,
        )
    return settings.views


@contextmanager
def output_file(path: str, settings: Settings, force: bool) -> Iterator[IO[str]]:
    """The text file an ``-o`` option names ("-" for standard output), written safely:
    see files.output_file."""
    from ledger.files import output_file as safe_output

    if path == "-":
        yield sys.stdout
        return
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


def show_head(ledger: Ledger) -> None:
    """The head of the hash chain, on stderr, to note down and check against later."""
    position, head = ledger.head()
    click.echo(f"head: {head} (position {position})", err=True)
