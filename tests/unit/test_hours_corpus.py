"""An independent corpus of opening-hours texts, probed at known local times.

Each text is written the way US pharmacies and clinics publish their hours; the open and
closed probes were written by hand from reading the text, not by running the parser. A
probe is "Day HH:MM" local time in the week of Monday 30 November 2026 (Los Angeles).
Texts marked UNKNOWN may fall back to the default window; every other text must be read,
and a wrong open/closed answer fails.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.domain import contact_hours

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 30, tzinfo=LA)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
UNKNOWN = "unknown"
CLOSED = "closed"
ANY = ("Mon 10:00", "Wed 03:00", "Fri 14:00", "Sat 12:00", "Sun 23:30")


def local(probe: str) -> datetime:
    day, clock = probe.split()
    hour, minute = (int(part) for part in clock.split(":"))
    return MONDAY + timedelta(days=DAYS.index(day), hours=hour, minutes=minute)


# (text, open at, closed at); `closed at` CLOSED means never open, UNKNOWN may fall back.
CORPUS: list[tuple[str, tuple[str, ...], tuple[str, ...] | str]] = [
    # Around the clock.
    ("Open 24 hours", ANY, ()),
    ("24 Hours", ANY, ()),
    ("Open 24 Hours, 7 Days a Week", ANY, ()),
    ("24/7", ANY, ()),
    ("Mon-Sun 24 hours", ANY, ()),
    ("Daily: 24 hours", ANY, ()),
    # Every day.
    ("8:00 AM - 10:00 PM", ("Mon 08:00", "Sat 21:59", "Sun 12:00"), ("Mon 07:59", "Tue 22:00")),
    ("9:00 AM - 9:00 PM", ("Tue 09:00", "Sun 20:59"), ("Tue 08:59", "Tue 21:00", "Wed 02:00")),
    ("Daily 8am-8pm", ("Wed 08:00", "Sun 19:59"), ("Wed 07:59", "Wed 20:00")),
    ("Open daily 7 AM to 11 PM", ("Thu 07:00", "Thu 22:59"), ("Thu 06:59", "Thu 23:00")),
    ("Every day 10am - 6pm", ("Sat 10:00", "Mon 17:59"), ("Sat 09:59", "Sat 18:00")),
    ("7 days a week 9-5", ("Sun 09:00", "Wed 16:59"), ("Sun 08:59", "Sun 17:00")),
    ("10 AM-7 PM", ("Fri 10:00", "Fri 18:59"), ("Fri 09:59", "Fri 19:00")),
    ("9:30am - 6:30pm", ("Mon 09:30", "Mon 18:29"), ("Mon 09:29", "Mon 18:30")),
    # Weekday ranges.
    ("Mon-Fri 9am-5pm", ("Mon 09:00", "Fri 16:59"), ("Mon 08:59", "Mon 17:00", "Sat 12:00")),
    ("Monday - Friday: 8:00 AM - 6:00 PM", ("Tue 08:00", "Thu 17:59"), ("Tue 18:00", "Sun 10:00")),
    ("Mon-Fri 8-6", ("Wed 08:00", "Wed 17:59"), ("Wed 07:59", "Wed 18:00", "Sat 09:00")),
    ("M-F 9-5", ("Mon 09:00",), UNKNOWN),
    ("Weekdays 9am-4pm", ("Thu 09:00", "Thu 15:59"), ("Thu 16:00", "Sat 10:00")),
    ("Monday through Friday 8:30am to 5pm", ("Fri 08:30", "Fri 16:59"), ("Fri 08:29", "Sat 09:00")),
    ("Mon thru Fri 7:30 AM - 4:30 PM", ("Mon 07:30", "Mon 16:29"), ("Mon 16:30", "Sun 12:00")),
    ("Tue-Sat 10am-6pm", ("Tue 10:00", "Sat 17:59"), ("Mon 12:00", "Sun 12:00", "Tue 18:00")),
    ("Mon-Fri 9am-5", ("Mon 09:00", "Mon 16:59"), ("Mon 17:00", "Tue 02:00", "Mon 23:00")),
    ("Mon-Fri 8am-6", ("Tue 08:00", "Tue 17:59"), ("Tue 18:00", "Wed 03:00")),
    # Split days.
    (
        "Mon-Fri 8-6, Sat 9-1",
        ("Mon 08:00", "Fri 17:59", "Sat 09:00", "Sat 12:59"),
        ("Sat 13:00", "Sat 08:59", "Sun 10:00", "Fri 18:00"),
    ),
    (
        "Mon-Fri 9am-9pm; Sat 9am-6pm; Sun 10am-6pm",
        ("Mon 20:59", "Sat 17:59", "Sun 10:00"),
        ("Mon 21:00", "Sat 18:00", "Sun 09:59", "Sun 18:00"),
    ),
    (
        "Monday-Friday 9:00 AM-7:00 PM, Saturday 9:00 AM-5:00 PM, Sunday Closed",
        ("Wed 18:59", "Sat 09:00", "Sat 16:59"),
        ("Sat 17:00", "Sun 12:00", "Wed 19:00"),
    ),
    (
        "Mon-Fri: 8am - 8pm | Sat: 9am - 5pm | Sun: 10am - 4pm",
        ("Mon 08:00", "Sat 16:59", "Sun 15:59"),
        ("Sun 16:00", "Sat 17:00", "Mon 20:00"),
    ),
    (
        "Mon, Wed, Fri 9am-1pm",
        ("Mon 09:00", "Wed 12:59", "Fri 10:00"),
        ("Tue 10:00", "Thu 10:00", "Mon 13:00"),
    ),
    ("Tue & Thu 1-5pm", ("Tue 13:00", "Thu 16:59"), ("Tue 12:59", "Wed 14:00", "Thu 17:00")),
    (
        "Mon-Thu 8-5, Fri 8-12",
        ("Thu 16:59", "Fri 08:00", "Fri 11:59"),
        ("Fri 12:00", "Fri 13:00", "Sat 09:00"),
    ),
    (
        "Monday 9-12, 1-5",
        ("Mon 09:00", "Mon 11:59", "Mon 13:00", "Mon 16:59"),
        ("Mon 12:00", "Mon 12:59", "Tue 10:00"),
    ),
    (
        "Mon-Fri 9-5, closed weekends",
        ("Mon 09:00", "Fri 16:59"),
        ("Sat 12:00", "Sun 12:00", "Fri 17:00"),
    ),
    (
        "Mon-Fri 9-6; Sat-Sun closed",
        ("Tue 09:00", "Tue 17:59"),
        ("Sat 10:00", "Sun 10:00", "Tue 18:00"),
    ),
    (
        "Sat-Sun 10am-4pm",
        ("Sat 10:00", "Sun 15:59"),
        ("Mon 12:00", "Fri 12:00", "Sat 16:00"),
    ),
    ("Weekends 9-3", ("Sat 09:00", "Sun 14:59"), ("Sat 15:00", "Mon 10:00")),
    (
        "8am-5pm Mon-Fri",
        ("Mon 08:00", "Fri 16:59"),
        ("Mon 07:59", "Sat 10:00", "Fri 17:00"),
    ),
    (
        "Thursdays 2pm-6pm",
        ("Thu 14:00", "Thu 17:59"),
        UNKNOWN,
    ),
    ("Wednesday 10:00-14:00", ("Wed 10:00", "Wed 13:59"), ("Wed 14:00", "Thu 11:00")),
    ("Mon-Fri 09:00-17:30", ("Mon 09:00", "Mon 17:29"), ("Mon 17:30", "Sat 10:00")),
    # Noon and midnight.
    ("Mon-Sat 8am-noon", ("Mon 08:00", "Sat 11:59"), ("Mon 12:00", "Sun 09:00")),
    ("Sun noon-5pm", ("Sun 12:00", "Sun 16:59"), ("Sun 11:59", "Sun 17:00", "Sat 13:00")),
    (
        "Daily 7am-midnight",
        ("Mon 07:00", "Mon 23:59", "Sun 23:30"),
        ("Tue 00:00", "Tue 06:59"),
    ),
    ("Mon-Fri 12pm-8pm", ("Mon 12:00", "Mon 19:59"), ("Mon 11:59", "Mon 20:00")),
    ("Mon-Fri 12:00 PM - 4:00 PM", ("Wed 12:00", "Wed 15:59"), ("Wed 11:59", "Wed 16:00")),
    # Overnight.
    ("Fri-Sat 10pm-2am", ("Fri 22:00", "Sat 01:59", "Sun 01:00"), ("Fri 21:59", "Sat 02:00")),
    ("Daily 6pm-12", ("Tue 18:00", "Tue 23:59"), ("Wed 00:00", "Tue 17:59")),
    # Spelling: dots, dashes, en dashes, words.
    ("Mon-Fri 9 a.m. - 5 p.m.", ("Mon 09:00", "Mon 16:59"), ("Mon 17:00", "Sat 10:00")),
    ("Mon\u2013Fri 9 AM\u20135 PM", ("Thu 09:00", "Thu 16:59"), ("Thu 17:00", "Sun 10:00")),
    ("Mon.-Fri. 10am-7pm", ("Mon 10:00", "Fri 18:59"), ("Mon 19:00", "Sat 11:00")),
    ("MON-FRI 8AM-5PM", ("Mon 08:00", "Fri 16:59"), ("Fri 17:00", "Sat 08:00")),
    ("Mon-Fri 9-5pm", ("Mon 09:00", "Mon 16:59"), ("Mon 08:59", "Mon 17:00")),
    ("Mon-Fri 1-5pm", ("Mon 13:00", "Mon 16:59"), ("Mon 09:00", "Mon 17:00")),
    ("Mon-Fri 9am - 5pm (by appointment only)", ("Tue 09:00",), ("Tue 17:00", "Sun 10:00")),
    ("Hours: Mon-Fri 8am-4pm", ("Mon 08:00", "Mon 15:59"), ("Mon 16:00", "Sat 09:00")),
    (
        "Mon-Fri 9:00AM-6:00PM Sat 9:00AM-1:00PM",
        ("Mon 09:00", "Sat 12:59"),
        ("Sat 13:00", "Sun 10:00", "Mon 18:00"),
    ),
    # Closed altogether: never open.
    ("Closed", (), CLOSED),
    ("Temporarily closed", (), CLOSED),
    ("Permanently Closed", (), CLOSED),
    ("CLOSED until further notice", (), CLOSED),
    ("Closed temporarily due to COVID-19", (), CLOSED),
    ("This location is permanently closed.", (), CLOSED),
    ("Location closed", (), CLOSED),
    # Unreadable or not hours at all: may fall back to the default window.
    ("By appointment", (), UNKNOWN),
    ("By appointment only", (), UNKNOWN),
    ("Call for hours", (), UNKNOWN),
    ("See website", (), UNKNOWN),
    ("Hours vary", (), UNKNOWN),
    ("varies by day, call ahead", (), UNKNOWN),
    ("https://www.cvs.com/store-locator", (), UNKNOWN),
    ("Mon-Fri 9-5 except holidays", (), UNKNOWN),
    ("Pharmacy: Mon-Fri 9-9; Store: 24 hours", (), UNKNOWN),
    ("N/A", (), UNKNOWN),
    ("???", (), UNKNOWN),
    ("Closed Sundays", (), UNKNOWN),
]


def _cases() -> list[tuple[str, str | None, bool, bool]]:
    """(text, probe, open?, may fall back); probe None: a reading of any kind is wrong."""
    cases: list[tuple[str, str | None, bool, bool]] = []
    for text, opens, closes in CORPUS:
        unknown = closes == UNKNOWN
        cases.extend((text, probe, True, unknown) for probe in opens)
        if closes == CLOSED:
            cases.extend((text, probe, False, False) for probe in ANY)
        elif unknown and not opens:
            cases.append((text, None, False, True))
        elif not unknown:
            cases.extend((text, probe, False, False) for probe in closes)
    return cases


def test_the_corpus_has_at_least_sixty_texts() -> None:
    assert len({text for text, _, _ in CORPUS}) >= 60


@pytest.mark.parametrize(("text", "probe", "expected", "may_fall_back"), _cases())
def test_open_at_local_time(
    text: str, probe: str | None, expected: bool, may_fall_back: bool
) -> None:
    week = contact_hours.parse_hours(text)
    if week is None:
        assert may_fall_back, f"{text!r} was not read (it would get the default window)"
        return
    assert probe is not None, f"{text!r} was read as {week}: it names no hours to be sure of"
    assert contact_hours.is_open(week, LA, local(probe)) is expected, (text, probe, week)


@pytest.mark.parametrize("text", [text for text, _, closes in CORPUS if closes == CLOSED])
def test_closed_text_is_deferred_not_offered(text: str) -> None:
    policy = contact_hours.ContactPolicy(default=contact_hours.ALWAYS)
    now = local("Mon 10:00")
    opening = contact_hours.opening_for(policy, text, "America/Los_Angeles", "CA", None, now)
    assert opening is not None
    assert opening > now
