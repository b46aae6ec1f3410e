"""A new user finds how to run ``ledger``: the README says it once at the top, and
``make demo`` says it at the end (issue 20, item 2)."""

import shutil
import subprocess

import pytest
from conftest import REPOSITORY


def test_the_readme_says_how_to_run_ledger_before_its_first_example():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    first_section = readme.index("\n## ")
    top = readme[:first_section]
    assert ". .venv/bin/activate" in top
    assert "`.venv/bin/ledger`" in top
    assert top.index(". .venv/bin/activate") > top.index("make demo")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_ends_by_saying_how_to_run_ledger():
    """``make -n`` prints the demo's recipe without running it."""
    recipe = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.splitlines()
    said = [line for line in recipe if line.startswith("echo ") and ".venv/bin/activate" in line]
    assert len(said) == 1
    assert recipe.index(said[0]) > max(
        index for index, line in enumerate(recipe) if " check" in line and "ledger" in line
    )
    assert ".venv/bin/ledger" in said[0] and ".demo/ledger.db" in said[0]
