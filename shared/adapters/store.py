"""Firestore client (created lazily, once per process and project) and collection names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel

from shared.base.lazy import PerProcess

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentSnapshot

D = TypeVar("D", bound=BaseModel)

LOCATIONS = "locations"
COUNTIES = "counties"
PROVIDERS = "providers"
REASONS = "reasons"
ENTRIES = "entries"
# One document per queued location, id = location id, created atomically on enqueue:
# the guard that keeps at most one open entry per location on every backend.
OPEN_ENTRIES = "open_entries"
ATTEMPTS = "attempts"
# One document per change of an entry after it opened, id = entry id + new version,
# created first by the change: two changes from the same version cannot both commit.
ENTRY_CHANGES = "entry_changes"
# One document per claim of a caller, id = uid + claim number, created first by the claim:
# a caller's simultaneous requests cannot each claim an entry.
CALLER_LEASES = "caller_leases"
REPORTS = "reports"
# One document per review decision, id = report id, created first by the decision: two staff
# deciding on one report at once cannot both commit.
REVIEW_DECISIONS = "review_decisions"
# One document per staff "add to queue" action (several bulkEnqueue calls), for undo.
BULK_ADDS = "bulk_adds"
CALLERS = "callers"
# Per caller and calendar day: `{uid}_{YYYY-MM-DD}`, a report counter for callerStats' "today".
# (A map of days inside `callers/{uid}` would be one document, but the emulator we run fails
# on increments inside maps.)
CALLER_DAYS = "caller_days"
# Per caller and UTC day: `{uid}_{YYYY-MM-DD}`, callerStatistics' counters
# (shared/domain/caller_figures.py).
CALLER_FIGURES = "caller_figures"
# Named queues staff manage (`default` exists without a document).
QUEUES = "queues"
# One document, `queue_routing/saved`: every saved queue in one read, written with each save,
# so a claim reads the caller and the queues in one round trip (shared/records/saved_queues.py).
QUEUE_ROUTING = "queue_routing"
# One document per queue and time window, created first by a backfill: one refill at a time.
BACKFILLS = "backfills"
# Per user, bucket and fixed window: a request counter (shared/rate_limits.py); deleted by a
# TTL policy on `expires_at` in production.
RATE_LIMITS = "rate_limits"
# Lease clean-up tasks Cloud Tasks refused, id = the task's name: scheduled again later.
PENDING_EXPIRIES = "pending_expiries"
# Staff's freshness targets (shared/domain/freshness.py), id = the target's id.
FRESHNESS_TARGETS = "freshness_targets"
# Per target and day (organisation's zone): `{target}_{YYYY-MM-DD}`, the share of its places
# within the maximum age, overwritten by each refresh of that day (the 7-day chart).
FRESHNESS_DAYS = "freshness_days"
# One document per target and 10-minute slot, id = `{target}-{slot}`, created first by the
# refresh of that target: a retried or overlapping refreshQueue skips a target already done.
FRESHNESS_RUNS = "freshness_runs"

ALL_COLLECTIONS: tuple[str, ...] = (
    LOCATIONS,
    COUNTIES,
    PROVIDERS,
    REASONS,
    ENTRIES,
    OPEN_ENTRIES,
    ATTEMPTS,
    ENTRY_CHANGES,
    CALLER_LEASES,
    REPORTS,
    REVIEW_DECISIONS,
    BULK_ADDS,
    CALLERS,
    CALLER_DAYS,
    CALLER_FIGURES,
    QUEUES,
    QUEUE_ROUTING,
    BACKFILLS,
    RATE_LIMITS,
    PENDING_EXPIRIES,
    FRESHNESS_TARGETS,
    FRESHNESS_DAYS,
    FRESHNESS_RUNS,
)

# Firestore's limit on writes in one commit.
MAX_BATCH_WRITES = 500

_clients: PerProcess[Client] = PerProcess()


def client(project_id: str | None = None) -> Client:
    """The process-wide Firestore client for a project (the settings' one by default)."""
    if project_id is None:
        from shared.adapters.config import get_settings

        project_id = get_settings().project_id

    def build() -> Client:
        from google.cloud import firestore

        return firestore.Client(project=project_id)

    return _clients.get(project_id, build)


def load(model: type[D], snapshot: DocumentSnapshot[Any]) -> D | None:
    """A stored document as its model (the id comes from the document path), None if absent."""
    if not snapshot.exists:
        return None
    data = snapshot.to_dict() or {}
    data["id"] = snapshot.id
    return model.model_validate(data)


def new_id() -> str:
    """A random document id of Firestore's own shape (20 characters, about 119 bits)."""
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


MAX_ID_BYTES = 1500


def id_problem(value: str) -> str | None:
    """Why `value` cannot be a Firestore document id, or None if it can."""
    if not value.strip():
        return "is empty"
    if "/" in value:
        return "contains '/'"
    if value in (".", "..") or re.fullmatch(r"__.*__", value):
        return "is reserved by Firestore"
    if len(value.encode()) > MAX_ID_BYTES:
        return f"is longer than {MAX_ID_BYTES} bytes"
    return None


def _checked_id(value: str) -> str:
    problem = id_problem(value)
    if problem:
        raise ValueError(f"{value[:60]!r} {problem}")
    return value


DocumentId = Annotated[str, AfterValidator(_checked_id)]
