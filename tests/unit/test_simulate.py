"""The simulated week's pure parts: places' truth, shifts, staff's week, the checks, the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tools.simulate import checks, people, places
from tools.soak.invariants import Call, Hold

# Monday 2 June 2031 in Pacific daylight time (UTC-7).
MONDAY = datetime(2031, 6, 2, 7, 0, tzinfo=UTC)
NINE_TO_FIVE = list(places.NINE_TO_FIVE)


def pacific(day: int, hour: float) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


@pytest.mark.parametrize(
    ("spans", "zone", "moment", "expected"),
    [
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(0, 9), True),
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(0, 8.99), False),
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(0, 17), False),
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(5, 12), False),
        # 15:30 Pacific is 17:30 in Chicago: closed there.
        (NINE_TO_FIVE, "America/Chicago", pacific(0, 15.5), False),
        (NINE_TO_FIVE, "America/Denver", pacific(0, 15.5), True),
        ([], "America/Los_Angeles", pacific(0, 12), False),
    ],
)
def test_is_open(spans: list[places.Span], zone: str, moment: datetime, expected: bool) -> None:
    assert places.is_open(spans, zone, moment) is expected


@pytest.mark.parametrize(
    ("spans", "zone", "moment", "expected"),
    [
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(0, 10), pacific(0, 10)),
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(0, 18), pacific(1, 9)),
        (NINE_TO_FIVE, "America/Los_Angeles", pacific(4, 18), pacific(7, 9)),
        (NINE_TO_FIVE, "America/New_York", pacific(0, 3), pacific(0, 6)),
        ([], "America/Los_Angeles", pacific(0, 10), None),
    ],
)
def test_next_open(
    spans: list[places.Span], zone: str, moment: datetime, expected: datetime | None
) -> None:
    assert places.next_open(spans, zone, moment) == expected


def test_hours_are_deterministic_and_mixed() -> None:
    ids = [f"rec{n:05d}" for n in range(3000)]
    kinds = {places.hours_for(i).kind for i in ids}

    assert [places.hours_for(i) for i in ids[:50]] == [places.hours_for(i) for i in ids[:50]]
    assert {"closed", "unreadable", "missing", "no-meridiem-end", "always"} <= kinds


def test_rows_get_hours_and_phones_without_losing_fields() -> None:
    rows = places.with_hours([{"id": "recA", "Name": "A", "County": "Kern County"}])

    assert rows[0]["Name"] == "A"
    assert rows[0]["County"] == "Kern County"
    assert rows[0]["Phone number"].startswith("(")
    assert rows[0].get("Hours") == places.hours_for("recA").text


def test_split_zone_places_lie_on_both_sides_of_each_line() -> None:
    rows, zones = places.split_zone_rows(2)

    by_state: dict[str, set[str]] = {}
    for row in rows:
        state = row["Address"].rsplit(" ", 2)[-2]
        by_state.setdefault(state, set()).add(zones[row["id"]])
    assert len(rows) == 2 * len(places.TOWNS)
    assert set(by_state) == {"TX", "FL", "ID", "OR", "KY", "TN", "ND", "SD", "NE", "KS", "MI", "IN"}
    assert all(len(found) == 2 for found in by_state.values())


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        # Readable hours decide; unreadable ones may fall back to the default window.
        (
            places.Hours("9am-6pm", places._spans(range(7), 9, 18), True, 1, "x"),
            pacific(5, 10),
            True,
        ),
        (places.Hours("Closed", (), True, 1, "closed"), pacific(0, 10), False),
        (places.Hours("Call", places._spans([0], 6, 7), False, 1, "u"), pacific(0, 10), True),
        (places.Hours("Call", places._spans([0], 9, 17), False, 1, "u"), pacific(0, 18), False),
    ],
)
def test_may_offer(hours: places.Hours, moment: datetime, expected: bool) -> None:
    truth = places.Truth("America/Los_Angeles", hours)

    assert places.may_offer(truth, NINE_TO_FIVE, moment) is expected


@pytest.mark.parametrize(
    ("day", "hour", "peak", "expected"),
    [(0, 3, 40, 0), (0, 10, 40, 40), (0, 18, 40, 12), (5, 12, 40, 6), (6, 20, 40, 0), (0, 6, 2, 1)],
)
def test_on_duty_count(day: int, hour: float, peak: int, expected: int) -> None:
    moment = pacific(day, hour)

    assert people.on_duty_count(peak, moment) == expected
    assert sum(people.on_duty(i, peak, moment) for i in range(peak)) == expected


def test_staff_week_acts_on_weekdays_in_office_hours() -> None:
    week = people.staff_week(MONDAY, 7)
    kinds = {a.kind for a in week}

    assert kinds == {"county_add", "mistaken_add", "undo", "remove", "move", "resume"}
    assert all(a.at.astimezone(people.PACIFIC).weekday() < 5 for a in week)
    assert all(9 <= a.at.astimezone(people.PACIFIC).hour < 17 for a in week)


def hold(entry: str, holder: str, start: float, end: float, **kw: object) -> Hold:
    return Hold(
        entry,
        1,
        f"loc-{entry}",
        holder,
        pacific(0, start),
        pacific(0, end),
        **kw,  # type: ignore[arg-type]
    )


def test_outside_window_names_claims_of_closed_places() -> None:
    hours = places.Hours("Mon-Fri 9am-5pm", places.NINE_TO_FIVE, True, 1, "weekdays")
    truths = {"loc-a": places.Truth("America/Chicago", hours)}

    found = checks.outside_window(
        [hold("a", "c1", 10, 10.3), hold("a", "c2", 15.5, 15.8)], truths, NINE_TO_FIVE
    )

    assert len(found) == 1
    assert "c2" in found[0]


@pytest.mark.parametrize(
    ("stock_entries", "added", "violations"),
    [(35, 5, 0), (35, 6, 1), (50, 1, 1), (0, 40, 0)],
)
def test_backfill_adds_at_most_its_shortfall(
    stock_entries: int, added: int, violations: int
) -> None:
    at = pacific(0, 12)
    entries = [
        checks.QueuedEntry(f"e{i}", f"l{i}", "default", 3, at - timedelta(hours=1), None, "b0", "r")
        for i in range(stock_entries)
    ]
    refill = checks.Refill("default", at, added, "b1")

    assert len(checks.backfill_over([refill], entries, {"default": 40})) == violations


def test_backfill_counts_held_entries_as_stock_and_closed_or_far_call_backs_not() -> None:
    at = pacific(0, 12)
    before = at - timedelta(hours=1)
    entries = [
        # Held: it comes back by its lease's end, inside the horizon (as the product counts).
        checks.QueuedEntry("held", "l1", "default", 3, before, None, "b0", "r"),
        checks.QueuedEntry("closed", "l2", "default", 3, before, before, "b0", "r"),
        checks.QueuedEntry("other", "l3", "urgent", 3, before, None, "b0", "r"),
        # A call-back's next stay, two days out: beyond the horizon, not stock.
        checks.QueuedEntry(
            "later", "l4", "default", 3, before, None, None, "r", at + timedelta(days=2)
        ),
    ]

    def over(added: int) -> list[str]:
        return checks.backfill_over(
            [checks.Refill("default", at, added, "b1")], entries, {"default": 3}
        )

    assert over(2) == []
    assert len(over(3)) == 1


@pytest.mark.parametrize(("added", "violations"), [(2, 0), (3, 1)])
def test_backfill_does_not_count_an_add_of_the_same_tick_as_stock(
    added: int, violations: int
) -> None:
    """The 40-caller week, Wednesday 10:00: a caller's refill saw 38 in stock and added 2 while
    the staff's county add of the same tick (94 entries, the same simulated instant) landed."""
    at = pacific(2, 10)
    before = at - timedelta(hours=1)
    entries = [
        checks.QueuedEntry(f"e{i}", f"l{i}", "default", 3, before, None, "b0", "r")
        for i in range(38)
    ] + [
        checks.QueuedEntry(f"s{i}", f"m{i}", "default", 1, at, None, "staff", "r")
        for i in range(94)
    ] + [
        checks.QueuedEntry(f"r{i}", f"n{i}", "default", 99, at, None, "b1", "r")
        for i in range(added)
    ]  # fmt: skip
    refill = checks.Refill("default", at, added, "b1")

    assert len(checks.backfill_over([refill], entries, {"default": 40})) == violations


