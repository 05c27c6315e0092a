"""`--targets`: freshness targets instead of staff's hand-made "Stale report" bulk adds.

Without it, staff queue San Diego County (`Stale report`, group 3, `default`) and Imperial
County (`Stale report`, group 2, `spanish`) before Monday, by hand. With it they save two
freshness targets instead, and the harness calls refreshQueue every 10 simulated minutes, as
Cloud Scheduler does in production; everything else (callers, staff's week, backfill) is the
same. `compare` puts the two runs' `fresh_24h_share` side by side, day by day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.simulate.engine import Simulation

PERIOD = timedelta(minutes=10)
# Every place kept within 72 hours, in `default`; Imperial County's in `spanish` (the place
# is queued by whichever target's refresh reaches it first: one open entry per place).
TARGETS: tuple[dict[str, Any], ...] = (
    {"id": "all-72h", "name": "Every place, 72 h", "filter": {}, "max_age_hours": 72,
     "lead_hours": 12, "queue": "default", "reason": "Stale report", "due_group": 3,
     "overdue_group": 2},
    {"id": "imperial-spanish", "name": "Imperial County, Spanish, 72 h",
     "filter": {"county": "Imperial County"}, "max_age_hours": 72, "lead_hours": 12,
     "queue": "spanish", "reason": "Stale report", "due_group": 3, "overdue_group": 2},
)  # fmt: skip


def save_targets(sim: Simulation) -> None:
    """Staff save the targets before Monday (instead of the two stale-report adds)."""
    for target in TARGETS:
        reply = sim.staff_call("saveFreshnessTarget", target)
        if reply.status != 200:
            raise RuntimeError(f"saveFreshnessTarget answered {reply.status}: {reply.body}")


def refresher(sim: Simulation) -> Iterator[datetime]:
    """The scheduler's life: refreshQueue at every 10-minute mark of the simulated clock."""
    origin = datetime(2000, 1, 1, tzinfo=sim.start.tzinfo)
    while True:
        reply = sim.staff_call("refreshQueue", {})
        sim.record.count("refresh_queue")
        if reply.status == 200:
            with sim.record.lock:
                for key in ("added", "raised", "skipped_closed"):
                    sim.record.actions[f"refresh_{key}"] += reply.body[key]
        else:
            sim.record.count(f"refresh_queue_{reply.status}")
        yield next_mark(sim.now, origin)


def next_mark(now: datetime, origin: datetime) -> datetime:
    """The next 10-minute mark after `now` (counted from `origin`, a whole hour)."""
    passed = (now - origin) // PERIOD
    return origin + (passed + 1) * PERIOD


def compare(
    without: list[dict[str, Any]] | None, with_targets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`fresh_24h_share` per day of the run without targets beside the run with them."""
    before = {d["day"]: d["fresh_24h_share"] for d in without or []}
    return [
        {
            "day": d["day"],
            "fresh_24h_share_without_targets": before.get(d["day"]),
            "fresh_24h_share_with_targets": d["fresh_24h_share"],
        }
        for d in with_targets
    ]


def lines(rows: list[dict[str, Any]]) -> list[str]:
    """The comparison as the terminal shows it."""

    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    out = ["", "fresh 24h share   without targets   with targets"]
    for row in rows:
        out.append(
            f"{row['day']:>16}   {cell(row['fresh_24h_share_without_targets']):>15}"
            f"   {cell(row['fresh_24h_share_with_targets']):>12}"
        )
    return out
