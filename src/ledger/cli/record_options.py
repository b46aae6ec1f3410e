"""Command-line options for ``ledger record KIND``, made from the record models' fields,
so the command line and import files accept exactly the same records."""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import types
import typing
from datetime import date
from typing import Any

import click
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ledger.cli.values import StrippedChoice, TrueOrFalse, WholeNumber
from ledger.records.base import RecordBase
from ledger.records.models import MODELS, AnyRecord, describe_validation_error, parse_record

# Fields whose input is money text ("£8.6m"); pence are for files written by programs.
_MONEY_INPUT = {"amount", "tolerance"}
_NOT_OPTIONS = {"kind", "amount_pence"}
_SHORT_NAMES = {"financial_year": "--year"}


# Options are listed as a record reads: what and about whom, when, how much, then the source.
_OPTION_ORDER = (
    "id",
    "account",
    "from_account",
    "to_account",
    "organisation",
    "predecessors",
    "corrects",
    "action",
    "financial_year",
    "period",
    "effective",
    "measure",
    "amount",
)
_LAST_OPTIONS = ("as_at", "source", "locator", "reason")


def _option_rank(name: str) -> tuple[int, int]:
    if name in _OPTION_ORDER:
        return (0, _OPTION_ORDER.index(name))
    if name in _LAST_OPTIONS:
        return (2, _LAST_OPTIONS.index(name))
    return (1, 0)


# Where the options of one ``ledger record KIND`` put what they could not take, so that
# the command reports every missing option and unreadable value at once.
OPTION_PROBLEMS = "ledger.record.option_problems"


class CollectedOption(click.Option):
    """An option that, missing or unreadable, does not stop the command at once (as
    click would, one option per run) but adds its problem, keyed by field name, to the
    context's ``OPTION_PROBLEMS``; the command then reports them all together."""

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        try:
            return super().process_value(ctx, value)
        except click.MissingParameter:
            about = f": {self.help}" if self.help else ""
            problem = f"{self.opts[-1]} is missing{about}"
        except click.BadParameter as error:
            problem = f"{self.opts[-1]}: {error.message}"
        assert self.name is not None
        ctx.meta.setdefault(OPTION_PROBLEMS, {})[self.name] = problem
        return () if self.multiple else None


def record_options(model: type[RecordBase]) -> list[click.Parameter]:
    """One option per field of ``model``; the id is optional (derived from the content)."""
    options: list[click.Parameter] = []
    for name in sorted(model.model_fields, key=_option_rank):
        info = model.model_fields[name]
        if name in _NOT_OPTIONS:
            continue
        names = [_option_name(name, info)] + ([_SHORT_NAMES[name]] if name in _SHORT_NAMES else [])
        required = (
            info.is_required() and name not in ("id", *_TODAY_UNLESS_GIVEN)
        ) or _amount_required(model, name)
        options.append(
            CollectedOption(
                [*names, name],
                type=_option_type(name, info.annotation),
                multiple=_is_list(info.annotation) or _is_dict(info.annotation),
                required=required,
                help=_help(name, info),
            )
        )
    return options


def _option_type(name: str, annotation: Any) -> click.ParamType[Any, Any]:
    if _is_dict(annotation):
        return FieldValues()
    item = _list_item(annotation)
    if isinstance(item, type) and issubclass(item, BaseModel):
        return PairValues(item)
    return _click_type(name, item if item is not None else annotation)


class FieldValues(click.ParamType[Any, Any]):
    """Fields and their values, as ``NAME=VALUE`` (a value that reads as a JSON number,
    true or false, list or object is taken as one; a fraction stays text, as an amount
    typed on the command line is) or as a JSON object of several."""

    name = "FIELD=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dict):
            return value
        text = str(value).strip()
        try:
            if text.startswith("{"):
                try:
                    given = json.loads(text)
                except json.JSONDecodeError as error:
                    self.fail(f"not a JSON object: {error.msg} (column {error.colno})", param, ctx)
                if not isinstance(given, dict):
                    self.fail("not a JSON object", param, ctx)
                return given
            field, equals, written = text.partition("=")
            if not equals or not field.strip():
                self.fail(f"write a field and its value as NAME=VALUE, got {text!r}", param, ctx)
            return {field.strip(): _value(written.strip())}
        except RecursionError:  # the JSON reader's own limit, far deeper than a record nests
            self.fail(f"{text[:40]!r}... is nested too deeply to be a value", param, ctx)


