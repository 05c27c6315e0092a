"""Fixed windows and Retry-After arithmetic of the rate limits (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.rate_policy import Limit, counter_id, refusal, window_of

T = datetime(2026, 11, 27, 20, 0, 45, 250_000, tzinfo=UTC)


def test_windows_start_at_multiples_of_their_length() -> None:
    window = window_of(T, 60)
    assert window.start == datetime(2026, 11, 27, 20, 0, 0, tzinfo=UTC)
    assert window.end == window.start + timedelta(seconds=60)
    assert window_of(window.end, 60).start == window.end


def test_retry_after_rounds_up_and_is_never_zero() -> None:
    window = window_of(T, 60)
    assert window.retry_after(T) == 15  # 14.75 s left
    assert window.retry_after(window.end - timedelta(milliseconds=1)) == 1
    assert window.retry_after(window.end) == 1


def test_counter_ids_differ_by_user_bucket_and_window() -> None:
    limit = Limit("lease", 3, 60)
    ids = {
        counter_id("u1", limit, window_of(T, 60)),
        counter_id("u2", limit, window_of(T, 60)),
        counter_id("u1", Limit("bulk", 3, 60), window_of(T, 60)),
        counter_id("u1", limit, window_of(T + timedelta(seconds=60), 60)),
    }
    assert len(ids) == 4


def test_zero_turns_a_limit_off() -> None:
    assert not Limit("bulk", 0, 60).enabled
    assert Limit("bulk", 1, 60).enabled


def test_refusal_names_the_limit_and_carries_retry_after() -> None:
    error = refusal(Limit("requestCall", 20, 60), window_of(T, 60), T)
    assert error.status == 429
    assert "20 per 60 seconds" in error.description
    assert error.headers == {"Retry-After": "15"}
