"""Deterministic made-up demo data (California locations, counties, providers, reasons), accounts.

Nothing here comes from the real snapshot: names, addresses and ids are generated from a seed.
"""

from __future__ import annotations

import os
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from shared.adapters.auth import Role, firebase_app
from shared.adapters.store import COUNTIES, LOCATIONS, PROVIDERS, REASONS
from shared.domain.models import County, Location, Provider, Reason
from shared.records.reasons import slug
from tools.importer import write_documents

if TYPE_CHECKING:
    from google.cloud.firestore import Client

DEMO_SEED = 20210301
DEFAULT_LOCATIONS = 300
# Generation is a pure function of (count, seed, now); this `now` keeps it so by default.
DEMO_NOW = datetime(2021, 3, 1, 18, 0, tzinfo=UTC)
DEMO_CREATED_BY = "demo"
EMULATOR_VARIABLES = ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST")


@dataclass(frozen=True)
class DemoAccount:
    """A well-known sign-in for local demos; never created outside the emulators."""

    email: str
    password: str
    roles: tuple[Role, ...]
    display_name: str


DEMO_STAFF = DemoAccount(
    "staff@demo.callqueue.test", "staff-demo-pass", ("staff", "caller"), "Demo Staff"
)
DEMO_CALLER = DemoAccount(
    "caller@demo.callqueue.test", "caller-demo-pass", ("caller",), "Demo Caller"
)
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (DEMO_STAFF, DEMO_CALLER)

REASON_NAMES: tuple[str, ...] = (
    "New location",
    "Stale report",
    "Eva tip",
    "Data corrections",
    "Previously skipped",
)


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class _City:
    name: str
    latitude: float
    longitude: float
    zip_base: int


@dataclass(frozen=True)
class _CountyPlan:
    name: str
    area_code: int
    cities: tuple[_City, ...]


_COUNTIES: tuple[_CountyPlan, ...] = (
    _CountyPlan("Fresno County", 559, (
        _City("Fresno", 36.747, -119.772, 93701), _City("Clovis", 36.825, -119.703, 93611),
        _City("Sanger", 36.708, -119.556, 93657))),
    _CountyPlan("Los Angeles County", 323, (
        _City("Los Angeles", 34.052, -118.244, 90012), _City("Pasadena", 34.148, -118.145, 91101),
        _City("Long Beach", 33.770, -118.194, 90802))),
    _CountyPlan("San Diego County", 619, (
        _City("San Diego", 32.716, -117.161, 92101), _City("Escondido", 33.119, -117.086, 92025),
        _City("Chula Vista", 32.640, -117.084, 91910))),
    _CountyPlan("Sacramento County", 916, (
        _City("Sacramento", 38.582, -121.494, 95814), _City("Elk Grove", 38.409, -121.372, 95624),
        _City("Folsom", 38.678, -121.176, 95630))),
    _CountyPlan("Alameda County", 510, (
        _City("Oakland", 37.804, -122.271, 94607), _City("Fremont", 37.548, -121.989, 94536),
        _City("Berkeley", 37.871, -122.273, 94704))),
    _CountyPlan("Kern County", 661, (
        _City("Bakersfield", 35.373, -119.019, 93301), _City("Delano", 35.769, -119.247, 93215),
        _City("Tehachapi", 35.132, -118.449, 93561))),
    _CountyPlan("Santa Clara County", 408, (
        _City("San Jose", 37.339, -121.895, 95112), _City("Gilroy", 37.006, -121.568, 95020),
        _City("Sunnyvale", 37.369, -122.036, 94086))),
    _CountyPlan("Humboldt County", 707, (
        _City("Eureka", 40.802, -124.164, 95501), _City("Arcata", 40.867, -124.083, 95521),
        _City("Fortuna", 40.598, -124.157, 95540))),
)  # fmt: skip

