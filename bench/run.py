"""Benchmark the ledger against raw sqlite3, on this machine, in one run.

    python bench/run.py                  # 1,000,000 events (some twenty minutes)
    python bench/run.py --events 100000  # quicker
    python bench/run.py --write          # also rewrite bench/RESULTS.md
    python bench/run.py --postgres postgresql://postgres@127.0.0.1:5432/test
                                         # also import and rebuild on that server, in a
                                         # schema of the run's own, dropped afterwards

Each row gives the ledger's figure, the raw sqlite3 figure for the same work where there
is one, their ratio, and the target. The import and the rebuild, raw sqlite3's work and
the peers' are each the best of three runs (``--tries``), the ledger's and raw sqlite3's
taken in turn. The two peer rows put what a user might pick instead (bench/peers.py),
loading the same records, where raw sqlite3 would be. The history is synthetic
(``ledger demo generate``) over the real CCGs of events/, imported into a store that
already holds events/.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson

REPOSITORY = Path(__file__).resolve().parent.parent
# Issue 21's targets: the ledger's throughput as a share of raw sqlite3's in the same run.
IMPORT_TARGET = 0.14
REBUILD_TARGET = 0.12
LEDGER = [sys.executable, "-m", "ledger.cli"]
# The import, the rebuild, raw sqlite3's work and the peers' are the best of this many
# runs (--tries), the ledger's and raw sqlite3's taken in turn.
TRIES = 3
Ours = TypeVar("Ours")


@dataclass
class Row:
    measure: str
    ledger: str
    raw: str
    ratio: str
    target: str
    met: str


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="rewrite bench/RESULTS.md")
    parser.add_argument("--postgres", help="also measure a PostgreSQL store at this URL")
    parser.add_argument(
        "--tries",
        type=int,
        default=TRIES,
        help=f"runs of the import, the rebuild, raw sqlite3 and the peers, the best of "
        f"which is taken (default {TRIES})",
    )
    parser.add_argument(
        "--curve",
        action="store_true",
        help="only what the cost curve needs (import, rebuild, sizes, catch-up, views, "
        "start-up): no ceilings and no peers, for a run at 10M events",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    try:
        with scratch_schema(args.postgres) as postgres:
            rows = run_all(
                work, args.events, args.seed, postgres, curve=args.curve, tries=args.tries
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = render(rows)
    print(table)
    if args.write:
        write_results(table, args.events, args.seed, args.postgres, curve=args.curve)
    return 0


def run_all(
    work: Path,
    events: int,
    seed: int,
    postgres: str | None,
    *,
    curve: bool = False,
    tries: int = TRIES,
) -> list[Row]:
    base = work / "base.db"
    ledger("--store", base, "import", REPOSITORY / "events")
    history = work / "synthetic.jsonl"
    ledger("--store", base, "--views", work / "base-views.db", "demo", "generate",
           "--events", events, "--seed", seed, "-o", history)  # fmt: skip
    rows: list[Row] = []
    store = work / "ledger.db"
    imports, raw_imports = in_turn(
        tries,
        partial(import_afresh, base, history, store),
        partial(raw_import, history, work / "raw-import.db"),
    )
    import_seconds, raw_seconds = min(imports), min(raw_imports)
    reference = Reference.imported(work, base, history) if events > REFERENCE_EVENTS else None
    rows.append(import_row(events, import_seconds, raw_seconds))
    rows.append(runs_row("import", imports, raw_imports))
    rows.append(cost_row("import", events, import_seconds, raw_seconds))
    if reference:
        rows.append(growth_row("import", import_seconds / events, reference.import_cost))
    rows.append(size_row("store", store, count_events(store)))
    if not curve:
        rows.append(import_ceiling_row(store, history, events, raw_seconds, work))
        rows += peer_rows(history, events, import_seconds, work, tries)
    if postgres:
        rows.append(postgres_import_row(postgres, history, events, raw_seconds))
    views = work / "views.db"
    total = count_events(store)
    rebuilds, scans = in_turn(
        tries, partial(rebuild_afresh, store, views), partial(raw_scan, store)
    )
    rebuild_seconds, scan_seconds = min(seconds for seconds, _ in rebuilds), min(scans)
    peak = max(peak for _, peak in rebuilds)  # the most any of them held
    rows += rebuild_rows(rebuild_seconds, peak, views, total, scan_seconds, events)
    rows.append(runs_row("rebuild", [seconds for seconds, _ in rebuilds], scans))
    if reference:
        rows.append(growth_row("rebuild", rebuild_seconds / total, reference.rebuild_cost()))
    if not curve:
        rows.append(rebuild_ceiling_row(views, total, scan_seconds, work))
    if postgres:
        rows.append(postgres_rebuild_row(postgres, events, work))
    rows += catch_up_rows(work, base, history, store, views, events)
    rows += view_rows(store, views, events)
    rows += startup_rows(store, views, work)
    return rows


# -- running the ledger ---------------------------------------------------------------------


def ledger(*args: object) -> float:
    """Run a ledger command; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([*LEDGER, *map(str, args)], check=True, capture_output=True)
    return time.perf_counter() - started


