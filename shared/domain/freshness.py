"""Freshness targets: how old a place's latest report may grow, and what follows (no I/O).

A target names a set of places (a location filter), a maximum report age and a lead time. A
place is *within* the target while its latest report is younger than the maximum age; *due*
once it is within `lead` of passing it; *overdue* once past it, or when it was never
reported on. refreshQueue queues the due and overdue places, oldest report first (never
reported first of all), in the target's `due_group`, or its more urgent `overdue_group` once
overdue. Places that stay closed through the lead time are left for a later run.

The forecast assumes callers work through a queue in group order at the rate of the last
hour's completed calls and, inside a group, take entries in random order (the draw is
uniform within a group): an entry of group g is reached, on average, after every entry of the
more urgent groups and half of its own group's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from shared.domain.models import PRIORITY_GROUPS, Document

ID_PATTERN = r"^[a-z0-9-]{1,64}$"
MAX_AGE_HOURS = 8760
DEFAULT_LEAD_HOURS = 12
DEFAULT_REASON = "Stale report"
DEFAULT_DUE_GROUP = 3
DEFAULT_OVERDUE_GROUP = 2
# refreshQueue runs every this many seconds (Cloud Scheduler's "*/10 * * * *"); one run per
# target and slot does the work (`freshness_runs/{target}-{slot}` fence).
SLOT_SECONDS = 600
HISTORY_DAYS = 7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Standing = Literal["within", "due", "overdue"]


def check_groups(due_group: int, overdue_group: int) -> None:
    """ValueError unless both are priority groups and overdue is at least as urgent."""
    for name, group in (("due_group", due_group), ("overdue_group", overdue_group)):
        if group not in PRIORITY_GROUPS:
            raise ValueError(f"{name} must be one of {', '.join(map(str, PRIORITY_GROUPS))}")
    if overdue_group > due_group:
        raise ValueError(
            "overdue_group must be as urgent as due_group or more (a number no larger)"
        )


def check_lead(max_age_hours: int, lead_hours: int) -> None:
    if not 0 <= lead_hours <= max_age_hours:
        raise ValueError("lead_hours must be between 0 and max_age_hours")


def id_from_name(name: str) -> str:
    """A target id from its name: lower case, digits and '-', at most 64 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:64].strip("-")
    return slug or "target"


class Target(Document):
    """`freshness_targets/{id}`: one freshness target as stored (the filter as its JSON)."""

    id: str
    name: str
    filter: dict[str, Any] = Field(default_factory=dict)
    max_age_hours: int
    lead_hours: int = DEFAULT_LEAD_HOURS
    queue: str = "default"
    reason: str = DEFAULT_REASON
    due_group: int = DEFAULT_DUE_GROUP
    overdue_group: int = DEFAULT_OVERDUE_GROUP
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @model_validator(mode="after")
    def _coherent(self) -> Target:
        check_lead(self.max_age_hours, self.lead_hours)
        check_groups(self.due_group, self.overdue_group)
        return self

    @property
    def max_age(self) -> timedelta:
        return timedelta(hours=self.max_age_hours)

    @property
    def lead(self) -> timedelta:
        return timedelta(hours=self.lead_hours)


class TargetDay(Document):
    """`freshness_days/{target}_{YYYY-MM-DD}`: a target's share within on one day (org zone),
    overwritten by every refresh of that day: the last one stands."""

    id: str
    target: str
    day: str
    places: int
    within: int
    share_within: float
    at: datetime


class TargetRun(Document):
    """`freshness_runs/{target}-{slot}`: created first by the refresh of a target in one
    10-minute slot; a second run of the slot (a retry, an overlap) finds it and skips."""

    id: str
    target: str
    slot: int
    at: datetime


