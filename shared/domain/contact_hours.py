"""Contact windows: when a location may be called, in its own time zone (no I/O).

A week is a tuple of spans (weekday, start, end) in local wall-clock minutes, Monday = 0;
an end past 24:00 runs overnight into the next day. Opening hours are free text ("Mon-Fri
9am-5pm; Sat 10-2", "Open 24 hours"); text this module cannot read in full yields None and
the caller falls back to the configured default window. Text that says the place is closed
("Temporarily closed") yields NEVER: the entry is deferred by CLOSED_RECHECK, never offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

DAY = 24 * 60
WEEK_MINUTES = 7 * DAY
ALWAYS_TEXT = "always"


@dataclass(frozen=True)
class Span:
    """Open from `start` to `end` minutes after local midnight of `weekday` (end may pass 24h)."""

    weekday: int
    start: int
    end: int


Week = tuple[Span, ...]
ALWAYS: Week = tuple(Span(day, 0, DAY) for day in range(7))
NEVER: Week = ()
# A place whose hours say it is closed is looked at again after this long: long enough that
# the draw does not re-read it every few minutes, short enough that a reopening (its hours
# edited on a report) is picked up within the week.
CLOSED_RECHECK = timedelta(days=7)

# The principal zone of each state and territory; a state spanning two zones gets the one
# most of its people live in (call-volunteer hours are coarse enough for that).
_ZONE_STATES = {
    "America/New_York": "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV",
    "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
    "America/Denver": "CO MT NM UT WY",
    "America/Boise": "ID",
    "America/Phoenix": "AZ",
    "America/Los_Angeles": "CA NV OR WA",
    "America/Anchorage": "AK",
    "Pacific/Honolulu": "HI",
    "America/Puerto_Rico": "PR",
    "America/St_Thomas": "VI",
    "Pacific/Guam": "GU",
    "Pacific/Saipan": "MP",
    "Pacific/Pago_Pago": "AS",
}
STATE_ZONES = {state: zone for zone, states in _ZONE_STATES.items() for state in states.split()}
# Without a known state: the contiguous US zones by longitude (west edges, roughly).
_LONGITUDE_ZONES = (
    (-87.5, "America/New_York"),
    (-101.5, "America/Chicago"),
    (-114.5, "America/Denver"),
    (-125.0, "America/Los_Angeles"),
    (-141.0, "America/Anchorage"),
)


def zone_for(state: str | None, longitude: float | None, fallback: str) -> ZoneInfo:
    """A location's time zone: from its state, else its longitude, else `fallback`."""
    if state and state.upper() in STATE_ZONES:
        return ZoneInfo(STATE_ZONES[state.upper()])
    if longitude is not None:
        if longitude < -154.0:
            return ZoneInfo("Pacific/Honolulu")
        for west_edge, name in _LONGITUDE_ZONES:
            if longitude >= west_edge:
                return ZoneInfo(name)
    return ZoneInfo(fallback)