# Runs the command given as its arguments and prints its wall time and peak RSS in bytes.
# The command is started from this small process, not from the benchmark: Linux starts a
# new program's peak RSS at the peak of the process it replaced, and the benchmark's own
# peak (it has read a million JSON lines) would be counted as the ledger's.
PEAK_OF_COMMAND = """
import os, sys, time
with open(os.devnull, "wb") as nowhere:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(nowhere.fileno(), 1)
        os.dup2(nowhere.fileno(), 2)
        os.execv(sys.argv[1], sys.argv[1:])
    _, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status))
"""


def rebuild_afresh(store: Path, views: Path) -> tuple[float, int]:
    """``ledger rebuild`` into a new views database: its wall time and peak memory."""
    return ledger_with_memory("--store", store, "--views", removed(views), "rebuild")


def ledger_with_memory(*args: object) -> tuple[float, int]:
    """Run a ledger command; return its wall time and its peak resident memory in bytes."""
    command = [sys.executable, "-c", PEAK_OF_COMMAND, sys.executable, *LEDGER[1:], *map(str, args)]
    measured = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    seconds, peak, code = float(measured[0]), int(measured[1]), int(measured[2])
    if code != 0:
        raise RuntimeError(f"ledger {' '.join(map(str, args))} failed")
    return seconds, peak


# -- import ------------------------------------------------------------------------------


def import_row(events: int, seconds: float, raw: float) -> Row:
    return ratio_row(f"import {events:,} events (events/s)", events / seconds, events / raw,
                     IMPORT_TARGET, f"≥ {IMPORT_TARGET:.0%} of raw")  # fmt: skip


def best_of(tries: int, measure: Callable[[], float]) -> float:
    """The quickest of several timings: one slowed by something else running on the
    machine says less about the work than about the machine."""
    return min(measure() for _ in range(tries))


def in_turn(
    tries: int, ours: Callable[[], Ours], raw: Callable[[], float]
) -> tuple[list[Ours], list[float]]:
    """Each timing of ``ours`` and of ``raw``, taken in turn, ``tries`` times each: this
    machine's speed drifts over minutes, so each side meets it as the other does."""
    ours_runs, raw_runs = [], []
    for _ in range(tries):
        ours_runs.append(ours())
        raw_runs.append(raw())
    return ours_runs, raw_runs


def runs_row(what: str, ours: list[float], raw: list[float]) -> Row:
    """Every run's seconds, of which the rows above take the best."""
    return Row(f"{what}: each run (s)", ", ".join(f"{s:.1f}" for s in ours),
               ", ".join(f"{s:.2f}" for s in raw), "", "reported", "")  # fmt: skip


def removed(path: Path) -> Path:
    """``path`` with no SQLite file there (nor the files SQLite keeps beside one), for a
    run to make anew."""
    from ledger.store.killed_builds import remove_files

    remove_files(path, with_file=True)
    return path


def import_afresh(base: Path, history: Path, store: Path) -> float:
    """``ledger import`` of the history into a new copy of the store of events/."""
    shutil.copy(base, removed(store))
    return ledger("--store", store, "import", history)


def raw_import(history: Path, path: Path) -> float:
    """Read the same JSON lines and insert them as (id, json) rows in one WAL transaction."""
    removed(path)
    started = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, record TEXT)")
    with history.open("rb") as lines:
        rows = [(orjson.loads(line)["id"], line) for line in lines]
    db.execute("BEGIN")
    db.executemany("INSERT INTO records VALUES (?, ?)", rows)
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


