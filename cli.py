"""Run the ledger command line from a checkout: ``python cli.py --help``.

The same CLI as the installed ``ledger`` command (run it inside the project's .venv).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from ledger.cli import main  # noqa: E402

if __name__ == "__main__":
    main(prog_name="ledger")
