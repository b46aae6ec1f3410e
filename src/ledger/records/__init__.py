"""Records: what one line of an import file and one event in the store hold. The pydantic
models of each kind of record and their field types, exact money, financial years and
months, the kinds by name, and the characters text may hold.

The bottom layer: it imports nothing else of the ledger.
"""
