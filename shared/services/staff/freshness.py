"""Freshness targets: saveFreshnessTarget, listFreshnessTargets, deleteFreshnessTarget and
refreshQueue (Cloud Scheduler, every 10 minutes).

A target's places are the callable locations its filter matches, queued or not (the filter's
`queued` keys are ignored). Their latest report time is the location's `latest_report_at`,
kept by every report: no report is read. refreshQueue queues the due and overdue places with
the bulk-add machinery (`openings.open_all`: one guard per place, so never two open entries
for a place) and raises queued ones as a more urgent bulk add does (`merges`); see
shared/domain/freshness.py for the rules and shared/records/freshness.py for the fences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base import logs
from shared.base.answers import Answer, Moment
from shared.base.clock import iso, local_day
from shared.base.errors import ApiError
from shared.domain import callability, contact_hours, freshness
from shared.domain.callability import CallableState
from shared.domain.contact_hours import ContactPolicy
from shared.domain.freshness import Candidate, Target, TargetDay, TargetRun
from shared.domain.models import DEFAULT_QUEUE, PRIORITY_GROUPS, PriorityGroup
from shared.records import bulk_adds, entries, merges, openings, reasons, saved_queues
from shared.records import freshness as records
from shared.services.staff import locations
from shared.services.staff.locations import LocationFilter

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from google.cloud.firestore import Client

    from shared.adapters.config import Settings

# Who refreshQueue's adds and raises are recorded as (bulk adds, entries' `added_by`).
SYSTEM = User(uid="freshness", email=None, roles=frozenset())
# What a refresh reads of each matching place.
PLACE_FIELDS = [
    "latest_report_at",
    "state",
    "hours",
    "timezone",
    "longitude",
    "queued",
    *callability.FIELDS,
]
# A completed call: a report that completed or rescheduled its entry.
CALL_OUTCOMES = ("completed", "skipped")


class SaveTargetBody(BaseModel):
    """saveFreshnessTarget's body: a target (an existing id replaces it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(
        None,
        pattern=freshness.ID_PATTERN,
        description="[a-z0-9-]{1,64}; omitted: made from the name.",
    )
    name: str = Field(min_length=1, max_length=100)
    filter: LocationFilter = Field(
        default_factory=LocationFilter,
        description="The Locations page's filter ({} = every place); `queued` is ignored.",
    )
    max_age_hours: int = Field(ge=1, le=freshness.MAX_AGE_HOURS)
    lead_hours: int = Field(
        freshness.DEFAULT_LEAD_HOURS,
        ge=0,
        le=freshness.MAX_AGE_HOURS,
        description="Queue places that pass their maximum age within this many hours.",
    )
    queue: store.DocumentId = Field("default", description="An existing queue.")
    reason: str = Field(
        freshness.DEFAULT_REASON, min_length=1, max_length=reasons.MAX_REASON_LENGTH
    )
    due_group: PriorityGroup = freshness.DEFAULT_DUE_GROUP
    overdue_group: PriorityGroup = freshness.DEFAULT_OVERDUE_GROUP

    @model_validator(mode="after")
    def _coherent(self) -> SaveTargetBody:
        freshness.check_lead(self.max_age_hours, self.lead_hours)
        freshness.check_groups(self.due_group, self.overdue_group)
        return self


