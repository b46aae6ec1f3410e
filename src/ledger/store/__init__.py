"""The event store: the eventsourcing application that appends records as events and reads
the log back, the domain events with their explicit topics, the SQLite and PostgreSQL
recorders with the hash chain and the sums kept beside the events, the transcoder, and
the files on disk the store lives in.

May import ledger.records, and nothing above it.
"""
