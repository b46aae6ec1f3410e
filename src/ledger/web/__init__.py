"""``ledger serve``: the views database in a browser, on Datasette. Every named view is a
canned query, tables and columns are described from projections/README.md, money shows
in pounds, and pages of its own show an organisation and the timeline of a figure.

May import ledger.explain, ledger.views, ledger.store and ledger.records; only
ledger.cli imports it. Datasette is the optional extra ``commissioning-ledger[web]``.
"""