# -- peers: what a user might load the same records with instead ---------------------------


def peer_rows(
    history: Path, events: int, import_seconds: float, work: Path, tries: int
) -> list[Row]:
    """The ledger's import against each peer loading the same records (bench/peers.py),
    each the best of as many runs as the ledger's."""
    from peers import CHUNK, eventsourcing_seconds, sqlite_utils_seconds

    def peer(seconds: Callable[[Path, Path], float], path: Path) -> float:
        return best_of(tries, lambda: seconds(history, removed(path)))

    ours = events / import_seconds
    bare = events / peer(eventsourcing_seconds, work / "peer-eventsourcing.db")
    loaded = events / peer(sqlite_utils_seconds, work / "peer-sqlite-utils.db")
    return [
        peer_row(f"peer: bare eventsourcing library, {CHUNK:,} events to a save, no checks "
                 "(events/s)", ours, bare, "eventsourcing", "≥ 100% of the peer", ours >= bare),
        peer_row("peer: sqlite-utils insert_all into one table (events/s)", ours, loaded,
                 "sqlite-utils", "ratio reported", None),
    ]  # fmt: skip


def peer_row(
    measure: str, ours: float, peer: float, name: str, target: str, ok: bool | None
) -> Row:
    """The ledger's rate, the peer's in the raw column (named), and the ledger's share of it."""
    return Row(measure, f"{ours:,.0f}", f"{peer:,.0f} ({name})", f"{ours / peer:.0%}", target,
               "" if ok is None else met(ok))  # fmt: skip


# -- rebuild -----------------------------------------------------------------------------


def rebuild_rows(
    seconds: float, peak: int, views: Path, total: int, raw: float, events: int
) -> list[Row]:
    """``total`` events are stored: the ``events`` of the run's history and events/."""
    return [
        ratio_row(
            f"rebuild views from {total:,} events (events/s)",
            total / seconds,
            total / raw,
            REBUILD_TARGET,
            f"≥ {REBUILD_TARGET:.0%} of raw",
        ),
        Row(
            f"rebuild of {total:,} events, wall time",
            f"{seconds:.1f} s",
            f"{raw:.1f} s",
            "",
            "≤ 10 s at 1M",
            met(seconds <= 10 * total / 1_000_000),
        ),
        cost_row("rebuild", total, seconds, raw),
        Row(
            f"rebuild of {total:,} events, peak memory (RSS)",
            f"{peak / 2**20:.0f} MB",
            "",
            "",
            f"< {memory_limit(events)} MB",
            met(peak < memory_limit(events) * 2**20),
        ),
        size_row("views database", views, total),
    ]


# -- how cost grows ---------------------------------------------------------------------

# A run of more events also imports and rebuilds the first this many of its history, just
# after the whole, so that the cost per event of each is compared on the machine as it is
# then: between runs hours apart, this machine's speed has moved by half or more.
REFERENCE_EVENTS = 1_000_000
GROWTH_TARGET = 1.25


@dataclass
class Reference:
    """A store of events/ and the first REFERENCE_EVENTS records of the run's history."""

    store: Path
    import_cost: float  # seconds per event

    @classmethod
    def imported(cls, work: Path, base: Path, history: Path) -> Reference:
        lines = work / "reference.jsonl"
        with history.open("rb") as whole, lines.open("wb") as first:
            for _, line in zip(range(REFERENCE_EVENTS), whole, strict=False):
                first.write(line)
        store = work / "reference.db"
        shutil.copy(base, store)
        seconds = ledger("--store", store, "import", lines)
        return cls(store, seconds / REFERENCE_EVENTS)

    def rebuild_cost(self) -> float:
        views = self.store.with_suffix(".views.db")
        return ledger("--store", self.store, "--views", views, "rebuild") / count_events(self.store)


def growth_row(what: str, cost: float, reference: float) -> Row:
    growth = cost / reference
    return Row(f"{what}: cost per event against the first {REFERENCE_EVENTS:,} in this run",
               f"{cost * 1e6:.1f} µs", f"{reference * 1e6:.1f} µs (ledger)", f"{growth:.2f}×",
               f"≤ {GROWTH_TARGET}×", met(growth <= GROWTH_TARGET))  # fmt: skip


