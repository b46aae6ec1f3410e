"""Generators of records: events/ from the public data in data/ (published_data), and the
synthetic history of ``ledger demo generate`` for tests and benchmarks.

May import ledger.writing, ledger.store and ledger.records; never views, explain or cli.
"""