class PairValues(click.ParamType[Any, Any]):
    """One item of a list of objects of two fields, such as a split's successor and its
    weight: ``FIRST=SECOND`` (``QJ2=33087``) or a JSON object, read by the item's model so
    that a wrong one is named with its option and value."""

    def __init__(self, model: type[BaseModel]):
        self.model = model
        self.first, self.second = model.model_fields
        self.name = f"{self.first.upper()}={self.second.upper()}"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        if text.startswith("{"):
            given = FieldValues().convert(text, param, ctx)
        else:
            first, equals, second = text.partition("=")
            if not equals or not first.strip() or not second.strip():
                self.fail(f"write each one as {self.name}, got {text!r}", param, ctx)
            given = {self.first: first.strip(), self.second: _value(second.strip())}
        try:
            return self.model.model_validate(given).model_dump()
        except ValidationError as error:
            problems = describe_validation_error(error)
            self.fail(f"{text!r}: {'; '.join(problems)}", param, ctx)


def _value(written: str) -> Any:
    try:
        value = json.loads(written)
    except json.JSONDecodeError:
        return written
    return written if isinstance(value, (str, float)) else value


def option_names(model: type[RecordBase]) -> dict[str, str]:
    """Field name (and the name a record's file gives it, ``from`` for ``from_account``)
    -> option name (the shorter one where there are two), to name the option in an error
    message."""
    names = {}
    for name, info in model.model_fields.items():
        if name not in _NOT_OPTIONS:
            shown = _SHORT_NAMES.get(name) or _option_name(name, info)
            names[name] = names[info.alias or name] = shown
    return names


def record_from_options(kind: str, values: dict[str, Any]) -> AnyRecord:
    """Build and validate a record from option values; without --id, the id is
    ``KIND-`` and a hash of the content, so running the same command twice records once."""
    model_fields = MODELS[kind].model_fields
    data: dict[str, Any] = {"kind": kind}
    for name, value in values.items():
        if value is None or value == ():
            continue
        if _is_dict(model_fields[name].annotation):
            value = {field: given for part in value for field, given in part.items()}
        data[model_fields[name].alias or name] = list(value) if isinstance(value, tuple) else value
    for name in _TODAY_UNLESS_GIVEN:
        if name in model_fields and name not in data:
            data[name] = date.today().isoformat()
    if "id" in data:  # given, even empty: read as an import file's id is
        return parse_record(data)
    record = parse_record({**data, "id": "pending"})
    content = {key: value for key, value in record.normalised().items() if key != "id"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]
    return parse_record({**data, "id": f"{kind}-{digest}"})


# Days a typed record takes as today unless given: an erratum typed now is recorded the
# day it is appended (records.errata.typed_recorded_problem), so --recorded says today.
_TODAY_UNLESS_GIVEN = ("recorded",)


def _option_name(name: str, info: FieldInfo) -> str:
    return "--" + (info.alias or name).replace("_", "-")


def _amount_required(model: type[RecordBase], name: str) -> bool:
    return name == "amount" and getattr(model, "amount_rule", None) is not None


def _help(name: str, info: FieldInfo) -> str | None:
    if name == "id":
        return "stable id of the record (default: the kind and a hash of the content)"
    if name in _TODAY_UNLESS_GIVEN:
        return f"{info.description} (default: today, the only day it may be when typed)"
    if _is_dict(info.annotation):
        return f"{info.description}: NAME=VALUE, once for each field, or a JSON object"
    item = _list_item(info.annotation)
    if isinstance(item, type) and issubclass(item, BaseModel):
        example = f" (e.g. {info.examples[0]})" if info.examples else ""
        written = f"{PairValues(item).name}{example}, once for each, or a JSON object"
        return f"{info.description}: {written}"
    if item is not None:
        return f"{info.description}; once for each"
    return info.description


_MARKED = re.compile(r"``(\w+)``")


def command_help(model: type[RecordBase]) -> str:
    """What ``ledger record KIND --help`` says of the record: the first paragraph of its
    model's docstring, each field it marks as code named as its option."""
    paragraph = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0]
    names = option_names(model)
    return _MARKED.sub(lambda marked: names.get(marked[1], marked[1]), " ".join(paragraph.split()))


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(_without_none(annotation)) is list


def _list_item(annotation: Any) -> Any:
    """What a list field holds (None for a field that is not a list)."""
    return typing.get_args(_without_none(annotation))[0] if _is_list(annotation) else None


def _is_dict(annotation: Any) -> bool:
    return typing.get_origin(_without_none(annotation)) is dict


def _click_type(name: str, annotation: Any) -> click.ParamType[Any, Any]:
    inner = _without_none(annotation)
    if typing.get_origin(inner) is typing.Annotated:  # a count, pence or a strict true/false
        inner = typing.get_args(inner)[0]
    if typing.get_origin(inner) is typing.Literal:
        return StrippedChoice([str(choice) for choice in typing.get_args(inner)])
    if inner is bool:
        return TrueOrFalse()
    if inner is int and name not in _MONEY_INPUT:
        return WholeNumber()
    return click.STRING


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