def memory_limit(events: int) -> int:
    """The most a rebuild may hold, in MB: 250 up to a million events, 300 beyond."""
    return 250 if events <= 1_000_000 else 300


def cost_row(what: str, events: int, seconds: float, raw: float) -> Row:
    """Microseconds per event, the figure compared between runs of different sizes: at 10M
    it should be within 1.25x of the committed 1M run's (bench/RESULTS.md)."""
    return Row(f"{what}: cost per event (µs)", f"{seconds / events * 1e6:.1f}",
               f"{raw / events * 1e6:.1f}", "", "at 10M ≤ 1.25× the 1M run", "")  # fmt: skip


def size_row(what: str, path: Path, events: int) -> Row:
    """A file's size (with its write-ahead log, if any) per million events."""
    size = sum(
        candidate.stat().st_size
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )
    return Row(f"{what} file, per million events (MB)", f"{size / events * 1e6 / 2**20:,.0f}",
               "", "", "reported", "")  # fmt: skip


def raw_scan(store: Path) -> float:
    """Read every stored event's bytes and decode the JSON, as fast as sqlite3 allows."""
    started = time.perf_counter()
    db = sqlite3.connect(store)
    for (state,) in db.execute("SELECT state FROM stored_events ORDER BY rowid"):
        orjson.loads(state)
    db.close()
    return time.perf_counter() - started


def count_events(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


# -- how close the targets can be -----------------------------------------------------------
#
# A ceiling row times only the steps a command cannot skip, each done by raw sqlite3 or by
# the library the ledger must use, with nothing else around them. The ledger's own ratio
# can be no better than the ceiling's; a target above the ceiling cannot be met.


def import_ceiling_row(store: Path, history: Path, events: int, raw: float, work: Path) -> Row:
    """Validating every record with the ledger's pydantic models, plus raw sqlite3 inserting
    the store's rows (as written by this run's import) into a new table made as the
    eventsourcing library makes stored_events, 2,000 rows to a statement in one transaction."""
    inserting = store_insert_seconds(store, events, work / "store-floor.db")
    seconds = validation_seconds(history) + inserting
    return ceiling_row("import ceiling: pydantic validation + the library's table (events/s)",
                       events / seconds, events / raw, IMPORT_TARGET)  # fmt: skip


def validation_seconds(history: Path) -> float:
    from ledger.records.models import parse_record

    seconds = 0.0
    with history.open("rb") as lines:
        while page := [orjson.loads(line) for _, line in zip(range(10_000), lines, strict=False)]:
            seconds += timed(partial(list, map(parse_record, page)))
    return seconds


def store_insert_seconds(store: Path, events: int, path: Path) -> float:
    """Inserting the store's newest ``events`` rows (the imported ones)."""
    source = sqlite3.connect(store)
    (create,) = source.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
    ).fetchone()
    target = sqlite3.connect(path, isolation_level=None)
    target.execute("PRAGMA journal_mode = WAL")
    target.execute(create)
    statement = "INSERT INTO stored_events VALUES (?, ?, ?, ?)"
    rows = source.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid > (SELECT MAX(rowid) FROM stored_events) - ? ORDER BY rowid",
        (events,),
    )
    seconds = timed(lambda: target.execute("BEGIN"))
    while page := rows.fetchmany(2000):
        seconds += timed(partial(target.executemany, statement, page))
    seconds += timed(lambda: target.execute("COMMIT"))
    source.close()
    target.close()
    return seconds


def rebuild_ceiling_row(views: Path, total: int, scan: float, work: Path) -> Row:
    """The raw scan of the store, plus raw sqlite3 inserting the rows of the views database
    this run's rebuild made (already made, a page at a time) into a new one and indexing it."""
    seconds = scan + views_write_seconds(views, work / "views-floor.db")
    return ceiling_row("rebuild ceiling: raw scan + writing and indexing the views' rows "
                       "(events/s)", total / seconds, total / scan, REBUILD_TARGET)  # fmt: skip


