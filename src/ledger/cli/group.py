"""The ``ledger`` group of commands: the ledger's own errors said as ``Error: ...`` with
exit code 1, and Ctrl-C as what it left, with exit code 130 (see starting)."""

from __future__ import annotations

import os
from typing import Any

import click

from ledger.cli import figures as figure_commands
from ledger.cli import record_command
from ledger.cli import records as record_commands
from ledger.cli import sources as source_commands
from ledger.cli import views as view_commands
from ledger.cli.common import Settings, interrupted_outcome
from ledger.cli.environment import files_from_the_environment, variables_named
from ledger.cli.misplaced import before_its_command, misplaced
from ledger.cli.starting import INTERRUPTED, say_interrupted


class Interrupted(click.ClickException):
    """Ctrl-C: the line that says what the command left, and exit code 130."""

    exit_code = INTERRUPTED

    def show(self, file: Any = None) -> None:
        say_interrupted(self.message)


class LedgerGroup(click.Group):
    """Turns the ledger's own errors into ``Error: ...`` and exit code 1, naming the
    environment variable that gave a value the user did not type (see environment.py),
    and Ctrl-C into a line that says what the command left (not click's "Aborted!")."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            with variables_named():
                return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted(interrupted_outcome(None)) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:  # a command's option, before the command?
            raise before_its_command(self, ctx, error) or error from None

    def invoke(self, ctx: click.Context) -> Any:
        try:  # Ctrl-C at any moment of it, side files' tidying included
            return self._invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted(interrupted_outcome(ctx)) from None

    def _invoke(self, ctx: click.Context) -> Any:
        from ledger.store.files import side_files_as_found

        with side_files_as_found(_sqlite_files(ctx.params)), variables_named():
            try:
                return super().invoke(ctx)
            except click.NoSuchOption as error:  # before a subcommand, or an argument?
                raise misplaced(error) or error from None
            except Exception as error:
                told = (
                    _store_file_damaged(ctx.params, error)
                    or _store_failed(ctx.params, error)
                    or error
                )
                if _told_to_the_user(told):
                    message = str(told) + files_from_the_environment(ctx, str(told))
                    raise click.ClickException(message) from error
                raise


def _sqlite_files(params: dict[str, Any]) -> list[str]:
    """The store and views database files a command may open (not a server's store), so
    that a reading command leaves no side files that it did not find beside them."""
    from ledger.store.settings import is_database_url

    store, views = params.get("store"), params.get("views")
    files = [views] if views else []
    return files + ([store] if store and not is_database_url(store) else [])


def _store_file_damaged(params: dict[str, Any], error: Exception) -> Exception | None:
    """SQLite's word that the store's file is damaged, said with the file's name."""
    from ledger.store.damage import damaged_file

    store = params.get("store")
    return damaged_file(store, error) if store else None


def _store_failed(params: dict[str, Any], error: Exception) -> Exception | None:
    """A store that failed part-way through a command, said with the store's name (the
    store's own errors say it already)."""
    from eventsourcing.persistence import PersistenceError

    from ledger.store.errors import StoreError
    from ledger.store.settings import failed_part_way

    store = params.get("store")
    if not store or isinstance(error, StoreError) or not isinstance(error, PersistenceError):
        return None
    return failed_part_way(store, error)


def _told_to_the_user(error: Exception) -> bool:
    """Errors about the store, the views or a view are the user's to know of, not bugs."""
    from eventsourcing.persistence import PersistenceError

    from ledger.store.errors import StoreError
    from ledger.store.files import FileError
    from ledger.views.errors import ViewsError
    from ledger.views.projections import ProjectionError

    return isinstance(error, (StoreError, PersistenceError, ViewsError, ProjectionError, FileError))


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

    \b
        ledger import events/
    """
    for name, variable in (("store", "LEDGER_STORE"), ("views", "LEDGER_VIEWS")):
        _refuse_empty_variable(ctx, name, variable)
    ctx.obj = Settings(store=store, views=views)


def _refuse_empty_variable(ctx: click.Context, name: str, variable: str) -> None:
    """Click takes an empty environment variable for one not set, and would use the
    default file in the current folder: a script whose variable came out empty would
    then write to a new store there."""
    given = os.environ.get(variable)
    from_default = ctx.get_parameter_source(name) is click.core.ParameterSource.DEFAULT
    if given is not None and not given.strip() and from_default:
        raise click.UsageError(
            f"{variable} is set but empty: give it a path (or a URL), or unset it to use "
            f"the default, or give --{name}"
        )


for command in (
    record_commands.import_command,
    record_command.record,
    record_commands.log,
    record_commands.export,
    view_commands.views_command,
    view_commands.view,
    view_commands.query,
    view_commands.orgs,
    source_commands.sources,
    view_commands.serve,
    view_commands.replay_command,
    view_commands.rebuild,
    figure_commands.audit,
    figure_commands.diff,
    figure_commands.check,
    figure_commands.chart,
    record_commands.demo,
):
    main.add_command(command)
