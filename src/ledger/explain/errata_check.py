"""The errata check: every erratum applies cleanly to a record of the store. Import
refuses an erratum that would not (tests/test_errata.py); this finds one in a store
written by other means, such as two errata of one day changing one field of a record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.explain.findings import Found
from ledger.records.errata import (
    changed_fields,
    date_set,
    named_in_set,
    named_kind_problem,
    recorded_before,
)


@dataclass
class Stored:
    """What the errata check needs from one read of the store: the errata, in the order
    the ledger stored them. The records they fix or name are looked up once it is read
    (a few, where keeping every record's kind and known date took some 300 MB at a
    million events)."""

    errata: list[tuple[dict[str, Any], int]] = field(default_factory=list)

    def note(self, fields: dict[str, Any], position: int) -> None:
        if fields["kind"] == "erratum":
            self.errata.append((fields, position))


FieldsOf = Callable[[list[str]], dict[str, dict[str, Any]]]  # stored fields by id


def _named(stored: Stored, fields_of: FieldsOf) -> dict[str, dict[str, Any]]:
    """The stored fields of every record an erratum fixes or its ``set`` names."""
    wanted = []
    for erratum, _ in stored.errata:
        wanted.append(str(erratum.get("fixes")))
        given = erratum.get("set")
        wanted += [named for _, named in named_in_set(given if isinstance(given, dict) else {})]
    return fields_of(list(dict.fromkeys(wanted)))


def _known_when_recorded(stored: Stored, named: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For each erratum (by id), the day the record it fixes was known as the erratum
    leaves it: as the errata before it (in the order the ledger stored them) left it,
    or the day this one sets. Import judges each erratum by the same day."""
    known = {
        record_id: date_set(fields.get("as_at", fields.get("published")), None)
        for record_id, fields in named.items()
        if fields.get("kind") != "erratum"
    }
    when = {}
    for erratum, _ in stored.errata:
        target, given = str(erratum.get("fixes")), erratum.get("set")
        if isinstance(given, dict):
            known[target] = date_set(given.get("as_at", given.get("published")), known.get(target))
        when[str(erratum["id"])] = known.get(target)
    return when


def errata_apply(stored: Stored, fields_of: FieldsOf) -> list[Found]:
    """Every erratum fixes a record of the store that is not itself an erratum, and was
    known by the day the erratum was recorded (as the errata up to it leave it), and no two
    errata of one record recorded on one day change the same field (which of them holds
    would be unclear). Import refuses them all; this finds a hand-made store's."""
    found: list[Found] = []
    changed: dict[tuple[str, str, str], list[str]] = {}
    named = _named(stored, fields_of)
    kinds = {record_id: str(fields.get("kind")) for record_id, fields in named.items()}
    known = _known_when_recorded(stored, named)
    for erratum, _ in stored.errata:
        erratum_id, target = str(erratum["id"]), str(erratum.get("fixes"))
        cited = f"{erratum.get('source')} {erratum.get('locator')}"
        recorded, known_on = date_set(erratum.get("recorded"), None), known.get(erratum_id)
        if recorded is not None and known_on is not None and recorded < known_on:
            message = recorded_before(str(recorded), target, str(known_on))
            found.append((erratum_id, message, cited))
        # An erratum may be stored before what it fixes (an import reads an errata folder
        # in path order); the views apply every erratum before they project a record.
        kind = kinds.get(target)
        if kind is None:
            found.append((erratum_id, f"it fixes {target!r}, which is not recorded", cited))
        elif kind == "erratum":
            message = (
                f"it fixes {target!r}, an erratum: an erratum fixes a record, not another "
                "erratum; fix the record instead"
            )
            found.append((erratum_id, message, cited))
        else:
            found += [
                (erratum_id, problem, cited) for problem in _named_problems(erratum, kind, kinds)
            ]
        for name in changed_fields(erratum):
            key = (target, str(erratum.get("recorded")), str(name))
            changed.setdefault(key, []).append(erratum_id)
            if len(changed[key]) == 2:
                first, second = changed[key]
                message = (
                    f"{first} and {second}, both recorded {key[1]}, change {name} of "
                    f"{target!r}: which holds is unclear; one erratum should say it"
                )
                found.append((second, message, cited))
    return found


def _named_problems(erratum: dict[str, Any], kind: str, kinds: dict[str, str]) -> list[str]:
    """What import now refuses of an erratum (tests/test_errata.py), found in a store
    written before: an organisation or source withdrawn or made another kind, a record
    made one, or a field set to an organisation or source that is not recorded."""
    problems = []
    if problem := named_kind_problem(str(erratum.get("fixes")), kind, erratum):
        problems.append(problem)
    given = erratum.get("set")
    for name, named in named_in_set(given if isinstance(given, dict) else {}):
        wanted = "source" if name == "source" else "organisation"
        if kinds.get(named) != wanted:
            problems.append(f"set: {name}: {named!r} is not a recorded {wanted}")
    return problems
