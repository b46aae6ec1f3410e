"""The read side: the projector that turns the store's events into rows (an allocation
becomes a posting here), the views database's tables, keeping it caught up with the
store, and the named views of projections/ run read-only within limits.

May import ledger.store and ledger.records; never writing, explain, data or cli.
"""
