"""Explaining what the ledger holds: the log of records, how one figure changed (the audit
timeline behind audit, diff and chart), and the invariants ``ledger check`` verifies.

May import ledger.views, ledger.store and ledger.records; never writing, data or cli.
"""
