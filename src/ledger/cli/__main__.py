"""``python -m ledger.cli``: the same command line as the installed ``ledger``."""

import sys

from ledger.cli import main

sys.exit(main())
