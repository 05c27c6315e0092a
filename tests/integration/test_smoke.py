"""tools.smoke against the test stack over HTTP, exactly as Cloud Build runs it on a deploy.

Checked: it passes on a stack with production settings (contact windows and rate limits on)
where real callers hold real entries, and leaves every document and user as it found them;
it fails naming the step when nothing answers, or when a step fails half-way (and then still
cleans up).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Any

import pytest

from shared.adapters import store
from tests import harness
from tests.conftest import Users
from tests.integration.factories import add_locations
from tools import smoke

pytestmark = pytest.mark.integration

# What production runs with (shared/config.py defaults): windows and rate limits on.
PRODUCTION_LIKE = {
    "CONTACT_WINDOWS": "true",
    "RATE_LIMIT_REQUEST_CALL": "20",
    "RATE_LIMIT_SUBMIT_REPORT": "20",
    "RATE_LIMIT_LEASE": "30",
    "RATE_LIMIT_BULK": "120",
}


def run_smoke(base: str, project: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.smoke", base, "--project", project],
        cwd=harness.ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def everything(db: Any) -> dict[str, dict[str, Any]]:
    """Every document of every collection of ours."""
    return {
        name: {s.id: s.to_dict() for s in db.collection(name).stream()}
        for name in store.ALL_COLLECTIONS
    }


def smoke_users(project: str) -> list[str]:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    found = []
    for uid, _, _ in (smoke.CALLER, smoke.STAFF):
        with contextlib.suppress(auth.UserNotFoundError):
            found.append(auth.get_user(uid, app=firebase_app(project)).uid)
    return found


@pytest.fixture
def busy_queue(api: harness.HttpApi, db: Any, staff_token: str, users: Users) -> None:
    """Real places in the default queue, one of them held by a real caller."""
    ids = add_locations(db, 6, prefix="real", hours="always")
    body = {"reason": "New location", "priority_group": 1, "location_ids": ids}
    assert api.call("bulkEnqueue", staff_token, json=body).status == 200
    held = api.call("requestCall", users.token("volunteer", ["caller"]), params={"state": "all"})
    assert held.status == 200, held.body


def test_smoke_passes_and_leaves_the_data_as_it_found_it(
    start_functions: Any, db: Any, busy_queue: None, project_id: str
) -> None:
    production = start_functions("smoke-functions", **PRODUCTION_LIKE)
    before = everything(db)
    result = run_smoke(production.base, project_id)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("smoke test passed")
    steps = [line for line in lines if line.startswith("[")]
    assert len(steps) == len(smoke.STEPS) + 2  # the clean-up: documents, users
    assert all(" ok " in line for line in steps), steps
    assert everything(db) == before
    assert smoke_users(project_id) == []


def test_smoke_fails_naming_the_step_when_nothing_answers(
    test_stack: harness.TestStack, db: Any, project_id: str
) -> None:
    result = run_smoke(harness.NOWHERE, project_id)
    assert result.returncode == 1
    assert "[1/15] FAILED functions answer: no answer from" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("smoke test FAILED at: functions answer")
    assert not any(everything(db).values()), "it wrote something"
    assert smoke_users(project_id) == []


def test_a_failure_half_way_names_its_step_and_still_cleans_up(
    start_functions: Any, db: Any, busy_queue: None, project_id: str
) -> None:
    # Functions of another project: anonymous calls are refused as usual, but the smoke
    # users' tokens (made for this project) are not accepted.
    elsewhere = start_functions("smoke-elsewhere", GOOGLE_CLOUD_PROJECT="demo-elsewhere")
    before = everything(db)
    result = run_smoke(elsewhere.base.replace("demo-elsewhere", project_id), project_id)
    assert result.returncode == 1, result.stdout
    assert "FAILED checkAuth sees the roles: checkAuth as staff: expected 200, got 401" in (
        result.stdout
    )
    assert "[clean] ok clean-up: smoke documents deleted" in result.stdout
    assert "[clean] ok clean-up: smoke users deleted: 2 smoke user(s) deleted" in result.stdout
    assert everything(db) == before
    assert smoke_users(project_id) == []


def test_the_smoke_caller_never_claims_a_real_place(
    api: harness.HttpApi, db: Any, staff_token: str, project_id: str
) -> None:
    # A queue open to every caller that sorts before the smoke queue: the smoke caller would
    # be offered a real place first, so it must stop before claiming anything.
    body = {"name": "0-first", "order": 0}
    assert api.call("saveQueue", staff_token, json=body).status == 200
    ids = add_locations(db, 3, prefix="real", hours="always")
    body = {"reason": "New location", "queue": "0-first", "location_ids": ids}
    assert api.call("bulkEnqueue", staff_token, json=body).status == 200
    before = everything(db)
    result = run_smoke(api.base, project_id)
    assert result.returncode == 1
    assert "FAILED offer previewed: the smoke caller would be offered 'real-" in result.stdout
    assert everything(db) == before
