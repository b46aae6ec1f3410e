"""``ledger import`` shows its progress on stderr when that is a terminal, one line
rewritten in place and erased at the end, and says nothing more when it is not (issue
20, item 11). Real processes; LEDGER_PROGRESS_SECONDS=0 reports after every chunk, so a
quick import of events/ shows several steps."""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from conftest import REPOSITORY
from processes import run_ledger

EVENTS = str(REPOSITORY / "events")


def environment(**extra):
    return {**os.environ, "LEDGER_PROGRESS_SECONDS": "0", **extra}


def on_a_terminal(*args, columns=200):
    """Run the ledger with stderr on a pseudo-terminal ``columns`` wide: (exit code,
    stdout, stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=environment(),
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    stdout = process.stdout.read()
    process.stdout.close()
    return process.wait(timeout=120), stdout.decode(), shown.decode()


def test_an_import_on_a_terminal_shows_its_progress_then_erases_it(tmp_path):
    code, stdout, stderr = on_a_terminal("--store", str(tmp_path / "ledger.db"), "import", EVENTS)
    assert code == 0, stderr
    recorded = int(re.match(r"Recorded ([0-9,]+) new records", stdout)[1].replace(",", ""))
    steps = [step for step in stderr.split("\r\x1b[K") if step]
    # A new store: every record is checked and recorded as it is read, once.
    appended = [step for step in steps if " checked and recorded " in step]
    assert len(appended) >= 3 and len(appended) == len(steps)
    assert appended[-1].startswith(f"import: {recorded:,} records checked and recorded (at ")
    assert ".jsonl:" in appended[0]
    assert stderr.endswith("\r\x1b[K")  # the last line is erased, nothing is left on it
    counts = [int(re.search(r"[0-9,]+", step)[0].replace(",", "")) for step in appended]
    assert counts == sorted(counts)


def test_an_import_whose_stderr_is_not_a_terminal_says_only_the_result(tmp_path):
    result = run_ledger("--store", str(tmp_path / "ledger.db"), "import", EVENTS, env=environment())
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Recorded ")


def test_problems_are_listed_on_lines_of_their_own_after_the_progress(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "allocation"}\n')
    code, stdout, stderr = on_a_terminal(
        "--store", str(tmp_path / "ledger.db"), "import", EVENTS, str(bad)
    )
    assert code == 1
    assert stdout == ""
    erased = stderr.rindex("\r\x1b[K")
    assert stderr[:erased].count("records checked") >= 3
    said = stderr[erased + len("\r\x1b[K") :].splitlines()
    assert said[0].startswith(f"{bad}:1: ")
    assert said[-1] == f"Error: {len(said) - 1} problems found; nothing was recorded."
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.parametrize("every", ["soon", "inf", "3601", "9" * 400])
def test_a_progress_interval_that_is_not_a_sensible_number_is_refused(tmp_path, every):
    """A number of hundreds of digits was read as infinity: no progress was ever shown."""
    result = run_ledger(
        "--store",
        str(tmp_path / "ledger.db"),
        "import",
        EVENTS,
        env=environment(LEDGER_PROGRESS_SECONDS=every),
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: LEDGER_PROGRESS_SECONDS must be a number of seconds from 0 to 3,600 (e.g. 2), "
        f"got {every!r}\n"
    )
    assert not (tmp_path / "ledger.db").exists()


def test_a_progress_line_is_cut_to_the_terminal_width(tmp_path):
    code, _, stderr = on_a_terminal(
        "--store", str(tmp_path / "ledger.db"), "import", EVENTS, columns=40
    )
    assert code == 0, stderr
    steps = [step for step in stderr.split("\r\x1b[K") if step]
    assert len(steps) >= 6
    assert all(len(step) == 39 for step in steps)
    assert steps[-1].startswith("import: ")