class TargetRef(BaseModel):
    """deleteFreshnessTarget's body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=freshness.ID_PATTERN)


def stored_filter(flt: LocationFilter) -> dict[str, Any]:
    """The filter as a target keeps it: the keys given, without the queued ones."""
    return flt.model_dump(exclude_defaults=True, exclude={"queued", "not_queued"})


def save_target(db: Client, user: User, body: SaveTargetBody, now: datetime) -> dict[str, Any]:
    """Create or replace a target; 404 unknown_queue for a queue that does not exist."""
    queue = saved_queues.get(db, body.queue).id
    target_id = body.id or freshness.id_from_name(body.name)
    existing = records.get(db, target_id)
    reason = reasons.ensure(db, body.reason, user.uid, now)
    target = Target(
        id=target_id,
        name=body.name,
        filter=stored_filter(body.filter),
        max_age_hours=body.max_age_hours,
        lead_hours=body.lead_hours,
        queue=queue,
        reason=reason,
        due_group=body.due_group,
        overdue_group=body.overdue_group,
        created_at=existing.created_at if existing is not None else now,
        updated_at=now,
        updated_by=user.email or user.uid,
    )
    records.save(db, target)
    records.forget_headline(db)
    return {"target": view(target)}


def delete_target(db: Client, body: TargetRef) -> dict[str, Any]:
    records.delete(db, body.id)
    records.forget_headline(db)
    return {"deleted": body.id}


def view(target: Target) -> dict[str, Any]:
    return {
        "id": target.id,
        "name": target.name,
        "filter": target.filter,
        "max_age_hours": target.max_age_hours,
        "lead_hours": target.lead_hours,
        "queue": target.queue,
        "reason": target.reason,
        "due_group": target.due_group,
        "overdue_group": target.overdue_group,
        "created_at": iso(target.created_at),
        "updated_at": iso(target.updated_at),
        "updated_by": target.updated_by,
    }


# The places of a target


def places_of(db: Client, target: Target) -> dict[str, dict[str, Any]]:
    """The callable places the target's filter matches, each with PLACE_FIELDS (one read
    each, through the Locations page's indexed query)."""
    flt = LocationFilter.model_validate(target.filter)
    if flt.callable_state not in (None, "callable"):
        return {}
    # Callability is decided from the fields (documents stored before `callable_state`).
    flt = flt.model_copy(update={"callable_state": None, "queued": None, "not_queued": False})
    found: dict[str, dict[str, Any]] = {}
    for snapshot in locations.base_query(db, flt).select(PLACE_FIELDS).stream():
        data = snapshot.to_dict() or {}
        if callability.state_of_document(data) == "callable":
            found[snapshot.id] = data
    return found


def latest_of(data: dict[str, Any]) -> datetime | None:
    value = data.get("latest_report_at")
    return value if isinstance(value, datetime) else None


def opening_of(
    contact: ContactPolicy | None, data: dict[str, Any], now: datetime
) -> datetime | None:
    """When the place may next be called (the draw's rule); `now` without contact windows."""
    if contact is None:
        return now
    longitude = data.get("longitude")
    return contact_hours.opening_for(
        contact,
        data.get("hours") if isinstance(data.get("hours"), str) else None,
        data.get("timezone") if isinstance(data.get("timezone"), str) else None,
        data.get("state") if isinstance(data.get("state"), str) else None,
        float(longitude) if isinstance(longitude, int | float) else None,
        now,
    )


# refreshQueue


@dataclass
class Refresh:
    targets: int = 0
    added: int = 0
    raised: int = 0
    skipped_closed: int = 0
    already_queued: int = 0
    more: bool = False
    # Targets another run of the same 10-minute slot refreshed (a retry, an overlap).
    fenced: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "added": self.added,
            "raised": self.raised,
            "skipped_closed": self.skipped_closed,
            "already_queued": self.already_queued,
            "more": self.more,
            "fenced": self.fenced,
        }


def refresh(db: Client, settings: Settings, now: datetime) -> Refresh:
    """Refresh every target once per 10-minute slot; at most `freshness_max_per_run` places
    added or raised in all (then `more`, and the next run goes on)."""
    result = Refresh()
    targets = records.all_targets(db)
    result.targets = len(targets)
    slot = freshness.slot_of(now)
    # Each slot starts at another target, so a cap hit by a large target starves none.
    start = slot % len(targets) if targets else 0
    budget = settings.freshness_max_per_run
    cache: dict[int, set[str]] = {}
    withins: list[dict[str, bool]] = []
    for target in targets[start:] + targets[:start]:
        run = TargetRun(id=freshness.run_id(target.id, slot), target=target.id, slot=slot, at=now)
        if not records.first_in_slot(db, run):
            result.fenced += 1
            continue
        budget = _refresh_target(db, settings, target, now, budget, result, cache, withins)
    if targets and not result.fenced:
        store_headline(db, freshness.headline(withins), now)
    logs.info("refreshQueue", **result.as_json())
    return result


