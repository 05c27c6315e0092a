"""Who works when, and how: callers' shifts and call habits, staff's week (pure).

Times are simulated; hours are Pacific (the organisation's zone). A caller's choices come
from their own `random.Random`, so a seed replays the same week.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Share of the peak on duty, per Pacific hour: weekdays peak in the daytime, fewer in the
# evening, few at weekends, nobody at night.
WEEKDAY_SHARE = {
    6: 0.15, 7: 0.25, 8: 0.5, 9: 1.0, 10: 1.0, 11: 1.0, 12: 0.7, 13: 1.0, 14: 1.0,
    15: 1.0, 16: 0.8, 17: 0.3, 18: 0.3, 19: 0.25, 20: 0.15,
}  # fmt: skip
WEEKEND_SHARE = {10: 0.15, 11: 0.15, 12: 0.15, 13: 0.15, 14: 0.15, 15: 0.1, 16: 0.1}


def on_duty_count(peak: int, moment: datetime) -> int:
    """How many callers work at `moment`: the hour's share of the peak (at least 1 if any)."""
    local = moment.astimezone(PACIFIC)
    shares = WEEKDAY_SHARE if local.weekday() < 5 else WEEKEND_SHARE
    share = shares.get(local.hour, 0.0)
    return 0 if share == 0 else max(1, round(share * peak))


def on_duty(index: int, peak: int, moment: datetime) -> bool:
    """Whether caller `index` works at `moment`: each day a different rotation comes in."""
    local = moment.astimezone(PACIFIC)
    rank = (index + 7 * local.weekday()) % max(peak, 1)
    return rank < on_duty_count(peak, moment)


def groups_of(index: int) -> list[str]:
    """Caller groups: one in five speaks Spanish, two in five are experienced, the rest none."""
    kind = index % 5
    if kind == 0:
        return ["spanish"]
    if kind in (1, 2):
        return ["experienced"]
    return []


# What a caller does with a call to an open place, by weight.
OUTCOMES: dict[str, int] = {
    "report": 62,
    "no_answer": 14,
    "release": 6,
    "extend": 6,
    "abandon": 4,
}
DOUBLE_TAP_REQUEST = 0.08
DOUBLE_TAP_REPORT = 0.04
STATS_AFTER_REPORT = 0.3
REPORT_TAGS = (
    ["Yes: walk-ins accepted"],
    ["Yes: appointment required"],
    ["No: no vaccine inventory"],
    ["Yes: appointments available"],
)


@dataclass(frozen=True)
class Habits:
    """How long things take a person (seconds)."""

    talk: tuple[float, float, float] = (90.0, 720.0, 240.0)  # low, high, mode
    between_calls: tuple[float, float] = (30.0, 120.0)
    nothing_to_call: float = 300.0
    after_abandon: float = 1500.0
    refused_pause: float = 60.0
    no_answer_call_back: tuple[float, float] = (2 * 3600.0, 4 * 3600.0)


def talk_seconds(rng: random.Random, habits: Habits) -> float:
    low, high, mode = habits.talk
    return rng.triangular(low, high, mode)


def outcome(rng: random.Random) -> str:
    return rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]


@dataclass(frozen=True)
class StaffAction:
    """One thing staff do at a simulated moment."""

    at: datetime
    kind: str  # "county_add", "mistaken_add", "undo", "remove", "move", "resume"
    county: str | None = None
    reason: str | None = None
    group: int | None = None
    queue: str = "default"
    count: int = 0


URGENT_REASONS = ("Eva tip", "New location", "Stale report")
# Mid-sized counties of the snapshot, each added in one go during the week.
URGENT_COUNTIES = (
    "Fresno County", "Kern County", "Sacramento County", "San Joaquin County",
    "Stanislaus County", "Tulare County", "Monterey County", "Santa Barbara County",
    "Sonoma County", "Placer County",
)  # fmt: skip


def staff_week(start: datetime, days: int) -> list[StaffAction]:
    """Staff actions over `days` days from Monday `start` (weekdays, Pacific office hours)."""
    actions: list[StaffAction] = []
    counties = iter(URGENT_COUNTIES * 2)
    for day in range(days):
        midnight = start + timedelta(days=day)
        if midnight.astimezone(PACIFIC).weekday() >= 5:
            continue

        def at(hour: float, base: datetime = midnight) -> datetime:
            return base + timedelta(hours=hour)

        actions.append(
            StaffAction(at(10), "county_add", next(counties), URGENT_REASONS[0], 1, "default")
        )
        actions.append(
            StaffAction(at(14), "county_add", next(counties), URGENT_REASONS[1], 1, "urgent")
        )
        actions.append(StaffAction(at(16.5), "resume"))
        if day % 5 == 1:
            actions.append(
                StaffAction(at(11), "mistaken_add", "Los Angeles County", "Data corrections", 2)
            )
            actions.append(StaffAction(at(11.25), "undo"))
        if day % 5 == 2:
            actions.append(StaffAction(at(15), "remove", count=20))
        if day % 5 == 3:
            actions.append(StaffAction(at(10.5), "move", group=1, count=30))
    return sorted(actions, key=lambda a: a.at)
