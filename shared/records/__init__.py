"""Reads and fenced writes of each kind of record: entries and their guards, rate-limit slots,
reasons, bulk adds."""
