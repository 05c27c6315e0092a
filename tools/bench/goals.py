"""The goals the benchmarks are read against (issues 9, 12 and 20), each beside its figure.

Pure: a results document in, one row per goal out. `make bench` prints them last and writes
them to bench/results.json as "goals"; a figure a run did not measure (a scenario left out,
or a field an older scenario does not report) is "not measured", never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    figure: float | None
    met: bool | None
    where: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _rows(results: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = results.get(key)
    if isinstance(found, dict):
        return [found]
    return list(found) if isinstance(found, list) else []


def _worst(
    name: str,
    target: str,
    rows: list[dict[str, Any]],
    field: str,
    ok: Callable[[float], bool],
    describe: Callable[[dict[str, Any]], str],
) -> Goal:
    """The row with the highest `field` decides (every row must meet the goal)."""
    measured = [r for r in rows if isinstance(r.get(field), int | float)]
    if not measured:
        return Goal(name, target, None, None, "not measured")
    worst = max(measured, key=lambda r: float(r[field]))
    figure = float(worst[field])
    return Goal(name, target, figure, ok(figure), describe(worst))


def _claim_row(row: dict[str, Any]) -> str:
    return f"{row.get('entries', '?'):,} entries, {row.get('held_fraction', 0):.0%} held"


def goals(results: dict[str, Any]) -> list[Goal]:
    """Every goal, with the figure of this results document that answers it."""
    reads = _rows(results, "reads_per_claim")
    found = [
        _worst(
            "documents read per claim",
            "<= 10",
            reads,
            "reads_per_claim",
            lambda f: f <= 10,
            _claim_row,
        ),
        _worst("RPCs per claim", "<= 6", reads, "rpcs_per_claim", lambda f: f <= 6, _claim_row),
        _worst(
            "sequential round trips per claim",
            "<= 4",
            reads,
            "round_trips_per_claim",
            lambda f: f <= 4,
            _claim_row,
        ),
    ]
    cold = _rows(results, "cold_start")
    found.append(
        _worst(
            "cold start / bare function",
            "<= 2",
            cold,
            "ratio_to_bare",
            lambda f: f <= 2,
            lambda r: f"{r.get('seconds')} s vs {r.get('bare_seconds')} s",
        )
    )
    found.append(
        _worst(
            "cold start peak memory (MiB)",
            "< 200",
            cold,
            "peak_rss_mib",
            lambda f: f < 200,
            lambda r: "server and worker, VmHWM",
        )
    )
    bulk = _rows(results, "bulk_enqueue")
    found.append(
        _worst(
            "no-op bulkEnqueue / the first",
            "< 0.1",
            bulk,
            "noop_fraction",
            lambda f: f < 0.1,
            lambda r: f"{r.get('noop_seconds')} s of {r.get('seconds')} s",
        )
    )
    found.append(
        _worst(
            "bulkEnqueue / raw writes (rate)",
            ">= 0.8",
            bulk,
            "ratio_to_raw",
            lambda f: f >= 0.8,
            lambda r: f"{r.get('locations')} locations",
        )
    )
    found.append(
        _worst(
            "undo of a bulk add (s, emulator)",
            "< 60 for 7,772",
            _rows(results, "undo"),
            "seconds",
            lambda f: f < 60,
            lambda r: f"{r.get('entries')} entries",
        )
    )
    found.append(
        _worst(
            "callerStatistics queries per page",
            "<= 10",
            _rows(results, "caller_statistics"),
            "queries_per_page",
            lambda f: f <= 10,
            lambda r: f"{r.get('callers')} callers",
        )
    )
    contention = [r for r in _rows(results, "contention") if r.get("callers") == 32]
    found.append(
        _worst(
            "attempts per claim, 32 callers",
            "<= 1.05",
            contention,
            "attempts_per_claim",
            lambda f: f <= 1.05,
            lambda r: f"{r.get('entries')} entries",
        )
    )
    found.append(
        _worst(
            "duplicate holds",
            "= 0",
            _rows(results, "contention"),
            "duplicates",
            lambda f: f == 0,
            lambda r: f"{r.get('callers')} callers",
        )
    )
    return found


HEADER = f"{'goal':<36} {'target':>15} {'figure':>9} {'':>9}  where"


def line(goal: Goal) -> str:
    figure = "-" if goal.figure is None else f"{goal.figure:.3g}"
    verdict = {True: "met", False: "NOT MET", None: "-"}[goal.met]
    return f"{goal.name:<36} {goal.target:>15} {figure:>9} {verdict:>9}  {goal.where}"
