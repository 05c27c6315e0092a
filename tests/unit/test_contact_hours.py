"""Contact windows: reading opening hours, time zones, open or closed, and the next opening."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shared.domain import contact_hours
from shared.domain.contact_hours import ALWAYS, ContactPolicy, Span

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
WEEKDAYS_9_5 = tuple(Span(day, 9 * 60, 17 * 60) for day in range(5))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "week"),
    [
        ("Mon-Fri 9am-5pm", WEEKDAYS_9_5),
        ("Mon-Fri 09:00-17:00", WEEKDAYS_9_5),
        ("Monday - Friday 9:00 AM to 5:00 PM", WEEKDAYS_9_5),
        ("weekdays 9-5", WEEKDAYS_9_5),
        ("9am-5pm Mon-Fri", WEEKDAYS_9_5),
        ("Mon-Fri 9 a.m. \u2013 5 p.m. (by appointment)", WEEKDAYS_9_5),
        ("Tue & Thu 1-5pm", (Span(1, 780, 1020), Span(3, 780, 1020))),
        ("Sat 10pm-2am", (Span(5, 22 * 60, 26 * 60),)),
        ("Sun noon-midnight", (Span(6, 720, 1440),)),
        ("Sun 01:00-05:00", (Span(6, 60, 300),)),
        ("Fri-Mon 8-12", tuple(Span(d, 480, 720) for d in (0, 4, 5, 6))),
        ("Mon 9-12, 1-5; Sun closed", (Span(0, 540, 720), Span(0, 780, 1020))),
        ("daily 8a-8p", tuple(Span(d, 480, 1200) for d in range(7))),
        ("9am-5pm", tuple(Span(d, 540, 1020) for d in range(7))),
        ("Open 24 hours", ALWAYS),
        ("24/7", ALWAYS),
        ("always", ALWAYS),
        # Unknown or garbled: the caller falls back to the default window.
        (None, None),
        ("", None),
        ("call for hours", None),
        ("Mon-Fri 25:00-26:00", None),
        ("Mon-Fri 9:75-5", None),
        ("9-5 Mon-Fri, 10-2 Sat", None),
        ("Funday 9-5", None),
    ],
)
def test_parse_hours(text: str | None, week: tuple[Span, ...] | None) -> None:
    assert contact_hours.parse_hours(text) == week


# Issue 16 defect 3: an end without am/pm after a start with one is read as the same-day
# range it most plausibly names, not as an overnight window.
@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("9am-5", 9 * 60, 17 * 60),
        ("9 am - 5", 9 * 60, 17 * 60),
        ("9:30am-6:30", 9 * 60 + 30, 18 * 60 + 30),
        ("10am-11", 10 * 60, 11 * 60),
        ("11am-1", 11 * 60, 13 * 60),
        ("8am-12", 8 * 60, 12 * 60),
        ("9am-17:00", 9 * 60, 17 * 60),
        ("1pm-5", 13 * 60, 17 * 60),
        ("12pm-4", 12 * 60, 16 * 60),
        ("5pm-9", 17 * 60, 21 * 60),
        # No same-day reading: overnight, as written.
        ("10pm-2", 22 * 60, 26 * 60),
        ("6pm-12", 18 * 60, 24 * 60),
    ],
)
def test_end_without_meridiem_reads_as_a_same_day_range(text: str, start: int, end: int) -> None:
    assert contact_hours.parse_hours(f"Mon {text}") == (Span(0, start, end),)


# Issue 16 defect 3: text that says a place is closed means never open (not the default window).
@pytest.mark.parametrize(
    "text",
    [
        "Closed",
        "CLOSED",
        "closed.",
        "Closed temporarily",
        "Temporarily closed",
        "Temporarily Closed due to COVID-19",
        "Permanently closed",
        "PERMANENTLY CLOSED",
        "CLOSED until further notice",
        "Closed until further notice.",
        "Location closed",
        "This location is permanently closed",
        "Closed - moved to 123 Main St",
        "Mon-Sun closed",
        "Closed indefinitely",
    ],
)
def test_text_that_says_closed_is_never_open(text: str) -> None:
    assert contact_hours.parse_hours(text) == contact_hours.NEVER


@pytest.mark.parametrize(
    ("text", "week"),
    [
        # Closed on some days only: the other days' hours stand.
        ("Mon-Fri 9-5, closed weekends", WEEKDAYS_9_5),
        ("Mon-Fri 9-5; Sat-Sun closed", WEEKDAYS_9_5),
        # Closed on named days without any hours: unknown, not closed altogether.
        ("Closed Sundays", None),
        ("closed on holidays", None),
    ],
)
def test_closed_on_some_days_is_not_closed_altogether(
    text: str, week: tuple[Span, ...] | None
) -> None:
    assert contact_hours.parse_hours(text) == week


def test_a_closed_place_is_deferred_a_week_and_never_offered() -> None:
    now = utc("2026-11-30T18:00")
    opening = contact_hours.opening_for(POLICY, "Permanently closed", None, "CA", None, now)
    assert opening == now + contact_hours.CLOSED_RECHECK
    assert contact_hours.CLOSED_RECHECK.days == 7


def test_parse_window_refuses_unreadable_settings() -> None:
    assert contact_hours.parse_window("Mon-Fri 09:00-17:00") == WEEKDAYS_9_5
    with pytest.raises(ValueError, match="cannot read"):
        contact_hours.parse_window("office hours")


@pytest.mark.parametrize(
    ("state", "longitude", "zone"),
    [
        ("CA", -118.2, "America/Los_Angeles"),
        ("ca", None, "America/Los_Angeles"),
        ("NY", None, "America/New_York"),
        ("TX", None, "America/Chicago"),
        ("AZ", None, "America/Phoenix"),
        ("HI", None, "Pacific/Honolulu"),
        (None, -74.0, "America/New_York"),
        (None, -95.4, "America/Chicago"),
        (None, -105.0, "America/Denver"),
        (None, -122.4, "America/Los_Angeles"),
        (None, -157.9, "Pacific/Honolulu"),
        ("ZZ", None, "America/Los_Angeles"),
        (None, None, "America/Los_Angeles"),
    ],
)
def test_zone_for(state: str | None, longitude: float | None, zone: str) -> None:
    assert contact_hours.zone_for(state, longitude, "America/Los_Angeles") == ZoneInfo(zone)


# 2026 in the US: clocks spring forward on Sunday 8 March at 02:00 and fall back on Sunday
# 1 November at 02:00. Los Angeles is UTC-8 in winter and UTC-7 in summer.
@pytest.mark.parametrize(
    ("hours", "zone", "now", "expected"),
    [
        # Friday 27 Nov 2026 in LA (UTC-8): 09:00 local is 17:00 UTC.
        ("Mon-Fri 9-5", LA, "2026-11-27T16:59", "2026-11-27T17:00"),
        ("Mon-Fri 9-5", LA, "2026-11-27T17:00", "2026-11-27T17:00"),
        ("Mon-Fri 9-5", LA, "2026-11-28T00:59", "2026-11-28T00:59"),
        # 17:00 local is closed again: next opening is Monday.
        ("Mon-Fri 9-5", LA, "2026-11-28T01:00", "2026-11-30T17:00"),
        # The same wall-clock hours in New York open three hours earlier in UTC.
        ("Mon-Fri 9-5", NY, "2026-11-27T13:00", "2026-11-27T14:00"),
        # The weekend before spring-forward: Monday 09:00 is already PDT (16:00 UTC, not 17:00).
        ("Mon-Fri 9-5", LA, "2026-03-07T20:00", "2026-03-09T16:00"),
        # Opening inside the spring-forward gap (02:30 never happens): at the jump, 03:00 PDT.
        ("Sun 02:30-05:00", LA, "2026-03-08T09:00", "2026-03-08T10:00"),
        # The weekend before fall-back: Monday 09:00 is PST again (17:00 UTC).
        ("Mon-Fri 9-5", LA, "2026-10-31T20:00", "2026-11-02T17:00"),
        # Fall-back overlap: 01:30-01:45 happens twice; at 01:50 PDT the next is 01:30 PST.
        ("Sun 01:30-01:45", LA, "2026-11-01T08:50", "2026-11-01T09:30"),
        ("Sun 01:30-01:45", LA, "2026-11-01T08:35", "2026-11-01T08:35"),
        # Overnight: Saturday 22:00 to Sunday 02:00.
        ("Sat 10pm-2am", LA, "2026-11-29T09:30", "2026-11-29T09:30"),
        ("Sat 10pm-2am", LA, "2026-11-29T10:00", "2026-12-06T06:00"),
        ("Sat 10pm-2am", LA, "2026-11-28T20:00", "2026-11-29T06:00"),
    ],
)
def test_next_opening(hours: str, zone: ZoneInfo, now: str, expected: str) -> None:
    week = contact_hours.parse_hours(hours)
    assert week is not None
    assert contact_hours.next_opening(week, zone, utc(now)) == utc(expected)
    assert contact_hours.is_open(week, zone, utc(now)) == (now == expected)


def test_spring_forward_gap_hours_are_never_on_the_clock() -> None:
    week = contact_hours.parse_hours("Sun 2am-3am")
    assert week is not None
    # 01:59 PST and then 03:00 PDT: the window never shows on the clock that night, so the
    # next opening is a week later (still PDT).
    assert contact_hours.next_opening(week, LA, utc("2026-03-08T09:59")) == utc("2026-03-15T09:00")


POLICY = ContactPolicy(default=WEEKDAYS_9_5)


@pytest.mark.parametrize(
    ("hours", "state", "longitude", "now", "expected"),
    [
        # Known hours win over the default window.
        ("Sat 10-2", "CA", None, "2026-11-28T19:00", "2026-11-28T19:00"),
        # Unknown or garbled hours: the default (weekdays 9-5), in the state's zone.
        (None, "CA", None, "2026-11-28T19:00", "2026-11-30T17:00"),
        ("ring the bell", "CA", None, "2026-11-28T19:00", "2026-11-30T17:00"),
        (None, "NY", None, "2026-11-30T14:30", "2026-11-30T14:30"),
        # No known state: the longitude decides the zone.
        (None, None, -74.0, "2026-11-30T14:30", "2026-11-30T14:30"),
        (None, None, -118.0, "2026-11-30T14:30", "2026-11-30T17:00"),
    ],
)
def test_opening_for(
    hours: str | None, state: str | None, longitude: float | None, now: str, expected: str
) -> None:
    assert contact_hours.opening_for(POLICY, hours, None, state, longitude, utc(now)) == utc(
        expected
    )


# Issue 16 defect 4: the zone stored on the location (from its coordinates) wins over its state.
@pytest.mark.parametrize(
    ("timezone", "state", "now", "expected"),
    [
        # Monday 30 Nov 2026, 15:30 UTC: 09:30 in Houston (CST), 08:30 in El Paso (MST).
        (None, "TX", "2026-11-30T15:30", "2026-11-30T15:30"),
        ("America/Chicago", "TX", "2026-11-30T15:30", "2026-11-30T15:30"),
        ("America/Denver", "TX", "2026-11-30T15:30", "2026-11-30T16:00"),
        # Pensacola (CST) against the state's Eastern time.
        (None, "FL", "2026-11-30T14:30", "2026-11-30T14:30"),
        ("America/Chicago", "FL", "2026-11-30T14:30", "2026-11-30T15:00"),
        # A stored name no zone database knows falls back to the state.
        ("Mars/Olympus_Mons", "TX", "2026-11-30T15:30", "2026-11-30T15:30"),
    ],
)
def test_opening_for_uses_the_stored_zone(
    timezone: str | None, state: str, now: str, expected: str
) -> None:
    assert contact_hours.opening_for(POLICY, "Mon-Fri 9-5", timezone, state, None, utc(now)) == utc(
        expected
    )
