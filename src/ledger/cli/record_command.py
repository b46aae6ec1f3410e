"""``ledger record KIND``: one record appended from options, with the same checks as an
import; each kind's command made from its model only when it is asked for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from ledger.cli.common import Settings, pass_settings, reject
from ledger.records.kinds import KINDS

if TYPE_CHECKING:
    from ledger.records.located import Located
    from ledger.writing.ledger import Batch


class _RecordKinds(click.Group):
    """A command per kind of record, made from the kind's model only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(KINDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return _record_command(name) if name in KINDS else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """An option given before the kind (``ledger record --dry-run allocation``) is
        refused saying where it goes."""
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            raise click.UsageError(
                f"No such option {error.option_name!r} before the kind of record: a "
                "record's options go after its kind (ledger record KIND --help lists them)",
                ctx,
            ) from None


@click.group(cls=_RecordKinds)
def record() -> None:
    """Append one record given as options (the same checks as import).

    \b
        ledger record allocation --account 06H --year 2014-15 --amount 1,250k \\
            --as-at 2015-03-31 --source data-ccg-allocations --locator "row 145" \\
            --reason "in-year adjustment" --dry-run
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
    def append_one(settings: Settings, /, dry_run: bool, **values: Any) -> None:
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
        batch, positions = _check_and_append(settings.store, [located], names, dry_run)
        if dry_run and batch.new:
            click.echo(
                f"Would record {kind} {located.record.id}; nothing was recorded (--dry-run)."
            )
        elif positions:
            click.echo(f"Recorded {kind} {located.record.id} at position {positions[0]}.")
        else:
            click.echo(f"Already recorded: {located.record.id} (nothing changed).")

    return click.Command(
        kind, callback=append_one, params=[*record_options(model), _dry_run_option()],
        help=command_help(model),
    )  # fmt: skip


def _dry_run_option() -> click.Option:
    return click.Option(["--dry-run"], is_flag=True, help="check and report, record nothing")


def _check_and_append(
    store: str, items: Sequence[Located], names: dict[str, str], dry_run: bool
) -> tuple[Batch, list[int]]:
    """Check records against the store, then append them (not on a dry run); a problem
    names the option at fault (``names``: field -> option). A store that does not exist
    yet is only created when there is something to append."""
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
            return batch, [] if dry_run else ledger.append(batch)
    batch = prepare_batch(items, NoRecords())
    if batch.problems:
        refuse(batch.problems)
    if dry_run:
        return batch, []
    with Ledger(store) as ledger:
        return batch, ledger.append(batch)


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
