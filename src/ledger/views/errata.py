"""Errata in the views: a record an erratum fixes is projected as fixed, from the first
build on, since an erratum applies across all of time; the erratum itself becomes rows of
the ``errata`` table, one per field it changes, for audit to show.

A views database is built knowing every erratum in the store (up to the day it was
built to show, ``recorded_by``). An erratum that arrives later changes a record the
views already hold, so the views are built again (NeedsReplay); errata are rare.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.records.errata import WITHDRAWN
from ledger.views.errors import ViewsError


class NeedsReplay(ViewsError):
    """New errata fix records the views hold: build them again."""


class Fixes:
    """The errata to apply while building a views database, by the record they fix."""

    def __init__(self, errata: list[dict[str, Any]], recorded_by: str | None):
        kept = [e for e in errata if recorded_by is None or e["recorded"] <= recorded_by]
        self.by_target: dict[str, list[dict[str, Any]]] = {}
        for erratum in sorted(kept, key=lambda erratum: erratum["recorded"]):
            self.by_target.setdefault(erratum["fixes"], []).append(erratum)
        self.ids = {erratum["id"] for erratum in kept}
        self.originals: dict[str, dict[str, Any]] = {}

    def fixed(self, fields: dict[str, Any]) -> dict[str, Any] | None:
        """The record as the views show it: with its errata applied, or None if withdrawn."""
        errata = self.by_target.get(fields["id"])
        if not errata:
            return fields
        self.originals[fields["id"]] = fields
        return self._after(fields, errata)

    def rows(self, erratum: dict[str, Any], position: int) -> list[dict[str, Any]]:
        """The ``errata`` rows of one erratum: each field it changes, before and after."""
        if erratum["id"] not in self.ids:
            return []  # recorded after the day these views show
        original = self.originals.get(erratum["fixes"])
        errata = self.by_target[erratum["fixes"]]
        earlier = errata[: errata.index(erratum)] if erratum in errata else []
        before = self._after(original, earlier) if original is not None else None
        after = self._after(original, [*earlier, erratum]) if original is not None else None
        common = {
            "erratum_id": erratum["id"], "fixes": erratum["fixes"],
            "recorded": erratum["recorded"], "position": position,
            "reason": erratum["reason"], "source": erratum["source"],
            "locator": erratum["locator"],
        }  # fmt: skip
        return [common | change for change in _changes(before, after)]

    @staticmethod
    def _after(
        fields: dict[str, Any] | None, errata: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        # The record models are loaded only when there are errata to apply: a command
        # that catches up a few events starts quicker without them.
        from ledger.records.models import fixed_by_all

        return fixed_by_all(fields, errata)


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    if before is None and after is None:
        return []
    if before is None or after is None:
        return [{
            "field": WITHDRAWN,
            "before": "recorded" if before is not None else "withdrawn",
            "after": "recorded" if after is not None else "withdrawn",
        }]  # fmt: skip
    return [
        {"field": name, "before": _shown(before.get(name)), "after": _shown(after.get(name))}
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    ]


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
