"""Commands that read the views database: views, view and query, and the commands that
build it: replay and rebuild."""

from __future__ import annotations

from typing import Any

import click

from ledger.cli_common import (
    Settings,
    caught_up_views,
    date_option,
    force_option,
    format_option,
    iso,
    pass_settings,
    progress_on_stderr,
)
from ledger.output import plural, render


@click.command("views")
@format_option
def views_command(fmt: str) -> None:
    """List the named views (projections/*.sql) and what they show.

    ledger views
    """
    from ledger.projections import load_projections

    rows = [
        {
            "name": projection.name,
            "shows": projection.description,
            "parameters": ", ".join(parameter.name for parameter in projection.parameters),
        }
        for projection in load_projections().values()
    ]
    click.echo(render(rows, fmt))


@click.command()
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
    from ledger.projections import bind, load_projections, run

    projections = load_projections()
    if name not in projections:
        raise click.ClickException(f"no view named {name!r}; `ledger views` lists them")
    projection = projections[name]
    bound = bind(projection, dict(params))
    path = caught_up_views(settings)
    click.echo(render(run(path, projection.sql, bound), fmt))


@click.command()
@click.argument("sql")
@format_option
@pass_settings
def query(settings: Settings, sql: str, fmt: str) -> None:
    """Run one read-only SQL statement on the views database.

    ledger query "SELECT account, SUM(delta_pence) FROM postings GROUP BY account"
    """
    from ledger.projections import run

    click.echo(render(run(caught_up_views(settings), sql), fmt))


@click.command("replay")
@click.option("--as-at", "as_at", type=date_option, help="keep only what was known by this date")
@click.option(
    "--views", "views_path", help="views database to build (default: the --views of ledger)"
)
@force_option
@pass_settings
def replay_command(settings: Settings, as_at: Any, views_path: str | None, force: bool) -> None:
    """Rebuild a views database from scratch, optionally as known at a date.

    ledger replay --as-at 2013-09-30 --views september.db
    """
    _replay(settings, settings.views if views_path is None else views_path, iso(as_at), force)


@click.command()
@force_option
@pass_settings
def rebuild(settings: Settings, force: bool) -> None:
    """Replay the whole store into the views database, from scratch.

    ledger rebuild
    """
    _replay(settings, settings.views, None, force)


def _replay(settings: Settings, path: str, known_by: str | None, force: bool) -> None:
    from ledger.application import Ledger
    from ledger.bulk import paused_garbage_collection
    from ledger.refresh import replay

    with Ledger(settings.store, must_exist=True) as ledger, paused_garbage_collection():
        done = replay(ledger, path, known_by, progress=progress_on_stderr("replay"), force=force)
    scope = f", keeping what was known by {known_by}" if known_by else ""
    click.echo(
        f"Replayed {plural(done.events, 'event')} into {path}{scope}: "
        f"{plural(done.rows['postings'], 'posting')}, "
        f"{plural(done.rows['organisations'], 'organisation')}."
    )