def stored_zone(name: str | None) -> ZoneInfo | None:
    """The zone a location stores (set from its coordinates on import), None if unusable."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


# Reading opening hours


_DAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_DAY = r"(?:" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m?\.?)?(?![\w:])|noon|midnight)"
_TOKEN = re.compile(
    rf"(?P<range>{_TIME}\s*-\s*{_TIME})"
    rf"|(?P<dayrange>{_DAY}\s*-\s*{_DAY})"
    rf"|(?P<day>{_DAY})(?![a-z])"
    r"|(?P<all>daily|every\s*day|7\s*days(?:\s*a\s*week)?|all\s*week)"
    r"|(?P<weekdays>weekdays)|(?P<weekends>weekends?)"
    r"|(?P<closed>closed)"
    r"|(?P<allday>24\s*(?:hours|hrs|h)|24/7|open\s*24)"
    r"|(?P<filler>open|hours|from|and|:)"
    r"|(?P<sep>[\s,;/&|.]+)"
)
_ONE_TIME = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap])?|(?P<word>noon|midnight)")


def _normalise(text: str) -> str:
    text = text.casefold().replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"\([^)]*\)", " ", text)  # asides: "(by appointment)"
    return re.sub(r"\s+(?:to|through|thru|until)\s+", " - ", text)


def _time(raw: str) -> tuple[int, str | None]:
    """Minutes after midnight and the meridiem it named ('a', 'p' or None)."""
    found = _ONE_TIME.match(raw.strip())
    if found is None:
        raise ValueError(raw)
    if found["word"]:
        return (12 * 60, "p") if found["word"] == "noon" else (0, "a")
    hour, minute = int(found["h"]), int(found["m"] or 0)
    if minute > 59 or hour > 24 or (found["ap"] and not 1 <= hour <= 12):
        raise ValueError(raw)
    return hour * 60 + minute, found["ap"]


def _with_meridiem(minutes: int, meridiem: str) -> int:
    hour, minute = divmod(minutes, 60)
    return (hour % 12 + (12 if meridiem == "p" else 0)) * 60 + minute


def _end_after(start: int, end: int, start_ap: str) -> int:
    """An end written without am/pm after a start with one: the start's meridiem when that
    closes later the same day ("10am-11"), else the other one ("9am-5" is 5 pm); an end that
    is earlier either way runs overnight ("10pm-2" is 2 am)."""
    other = "a" if start_ap == "p" else "p"
    for meridiem in (start_ap, other):
        if (reading := _with_meridiem(end, meridiem)) > start:
            return reading
    return _with_meridiem(end, "a")


def _time_range(raw: str) -> tuple[int, int]:
    """(start, end) minutes; end > start, past 24:00 when the range runs overnight."""
    first, second = re.split(r"\s*-\s*(?=\d|noon|midnight)", raw.strip(), maxsplit=1)
    start, start_ap = _time(first)
    end, end_ap = _time(second)
    if end_ap:
        end = _with_meridiem(end, end_ap)
    if start_ap:
        start = _with_meridiem(start, start_ap)
        if not end_ap and end <= 12 * 60 and not second.lstrip().startswith("0"):
            end = _end_after(start, end, start_ap)
    elif end_ap:
        # "9-5pm" is 9am to 5pm, "1-5pm" 1pm to 5pm.
        same = _with_meridiem(start, end_ap)
        start = same if same < end else _with_meridiem(start, "a")
    elif 60 <= start < 7 * 60 and start < end <= 12 * 60 and not first.startswith("0"):
        start, end = start + 12 * 60, end + 12 * 60  # "1-5": nobody opens at 1 a.m. for calls
    elif end <= start and end <= 12 * 60 and start <= 12 * 60:
        end += 12 * 60  # "9-5": an afternoon close
    if end <= start:
        end += DAY  # overnight, or "until midnight"
    if end - start > DAY:
        raise ValueError(raw)
    return start, end


def _day_range(raw: str) -> list[int]:
    first, last = (_DAYS[part.strip().rstrip(".")] for part in raw.split("-"))
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


_TIMES = ("range", "allday", "closed")


def _times_of(kind: str, raw: str) -> tuple[int, int]:
    if kind == "range":
        return _time_range(raw)
    return (0, DAY) if kind == "allday" else (0, 0)


def _days_of(kind: str, raw: str) -> list[int]:
    if kind == "dayrange":
        return _day_range(raw)
    if kind == "day":
        return [_DAYS[raw.rstrip(".")]]
    return {"all": list(range(7)), "weekdays": list(range(5))}.get(kind, [5, 6])


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; ValueError when anything is left that is not a known word."""
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None or found.end() == at:
            raise ValueError(text[at:])
        kind = found.lastgroup
        assert kind is not None
        if kind not in ("filler", "sep"):
            out.append((kind, found.group()))
        at = found.end()
    return out


_CLOSED = re.compile(r"\bclosed\b")
# What makes "closed" partial: it names days, times or occasions ("closed Sundays", "closed
# for lunch 12-1", "closed on holidays", "closed until 9am").
_PARTIAL = re.compile(
    rf"(?<![a-z]){_DAY}s?(?![a-z])|weekdays|weekends?|holiday|lunch|noon|midnight|\d\s*[ap]\.?m\b"
    r"|\d:\d\d|\d\s*-\s*\d|24\s*(?:hours|hrs|h)|24/7"
)


def _says_closed(text: str) -> bool:
    """Whether the text says the place is closed altogether ("Temporarily closed")."""
    return bool(_CLOSED.search(text)) and not _PARTIAL.search(text)


_DAY_KINDS = ("dayrange", "day", "all", "weekdays", "weekends")


