"""A location's time zone from its coordinates, on both sides of the zone lines that cut states."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tools import importer
from tools.importer import time_zones

# (place, state, latitude, longitude, zone): real coordinates of towns on either side of a line.
SIDES = [
    ("El Paso", "TX", 31.7619, -106.4850, "America/Denver"),
    ("Houston", "TX", 29.7604, -95.3698, "America/Chicago"),
    ("Pensacola", "FL", 30.4213, -87.2169, "America/Chicago"),
    ("Tallahassee", "FL", 30.4383, -84.2807, "America/New_York"),
    ("Coeur d'Alene", "ID", 47.6777, -116.7805, "America/Los_Angeles"),
    ("Boise", "ID", 43.6150, -116.2023, "America/Boise"),
    ("Ontario, Malheur County", "OR", 44.0266, -116.9629, "America/Boise"),
    ("Portland", "OR", 45.5152, -122.6784, "America/Los_Angeles"),
    ("Louisville", "KY", 38.2527, -85.7585, "America/Kentucky/Louisville"),
    ("Bowling Green", "KY", 36.9685, -86.4808, "America/Chicago"),
    ("Knoxville", "TN", 35.9606, -83.9207, "America/New_York"),
    ("Nashville", "TN", 36.1627, -86.7816, "America/Chicago"),
    ("Indianapolis", "IN", 39.7684, -86.1581, "America/Indiana/Indianapolis"),
    ("Gary", "IN", 41.5934, -87.3464, "America/Chicago"),
    ("Bismarck", "ND", 46.8083, -100.7837, "America/Chicago"),
    ("Dickinson", "ND", 46.8792, -102.7896, "America/Denver"),
    ("Scottsbluff", "NE", 41.8666, -103.6672, "America/Denver"),
    ("Omaha", "NE", 41.2565, -95.9345, "America/Chicago"),
    ("Rapid City", "SD", 44.0805, -103.2310, "America/Denver"),
    ("Sioux Falls", "SD", 43.5446, -96.7311, "America/Chicago"),
    ("Goodland", "KS", 39.3508, -101.7102, "America/Denver"),
    ("Wichita", "KS", 37.6872, -97.3301, "America/Chicago"),
    ("Phoenix", "AZ", 33.4484, -112.0740, "America/Phoenix"),
    ("Fresno", "CA", 36.7378, -119.7871, "America/Los_Angeles"),
]


@pytest.mark.parametrize(("place", "state", "latitude", "longitude", "zone"), SIDES)
def test_zone_from_coordinates(
    place: str, state: str, latitude: float, longitude: float, zone: str
) -> None:
    found = time_zones.location_zone(latitude, longitude, state)
    # Two names may be the same clock ("America/Menominee" and Chicago): compare the rules
    # over a winter and a summer instant, and say the name when they differ.
    for moment in (datetime(2026, 1, 15, 18), datetime(2026, 7, 15, 18)):
        expected = moment.replace(tzinfo=ZoneInfo(zone)).utcoffset()
        assert moment.replace(tzinfo=ZoneInfo(found)).utcoffset() == expected, (place, found)


@pytest.mark.parametrize(
    ("latitude", "longitude", "state", "zone"),
    [
        # No coordinates: the state's principal zone, else the fallback.
        (None, None, "TX", "America/Chicago"),
        (None, -106.4, "TX", "America/Chicago"),
        (None, None, None, "America/Los_Angeles"),
        (None, None, "ZZ", "America/Los_Angeles"),
        # At sea (a fixed offset, no daylight saving time): the state's zone.
        (36.0, -125.5, "CA", "America/Los_Angeles"),
        (0.0, 0.0, "NY", "America/New_York"),
    ],
)
def test_fallbacks(
    latitude: float | None, longitude: float | None, state: str | None, zone: str
) -> None:
    assert time_zones.location_zone(latitude, longitude, state) == zone


def test_fallback_zone_is_the_org_zone() -> None:
    assert time_zones.location_zone(None, None, None, "America/Chicago") == "America/Chicago"


def test_import_sets_the_zone_from_coordinates() -> None:
    el_paso = {
        "id": "elPaso",
        "Name": "El Paso Pharmacy",
        "Address": "1 Mesa St, El Paso, TX 79901",
        "Latitude": 31.7619,
        "Longitude": -106.4850,
    }
    assert importer.parse_location(el_paso).timezone == "America/Denver"
    no_point = {k: v for k, v in el_paso.items() if k not in ("Latitude", "Longitude")}
    assert importer.parse_location(no_point).timezone == "America/Chicago"