def test_backfill_does_not_count_an_entry_deferred_past_the_horizon() -> None:
    at = pacific(0, 12)
    before = at - timedelta(hours=1)
    week = ((before, at + timedelta(days=7)),)
    soon = ((before, at + timedelta(hours=2)),)
    entries = [
        checks.QueuedEntry(
            "closed-a-week", "l1", "default", 3, before, None, None, "r", None, week
        ),
        checks.QueuedEntry("opens-soon", "l2", "default", 3, before, None, None, "r", None, soon),
    ]
    refill = checks.Refill("default", at, 1, "b1")

    assert checks.backfill_over([refill], entries, {"default": 2}) == []
    assert len(checks.backfill_over([refill], entries[1:] * 2, {"default": 2})) == 1


def call(function: str, caller: str, hour: float, entry: str = "a", seq: int | None = None) -> Call:
    return Call(
        function, 200, pacific(0, hour).timestamp(), 1.0, caller, entry, f"loc-{entry}", seq
    )


def test_double_hold_sees_what_callers_were_told() -> None:
    # c2's claim ended c1's stored attempt at 10.1; c1 still worked the call until 10.2.
    stored = [
        hold("a", "c1", 10, 10.3, ended_at=pacific(0, 10.1), outcome="expired"),
        Hold("a", 2, "loc-a", "c2", pacific(0, 10.1), pacific(0, 10.4)),
    ]
    calls = [
        call("requestCall", "c1", 10, seq=1),
        call("requestCall", "c2", 10.1, seq=2),
        call("submitReport", "c1", 10.2),
        call("submitReport", "c2", 10.35),
    ]

    assert checks.double_hold([], stored) == []
    assert len(checks.double_hold(calls, stored)) == 1