def slot_of(now: datetime, seconds: int = SLOT_SECONDS) -> int:
    return int(now.timestamp() // seconds)


def run_id(target: str, slot: int) -> str:
    return f"{target}-{slot}"


def day_id(target: str, day: str) -> str:
    return f"{target}_{day}"


# Standing of one place


def standing(
    latest: datetime | None, now: datetime, max_age: timedelta, lead: timedelta
) -> Standing:
    """Overdue: never reported, or the latest report is `max_age` old or older; due: it will
    be within `lead`; within otherwise."""
    if latest is None or now - latest >= max_age:
        return "overdue"
    if now - latest >= max_age - lead:
        return "due"
    return "within"


def is_within(latest: datetime | None, now: datetime, max_age: timedelta) -> bool:
    return latest is not None and now - latest < max_age


def oldest_first_key(latest: datetime | None) -> datetime:
    """Sort key: never reported first, then the oldest latest report."""
    return EPOCH if latest is None else latest


def stays_closed(opening: datetime | None, now: datetime, lead: timedelta) -> bool:
    """Whether a place that next opens at `opening` (None: never) is closed all through the
    lead time: queueing it now would only have its entry deferred."""
    return opening is None or opening > now + lead


@dataclass(frozen=True)
class Candidate:
    """A place a refresh looks at: its latest report and whether it is queued."""

    id: str
    latest: datetime | None
    queued: bool


@dataclass(frozen=True)
class Plan:
    """What one refresh of one target should do: places to queue per group, oldest first,
    queued places to raise (or leave), and how many were within."""

    add_due: list[str]
    add_overdue: list[str]
    queued_due: list[str]
    queued_overdue: list[str]


def plan(places: Iterable[Candidate], now: datetime, max_age: timedelta, lead: timedelta) -> Plan:
    """The due and overdue places, oldest first, split into queued and not queued."""
    ordered = sorted(places, key=lambda p: (oldest_first_key(p.latest), p.id))
    add_due: list[str] = []
    add_overdue: list[str] = []
    queued_due: list[str] = []
    queued_overdue: list[str] = []
    for place in ordered:
        state = standing(place.latest, now, max_age, lead)
        if state == "within":
            continue
        if place.queued:
            (queued_overdue if state == "overdue" else queued_due).append(place.id)
        else:
            (add_overdue if state == "overdue" else add_due).append(place.id)
    return Plan(add_due, add_overdue, queued_due, queued_overdue)


# Figures


@dataclass(frozen=True)
class Figures:
    places: int
    within: int
    share_within: float
    overdue: int
    oldest_report_at: datetime | None
    never_reported: int


def share(within: int, places: int) -> float:
    return 1.0 if places == 0 else within / places


def figures(latest: Mapping[str, datetime | None], now: datetime, max_age: timedelta) -> Figures:
    """A target's figures now from each matching place's latest report time."""
    places = len(latest)
    within = sum(1 for t in latest.values() if is_within(t, now, max_age))
    never = sum(1 for t in latest.values() if t is None)
    reported = [t for t in latest.values() if t is not None]
    oldest = None if never or not reported else min(reported)
    return Figures(places, within, share(within, places), places - within, oldest, never)


@dataclass(frozen=True)
class Headline:
    places: int
    within: int
    share_within: float
    overdue: int


def headline(per_target: Iterable[Mapping[str, bool]]) -> Headline:
    """Over the union of the targets' places: a place in several targets counts once, and is
    within only if it is within every target it is in."""
    union: dict[str, bool] = {}
    for within in per_target:
        for place, ok in within.items():
            union[place] = union.get(place, True) and ok
    places = len(union)
    inside = sum(union.values())
    return Headline(places, inside, share(inside, places), places - inside)


# Forecast


@dataclass(frozen=True)
class GroupForecast:
    group: int
    open: int
    empties_at: datetime | None


def drain(open_by_group: Mapping[int, int], rate: float, now: datetime) -> list[GroupForecast]:
    """When each group empties, most urgent first: every entry up to and including the group
    is done at `rate` calls an hour (None when the rate is 0)."""
    out: list[GroupForecast] = []
    done = 0
    for group in sorted(open_by_group):
        done += open_by_group[group]
        at = now + timedelta(hours=done / rate) if rate > 0 else None
        out.append(GroupForecast(group, open_by_group[group], at))
    return out


def reached_at(
    group: int, open_by_group: Mapping[int, int], rate: float, now: datetime
) -> datetime | None:
    """When a caller reaches, on average, an entry of `group`: after every more urgent entry
    and half of the group's own (the draw is uniform within a group); None at rate 0."""
    if rate <= 0:
        return None
    before = sum(n for g, n in open_by_group.items() if g < group)
    ahead = before + (open_by_group.get(group, 0) + 1) / 2
    return now + timedelta(hours=ahead / rate)


def will_pass_before_reached(
    queued: Iterable[tuple[datetime, int]],
    open_by_group: Mapping[int, int],
    rate: float,
    now: datetime,
) -> int:
    """Of the queued places not yet past their maximum age, given as (the moment they pass
    it, their entry's group), how many pass it before a caller reaches them."""
    count = 0
    for deadline, group in queued:
        if deadline <= now:
            continue
        reach = reached_at(group, open_by_group, rate, now)
        if reach is None or reach > deadline:
            count += 1
    return count
