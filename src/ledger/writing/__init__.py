"""The write path: reading import files, the checks a batch must pass against itself and
the store (ids, references, corrections, components, organisations over time, sums that
stay exact), and the Ledger application that appends only what passes.

May import ledger.store and ledger.records; never views, explain, data or cli.
"""
