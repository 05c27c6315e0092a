"""Demo data: reproducible, plausible, linked, and owing nothing to the real snapshot."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools import demo, importer

SNAPSHOT = (
    Path(__file__).parents[2] / ".." / "shared" / "data" / "vaccinateca-locations-2021-03-01.json"
)
NOW = datetime(2021, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(now=NOW)


def test_generation_is_deterministic(data: demo.DemoData) -> None:
    assert demo.generate(now=NOW) == data
    assert demo.generate(now=NOW, seed=demo.DEMO_SEED + 1).locations != data.locations


def test_fewer_locations_are_a_prefix_so_ids_survive_reseeding(data: demo.DemoData) -> None:
    assert demo.generate(50, now=NOW).locations == data.locations[:50]


def test_size_and_spread(data: demo.DemoData) -> None:
    assert len(data.locations) == demo.DEFAULT_LOCATIONS >= 200
    assert len({loc.county_id for loc in data.locations}) >= 5
    assert len({loc.location_type for loc in data.locations}) >= 5
    assert len({loc.affiliation for loc in data.locations if loc.affiliation}) >= 4
    assert any(loc.latest_report_at is None for loc in data.locations)
    assert any(loc.latest_report_at is not None for loc in data.locations)


def test_ids_and_names_are_unique_and_generated(data: demo.DemoData) -> None:
    ids = [d.id for d in data.locations] + [d.id for d in data.counties + data.providers]
    assert all(re.fullmatch(r"demo[A-Za-z0-9]{13}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert len({loc.name for loc in data.locations}) == len(data.locations)


def test_locations_are_plausible_californian_places(data: demo.DemoData) -> None:
    for loc in data.locations:
        assert loc.state == "CA"
        assert importer.state_from_address(loc.address) == "CA"
        assert re.fullmatch(r"\d+ [A-Za-z ]+, [A-Za-z ]+, CA 9\d{4}", loc.address or "")
        assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", loc.phone or "")
        assert 32.5 <= (loc.latitude or 0) <= 42
        assert -124.5 <= (loc.longitude or 0) <= -114
        assert re.match(r"https://([a-z-]+\.)?example\.org/", loc.website or "")


def test_locations_link_to_generated_counties_and_providers(data: demo.DemoData) -> None:
    counties = {c.id: c.name for c in data.counties}
    providers = {p.id: p.name for p in data.providers}
    for loc in data.locations:
        assert counties[loc.county_id or ""] == loc.county
        if loc.provider_id is not None:
            assert providers[loc.provider_id] == loc.affiliation
    assert all("example.org" in (c.vaccine_info_url or "") for c in data.counties)


def test_reasons(data: demo.DemoData) -> None:
    assert [(r.id, r.name) for r in data.reasons] == [
        ("new-location", "New location"),
        ("stale-report", "Stale report"),
        ("eva-tip", "Eva tip"),
        ("data-corrections", "Data corrections"),
        ("previously-skipped", "Previously skipped"),
    ]
    assert {(r.created_by, r.created_at) for r in data.reasons} == {("demo", NOW)}


def test_accounts() -> None:
    assert demo.DEMO_STAFF.email == "staff@demo.callqueue.test"
    assert set(demo.DEMO_STAFF.roles) == {"staff", "caller"}
    assert demo.DEMO_CALLER.email == "caller@demo.callqueue.test"
    assert demo.DEMO_CALLER.roles == ("caller",)
    assert demo.DEMO_ACCOUNTS == (demo.DEMO_STAFF, demo.DEMO_CALLER)


def test_seeding_refuses_without_emulators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    with pytest.raises(RuntimeError, match="FIREBASE_AUTH_EMULATOR_HOST"):
        demo.require_emulators()


@pytest.mark.skipif(not SNAPSHOT.is_file(), reason=f"real snapshot not found at {SNAPSHOT}")
def test_nothing_comes_from_the_real_snapshot(data: demo.DemoData) -> None:
    rows = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    real_ids = {r["id"] for r in rows}
    real_names = {r["Name"].strip().casefold() for r in rows}
    real_addresses = {r["Address"].strip().casefold() for r in rows if r.get("Address")}
    for loc in demo.generate(1000, now=NOW).locations:
        assert loc.id not in real_ids
        assert loc.name.casefold() not in real_names
        assert (loc.address or "").casefold() not in real_addresses


# Issue 16 defect 7: the demo runs with contact windows on, whatever the hour it starts at.
@pytest.mark.parametrize("hour", range(0, 7 * 24, 1))
def test_part_of_the_demo_is_open_and_part_closed_at_every_hour_of_the_week(
    data: demo.DemoData, hour: int
) -> None:
    from datetime import timedelta

    from shared.domain.contact_hours import ContactPolicy, parse_window
    from shared.services.caller.calls import opening_of

    policy = ContactPolicy(default=parse_window("Mon-Fri 09:00-17:00"))
    # Monday 30 November 2026 00:00 in California, then every hour of that week.
    moment = datetime(2026, 11, 30, 8, 0, tzinfo=UTC) + timedelta(hours=hour)
    urgent = [p for p in data.locations if p.location_type == "Super Site"]  # group 1
    assert any(opening_of(policy, p, moment) == moment for p in urgent), "nothing urgent open"
    closed_for_good = [p for p in data.locations if p.hours == demo.CLOSED]
    assert closed_for_good
    for place in closed_for_good:
        opening = opening_of(policy, place, moment)
        assert opening is not None
        assert opening > moment