def views_write_seconds(views: Path, path: Path) -> float:
    """Raw sqlite3 writing the views' rows, each with only the columns it fills (as the
    rebuild writes postings), grouped so beforehand, then indexing them: only the writing
    is timed."""
    from ledger.views.database import ViewsDatabase
    from ledger.views.tables import TABLES

    target = ViewsDatabase(path)
    target.create(indexed=False)
    target.set_journal("OFF")
    source = sqlite3.connect(views)
    seconds = 0.0
    for table, spec in TABLES.items():
        columns = [name for name in spec["columns"] if name != "posting_id"]
        rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}")
        while page := rows.fetchmany(10_000):
            for statement, filled in filled_columns(table, columns, page).items():
                seconds += timed(partial(target.conn.executemany, statement, filled))
    seconds += timed(target.add_indexes) + timed(target.conn.commit)
    source.close()
    target.close()
    return seconds


def filled_columns(
    table: str, columns: list[str], page: list[tuple[object, ...]]
) -> dict[str, list[tuple[object, ...]]]:
    """The rows of a page by the statement that writes the columns they fill."""
    grouped: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for row in page:
        pairs = zip(columns, row, strict=True)
        named = [(name, value) for name, value in pairs if value is not None]
        statement = (
            f"INSERT INTO {table} ({', '.join(name for name, _ in named)}) "
            f"VALUES ({', '.join('?' * len(named))})"
        )
        grouped[statement].append(tuple(value for _, value in named))
    return grouped


def ceiling_row(measure: str, best: float, raw: float, target: float) -> Row:
    ratio = best / raw
    reach = "target within reach" if ratio >= target else "target out of reach"
    return Row(
        measure, f"{best:,.0f}", f"{raw:,.0f}", f"{ratio:.0%}", f"≥ {target:.0%} of raw", reach
    )


# -- catching up one event ----------------------------------------------------------------


def catch_up_rows(
    work: Path, base: Path, history: Path, store: Path, views: Path, events: int
) -> list[Row]:
    sizes = [size for size in (10_000, 100_000, 1_000_000) if size < events] + [events]
    timings = {}
    for size in sizes:
        if size == events:
            sized_store, sized_views = store, views
        else:
            sized_store, sized_views = work / f"store-{size}.db", work / f"views-{size}.db"
            shutil.copy(base, sized_store)
            part = work / f"history-{size}.jsonl"
            with history.open("rb") as source, part.open("wb") as target:
                for _, line in zip(range(size), source, strict=False):
                    target.write(line)
            ledger("--store", sized_store, "import", part)
            ledger("--store", sized_store, "--views", sized_views, "rebuild")
        timings[size] = catch_up_once(sized_store, sized_views, size, work)
    smallest = timings[sizes[0]]
    return [
        Row(
            f"import one new record after {size:,} (ms)",
            f"{imported * 1000:.0f}",
            "",
            f"{imported / smallest[0]:.2f}× the {sizes[0]:,} time",
            "flat as N grows",
            met(imported < smallest[0] * 2),
        )
        for size, (imported, _) in timings.items()
    ] + [
        Row(
            f"catch up one new event after {size:,} (ms)",
            f"{seconds * 1000:.1f}",
            f"{raw_one_row(sized_path(work, store, size, events)) * 1000:.2f}",
            f"{seconds / smallest[1]:.2f}× the {sizes[0]:,} time",
            "flat as N grows",
            met(seconds < smallest[1] * 2 + 0.005),
        )
        for size, (_, seconds) in timings.items()
    ]


def sized_path(work: Path, store: Path, size: int, events: int) -> Path:
    return store if size == events else work / f"store-{size}.db"


def catch_up_once(store: Path, views: Path, size: int, work: Path) -> tuple[float, float]:
    """Import one new record with ``ledger import`` (the whole command, start-up
    included), then time catching up the views alone (in this process); the medians of
    5 times each."""
    from ledger.store.application import EventStore
    from ledger.views.refresh import caught_up

    imports, catch_ups = [], []
    for attempt in range(5):
        record = {
            "id": f"bench-catch-up-{size}-{attempt}", "kind": "allocation", "account": "06H",
            "financial_year": "2013-14", "amount_pence": 100, "as_at": "2013-09-30",
            "source": "synthetic-1", "locator": "benchmark",
        }  # fmt: skip
        one = work / "one-record.jsonl"
        one.write_bytes(orjson.dumps(record) + b"\n")
        imports.append(ledger("--store", store, "import", one))
        application = EventStore(str(store), must_exist=True)
        started = time.perf_counter()
        caught_up(application, views).close()
        catch_ups.append(time.perf_counter() - started)
        application.close()
    return statistics.median(imports), statistics.median(catch_ups)


