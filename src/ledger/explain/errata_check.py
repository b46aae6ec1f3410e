"""The errata check: every erratum applies cleanly to a record of the store. Import
refuses an erratum that would not (tests/test_errata.py); this finds one in a store
written by other means, such as two errata of one day changing one field of a record."""

from __future__ import annotations

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
    """What the errata check needs from one read of the store: each record's kind and
    position by id, the day it became known, and the errata."""

    kinds: dict[str, tuple[str, int]] = field(default_factory=dict)
    known: dict[str, Any] = field(default_factory=dict)  # as stored, then as errata set it
    errata: list[tuple[dict[str, Any], int]] = field(default_factory=list)

    def note(self, fields: dict[str, Any], position: int) -> None:
        self.kinds.setdefault(str(fields["id"]), (str(fields["kind"]), position))
        if fields["kind"] == "erratum":
            self.errata.append((fields, position))
        else:
            known = fields.get("as_at", fields.get("published"))
            self.known.setdefault(str(fields["id"]), date_set(known, None))


def _known_when_recorded(stored: Stored) -> dict[str, Any]:
    """For each erratum (by id), the day the record it fixes was known as the erratum
    leaves it: as the errata before it (in the order the ledger stored them) left it,
    or the day this one sets. Import judges each erratum by the same day."""
    known, when = dict(stored.known), {}
    for erratum, _ in stored.errata:
        target, given = str(erratum.get("fixes")), erratum.get("set")
        if isinstance(given, dict):
            known[target] = date_set(given.get("as_at", given.get("published")), known.get(target))
        when[str(erratum["id"])] = known.get(target)
    return when


def errata_apply(stored: Stored) -> list[Found]:
    """Every erratum fixes a record of the store that is not itself an erratum, and was
    known by the day the erratum was recorded (as the errata up to it leave it), and no two
    errata of one record recorded on one day change the same field (which of them holds
    would be unclear). Import refuses them all; this finds a hand-made store's."""
    found: list[Found] = []
    changed: dict[tuple[str, str, str], list[str]] = {}
    known = _known_when_recorded(stored)
    for erratum, _ in stored.errata:
        erratum_id, target = str(erratum["id"]), str(erratum.get("fixes"))
        cited = f"{erratum.get('source')} {erratum.get('locator')}"
        recorded, known_on = date_set(erratum.get("recorded"), None), known.get(erratum_id)
        if recorded is not None and known_on is not None and recorded < known_on:
            message = recorded_before(str(recorded), target, str(known_on))
            found.append((erratum_id, message, cited))
        # An erratum may be stored before what it fixes (an import reads an errata folder
        # in path order); the views apply every erratum before they project a record.
        kind, _ = stored.kinds.get(target, (None, None))
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
                (erratum_id, problem, cited) for problem in _named_problems(erratum, kind, stored)
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


def _named_problems(erratum: dict[str, Any], kind: str, stored: Stored) -> list[str]:
    """What import now refuses of an erratum (tests/test_errata.py), found in a store
    written before: an organisation or source withdrawn or made another kind, a record
    made one, or a field set to an organisation or source that is not recorded."""
    problems = []
    if problem := named_kind_problem(str(erratum.get("fixes")), kind, erratum):
        problems.append(problem)
    given = erratum.get("set")
    for name, named in named_in_set(given if isinstance(given, dict) else {}):
        wanted = "source" if name == "source" else "organisation"
        if stored.kinds.get(named, (None, 0))[0] != wanted:
            problems.append(f"set: {name}: {named!r} is not a recorded {wanted}")
    return problems
