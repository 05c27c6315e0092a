"""Settings: the local-only switch for the task token check cannot be on in production."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.config import Settings

EMULATORS = {
    "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080",
    "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    "CLOUD_TASKS_EMULATOR_HOST": "127.0.0.1:9090",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings also read the process environment, which integration tests point at emulators.
    for name in (*EMULATORS, "SKIP_TASK_AUTH", "GOOGLE_CLOUD_PROJECT", "FUNCTIONS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def settings(**values: Any) -> Settings:
    return Settings.model_validate(values)


@pytest.mark.parametrize(
    ("values", "required"),
    [
        ({**EMULATORS, "SKIP_TASK_AUTH": "true", "GOOGLE_CLOUD_PROJECT": "demo-callqueue"}, False),
        ({**EMULATORS, "SKIP_TASK_AUTH": "false", "GOOGLE_CLOUD_PROJECT": "demo-callqueue"}, True),
        # A real project id, even with emulators named: production rules.
        ({**EMULATORS, "SKIP_TASK_AUTH": "true", "GOOGLE_CLOUD_PROJECT": "callqueue-prod"}, True),
        # No emulators: production, whatever the switch says.
        ({"SKIP_TASK_AUTH": "true", "GOOGLE_CLOUD_PROJECT": "demo-callqueue"}, True),
        ({"SKIP_TASK_AUTH": "true", "FIRESTORE_EMULATOR_HOST": "x:1"}, True),
    ],
)
def test_task_auth_is_only_skipped_against_emulators(
    values: dict[str, str], required: bool
) -> None:
    assert settings(**values).task_auth_required is required


def test_defaults() -> None:
    s = settings()
    assert s.claim_lease_seconds == 1200
    assert s.org_timezone == "America/Los_Angeles"
    assert s.base_url == "https://us-central1-demo-callqueue.cloudfunctions.net"
    assert s.task_audience == "https://us-central1-demo-callqueue.cloudfunctions.net/expireClaim"
    assert s.queue_path == "projects/demo-callqueue/locations/us-central1/queues/lease-expiry"


def test_task_names_are_hashed_and_stable() -> None:
    from datetime import UTC, datetime

    from shared.adapters.tasks import task_id

    until = datetime(2026, 3, 1, tzinfo=UTC)
    assert task_id("E", 1, until) == task_id("E", 1, until)
    assert task_id("E", 1, until) != task_id("E", 2, until)
    assert task_id("E", 1, until).startswith("lease-")


def test_review_sampling_defaults_to_every_trainee_and_two_percent_of_everyone_else() -> None:
    assert settings().review_rules.shares == (("*", 0.02), ("trainee", 1.0))
    assert settings(REVIEW_SAMPLING="new=50%").review_rules.shares == (("new", 0.5),)


@pytest.mark.parametrize("text", ["trainee", "trainee=2", "*=lots"])
def test_an_unreadable_review_sampling_stops_the_settings(text: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"REVIEW_SAMPLING|review_sampling"):
        settings(REVIEW_SAMPLING=text)


@pytest.mark.parametrize("window", ["0", "1", "2"])
def test_a_candidate_window_too_small_for_the_draw_is_refused(window: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="CANDIDATE_WINDOW must be at least 3"):
        settings(CANDIDATE_WINDOW=window)


def test_policies_are_built_from_settings_with_the_policies_defaults() -> None:
    from shared.domain.leases import LeasePolicy
    from shared.domain.selection import DrawPolicy

    assert settings().lease_policy == LeasePolicy()
    assert settings().draw_policy == DrawPolicy()
    built = settings(CANDIDATE_WINDOW="40", MAX_CLAIM_ATTEMPTS="5", MAX_LEASE_SECONDS="60")
    assert (built.draw_policy.candidate_window, built.draw_policy.max_claim_attempts) == (40, 5)
    # The longest lease is never below one lease, in the answer and for extensions alike.
    assert built.lease_policy.longest.total_seconds() == 1200