def raw_one_row(store: Path) -> float:
    """sqlite3 reading the newest stored event after a known position."""
    db = sqlite3.connect(store)
    last = db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]
    started = time.perf_counter()
    db.execute("SELECT state FROM stored_events WHERE rowid > ?", (last - 1,)).fetchall()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


# -- named views ---------------------------------------------------------------------------


# A year or a known date asked for: a view then finds the years recorded by that date
# (or says there are none), which the defaults do not time. An early date and the first
# year of the synthetic history, and a year with nothing known by the date.
ASKED = ({"as_at": "2013-06-30"}, {"as_at": "2014-03-31"}, {"year": "2013-14"},
         {"year": "2025-26", "as_at": "2014-03-31"})  # fmt: skip


def view_rows(store: Path, views: Path, events: int) -> list[Row]:
    from ledger.views.projections import load_projections

    rows = []
    for name, projection in load_projections([REPOSITORY / "projections"]).items():
        params = {"account": "06H"} if name == "audit" else {}
        seconds = view_seconds(views, projection, params)
        shown = f"view {name}" + (" (account 06H)" if params else "") + " (ms)"
        rows.append(Row(shown, f"{seconds * 1000:.0f}", "", "", "< 100 ms at 1M",
                        met(seconds < 0.1)))  # fmt: skip
        taken = {parameter.name for parameter in projection.parameters}
        asked = [{**params, **given} for given in ASKED if set(given) <= taken]
        if asked:
            timings = [(view_seconds(views, projection, given), given) for given in asked]
            slowest, given = max(timings, key=lambda timing: timing[0])
            shown = f"view {name}, slowest of {len(asked)} asked ({given}) (ms)"
            rows.append(Row(shown, f"{slowest * 1000:.0f}", "", "", "< 100 ms at 1M",
                            met(slowest < 0.1)))  # fmt: skip
    return rows


def view_seconds(views: Path, projection: Any, params: dict[str, str]) -> float:
    """The best of three runs of a view, after one to warm the page cache, as a second
    run would find it. A view's error (no records for a year asked) is its answer."""
    from ledger.views.projections import ProjectionError, bind, run

    bound = bind(projection, params)

    def answer() -> None:
        with suppress(ProjectionError):
            run(views, projection.sql, bound)

    answer()
    return min(timed(answer) for _ in range(3))


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# -- start-up ------------------------------------------------------------------------------


def startup_rows(store: Path, views: Path, work: Path) -> list[Row]:
    """Each command as an installed ledger starts: its modules compiled once, then read
    from Python's bytecode cache, as pip leaves them at install and as Python's own
    baseline finds its standard library. A machine that sets PYTHONDONTWRITEBYTECODE
    (as some containers do) would have the ledger compile every module on every run,
    which is not what a user waits for. The cache is kept in the work folder, not in the
    checkout, and one run of each command fills it before the timed ones."""
    cached = {name: value for name, value in os.environ.items()
              if name != "PYTHONDONTWRITEBYTECODE"}  # fmt: skip
    cached["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")

    def run(command: list[str | Path]) -> float:
        return timed(lambda: subprocess.run(command, check=True, capture_output=True, env=cached))

    def median_of(command: list[str | Path]) -> float:
        run(command)  # fills the bytecode cache
        return statistics.median(run(command) for _ in range(5))

    python = median_of([sys.executable, "-c", "import sqlite3"])
    rows = []
    for label, args in [
        ("ledger --help", ["--help"]),
        ("ledger view ccg-budgets", ["--store", store, "--views", views, "view", "ccg-budgets"]),
    ]:
        seconds = median_of([*LEDGER, *args])
        rows.append(Row(f"start-up: {label} (ms)", f"{seconds * 1000:.0f}",
                        f"{python * 1000:.0f} (python -c 'import sqlite3')",
                        f"{seconds / python:.1f}×", "< 300 ms", met(seconds < 0.3)))  # fmt: skip
    return rows


