"""The published record is append-only: a store that imported events/ as it was must be
able to import it as it is. tests/fixtures/published-events.tsv holds, for each file of
events/ as published, how many lines it had and a digest of them; each file must still
begin with exactly those lines. When a change adds lines, run this module as a script
to write the new manifest (it refuses to if a published line changed):

    python tests/test_append_only.py
"""

import hashlib
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
MANIFEST = REPOSITORY / "tests" / "fixtures" / "published-events.tsv"


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def published() -> dict[str, tuple[int, str]]:
    entries = {}
    for row in MANIFEST.read_text(encoding="utf-8").splitlines():
        name, count, digest = row.split("\t")
        entries[name] = (int(count), digest)
    return entries


def changed_files() -> list[str]:
    """The published files that no longer begin with their published lines."""
    changed = []
    for name, (count, digest) in published().items():
        path = REPOSITORY / name
        lines = _lines(path) if path.exists() else []
        if len(lines) < count or _digest(lines[:count]) != digest:
            changed.append(name)
    return changed


def test_every_published_line_of_events_is_still_there_unchanged():
    assert published(), "the manifest lists the published files"
    assert changed_files() == []


def test_the_manifest_covers_the_errata_and_the_first_record():
    names = set(published())
    assert "events/2013-14/ccg-allocations.jsonl" in names
    assert "events/errata/2026-11-28-published-record.jsonl" in names


def write_manifest() -> None:
    if MANIFEST.exists() and changed_files():
        sys.exit(f"published lines changed: {', '.join(changed_files())}")
    rows = []
    for path in sorted((REPOSITORY / "events").rglob("*")):
        if path.is_file():
            lines = _lines(path)
            rows.append(
                f"{path.relative_to(REPOSITORY).as_posix()}\t{len(lines)}\t{_digest(lines)}"
            )
    MANIFEST.write_text("".join(row + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    write_manifest()