def _without_closed_days(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop "closed <days>" groups ("Mon-Fri 9-5, closed weekends"): those days have no spans."""
    out: list[tuple[str, str]] = []
    closing = False
    for index, (kind, raw) in enumerate(tokens):
        following = tokens[index + 1][0] if index + 1 < len(tokens) else None
        if kind == "closed" and following in _DAY_KINDS and out:
            closing = True
            continue
        if closing and kind in _DAY_KINDS:
            continue
        closing = False
        out.append((kind, raw))
    return out


def parse_hours(text: str | None) -> Week | None:
    """The week a location's hours text describes, NEVER when it says the place is closed,
    or None when it cannot be read in full.

    Days come before their times ("Mon-Fri 9-5, Sat 10-2") or, for one group, after them
    ("9am-5pm Mon-Fri"); times without days mean every day; "24 hours" and "closed" count
    as times. Text that opens no time at all is unknown, not "never open".
    """
    if text is None or not text.strip():
        return None
    if text.strip().casefold() == ALWAYS_TEXT:
        return ALWAYS
    normal = _normalise(text)
    if _says_closed(normal):
        return NEVER
    try:
        tokens = _without_closed_days(_tokens(normal))
    except (ValueError, KeyError):
        return None
    spans: list[Span] = []
    days: list[int] = []
    times: list[tuple[int, int]] = []
    timed = False  # the current days already got their times
    times_first = tokens[0][0] in _TIMES if tokens else False

    def flush() -> None:
        for day in days or range(7):
            spans.extend(Span(day, start, end) for start, end in times)

    try:
        for kind, raw in tokens:
            if kind in _TIMES:
                if times_first and days:
                    return None  # "9-5 Mon-Fri, 10-2 Sat": which times go with which days?
                times.append(_times_of(kind, raw))
                timed = True
                continue
            if timed and days and not times_first:
                flush()
                days, times, timed = [], [], False
            days.extend(_days_of(kind, raw))
    except (ValueError, KeyError):
        return None
    if not times:
        return None
    flush()
    week = tuple(sorted({s for s in spans if s.end > s.start}, key=lambda s: (s.weekday, s.start)))
    if week:
        return week
    # Every day named is closed ("Mon-Sun closed"); "Closed Sundays" leaves the rest unknown.
    return None if times_first else NEVER


def parse_window(text: str) -> Week:
    """A configured window ("Mon-Fri 09:00-17:00", "always"); ValueError when unreadable."""
    week = parse_hours(text)
    if not week:
        raise ValueError(f"cannot read the contact window {text!r}")
    return week


# Deciding


def _week_minute(local: datetime) -> int:
    return local.weekday() * DAY + local.hour * 60 + local.minute


def is_open(week: Week, tz: ZoneInfo, now: datetime) -> bool:
    """Whether the local wall clock at `now` falls in one of the week's spans."""
    minute = _week_minute(now.astimezone(tz))
    return any((minute - s.weekday * DAY - s.start) % WEEK_MINUTES < s.end - s.start for s in week)


def _instants(day: date, minutes: int, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants the local clock reads `minutes` after midnight of `day`.

    Two in a fall-back overlap; in a spring-forward gap, none read it: the gap's end stands in
    (the first instant the clock reads later than that).
    """
    wall = datetime.combine(day, clock_time()) + timedelta(minutes=minutes)
    found = []
    for fold in (0, 1):
        moment = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == wall:
            found.append(moment)
    if found:
        return found
    # In the gap: fold=1 reads it with the later offset (an instant before the jump), fold=0
    # with the earlier one (after it); the jump lies between, found to the minute.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return [high.replace(second=0, microsecond=0)]


def next_opening(week: Week, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first instant after `now` at which the location is open (`now` if it is open)."""
    if is_open(week, tz, now):
        return now
    today = now.astimezone(tz).date()
    candidates = [
        moment
        for offset in range(-1, 9)
        for span in week
        if (day := today + timedelta(days=offset)).weekday() == span.weekday
        for moment in _instants(day, span.start, tz)
        if moment > now and is_open(week, tz, moment)
    ]
    return min(candidates, default=None)


@dataclass(frozen=True)
class ContactPolicy:
    """The default window for locations whose hours are unknown, and the fallback zone."""

    default: Week
    fallback_zone: str = "America/Los_Angeles"


def opening_for(
    policy: ContactPolicy,
    hours: str | None,
    timezone: str | None,
    state: str | None,
    longitude: float | None,
    now: datetime,
) -> datetime | None:
    """When a location may next be called: `now` if open, a later instant, or None (never).

    A place whose hours say it is closed is looked at again CLOSED_RECHECK later.
    """
    week = parse_hours(hours)
    if week == NEVER:
        return now + CLOSED_RECHECK
    zone = stored_zone(timezone) or zone_for(state, longitude, policy.fallback_zone)
    return next_opening(week or policy.default, zone, now)