def test_double_hold_ignores_a_release_followed_by_a_claim() -> None:
    stored = [
        hold("a", "c1", 10, 10.3, ended_at=pacific(0, 10.1), outcome="released"),
        Hold("a", 2, "loc-a", "c2", pacific(0, 10.1), pacific(0, 10.4)),
    ]
    calls = [
        call("requestCall", "c1", 10, seq=1),
        call("requestCall", "c1", 10, seq=1),
        call("releaseCall", "c1", 10.1),
        call("requestCall", "c2", 10.1, seq=2),
    ]

    assert checks.double_hold(calls, stored) == []


def test_rate_limited_human_counts_only_rate_limit_refusals_of_callers() -> None:
    calls = [
        Call("requestCall", 429, 0.0, 1.0, "c1", error="too_many_requests"),
        Call("requestCall", 429, 0.0, 1.0, "c1", error="busy"),
        Call("bulkEnqueue", 429, 0.0, 1.0, "staff", error="too_many_requests"),
    ]

    assert len(checks.rate_limited_human(calls, {"c1"})) == 1


def test_days_are_pacific_midnights_clipped_to_the_run() -> None:
    days = checks.days_of(pacific(0, 16), pacific(2, 0))

    assert [(d, a, b) for d, a, b in days] == [
        ("Mon", pacific(0, 16), pacific(1, 0)),
        ("Tue", pacific(1, 0), pacific(2, 0)),
    ]


def test_caller_hours_follow_the_shift_plan() -> None:
    assert checks.caller_hours(40, pacific(0, 10), pacific(0, 11)) == 40
    assert checks.caller_hours(40, pacific(0, 0), pacific(0, 5)) == 0


def test_backfill_does_not_count_an_entry_flagged_for_staff() -> None:
    """The 40-caller week, Tuesday 16:34 on: refills "over" by one or two while entries whose
    leases ran out unreported three times were flagged (out of rotation, not stock)."""
    at = pacific(1, 16.5)
    before = at - timedelta(hours=1)
    flagged = checks.flag_spans([("flag", before)])
    resumed = checks.flag_spans([("flag", before), ("resume", before + timedelta(minutes=5))])
    entries = [
        checks.QueuedEntry(
            "flagged", "l1", "default", 3, before, None, None, "r", None, (), flagged
        ),
        checks.QueuedEntry(
            "resumed", "l2", "default", 3, before, None, None, "r", None, (), resumed
        ),
    ]
    refill = checks.Refill("default", at, 1, "b1")

    assert checks.backfill_over([refill], entries, {"default": 2}) == []
    assert len(checks.backfill_over([refill], entries[1:] * 2, {"default": 2})) == 1
