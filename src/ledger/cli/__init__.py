"""The ``ledger`` command line: parse and validate here, then hand over to the application.

Errors go to stderr as ``Error: ...`` (``file:line: message`` for import files) with
exit code 1, or 2 for a command used wrongly. A rejected command records nothing. Ctrl-C
says what it left, with exit code 130 (starting).

The group of commands is in group; the commands live in records, record_command, views
and figures (sharing common, output and record_options); each loads the parts of the
ledger it needs when it runs, so that ``ledger --help`` starts quickly. The top layer: it
may import every other package.
"""

from ledger.cli.starting import Loading

with Loading():  # Ctrl-C while click and the commands load: a line, not a traceback
    from ledger.cli.group import main

__all__ = ["main"]
