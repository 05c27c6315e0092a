"""The simulated week's places: opening hours and phone numbers for the snapshot, split-zone places.

Pure: rows in the export's shape (what `tools/importer.py` reads), generated from each id by a
hash so every run gives every place the same hours. Each place also gets its *truth* (when it
is really open, in its real zone), which the checks judge the service against; the truth is
written here independently of `shared/windows.py`, which is what is being checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DAY = 24 * 60
PACIFIC = "America/Los_Angeles"
# A span of local wall-clock minutes: (weekday Monday=0, start, end); end <= 24:00.
Span = tuple[int, int, int]
WEEKDAYS = range(5)
EVERY_DAY = range(7)


def _spans(days: Iterable[int], start_h: float, end_h: float) -> tuple[Span, ...]:
    return tuple((d, int(start_h * 60), int(end_h * 60)) for d in days)


@dataclass(frozen=True)
class Hours:
    """One way a place's hours are written, and what it really means.

    `readable`: a careful reader gets the spans from the text (the service must honour them);
    otherwise the service may fall back to its default window, and `spans` is only when the
    place really answers (for the "reached a closed place" figure).
    """

    text: str | None
    spans: tuple[Span, ...]
    readable: bool
    weight: int
    kind: str


NINE_TO_FIVE = _spans(WEEKDAYS, 9, 17)
# What the snapshot's places get, by weight (about 1 in 10 unreadable or missing, 1 in 40
# saying it is closed). "8am-6" is the form issue 16 (defect 3) names: its end has no am/pm.
HOURS: tuple[Hours, ...] = (
    Hours("Mon-Fri 9am-5pm", NINE_TO_FIVE, True, 18, "weekdays"),
    Hours(
        "Mon-Fri 9:00-17:00; Sat 10:00-14:00",
        NINE_TO_FIVE + _spans([5], 10, 14),
        True,
        12,
        "weekdays+sat",
    ),
    Hours(
        "Mon-Sat 8am-9pm, Sun 10am-6pm",
        _spans(range(6), 8, 21) + _spans([6], 10, 18),
        True,
        16,
        "pharmacy",
    ),
    Hours("9am-6pm", _spans(EVERY_DAY, 9, 18), True, 10, "daily"),
    Hours("Open 24 hours", _spans(EVERY_DAY, 0, 24), True, 4, "always"),
    Hours("Mon-Fri 8am-6", _spans(WEEKDAYS, 8, 18), True, 8, "no-meridiem-end"),
    Hours("Mon-Fri 7:30am-4:30pm", _spans(WEEKDAYS, 7.5, 16.5), True, 8, "clinic"),
    Hours("Tue-Sat 10am-7pm", _spans(range(1, 6), 10, 19), True, 6, "tue-sat"),
    Hours("Closed", (), True, 1, "closed"),
    Hours("Temporarily closed", (), True, 1, "closed"),
    Hours("Call for hours", _spans(WEEKDAYS, 10, 16), False, 5, "unreadable"),
    Hours("Varies by season, see website", _spans(WEEKDAYS, 8, 17), False, 3, "unreadable"),
    Hours(None, _spans(WEEKDAYS, 9, 17), False, 5, "missing"),
)
_TOTAL = sum(h.weight for h in HOURS)


def _digest(key: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{key}".encode()).digest()[:8], "big")


def hours_for(place_id: str) -> Hours:
    """The hours a place gets, chosen by its id's hash (the same on every run)."""
    pick = _digest(place_id, "hours") % _TOTAL
    for hours in HOURS:
        if pick < hours.weight:
            return hours
        pick -= hours.weight
    raise AssertionError("weights cover every pick")


def phone_for(place_id: str, area_code: int) -> str:
    """A plausible phone number from the id's hash (555-01xx is reserved for fiction)."""
    line = _digest(place_id, "phone") % 100
    return f"({area_code}) 555-01{line:02d}"


@dataclass(frozen=True)
class Truth:
    """When a place is really open (local spans in `zone`) and what the service may assume."""

    zone: str
    hours: Hours


def is_open(spans: Sequence[Span], zone: str, moment: datetime) -> bool:
    """Whether the local wall clock in `zone` at `moment` lies in one of the spans."""
    local = moment.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    return any(d == local.weekday() and s <= minute < e for d, s, e in spans)


def may_offer(truth: Truth, default: Sequence[Span], moment: datetime) -> bool:
    """The contact-window rule: readable hours decide; unreadable or missing ones may fall back
    to the default window; either in the place's own zone."""
    spans = truth.hours.spans if truth.hours.readable else default
    return is_open(spans, truth.zone, moment)


def next_open(spans: Sequence[Span], zone: str, moment: datetime) -> datetime | None:
    """The first whole minute at or after `moment` at which the place is open (within 8 days)."""
    from datetime import timedelta

    if not spans:
        return None
    start = moment.replace(second=0, microsecond=0)
    # Step an hour at a time to the first open hour, then minute by minute inside it.
    for hours in range(8 * 24 + 1):
        probe = start + timedelta(hours=hours)
        if is_open(spans, zone, probe) or is_open(spans, zone, probe + timedelta(minutes=59)):
            for minutes in range(-60, 61):
                at = probe + timedelta(minutes=minutes)
                if at >= moment and is_open(spans, zone, at):
                    return at
    return None


