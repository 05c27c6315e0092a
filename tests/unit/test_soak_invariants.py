"""The soak's checks over hand-built histories: each flags what it must, and only that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tools.soak import invariants as inv

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def hold(
    entry: str,
    seq: int,
    holder: str,
    start: float,
    until: float,
    ended: float | None = None,
    outcome: str | None = "completed",
    location: str | None = None,
) -> inv.Hold:
    return inv.Hold(
        entry_id=entry,
        claim_seq=seq,
        location_id=location or f"loc-{entry}",
        holder=holder,
        claimed_at=at(start),
        claimed_until=at(until),
        outcome=outcome,
        ended_at=None if ended is None else at(ended),
    )


def entry(
    entry_id: str,
    location: str,
    *,
    open: bool = True,
    available: float = 0,
    vest: float = 0,
    until: float | None = None,
    outcome: str | None = None,
    previous: str | None = None,
    attention: bool = False,
) -> inv.EntryState:
    return inv.EntryState(
        id=entry_id,
        location_id=location,
        open=open,
        needs_attention=attention,
        vest_at=at(vest),
        available_at=at(available),
        claimed_until=None if until is None else at(until),
        outcome=outcome,
        previous_entry_id=previous,
    )


# A clean history: one entry handed from a to b (a released it), b's lease expired, then c.
CLEAN = [
    hold("e1", 1, "a", 0, 15, ended=5, outcome="released"),
    hold("e1", 2, "b", 5, 20, ended=31, outcome="expired"),
    hold("e1", 3, "c", 20, 35, ended=22),
    hold("e2", 1, "a", 5, 20, ended=9),
]


def test_a_clean_history_passes_every_hold_check() -> None:
    assert inv.overlapping_holds(CLEAN) == []
    assert inv.callers_holding_several(CLEAN) == []
    assert inv.attempts_without_outcome(CLEAN, at(100)) == []
    assert max(inv.most_held_at_once(CLEAN).values()) == 1


def test_two_callers_holding_one_entry_at_once_are_flagged() -> None:
    # b claimed e1 at 10 while a's lease (until 15, never ended early) still ran.
    history = [hold("e1", 1, "a", 0, 15, ended=16, outcome="expired"), hold("e1", 2, "b", 10, 25)]
    found = inv.overlapping_holds(history)
    assert len(found) == 1
    assert "e1-1 (a)" in found[0]
    assert "e1-2 (b)" in found[0]


def test_two_open_entries_of_one_location_held_at_once_are_flagged() -> None:
    history = [
        hold("e1", 1, "a", 0, 15, location="L"),
        hold("e9", 1, "b", 3, 18, location="L"),
    ]
    assert len(inv.overlapping_holds(history)) == 1


def test_a_caller_holding_two_entries_is_flagged_and_counted() -> None:
    history = [*CLEAN, hold("e3", 1, "a", 2, 17, ended=12)]
    assert inv.most_held_at_once(history)["a"] == 2
    assert inv.callers_holding_several(history) == ["caller a held 2 entries at once"]


def test_an_attempt_without_outcome_is_flagged_once_its_lease_ended() -> None:
    history = [*CLEAN, hold("e4", 1, "d", 50, 65, outcome=None)]
    assert inv.attempts_without_outcome(history, at(60)) == []
    assert len(inv.attempts_without_outcome(history, at(70))) == 1


def test_open_entries_and_guards_must_agree() -> None:
    entries = [entry("e1", "L1"), entry("e2", "L2"), entry("e0", "L1", open=False)]
    assert inv.one_open_entry_per_location(entries, {"L1": "e1", "L2": "e2"}) == []
    twice = [*entries, entry("e3", "L1")]
    assert "2 open entries" in inv.one_open_entry_per_location(twice, {"L1": "e1", "L2": "e2"})[0]
    assert len(inv.one_open_entry_per_location(entries, {"L1": "e1"})) == 1
    stale = {"L1": "e1", "L2": "e2", "L3": "e0"}
    assert inv.one_open_entry_per_location(entries, stale) == [
        "guard L3 names e0, which is not its open entry"
    ]


def test_reports_accepted_but_not_stored_or_miscounted_are_flagged() -> None:
    accepted = {"a": {"r1", "r2"}}
    assert inv.reports_and_stats(accepted, {"a": {"r1", "r2"}}, {}, {"a": 2}) == []
    lost = inv.reports_and_stats(accepted, {"a": {"r1"}}, {}, {"a": 1})
    assert any("r2 is not stored" in line for line in lost)
    assert inv.reports_and_stats(accepted, {"a": {"r1", "r2"}}, {}, {"a": 3})


def test_a_report_sent_without_an_answer_may_be_stored() -> None:
    stored = {"a": {"r1", "r2", "r3"}}
    assert inv.reports_and_stats({"a": {"r1", "r2"}}, stored, {"a": 1}, {"a": 3}) == []
    assert inv.reports_and_stats({"a": {"r1", "r2"}}, stored, {}, {"a": 3})


def test_5xx_answers_are_flagged_and_refused_connections_are_not() -> None:
    calls = [
        inv.Call("requestCall", 200, 0.0, 5.0, "a"),
        inv.Call("requestCall", 0, 1.0, 1.0, "a", error="refused", connection="refused"),
        inv.Call("submitReport", 409, 2.0, 5.0, "a", error="busy"),
        inv.Call("submitReport", 503, 3.0, 5.0, "b", error="unavailable"),
    ]
    assert inv.server_errors(calls) == ["submitReport answered 503 to b: unavailable"]


def test_a_lease_answered_to_someone_other_than_its_holder_is_flagged() -> None:
    calls = [
        inv.Call("requestCall", 200, 0.0, 5.0, "a", entry_id="e1", claim_seq=1),
        inv.Call("requestCall", 200, 0.0, 5.0, "b", entry_id="e1", claim_seq=1),
    ]
    found = inv.leases_answered(calls, [hold("e1", 1, "a", 0, 15, ended=3)])
    assert found == ["b was answered lease e1-1, stored holder a"]


def test_lost_and_undrawable_entries_are_flagged() -> None:
    now = 100
    fine = [
        entry("e1", "L1", open=False, outcome="skipped"),
        entry("e2", "L1", previous="e1", vest=150, available=150),  # a call-back to come
        entry("e3", "L2", available=90),
        entry("e4", "L3", attention=True, available=90),  # out of rotation for staff
    ]
    assert inv.lost_or_undrawable(fine, {"e3"}, at(now)) == []
    assert len(inv.lost_or_undrawable(fine, set(), at(now))) == 1  # e3 not drawn
    lost = [*fine, entry("e5", "L4", open=False, outcome="skipped")]
    assert "never requeued" in inv.lost_or_undrawable(lost, {"e3"}, at(now))[0]
    stuck = [*fine, entry("e6", "L5", available=130, until=95)]
    assert "no lease" in inv.lost_or_undrawable(stuck, {"e3"}, at(now))[0]


def test_an_entry_deferred_to_its_places_opening_is_not_lost() -> None:
    now = 100
    deferred = [entry("e1", "L1", available=130)]  # a draw met L1 closed, until 130
    assert inv.lost_or_undrawable(deferred, set(), at(now), {"L1": at(130)}) == []
    # Deferred past the opening, or while the place is open now: lost.
    assert "no lease" in inv.lost_or_undrawable(deferred, set(), at(now), {"L1": at(120)})[0]
    assert "no lease" in inv.lost_or_undrawable(deferred, set(), at(now), {"L1": at(now)})[0]
    assert "no lease" in inv.lost_or_undrawable(deferred, set(), at(now))[0]