# (name, network type, location types its sites have); all invented.
_PROVIDERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Golden Poppy Pharmacy", "Pharmacy", ("Pharmacy",)),
    ("Bluejay Drug Co.", "Pharmacy", ("Pharmacy",)),
    ("Quailridge Health", "Health system", ("Hospital / Clinic", "Super Site")),
    ("Tidewater Medical Group", "Health system", ("Hospital / Clinic", "Private Practice")),
    ("Manzanita Community Clinics", "Clinic network", ("Hospital / Clinic",)),
    ("Foxglove Urgent Care", "Urgent care", ("Urgent care",)),
)

_LOCATION_TYPES: tuple[tuple[str, int], ...] = (
    ("Pharmacy", 50),
    ("Hospital / Clinic", 20),
    ("Super Site", 5),
    ("Private Practice", 7),
    ("Urgent care", 6),
    ("Health department", 4),
    ("Nursing home", 4),
    ("Dialysis clinic", 4),
)

_STREETS = (
    "Oak", "Maple", "Sierra Vista", "Olive", "Mission", "Palm", "Cedar", "Walnut", "Sycamore",
    "Juniper", "Laurel", "Orchard", "Harvest", "Canyon", "Vineyard", "Almond", "Magnolia", "Pine",
)  # fmt: skip
_SUFFIXES = ("St", "Ave", "Blvd", "Dr", "Rd", "Way", "Ln")
_SURNAMES = (
    "Alvarado", "Brightwater", "Castellano", "Delacroix", "Everhart", "Fairbanks", "Galloway",
    "Hollister", "Ishikawa", "Jaramillo", "Kowalczyk", "Lindqvist", "Montenegro", "Nakashima",
)  # fmt: skip
_LANDMARKS = ("Fairgrounds", "Convention Center", "Community College", "Stadium", "Expo Hall")
_HOURS = (
    "Mon-Fri 9am-6pm",
    "Mon-Sat 8am-8pm, Sun 10am-4pm",
    "Daily 7am-10pm",
    "Tue-Sat 9am-3pm",
    "Open 24 hours",
)
_YES = (
    "Yes: appointment required",
    "Yes: vaccinating 65+",
    "Yes: walk-ins accepted",
    "Yes: appointment calendar currently full",
    "Yes: restricted to county residents",
    "Vaccinating essential workers",
)
_NO = (
    "No: no vaccine inventory",
    "No: may be a vaccination site in the future",
    "No: not open to the public",
    "No: only vaccinating staff",
)
_YES_NOTES = (
    "Appointments open online; second doses are being scheduled on site.",
    "Walk-ins welcome after 2pm while supplies last.",
    "Booked through the end of the week; new slots open Monday mornings.",
    "Vaccinating people 65 and over and health care workers; bring an ID.",
)
_NO_NOTES = (
    "No vaccine yet; the pharmacist expects an allocation next month.",
    "Staff said to check back in two weeks.",
    "Only vaccinating their own employees for now.",
)
_INTERNAL_NOTES = (
    "Ask for the pharmacist on duty; the front desk cannot answer vaccine questions.",
    "Phone tree: press 3, then 1.",
    "Closes for lunch 1pm-2pm; calls go to voicemail then.",
)
_PHASES = ("Phase 1A", "Phase 1B Tier 1", "Vaccinating 65+")
_ID_ALPHABET = string.ascii_letters + string.digits


# --------------------------------------------------------------------------- generation


@dataclass
class DemoData:
    """Everything `seed_demo` writes to Firestore (accounts aside)."""

    counties: list[County] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)


def demo_reasons(now: datetime) -> list[Reason]:
    """The queue reasons staff pick from in the demo."""
    return [
        Reason(id=slug(name), name=name, created_at=now, created_by=DEMO_CREATED_BY)
        for name in REASON_NAMES
    ]


class _Report(NamedTuple):
    at: datetime | None = None
    notes: str | None = None
    availability: list[str] = []  # noqa: RUF012 (never mutated)
    reports: int = 0