def with_hours(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Snapshot rows with generated `Hours` and `Phone number` (an unchanged copy otherwise)."""
    out = []
    for row in rows:
        place_id = str(row.get("id", ""))
        hours = hours_for(place_id)
        added = {"Phone number": phone_for(place_id, 200 + _digest(place_id, "area") % 700)}
        if hours.text is not None:
            added["Hours"] = hours.text
        out.append({**row, **added})
    return out


@dataclass(frozen=True)
class Town:
    """A town in a state that spans two time zones, with the zone it really keeps."""

    name: str
    state: str
    county: str
    zip_code: str
    latitude: float
    longitude: float
    zone: str
    area_code: int


# Both sides of each zone line (IANA zones as the tz database places these towns).
TOWNS: tuple[Town, ...] = (
    Town("El Paso", "TX", "El Paso County", "79901", 31.7619, -106.4850, "America/Denver", 915),
    Town("Dallas", "TX", "Dallas County", "75201", 32.7767, -96.7970, "America/Chicago", 214),
    Town("Pensacola", "FL", "Escambia County", "32502", 30.4213, -87.2169, "America/Chicago", 850),
    Town("Tallahassee", "FL", "Leon County", "32301", 30.4383, -84.2807, "America/New_York", 850),
    Town(
        "Coeur d'Alene",
        "ID",
        "Kootenai County",
        "83814",
        47.6777,
        -116.7805,
        "America/Los_Angeles",
        208,
    ),
    Town("Boise", "ID", "Ada County", "83702", 43.6150, -116.2023, "America/Boise", 208),
    Town("Ontario", "OR", "Malheur County", "97914", 44.0266, -116.9629, "America/Boise", 541),
    Town(
        "Portland",
        "OR",
        "Multnomah County",
        "97204",
        45.5152,
        -122.6784,
        "America/Los_Angeles",
        503,
    ),
    Town("Paducah", "KY", "McCracken County", "42001", 37.0834, -88.6001, "America/Chicago", 270),
    Town("Lexington", "KY", "Fayette County", "40507", 38.0406, -84.5037, "America/New_York", 859),
    Town("Nashville", "TN", "Davidson County", "37203", 36.1627, -86.7816, "America/Chicago", 615),
    Town("Knoxville", "TN", "Knox County", "37902", 35.9606, -83.9207, "America/New_York", 865),
    Town("Dickinson", "ND", "Stark County", "58601", 46.8792, -102.7896, "America/Denver", 701),
    Town("Fargo", "ND", "Cass County", "58102", 46.8772, -96.7898, "America/Chicago", 701),
    Town(
        "Rapid City", "SD", "Pennington County", "57701", 44.0805, -103.2310, "America/Denver", 605
    ),
    Town(
        "Sioux Falls", "SD", "Minnehaha County", "57104", 43.5446, -96.7311, "America/Chicago", 605
    ),
    Town(
        "Scottsbluff",
        "NE",
        "Scotts Bluff County",
        "69361",
        41.8666,
        -103.6672,
        "America/Denver",
        308,
    ),
    Town("Omaha", "NE", "Douglas County", "68102", 41.2565, -95.9345, "America/Chicago", 402),
    Town("Goodland", "KS", "Sherman County", "67735", 39.3508, -101.7102, "America/Denver", 785),
    Town("Wichita", "KS", "Sedgwick County", "67202", 37.6872, -97.3301, "America/Chicago", 316),
    Town(
        "Iron Mountain",
        "MI",
        "Dickinson County",
        "49801",
        45.8202,
        -88.0660,
        "America/Menominee",
        906,
    ),
    Town("Detroit", "MI", "Wayne County", "48226", 42.3314, -83.0458, "America/Detroit", 313),
    Town(
        "Evansville", "IN", "Vanderburgh County", "47708", 37.9716, -87.5711, "America/Chicago", 812
    ),
    Town(
        "Indianapolis",
        "IN",
        "Marion County",
        "46204",
        39.7684,
        -86.1581,
        "America/Indiana/Indianapolis",
        317,
    ),
)
BRANDS = ("Walgreens", "CVS", "Rite-Aid", "Walmart", "Kroger", "County Health Dept.")


def split_zone_rows(per_town: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """`per_town` generated places in each town (rows with hours and phone), and each one's
    real zone by id. Coordinates stay within about 2 km of the town, on its side of the line."""
    rows: list[dict[str, Any]] = []
    zones: dict[str, str] = {}
    for town in TOWNS:
        for n in range(per_town):
            place_id = f"sim-{town.state.lower()}-{town.name.lower()[:6].replace(' ', '')}-{n:03d}"
            place_id = place_id.replace("'", "")
            jitter = _digest(place_id, "where")
            lat = town.latitude + ((jitter % 2001) - 1000) / 60000
            lon = town.longitude + (((jitter >> 16) % 2001) - 1000) / 60000
            brand = BRANDS[n % len(BRANDS)]
            hours = hours_for(place_id)
            row: dict[str, Any] = {
                "id": place_id,
                "Name": f"{brand} {town.name} #{100 + n}",
                "Address": f"{100 + 7 * n} Main St, {town.name}, {town.state} {town.zip_code}",
                "County": town.county,
                "Latitude": round(lat, 6),
                "Longitude": round(lon, 6),
                "Location Type": "Pharmacy" if n % 3 else "Clinic",
                "Affiliation": brand,
                "Has Report": 0,
                "Phone number": phone_for(place_id, town.area_code),
            }
            if hours.text is not None:
                row["Hours"] = hours.text
            rows.append(row)
            zones[place_id] = town.zone
    return rows, zones


def truths(rows: Iterable[Mapping[str, Any]], zones: Mapping[str, str]) -> dict[str, Truth]:
    """Each place's truth: its hours by id, its zone from `zones`, else Pacific (the snapshot
    is California)."""
    return {
        str(r["id"]): Truth(zones.get(str(r["id"]), PACIFIC), hours_for(str(r["id"]))) for r in rows
    }
