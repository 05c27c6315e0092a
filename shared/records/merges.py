"""Reason merge: re-adding a queued location with a more urgent group raises its open entry.

Groups run from 1 (most urgent) to 99 (not prioritised). A re-add with a smaller group number
than the open entry's moves the entry to that group and records the new reason beside its
first one; an equal or less urgent re-add changes nothing (it stays "already queued", with no
write, so repeating a large bulk add stays cheap). Entries flagged for staff are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from shared.adapters import store
from shared.domain.models import Entry
from shared.records import entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

READ_CHUNK = 300


def raises(entry: Entry, group: int) -> bool:
    """Whether a re-add in `group` raises this entry: open, in rotation, and less urgent."""
    return entry.open and not entry.needs_attention and group < entry.priority_group


def merged_reasons(entry: Entry, reason: str) -> list[str]:
    """The entry's extra reasons with `reason` added once (the first reason stays `reason`)."""
    known = {entry.reason, *entry.extra_reasons}
    return entry.extra_reasons if reason in known else [*entry.extra_reasons, reason]


def raisable(db: Client, location_ids: Iterable[str], group: int) -> set[str]:
    """Which of these queued locations a re-add in `group` would raise (two reads each).

    Nothing can be more urgent than the least urgent group, so the default group reads nothing.
    """
    from shared.domain.models import PRIORITY_GROUPS

    wanted = list(location_ids)
    if group >= max(PRIORITY_GROUPS) or not wanted:
        return set()
    found: set[str] = set()
    owners = entries.guard_owners(db, wanted)
    for start in range(0, len(owners), READ_CHUNK):
        entry_ids = list(owners.values())[start : start + READ_CHUNK]
        refs = [db.collection(store.ENTRIES).document(i) for i in entry_ids]
        for snapshot in db.get_all(refs):
            entry = store.load(Entry, snapshot)
            if entry is not None and raises(entry, group):
                found.add(entry.location_id)
    return found


def raise_entry(
    db: Client, location_id: str, group: int, reason: str, uid: str, now: datetime
) -> bool:
    """Raise the location's open entry to `group` with `reason`; False if it no longer applies."""

    def run(tx: Transaction) -> bool:
        entry, _ = entries.read_open(db, tx, location_id)
        if entry is None or not raises(entry, group):
            return False
        entries.raise_group(db, tx, entry, group, merged_reasons(entry, reason), uid, now)
        return True

    return entries.transact(db, run)
