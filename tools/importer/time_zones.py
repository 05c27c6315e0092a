"""A location's IANA time zone: from its coordinates (tzfpy), else its state's, else the org's.

Resolved when a location is written (import, `tools.cli set-time-zones`) and stored on it, so
the draw reads a name and never loads the boundary data (tzfpy's first lookup takes ~0.3 s).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tzfpy import get_tz

from shared.domain.contact_hours import STATE_ZONES

DEFAULT_ZONE = "America/Los_Angeles"


def zone_at(latitude: float | None, longitude: float | None) -> str | None:
    """The zone at a point on land, None without coordinates or at sea ("Etc/GMT+8")."""
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = get_tz(longitude, latitude)
    if not name or name.startswith("Etc/"):
        # Fixed offsets at sea keep no daylight saving time: a coastal point a little off
        # shore is better served by its state's zone.
        return None
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None
    return name


def location_zone(
    latitude: float | None,
    longitude: float | None,
    state: str | None,
    fallback: str = DEFAULT_ZONE,
) -> str:
    """The zone to store on a location."""
    return zone_at(latitude, longitude) or STATE_ZONES.get((state or "").upper()) or fallback
