"""The caller contract's location body."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.caller_view import present
from shared.domain.models import County, Entry, Location, Provider
from tests.integration.factories import CONTRACT_KEYS

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_unknown_county_and_provider_are_empty_objects() -> None:
    body = present(Location(id="L", name="N", state="CA"), None, None)
    for key, kind in CONTRACT_KEYS.items():
        assert isinstance(body[key], kind), key
    assert body["county_record"] == {}
    assert body["provider_record"] == {}
    assert body["Latest report notes"] == [None]
    assert body["County vaccine info URL"] == [None]
    assert "lease" not in body


def test_full_body_with_lease() -> None:
    location = Location(
        id="L",
        name="N",
        state="CA",
        latest_report_at=NOW,
        latest_report_notes="open",
        availability_info=["Walk-ins only"],
        number_of_reports=3,
        address="1 Main St",
    )
    county = County(id="C", name="Alpine County", vaccine_info_url="https://c.example")
    provider = Provider(id="P", name="Pharma", phase=["1A", "1B"])
    entry = Entry(
        id="E",
        location_id="L",
        state="CA",
        reason="Eva tip",
        priority_group=2,
        position=1,
        vest_at=NOW,
        available_at=NOW,
        rand=0.1,
        added_by="s",
        added_at=NOW,
        holder="u",
        claimed_until=NOW,
        claim_seq=3,
    )
    body = present(location, county, provider, entry)
    assert body["Latest report"] == "2026-03-01T12:00:00.000Z"
    assert body["Latest report notes"] == ["open"]
    assert body["County vaccine info URL"] == ["https://c.example"]
    assert body["county_record"]["County"] == "Alpine County"
    assert body["provider_record"]["Phase"] == ["1A", "1B"]
    assert body["confirm_address"] is True
    assert body["lease"] == {
        "entry_id": "E",
        "claim_seq": 3,
        "claimed_until": "2026-03-01T12:00:00.000Z",
    }
    assert body["queue_entry"] == {"reason": "Eva tip", "priority_group": 2}


def test_timezone_is_the_stored_zone_else_the_states() -> None:
    stored = Location(id="L", name="N", state="TX", timezone="America/Denver")
    unset = Location(id="L", name="N", state="TX")
    assert present(stored, None, None)["timezone"] == "America/Denver"
    assert present(unset, None, None)["timezone"] == "America/Chicago"
    assert present(Location(id="L", name="N", state="ZZ"), None, None)["timezone"] == (
        "America/Los_Angeles"
    )
