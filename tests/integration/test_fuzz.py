"""Schemathesis against the served API document: every operation, as every kind of caller.

Each generated request must get an answer the document declares (status, content type,
schema), never a 5xx, and a rejected one (4xx) must change nothing: the document count of
every collection and the caller's `callerStats` are the same before and after.

Size: `FUZZ_EXAMPLES` generated requests per operation and role in the fuzzing phase (plus
the document's examples and schemathesis' coverage cases). `make test` runs a small,
derandomized run; `make fuzz` (nightly) runs 500 with a random seed (`FUZZ_SEED` replays one).
"""

from __future__ import annotations

import os
import random
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import CheckFunction

from shared.adapters import store
from shared.adapters.auth import User
from shared.adapters.config import get_settings
from shared.base import clock
from shared.domain import tags
from shared.services.caller import reports
from tests.conftest import Users
from tests.harness import NOWHERE, HttpApi
from tests.integration.factories import count
from tools import demo

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# Unset: derandomized (the same requests on every run, as CI needs). "random": a fresh seed,
# printed so that `FUZZ_SEED=<it>` replays the run.
SEED = os.environ.get("FUZZ_SEED", "")
# schemathesis' phases: "coverage" adds its deterministic boundary cases (hundreds per operation,
# so the nightly run only).
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
# Enough queued places that requestCall, reports and the staff lists meet real data.
DEMO_LOCATIONS = 40

ROLES = ("none", "caller", "staff")
RATE_LIMIT_SETTINGS = (
    "RATE_LIMIT_REQUEST_CALL",
    "RATE_LIMIT_SUBMIT_REPORT",
    "RATE_LIMIT_LEASE",
    "RATE_LIMIT_BULK",
)


def checks() -> list[CheckFunction]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


State = tuple[dict[str, int], Any]
# The state is read before and after most requests: the counts go in parallel.
COUNTING = ThreadPoolExecutor(max_workers=len(store.ALL_COLLECTIONS))


@dataclass
class FuzzTarget:
    api: HttpApi
    db: Any
    tokens: dict[str, str | None]
    caller: User
    # Seeded ids (and valid tags) by the field names that take them.
    known: dict[str, list[str]] = field(default_factory=dict)
    # The state after the last rejected request; None once a request was accepted.
    last: State | None = None

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def state(self) -> State:
        """Document counts per collection and the fuzzing caller's stats (what callerStats says)."""
        found = COUNTING.map(lambda name: (name, count(self.db, name)), store.ALL_COLLECTIONS)
        stats = reports.caller_stats(self.db, self.caller, clock.now(), get_settings().tz)
        return dict(found), stats

    def before(self) -> State:
        if self.last is None:
            self.last = self.state()
        return self.last

    def after(self, status: int) -> State | None:
        """The state now if the request was rejected (to compare with the one before)."""
        if status < 400:
            self.last = None
            return None
        self.last = self.state()
        return self.last

    def learn_ids(self) -> None:
        """The ids generated requests may borrow: seeded locations, entries, bulk adds."""

        def ids(collection: str) -> list[str]:
            refs = self.db.collection(collection).select([]).limit(50).stream()
            return sorted(r.id for r in refs)

        locations, entries, bulk = ids(store.LOCATIONS), ids(store.ENTRIES), ids(store.BULK_ADDS)
        self.known = {
            "Location": locations,
            "location_id": locations,
            "location_ids": locations,
            "entry_id": entries,
            "entry_ids": entries,
            "bulk_id": bulk,
            "Availability": [tag.slug for tag in tags.TAGS],
        }

    def borrow_ids(self, case: schemathesis.Case) -> None:
        """Point about half the generated ids and tags at real ones, so requests get past
        "unknown location" to the code behind it (decided by the generated value: replays
        stay the same)."""
        for container in (case.body, case.query):
            if not isinstance(container, dict):
                continue
            for name, value in list(container.items()):
                choices = self.known.get(name)
                pick = zlib.crc32(repr(value).encode())
                if not choices or pick % 2:
                    continue
                if isinstance(value, str):
                    container[name] = choices[pick % len(choices)]
                elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                    container[name] = [
                        choices[(pick + i) % len(choices)] for i in range(len(value))
                    ]


def changed(before: State, after: State) -> dict[str, tuple[Any, Any]]:
    """What differs between two states: collection (or "callerStats") -> (before, after)."""
    (counts_before, stats_before), (counts_after, stats_after) = before, after
    found = {
        name: (counts_before.get(name), counts_after.get(name))
        for name in counts_before.keys() | counts_after.keys()
        if counts_before.get(name) != counts_after.get(name)
    }
    if stats_before != stats_after:
        found["callerStats"] = (stats_before, stats_after)
    return found


@pytest.fixture(scope="module")
def fuzz_target(
    start_functions: Callable[..., HttpApi], firestore_client: Any, users: Users, project_id: str
) -> Iterator[FuzzTarget]:
    # Expiry tasks go nowhere: a lease ending mid-run would change the counts under a check.
    # Rate limits are off (0): at 20 a minute most generated requests would meet a 429 instead
    # of the code behind it (test_rate_limits.py covers the limits).
    limits_off = dict.fromkeys(RATE_LIMIT_SETTINGS, "0")
    api = start_functions(f"functions-fuzz-{os.getpid()}", FUNCTIONS_BASE_URL=NOWHERE, **limits_off)
    demo.clear(firestore_client)
    demo.seed_demo(firestore_client, project_id, locations=DEMO_LOCATIONS)
    tokens: dict[str, str | None] = {
        "none": None,
        "caller": users.token("fuzz-caller", ["caller"]),
        "staff": users.token("fuzz-staff", ["staff"]),
    }
    caller = User(uid=users.uid("fuzz-caller", ["caller"]), email=None, roles=frozenset())
    target = FuzzTarget(api, firestore_client, tokens, caller)
    target.learn_ids()
    yield target
    demo.clear(firestore_client)


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> Any:
    """The document as the functions server serves it, pointed at that server."""
    base = fuzz_target.api.base
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    schema.config.update(base_url=base)
    schema.config.generation.update(max_examples=EXAMPLES, deterministic=not SEED, database="none")
    schema.config.phases.update(phases=PHASES)
    if SEED:
        seed = random.randrange(2**32) if SEED == "random" else int(SEED)
        print(f"fuzzing with FUZZ_SEED={seed}")
        schema.config.seed = seed
    return schema


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    """Who sends the generated requests: nobody signed in, a caller, a staff member."""
    # schemathesis 4.32 renames the running item through `_nodeid`, which pytest 9 no longer
    # has (it reads it before writing it back): give it one.
    node: Any = request.node
    node._nodeid = node.nodeid
    return str(request.param)


schema = schemathesis.pytest.from_fixture("api_schema")


# schemathesis' wrapper hides the test's arguments from pytest: `role` is named here so pytest
# parametrizes the test by it.
@pytest.mark.usefixtures("role")
@schema.parametrize()
def test_every_answer_is_documented_and_a_rejection_changes_nothing(
    case: schemathesis.Case, role: str, fuzz_target: FuzzTarget
) -> None:
    headers = fuzz_target.headers(role)
    fuzz_target.borrow_ids(case)
    before = fuzz_target.before()
    response = case.call(headers=headers, timeout=60)
    after = fuzz_target.after(response.status_code)
    case.validate_response(response, checks=checks(), headers=headers)
    if after is not None and after != before:
        pytest.fail(
            f"{case.operation.label} answered {response.status_code} but changed "
            f"{changed(before, after)}: {response.text[:300]}"
        )
