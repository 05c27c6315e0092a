"""`make soak`: callers and staff for minutes on a local stack, faults mid-load, then checks.

    .venv/bin/python -m tools.soak                           # 48 callers, 3 minutes, faults
    .venv/bin/python -m tools.soak --callers 8 --minutes 0.5 --no-faults

Starts its own Tasks emulator and functions server (it kills and restarts them); Firestore
and Auth as FIRESTORE_EMULATOR_HOST / FIREBASE_AUTH_EMULATOR_HOST name them, else its own.
Prints the figures and every check's violations; exits 1 if any check found one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools.soak.run import Options, run

DEFAULTS = Options()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.soak", description=__doc__)
    p.add_argument("--callers", type=int, default=DEFAULTS.callers)
    p.add_argument("--minutes", type=float, default=DEFAULTS.minutes)
    p.add_argument("--lease-seconds", type=int, default=DEFAULTS.lease_seconds)
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--locations", type=int, default=DEFAULTS.locations)
    p.add_argument("--queued", type=int, default=DEFAULTS.queued, help="places queued at start")
    p.add_argument(
        "--tasks-outage-at", type=float, default=DEFAULTS.tasks_outage_at, help="seconds in"
    )
    p.add_argument("--tasks-outage-seconds", type=float, default=DEFAULTS.tasks_outage_seconds)
    p.add_argument(
        "--kill-functions-at", type=float, default=DEFAULTS.kill_functions_at, help="seconds in"
    )
    p.add_argument("--no-faults", action="store_true", help="neither fault")
    p.add_argument(
        "--no-restore-tasks",
        action="store_true",
        help="lose the tasks the Tasks emulator held when it stops (Cloud Tasks keeps them)",
    )
    p.add_argument("--settle-seconds", type=float, default=DEFAULTS.settle_seconds)
    p.add_argument("--out", type=Path, help="also write the results here as JSON")
    return p


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        callers=args.callers,
        minutes=args.minutes,
        lease_seconds=args.lease_seconds,
        seed=args.seed,
        locations=args.locations,
        queued=args.queued,
        tasks_outage_at=None if args.no_faults else args.tasks_outage_at,
        tasks_outage_seconds=args.tasks_outage_seconds,
        kill_functions_at=None if args.no_faults else args.kill_functions_at,
        restore_tasks=not args.no_restore_tasks,
        settle_seconds=args.settle_seconds,
    )


def report(results: dict[str, Any]) -> str:
    """The figures and checks as the terminal shows them."""
    o = results["options"]
    lines = [
        f"soak: {o['callers']} callers, {o['minutes']} min, lease {o['lease_seconds']} s,"
        f" seed {o['seed']}; load {results['load_seconds']} s,"
        f" settled {results['settle_seconds']} s after",
        "",
        f"{'function':<14} {'requests':>8} {'2xx':>6} {'4xx':>5} {'429':>5} {'5xx':>4}"
        f" {'refused':>7} {'broken':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}",
    ]
    for r in results["functions"]:
        lines.append(
            f"{r['function']:<14} {r['requests']:>8} {r['2xx']:>6} {r['4xx']:>5} {r['429']:>5}"
            f" {r['5xx']:>4} {r['refused']:>7} {r['broken']:>6} {r['p50_ms']:>7.0f}"
            f" {r['p95_ms']:>7.0f} {r['p99_ms']:>7.0f}"
        )
    lines += ["", "4xx answers:", *(f"  {k}: {v}" for k, v in results["answers_4xx"].items())]
    lines += ["", "actions:", "  " + ", ".join(f"{k} {v}" for k, v in results["actions"].items())]
    lines += ["", "faults:"]
    for f in results["faults"]:
        lines.append(f"  at {f['at']:.0f} s: {f['name']} for {f['seconds']:.1f} s ({f['detail']})")
    lines.append(
        "  connection errors: "
        + (", ".join(f"{k} {v}" for k, v in results["during_faults"].items()) or "none")
    )
    outcomes = ", ".join(f"{k} {v}" for k, v in results["outcomes"].items())
    lines += [
        "",
        f"attempts {results['attempts']} ({outcomes})",
        f"entries {results['entries']}, open {results['open_entries']},"
        f" needing attention {results['needs_attention']}",
        f"reports accepted {results['reports_accepted']}, stored {results['reports_stored']},"
        f" sent without an answer {results['reports_unknown']}",
        f"lease tasks kept (Cloud Tasks refused them), not yet scheduled:"
        f" {results['tasks_still_kept']}",
        f"most entries one caller held at once: {results['most_held_at_once']}",
        "",
        "checks:",
    ]
    for name, count in results["violations"].items():
        lines.append(f"  {'ok  ' if count == 0 else 'FAIL'} {name}: {count} violations")
        lines += [f"         {example}" for example in results["examples"].get(name, [])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    results = run(options_from(parser().parse_args(argv)))
    print(report(results), flush=True)
    args = parser().parse_args(argv)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if any(results["violations"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