# -- PostgreSQL ----------------------------------------------------------------------------


def postgres_import_row(url: str, history: Path, events: int, raw: float) -> Row:
    seconds = ledger("--store", url, "import", REPOSITORY / "events", history)
    total = events + count_events_shipped()
    wanted = f"≥ {IMPORT_TARGET:.0%} of raw SQLite"
    return ratio_row(f"PostgreSQL: import {total:,} events (events/s)", total / seconds,
                     events / raw, IMPORT_TARGET, wanted)  # fmt: skip


def postgres_rebuild_row(url: str, events: int, work: Path) -> Row:
    views = work / "pg-views.db"
    seconds, _ = ledger_with_memory("--store", url, "--views", views, "rebuild")
    total = events + count_events_shipped()
    return Row(f"PostgreSQL: rebuild of {total:,} events, wall time", f"{seconds:.1f} s", "",
               "", "≤ 10 s at 1M", met(seconds <= 10 * total / 1_000_000))  # fmt: skip


def count_events_shipped() -> int:
    return sum(
        1
        for path in (REPOSITORY / "events").rglob("*.jsonl")
        for line in path.open()
        if line.strip()
    )


@contextmanager
def scratch_schema(url: str | None) -> Iterator[str | None]:
    """The server at URL with a new schema of this run's own, dropped when the run ends."""
    if url is None:
        yield None
        return
    import psycopg

    schema = f"ledger_bench_{os.getpid()}"
    server = urlsplit(url)._replace(query="")
    try:
        yield urlunsplit(server._replace(query=f"schema={schema}"))
    finally:
        with psycopg.connect(urlunsplit(server), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(query="")), autocommit=True) as c:
        row = c.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else 'unknown'}"


# -- output ---------------------------------------------------------------------------------


def ratio_row(measure: str, ours: float, raw: float, target: float, wanted: str) -> Row:
    ratio = ours / raw
    shown = shown_down(ratio)
    return Row(measure, f"{ours:,.0f}", f"{raw:,.0f}", shown, wanted, met(ratio >= target))


def shown_down(ratio: float) -> str:
    """A ratio to a tenth of a percent, rounded down, so that one just short of its target
    never shows as the target (11.97% is 11.9%, not 12%)."""
    return f"{math.floor(ratio * 1000) / 10:.1f}%"


def met(ok: bool) -> str:
    return "yes" if ok else "no"


def render(rows: list[Row]) -> str:
    header = ["measure", "ledger", "raw sqlite3", "ratio", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        f"| {r.measure} | {r.ledger} | {r.raw} | {r.ratio} | {r.target} | {r.met} |" for r in rows
    ]
    return "\n".join(lines)


def write_results(
    table: str, events: int, seed: int, postgres: str | None, *, curve: bool = False
) -> None:
    """Write this run's table into bench/RESULTS.md, replacing the section of an earlier
    run of the same size and keeping the others (a 1M and a 10M run sit side by side)."""
    machine = (
        f"{platform.system()} {platform.release()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    ) + (f", {postgres_version(postgres)} on the same machine" if postgres else "")
    command = (
        f"python bench/run.py --events {events} --seed {seed}"
        + (" --curve" if curve else "")
        + (f" --postgres {postgres}" if postgres else "")
    )
    path = REPOSITORY / "bench" / "RESULTS.md"
    text, _, runs = path.read_text(encoding="utf-8").partition(RESULTS_MARK)
    sections = {size: body for size, body in _sections(runs) if size != events}
    sections[events] = (
        f"Run on {time.strftime('%Y-%m-%d')}: {machine}.\n\n    {command}\n\n{table}\n"
    )
    written = "".join(f"\n### {size:,} events\n\n{sections[size]}" for size in sorted(sections))
    path.write_text(f"{text}{RESULTS_MARK}\n{written}", encoding="utf-8")


RESULTS_MARK = "<!-- results -->"


def _sections(runs: str) -> Iterator[tuple[int, str]]:
    """(events, text) of each run's section below the results mark."""
    for section in runs.split("\n### ")[1:]:
        heading, _, body = section.partition("\n\n")
        yield int(heading.split()[0].replace(",", "")), body


if __name__ == "__main__":
    sys.exit(main())
