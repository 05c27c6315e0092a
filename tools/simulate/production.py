"""The run's settings as production has them, the faults that change the service for a whole
run, and the functions' per-instance state and Firestore client for a run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from tools import stack as stacklib
from tools.simulate.lease_tasks import FUNCTIONS_BASE


def production_settings(provoke: str | None) -> dict[str, str]:
    """deploy.sh's settings; the emulators' lack of OIDC is the one local allowance."""
    settings = {
        "FUNCTIONS_BASE_URL": FUNCTIONS_BASE,
        "TASKS_QUEUE": stacklib.TASKS_QUEUE,
        "TASKS_LOCATION": stacklib.REGION,
        "FUNCTION_REGION": stacklib.REGION,
        "SKIP_TASK_AUTH": "true",
    }
    if provoke == "rate_limited_human":
        # A limit far below production's 20 a minute: two requests an hour.
        settings |= {"RATE_LIMIT_REQUEST_CALL": "2", "RATE_LIMIT_WINDOW_SECONDS": "3600"}
    return settings


# Settings a local stack sets that production does not: removed for the run.
NOT_PRODUCTION = (
    "CONTACT_WINDOWS",
    "DEFAULT_CONTACT_WINDOW",
    "CLAIM_LEASE_SECONDS",
    "EXTEND_STEP_SECONDS",
    "MAX_LEASE_SECONDS",
    "CANDIDATE_WINDOW",
    "RATE_LIMIT_REQUEST_CALL",
    "RATE_LIMIT_SUBMIT_REPORT",
    "RATE_LIMIT_LEASE",
    "RATE_LIMIT_BULK",
    "RATE_LIMIT_WINDOW_SECONDS",
)


@contextmanager
def provoked(kind: str | None) -> Iterator[None]:
    """Faults that change the service for the whole run (the others act once, midway)."""
    with ExitStack() as stack:
        if kind == "outside_window":
            from shared.services.caller import calls

            saved_opening = calls.opening_of
            calls.opening_of = lambda contact, location, now: now
            stack.callback(setattr, calls, "opening_of", saved_opening)
        elif kind == "priority_inversion":
            from shared.domain import selection

            saved_order = selection.groups_in_order
            selection.groups_in_order = lambda groups=(1, 2, 3, 4, 99): sorted(
                set(groups), reverse=True
            )
            stack.callback(setattr, selection, "groups_in_order", saved_order)
        elif kind == "backfill_over":
            from shared.domain import routing

            saved_shortfall = routing.shortfall
            routing.shortfall = lambda minimum, stock: minimum
            stack.callback(setattr, routing, "shortfall", saved_shortfall)
        yield


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    from shared.adapters.config import get_settings

    saved = dict(os.environ)
    for key in NOT_PRODUCTION:
        os.environ.pop(key, None)
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


def fresh_instances() -> None:
    """Forget what earlier runs in this process left in the functions' per-instance memory.

    A run is a fresh deployment: a test session runs several, with the same users on the same
    simulated moments, so a rate-limit window one run found full (`rate_limits._full`, keyed by
    user and window start) would refuse the next run's callers.
    """
    from shared.records import rate_limits
    from shared.services.caller import calls, lease_tasks

    rate_limits._full.clear()
    rate_limits._taken.clear()
    calls._levels.clear()
    calls._urgent.clear()
    calls._references.clear()
    calls._known_saved.clear()
    calls._known_groups.clear()
    calls._empty.clear()
    lease_tasks._kept["here"] = False


def counted_store(project: str) -> Any:
    """Make the functions' Firestore client one whose reads are counted (the emulator only)."""
    from shared.adapters import store
    from tools.bench.rpc_count import RpcCounter, counting_client

    counter = RpcCounter(record_queries=False)
    client = counting_client(project, counter, single_threaded=True)
    store._clients._values[project] = client
    return counter
