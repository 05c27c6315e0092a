"""Queue reasons: why staff put a location in the queue ("New location", "Stale report", ...)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from shared.adapters import store
from shared.domain.models import Reason

if TYPE_CHECKING:
    from google.cloud.firestore import Client

PREVIOUSLY_SKIPPED = "Previously skipped"
MAX_REASON_LENGTH = 100


def slug(name: str) -> str:
    """Stable document id for a reason name: case and punctuation do not make a new reason."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "reason"


def ensure(db: Client, name: str, uid: str, now: datetime) -> str:
    """The reason's stored name, creating the reason the first time it is used."""
    from google.api_core.exceptions import AlreadyExists

    ref = db.collection(store.REASONS).document(slug(name))
    existing = store.load(Reason, ref.get())
    if existing is not None:
        return existing.name
    reason = Reason(id=ref.id, name=name, created_at=now, created_by=uid)
    try:
        ref.create(reason.model_dump(exclude={"id"}))
    except AlreadyExists:
        # Someone created it a moment ago; theirs is the stored spelling.
        raced = store.load(Reason, ref.get())
        return raced.name if raced is not None else name
    return name