class _Generator:
    """Draws every demo value from one seeded stream, so the output is reproducible."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.ids: set[str] = set()
        self.names: set[str] = set()

    def new_id(self) -> str:
        while True:
            candidate = "demo" + "".join(self.rng.choices(_ID_ALPHABET, k=13))
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate

    def county(self, plan: _CountyPlan) -> County:
        site = slug(plan.name)
        return County(
            id=self.new_id(),
            name=plan.name,
            vaccine_info_url=f"https://{site}.example.org/covid-19/vaccine",
            vaccine_locations_url=f"https://{site}.example.org/covid-19/vaccine/sites",
            notes=f"Demo county. {plan.name} publishes eligibility updates every Friday.",
        )

    def provider(self, name: str, network_type: str) -> Provider:
        updated = self.now - timedelta(days=self.rng.randint(1, 20))
        return Provider(
            id=self.new_id(),
            name=name,
            vaccine_info_url=f"https://{slug(name)}.example.org/vaccine",
            public_notes=f"Demo provider. {name} books appointments online only.",
            phase=sorted(self.rng.sample(_PHASES, k=self.rng.randint(1, 2))),
            network_type=network_type,
            last_updated=updated.date().isoformat(),
        )

    def location(self, counties: Sequence[County], providers: Sequence[Provider]) -> Location:
        index = self.rng.randrange(len(_COUNTIES))
        plan, county = _COUNTIES[index], counties[index]
        city = self.rng.choice(plan.cities)
        kind = self.rng.choices([t for t, _ in _LOCATION_TYPES], [w for _, w in _LOCATION_TYPES])[0]
        provider = self._provider_for(kind, providers)
        report = self._report()
        return Location(
            id=self.new_id(),
            name=self._unique_name(kind, city, plan, provider),
            state="CA",
            phone=f"({plan.area_code}) 555-01{self.rng.randint(0, 99):02d}",
            address=self._address(city),
            county=county.name,
            county_id=county.id,
            location_type=kind,
            affiliation=provider.name if provider else None,
            provider_id=provider.id if provider else None,
            latitude=round(city.latitude + self.rng.uniform(-0.06, 0.06), 6),
            longitude=round(city.longitude + self.rng.uniform(-0.06, 0.06), 6),
            hours=self.rng.choice(_HOURS),
            website=self._website(provider),
            internal_notes=self.rng.choice(_INTERNAL_NOTES) if self.rng.random() < 0.15 else None,
            appointment_instructions=self._instructions(provider),
            latest_report_at=report.at,
            latest_report_notes=report.notes,
            availability_info=report.availability,
            number_of_reports=report.reports,
        )

    def _provider_for(self, kind: str, providers: Sequence[Provider]) -> Provider | None:
        matching = [
            p for p, (_, _, kinds) in zip(providers, _PROVIDERS, strict=True) if kind in kinds
        ]
        # Some sites of every kind are independent, as in real life.
        if not matching or self.rng.random() < 0.25:
            return None
        return self.rng.choice(matching)

    def _unique_name(
        self, kind: str, city: _City, plan: _CountyPlan, provider: Provider | None
    ) -> str:
        while True:
            name = self._name(kind, city, plan, provider)
            if name not in self.names:
                self.names.add(name)
                return name

    def _name(self, kind: str, city: _City, plan: _CountyPlan, provider: Provider | None) -> str:
        rng, store = self.rng, self.rng.randint(100, 9999)
        if provider is not None:
            if kind in ("Pharmacy", "Urgent care"):
                return f"{provider.name} #{store}"
            return f"{provider.name} {city.name} {rng.choice(('Center', 'Campus', 'Site'))} {store}"
        surname, street = rng.choice(_SURNAMES), rng.choice(_STREETS)
        county = plan.name.removesuffix(" County")
        names = {
            "Pharmacy": f"{surname} Corner Apothecary {store}",
            "Hospital / Clinic": f"{city.name} {street} Health Pavilion {store}",
            "Super Site": f"{city.name} {rng.choice(_LANDMARKS)} Demo Super Site {store}",
            "Private Practice": f"{' & '.join(rng.sample(_SURNAMES, 2))} Family Medicine",
            "Urgent care": f"{street} Walk-In Care {store}",
            "Health department": f"{county} Public Health Clinic {store}",
            "Nursing home": f"{street} Gardens Senior Residence {store}",
            "Dialysis clinic": f"{city.name} {street} Kidney Care {store}",
        }
        return names[kind]

    def _address(self, city: _City) -> str:
        number = self.rng.randint(100, 9899)
        street = f"{self.rng.choice(_STREETS)} {self.rng.choice(_SUFFIXES)}"
        return f"{number} {street}, {city.name}, CA {city.zip_base + self.rng.randint(0, 9):05d}"

    def _website(self, provider: Provider | None) -> str:
        if provider is not None:
            return f"https://{slug(provider.name)}.example.org/locations/{self.rng.randint(1, 999)}"
        return f"https://example.org/demo-sites/{self.rng.randint(1000, 9999)}"

    def _instructions(self, provider: Provider | None) -> str | None:
        if self.rng.random() < 0.6:
            return None
        if provider is not None:
            return f"Book online at https://{slug(provider.name)}.example.org/vaccine"
        return "Call the front desk to schedule; leave a message after hours."

    def _report(self) -> _Report:
        # About a quarter have never been called: no report at all.
        if self.rng.random() < 0.25:
            return _Report()
        pool, notes = (_YES, _YES_NOTES) if self.rng.random() < 0.5 else (_NO, _NO_NOTES)
        age = timedelta(minutes=self.rng.randint(30, 21 * 24 * 60))
        return _Report(
            at=self.now - age,
            notes=self.rng.choice(notes) if self.rng.random() < 0.8 else None,
            availability=self.rng.sample(pool, k=self.rng.randint(1, 2)),
            reports=self.rng.randint(1, 12),
        )


def generate(
    locations: int = DEFAULT_LOCATIONS, *, seed: int = DEMO_SEED, now: datetime = DEMO_NOW
) -> DemoData:
    """Demo documents; the same arguments always give the same data, and a smaller
    `locations` gives a prefix of a larger one (ids stay stable when re-seeding)."""
    gen = _Generator(seed, now)
    counties = [gen.county(plan) for plan in _COUNTIES]
    providers = [gen.provider(name, kind) for name, kind, _ in _PROVIDERS]
    return DemoData(
        counties=counties,
        providers=providers,
        locations=with_demo_hours([gen.location(counties, providers) for _ in range(locations)]),
        reasons=demo_reasons(now),
    )


ALWAYS_OPEN = "Open 24 hours"
CLOSED = "Temporarily closed"
UNREADABLE = "Call ahead, hours vary"


def with_demo_hours(locations: Sequence[Location]) -> list[Location]:
    """The places with hours that show contact windows whenever the demo runs, and their zone.

    Every other Super Site (the demo's group-1 queue) is open around the clock, so there is
    always something urgent to call; of each other kind one in ten says it is closed (never
    offered) and one in ten has hours no one can read (the default window).
    """
    from tools.importer.time_zones import location_zone

    seen: dict[str | None, int] = {}
    placed = []
    for place in locations:
        n = seen[place.location_type] = seen.get(place.location_type, -1) + 1
        hours = place.hours
        if place.location_type == "Super Site":
            hours = ALWAYS_OPEN if n % 2 == 0 else hours
        elif n % 10 == 3:
            hours = CLOSED
        elif n % 10 == 7:
            hours = UNREADABLE
        zone = location_zone(place.latitude, place.longitude, place.state)
        placed.append(place.model_copy(update={"hours": hours, "timezone": zone}))
    return placed


# --------------------------------------------------------------------------- writing


# Enough queued places, in several priority groups, to try the caller app at once.
QUEUE_PLAN: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("Eva tip", 1, {"location_type": "Super Site"}),
    ("Stale report", 2, {"location_type": "Hospital / Clinic"}),
    ("New location", 99, {}),
)


@dataclass
class SeedSummary:
    """What `seed_demo` wrote."""

    counties: int
    providers: int
    locations: int
    reasons: int
    accounts: dict[str, str]  # e-mail -> uid
    # (reason, priority group, added, already queued) per step of QUEUE_PLAN.
    queued: list[tuple[str, int, int, int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"demo data: {self.locations} locations, {self.counties} counties, "
            f"{self.providers} providers, {self.reasons} reasons",
            *(
                f"queue: {reason!r} (group {group}): added {added}, already queued {already}"
                for reason, group, added, already in self.queued
            ),
        ]


def require_emulators() -> None:
    """Refuse to run unless both emulators are configured: the accounts have public passwords."""
    missing = [name for name in EMULATOR_VARIABLES if not os.environ.get(name)]
    if missing:
        raise RuntimeError(
            "demo data and accounts are only written to the emulators; set " + " and ".join(missing)
        )


def ensure_account(account: DemoAccount, project_id: str) -> str:
    """Create the account, or reset its password if it exists; set its roles. Answers the uid."""
    require_emulators()
    from firebase_admin import auth

    app = firebase_app(project_id)
    try:
        user = auth.get_user_by_email(account.email, app=app)
        auth.update_user(
            user.uid,
            password=account.password,
            display_name=account.display_name,
            email_verified=True,
            disabled=False,
            app=app,
        )
    except auth.UserNotFoundError:
        user = auth.create_user(
            email=account.email,
            password=account.password,
            display_name=account.display_name,
            email_verified=True,
            app=app,
        )
    claims = dict(user.custom_claims or {})
    # Sorted like shared.auth.set_role stores them.
    claims["roles"] = sorted(account.roles)
    auth.set_custom_user_claims(user.uid, claims, app=app)
    return str(user.uid)


def seed_demo(
    db: Client,
    project_id: str,
    *,
    locations: int = DEFAULT_LOCATIONS,
    now: datetime | None = None,
) -> SeedSummary:
    """Write demo counties, providers, locations, reasons and accounts, and queue places.

    The one seeding path: `make run` and `python -m tools.cli seed-demo` both call it.
    Emulators only; seeding twice changes nothing.
    """
    from shared.adapters.auth import User
    from shared.services.staff.enqueue import BulkEnqueueBody, bulk_enqueue
    from shared.services.staff.locations import LocationFilter

    require_emulators()
    moment = now or datetime.now(UTC).replace(second=0, microsecond=0)
    data = generate(locations, now=moment)
    summary = SeedSummary(
        counties=write_documents(db, COUNTIES, data.counties),
        providers=write_documents(db, PROVIDERS, data.providers),
        locations=write_documents(db, LOCATIONS, data.locations),
        reasons=write_documents(db, REASONS, data.reasons),
        accounts={a.email: ensure_account(a, project_id) for a in DEMO_ACCOUNTS},
    )
    staff = User(
        uid=summary.accounts[DEMO_STAFF.email],
        email=DEMO_STAFF.email,
        roles=frozenset(DEMO_STAFF.roles),
    )
    for reason, group, selection in QUEUE_PLAN:
        body = BulkEnqueueBody(
            reason=reason, priority_group=group, filter=LocationFilter(**selection)
        )
        result = bulk_enqueue(db, staff, body, moment, limit=10_000)
        summary.queued.append((reason, group, result.added, result.already_queued))
    return summary


def clear(db: Client) -> None:
    """Delete every document of the project's collections (emulators: tests and benchmarks)."""
    from shared.adapters.store import ALL_COLLECTIONS

    for name in ALL_COLLECTIONS:
        while True:
            refs = [s.reference for s in db.collection(name).select([]).limit(500).stream()]
            if not refs:
                break
            batch = db.batch()
            for ref in refs:
                batch.delete(ref)
            batch.commit()
