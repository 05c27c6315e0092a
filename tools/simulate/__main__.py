"""`make simulate`: a week on the production configuration, on a clock the harness advances.

    .venv/bin/python -m tools.simulate                        # the week, 40 callers at the peak
    .venv/bin/python -m tools.simulate --callers 12           # a smaller week
    .venv/bin/python -m tools.simulate --days 1 --callers 6 --places 400
    .venv/bin/python -m tools.simulate --provoke outside_window --hours 4 --start-hour 14

Firestore, Auth and Tasks as FIRESTORE_EMULATOR_HOST / FIREBASE_AUTH_EMULATOR_HOST /
CLOUD_TASKS_EMULATOR_HOST name them, else its own on free ports. Writes the figures to
simulate/results.json, prints a table and every invariant's violations; exits 1 on any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools.simulate.checks import VIOLATIONS
from tools.simulate.engine import PROVOCATIONS, ROOT, Options

DEFAULTS = Options()
RESULTS = ROOT / "simulate" / "results.json"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.simulate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--days", type=int, default=DEFAULTS.days, help="from Monday 00:00 Pacific")
    p.add_argument("--callers", type=int, default=DEFAULTS.callers, help="on duty at the peak")
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--provoke", choices=PROVOCATIONS, help="a fault that breaks one invariant")
    p.add_argument("--places", type=int, help="snapshot places used (default: all 7,772)")
    p.add_argument("--per-town", type=int, default=DEFAULTS.per_town,
                   help="generated places per town in states spanning two zones")  # fmt: skip
    p.add_argument("--start-hour", type=float, default=DEFAULTS.start_hour,
                   help="start this many hours after Monday 00:00 Pacific")  # fmt: skip
    p.add_argument("--hours", type=float, help="simulated hours (default: --days whole days)")
    p.add_argument("--tick", type=int, default=DEFAULTS.tick_seconds, help="seconds per tick")
    p.add_argument("--workers", type=int, default=DEFAULTS.workers, help="threads per tick")
    p.add_argument("--backfill-min", type=int, default=DEFAULTS.backfill_min)
    p.add_argument("--targets", action="store_true",
                   help="freshness targets instead of hand-made stale-report adds; "
                        "compares with the run without them in --out")  # fmt: skip
    p.add_argument(
        "--out", type=Path, default=RESULTS, help="figures; examples and more in *-details.json"
    )
    return p


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        days=args.days,
        callers=args.callers,
        seed=args.seed,
        provoke=args.provoke,
        places=args.places,
        per_town=args.per_town,
        start_hour=args.start_hour,
        hours=args.hours,
        tick_seconds=args.tick,
        workers=args.workers,
        backfill_min=args.backfill_min,
        targets=args.targets,
    )


COLUMNS = (
    ("day", "day", "{}"),
    ("calls", "calls", "{}"),
    ("calls_per_caller_hour", "/caller-h", "{:.2f}"),
    ("fresh_24h_share", "fresh 24h", "{:.1%}"),
    ("urgent_first_call_p50_min", "urgent p50", "{:.0f} min"),
    ("urgent_first_call_p95_min", "urgent p95", "{:.0f} min"),
    ("closed_reached", "closed", "{}"),
    ("deferrals_per_claim", "defer/claim", "{:.2f}"),
    ("reads_per_claim", "reads/claim", "{:.1f}"),
    ("backfill_added", "backfill", "{}"),
)


def table(results: dict[str, Any]) -> str:
    """The figures and checks as the terminal shows them."""
    widths = [max(len(title), 9) for _, title, _ in COLUMNS]
    lines = ["  ".join(f"{title:>{w}}" for (_, title, _), w in zip(COLUMNS, widths, strict=True))]
    for day in results["days"]:
        cells = [fmt.format(day[key]) for key, _, fmt in COLUMNS]
        lines.append("  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    run = results["run"]
    lines += [
        "",
        f"places {run['places']}, requests {run['requests']}, attempts {run['attempts']};"
        f" wall {results['wall_seconds']} s (setup {run.get('setup_seconds')} s,"
        f" week {run.get('week_seconds')} s, checks {run.get('check_seconds')} s)",
        "loop: " + ", ".join(f"{k} {v} s" for k, v in run["loop_seconds"].items()),
        "median ms: " + ", ".join(f"{k} {v}" for k, v in run["median_ms"].items()),
        "actions: " + ", ".join(f"{k} {v}" for k, v in run["actions"].items()),
        "tasks: " + ", ".join(f"{k} {v}" for k, v in run["tasks"].items()),
        "answers: " + ", ".join(f"{k}: {v}" for k, v in run["answers"].items()),
    ]
    if run["provoked"]:
        lines.append("provoked: " + "; ".join(run["provoked"]))
    lines += ["", "invariants:"]
    for name in VIOLATIONS:
        count = results["violations"][name]
        lines.append(f"  {'ok  ' if count == 0 else 'FAIL'} {name}: {count}")
        lines += [f"         {example}" for example in results["examples"].get(name, [])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import signal

    from tools.simulate.run import run

    # A SIGTERM unwinds like Ctrl-C does, so the emulators this run started are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parser().parse_args(argv)
    results = run(options_from(args))
    print(table(results), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The shape exactly (plus wall_seconds); the rest beside it, for looking into a run.
    shape: dict[str, Any] = {key: results[key] for key in ("days", "violations", "wall_seconds")}
    if args.targets:
        from tools.simulate import targets

        # Beside the figures of the run without targets that wrote --out before this one.
        before = json.loads(args.out.read_text()) if args.out.exists() else {}
        baseline = None if before.get("targets") else before.get("days")
        shape["targets"] = True
        shape["compare"] = targets.compare(baseline, results["days"])
        results["compare"] = shape["compare"]
        print("\n".join(targets.lines(shape["compare"])), flush=True)
    args.out.write_text(json.dumps(shape, indent=2) + "\n")
    details = args.out.with_name(args.out.stem + "-details.json")
    details.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if any(results["violations"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
