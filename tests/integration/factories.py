"""Test data written straight to the emulator: generated locations, counties and providers."""

from __future__ import annotations

from typing import Any

from shared.adapters import store
from shared.domain.models import County, Location, Provider

CONTRACT_KEYS = {
    "id": str,
    "Name": str,
    "Phone number": (str, type(None)),
    "Address": (str, type(None)),
    "Internal notes": (str, type(None)),
    "Hours": (str, type(None)),
    "State": str,
    "County": (str, type(None)),
    "Location Type": (str, type(None)),
    "Affiliation": (str, type(None)),
    "Latest report": (str, type(None)),
    "Latest report notes": list,
    "County vaccine info URL": list,
    "County Vaccine locations URL": list,
    "Latest Internal Notes": list,
    "Availability Info": list,
    "Number of Reports": int,
    "county_record": dict,
    "provider_record": dict,
    "timezone": str,
    "confirm_address": bool,
    "confirm_hours": bool,
    "confirm_website": bool,
}


ALWAYS_OPEN = "Open 24 hours"


def add_locations(
    db: Any, count: int, *, prefix: str = "loc", state: str = "CA", **fields: Any
) -> list[str]:
    """Write `count` locations with ids PREFIX-000.. and answer their ids.

    Contact windows are on, as in production: unless a test gives `hours`, the places are
    open around the clock, so a test not about hours does not depend on the time of day.
    Each has a phone number (a place without one is never queued) unless `phone` says otherwise.
    """
    fields = {"hours": ALWAYS_OPEN, "phone": "(555) 555-0100", **fields}
    ids = [f"{prefix}-{i:03d}" for i in range(count)]
    for start in range(0, count, 400):
        batch = db.batch()
        for location_id in ids[start : start + 400]:
            location = Location(id=location_id, name=f"Place {location_id}", state=state, **fields)
            batch.set(db.collection(store.LOCATIONS).document(location_id), location.to_firestore())
        batch.commit()
    return ids


def add_county(db: Any, county: County) -> None:
    db.collection(store.COUNTIES).document(county.id).set(county.to_firestore())


def add_provider(db: Any, provider: Provider) -> None:
    db.collection(store.PROVIDERS).document(provider.id).set(provider.to_firestore())


def count(db: Any, collection: str) -> int:
    result = db.collection(collection).count().get()
    return int(result[0][0].value)


def counts(db: Any) -> dict[str, int]:
    """Documents per collection of data: rate-limit slots count requests (a refused or dry
    request uses budget too), not data, and test_rate_limits checks them."""
    return {name: count(db, name) for name in store.ALL_COLLECTIONS if name != store.RATE_LIMITS}