def _refresh_target(
    db: Client,
    settings: Settings,
    target: Target,
    now: datetime,
    budget: int,
    result: Refresh,
    cache: dict[int, set[str]],
    withins: list[dict[str, bool]],
) -> int:
    """One target's refresh; answers the budget left."""
    places = places_of(db, target)
    latest = {place_id: latest_of(data) for place_id, data in places.items()}
    write_day(db, target, latest, now, settings.tz)
    withins.append({p: freshness.is_within(t, now, target.max_age) for p, t in latest.items()})
    candidates = [
        Candidate(place_id, when, False)
        for place_id, when in latest.items()
        if freshness.standing(when, now, target.max_age, target.lead) != "within"
    ]
    queued = entries.queued(db, [c.id for c in candidates]) if candidates else set()
    plan = freshness.plan(
        [Candidate(c.id, c.latest, c.id in queued) for c in candidates],
        now,
        target.max_age,
        target.lead,
    )
    # Raise first: an overdue place already queued is the most urgent work of all.
    raisable = [
        (place_id, group)
        for ids, group in (
            (plan.queued_overdue, target.overdue_group),
            (plan.queued_due, target.due_group),
        )
        for place_id in ids
        if place_id in less_urgent(db, group, cache)
    ]
    result.already_queued += len(queued) - len(raisable)
    for place_id, group in raisable:
        if budget <= 0:
            result.more = True
            result.already_queued += 1
            continue
        budget -= 1
        if merges.raise_entry(db, place_id, group, target.reason, SYSTEM.uid, now):
            result.raised += 1
        else:
            result.already_queued += 1
    contact = settings.contact_policy
    for ids, group in ((plan.add_overdue, target.overdue_group), (plan.add_due, target.due_group)):
        picked: list[str] = []
        for place_id in ids:
            if freshness.stays_closed(opening_of(contact, places[place_id], now), now, target.lead):
                result.skipped_closed += 1
                continue
            if budget <= 0:
                result.more = True
                break
            picked.append(place_id)
            budget -= 1
        result.added += _open(db, target, group, picked, places, now, result)
    return budget


def less_urgent(db: Client, group: int, cache: dict[int, set[str]]) -> set[str]:
    """The places whose open entry (in rotation) is less urgent than `group`: the ones a re-add
    in `group` raises (`merges.raises`). One query over those entries only, instead of two
    reads per queued place; `merges.raise_entry` checks each again in its transaction."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    if group not in cache:
        query = (
            db.collection(store.ENTRIES)
            .where(filter=FieldFilter("open", "==", True))
            .where(filter=FieldFilter("needs_attention", "==", False))
            .where(filter=FieldFilter("priority_group", ">", group))
            .select(["location_id"])
        )
        cache[group] = {str((s.to_dict() or {}).get("location_id")) for s in query.stream()}
    return cache[group]


def _open(
    db: Client,
    target: Target,
    group: int,
    picked: list[str],
    places: dict[str, dict[str, Any]],
    now: datetime,
    result: Refresh,
) -> int:
    """Queue the picked places in `group` as one bulk add (listed and undoable like staff's)."""
    if not picked:
        return 0
    states = {place_id: str(places[place_id].get("state") or "") for place_id in picked}
    bulk_id = bulk_adds.record(db, SYSTEM, None, target.reason, group, now)
    opening = openings.Opening(target.reason, group, target.queue, SYSTEM.uid, bulk_id)
    try:
        added, raced = openings.open_all(db, picked, states, opening, now)
    except ApiError as exc:
        # Staff adding the same places at this moment: the next run picks up the rest.
        logs.warning("freshness refresh stopped", target=target.id, error=exc.error)
        result.more = True
        return 0
    result.already_queued += raced
    bulk_adds.count_added(db, bulk_id, added)
    return added


def write_day(
    db: Client, target: Target, latest: dict[str, datetime | None], now: datetime, tz: ZoneInfo
) -> freshness.Figures:
    figures = freshness.figures(latest, now, target.max_age)
    day = local_day(now, tz).isoformat()
    records.write_day(
        db,
        TargetDay(
            id=freshness.day_id(target.id, day),
            target=target.id,
            day=day,
            places=figures.places,
            within=figures.within,
            share_within=figures.share_within,
            at=now,
        ),
    )
    return figures


# listFreshnessTargets


def list_targets(db: Client, settings: Settings, now: datetime) -> dict[str, Any]:
    """Every target with its figures now, its last 7 days and its queue's forecast, and the
    headline over all of them."""
    targets = records.all_targets(db)
    queues: dict[str, tuple[float, dict[int, int]]] = {}
    listed = []
    within_by_target = []
    days = [
        (local_day(now, settings.tz) - timedelta(days=n)).isoformat()
        for n in range(freshness.HISTORY_DAYS - 1, -1, -1)
    ]
    for target in targets:
        places = places_of(db, target)
        latest = {place_id: latest_of(data) for place_id, data in places.items()}
        within_by_target.append(
            {p: freshness.is_within(t, now, target.max_age) for p, t in latest.items()}
        )
        figures = freshness.figures(latest, now, target.max_age)
        if target.queue not in queues:
            queues[target.queue] = (
                calls_per_hour(db, target.queue, now),
                open_by_group(db, target.queue),
            )
        rate, open_groups = queues[target.queue]
        history = records.days(db, target.id, days)
        listed.append(
            {
                **view(target),
                "figures": {
                    "places": figures.places,
                    "within": figures.within,
                    "share_within": figures.share_within,
                    "overdue": figures.overdue,
                    "oldest_report_at": _iso(figures.oldest_report_at),
                    "never_reported": figures.never_reported,
                    "history": [{"day": d.day, "share_within": d.share_within} for d in history],
                    "forecast": {
                        "calls_per_hour": rate,
                        "groups": [
                            {"group": g.group, "open": g.open, "empties_at": _iso(g.empties_at)}
                            for g in freshness.drain(open_groups, rate, now)
                        ],
                        "will_pass_before_reached": freshness.will_pass_before_reached(
                            queued_deadlines(db, target, places), open_groups, rate, now
                        ),
                    },
                },
            }
        )
    found = freshness.headline(within_by_target)
    if targets:
        store_headline(db, found, now)
    return {
        "targets": listed,
        "headline": _headline(found),
        "as_of": iso(now),
    }


# How old a stored headline the Overview shows; older (or none), it computes one.
HEADLINE_FRESH = timedelta(minutes=15)


def store_headline(db: Client, found: freshness.Headline, now: datetime) -> None:
    records.write_headline(db, {**_headline(found), "at": now})


def headline(db: Client, now: datetime) -> dict[str, Any] | None:
    """The headline over every target's places (None without targets): the Overview's.

    From the one document the latest refresh (every 10 minutes) or Freshness page stored,
    while it is recent; saving or deleting a target drops it. Else computed over every
    target's places, and stored.
    """
    stored = records.read_headline(db)
    at = stored.get("at") if stored else None
    if stored and isinstance(at, datetime) and timedelta(0) <= now - at <= HEADLINE_FRESH:
        return {key: stored[key] for key in ("places", "within", "share_within", "overdue")}
    targets = records.all_targets(db)
    if not targets:
        return None
    within = [
        {p: freshness.is_within(latest_of(d), now, t.max_age) for p, d in places_of(db, t).items()}
        for t in targets
    ]
    found = freshness.headline(within)
    store_headline(db, found, now)
    return _headline(found)


def _headline(found: freshness.Headline) -> dict[str, Any]:
    return {
        "places": found.places,
        "within": found.within,
        "share_within": found.share_within,
        "overdue": found.overdue,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def calls_per_hour(db: Client, queue: str, now: datetime) -> float:
    """Completed calls of the last hour in the queue: its entries closed by a report."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection(store.ENTRIES)
        .where(filter=FieldFilter("queue", "==", queue))
        .where(filter=FieldFilter("closed_at", ">=", now - timedelta(hours=1)))
        .select(["outcome"])
    )
    return float(
        sum(1 for s in query.stream() if (s.to_dict() or {}).get("outcome") in CALL_OUTCOMES)
    )


def open_by_group(db: Client, queue: str) -> dict[int, int]:
    """Open entries in rotation (not flagged for staff) of the queue, per priority group."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    counts: dict[int, int] = {}
    for group in PRIORITY_GROUPS:
        query: Any = (
            db.collection(store.ENTRIES)
            .where(filter=FieldFilter("open", "==", True))
            .where(filter=FieldFilter("needs_attention", "==", False))
            .where(filter=FieldFilter("queue", "==", queue))
            .where(filter=FieldFilter("priority_group", "==", group))
        )
        counts[group] = int(query.count().get()[0][0].value)
    return counts


def queued_deadlines(
    db: Client, target: Target, places: dict[str, dict[str, Any]]
) -> list[tuple[datetime, int]]:
    """(when it passes the maximum age, its open entry's group) of each reported place of the
    target queued in the target's queue (the `queued` mark preselects, the guard decides)."""
    latest = {
        p: when for p, d in places.items() if d.get("queued") is True and (when := latest_of(d))
    }
    owners = entries.guard_owners(db, list(latest))
    refs = [db.collection(store.ENTRIES).document(e) for e in owners.values()]
    fields = ["location_id", "priority_group", "queue", "open"]
    found: list[tuple[datetime, int]] = []
    for start in range(0, len(refs), openings.READ_CHUNK):
        chunk = refs[start : start + openings.READ_CHUNK]
        for snapshot in db.get_all(chunk, field_paths=fields):
            data = snapshot.to_dict() or {}
            when = latest.get(str(data.get("location_id")))
            if when is None or data.get("open") is not True:
                continue
            if data.get("queue", DEFAULT_QUEUE) != target.queue:
                continue
            found.append((when + target.max_age, int(data.get("priority_group") or 99)))
    return found


# Answers


class FilterView(Answer):
    """A target's filter: the Locations page's keys it was saved with ({}: every place)."""

    state: str | None = None
    county: str | None = None
    location_type: str | None = None
    affiliation: str | None = None
    callable_state: CallableState | None = None
    q: str | None = None


class TargetView(Answer):
    """A freshness target as the API shows it."""

    id: str
    name: str
    filter: FilterView
    max_age_hours: int
    lead_hours: int
    queue: str
    reason: str
    due_group: int
    overdue_group: int
    created_at: Moment
    updated_at: Moment
    updated_by: str


class SavedTarget(Answer):
    """saveFreshnessTarget's answer."""

    target: TargetView


class DeletedTarget(Answer):
    """deleteFreshnessTarget's answer."""

    deleted: str


class DayShare(Answer):
    day: str
    share_within: float


class GroupDrain(Answer):
    group: int
    open: int
    # now + (open entries up to and including this group) / calls_per_hour; null at rate 0.
    empties_at: Moment | None


class Forecast(Answer):
    # Completed calls (entries closed by a report) of the last hour in the target's queue.
    calls_per_hour: float
    groups: list[GroupDrain]
    will_pass_before_reached: int


class TargetFigures(Answer):
    places: int
    within: int
    share_within: float
    overdue: int
    # null: some place was never reported on (or there are no places).
    oldest_report_at: Moment | None
    never_reported: int
    history: list[DayShare]
    forecast: Forecast


class TargetWithFigures(TargetView):
    figures: TargetFigures


class FreshnessHeadline(Answer):
    """Over the union of every target's places: a place counts once, within only if within
    every target it is in."""

    places: int
    within: int
    share_within: float
    overdue: int


class TargetList(Answer):
    """listFreshnessTargets' answer."""

    targets: list[TargetWithFigures]
    headline: FreshnessHeadline
    as_of: Moment


class Refreshed(Answer):
    """refreshQueue's answer: what this run did over every target."""

    targets: int
    added: int
    raised: int
    skipped_closed: int
    already_queued: int
    # The per-run cap was hit: the next run goes on.
    more: bool
    # Targets another run of the same 10-minute slot had already refreshed.
    fenced: int
