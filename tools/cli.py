"""Admin commands: `python -m tools.cli {import-locations,set-time-zones,grant-role,...}`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from shared.adapters.auth import ROLES
from tools.demo import DEFAULT_LOCATIONS

if TYPE_CHECKING:
    from google.cloud.firestore import Client

    from tools.importer import ImportPlan, ImportSummary

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# How many unmatched county/affiliation names the summary lists before "and N more".
_SHOWN_UNLINKED = 10


class UsageError(Exception):
    """A problem with the command line or its files: one line on stderr, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; answers the process exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _service_errors() as exc:
        print(f"error: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status


def _service_errors() -> tuple[type[Exception], ...]:
    """Failures talking to Firestore or Firebase Auth: reported in one line, not a traceback."""
    from firebase_admin.exceptions import FirebaseError
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return (FirebaseError, GoogleAPIError, GoogleAuthError)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "(no details)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cli",
        description="Call queue admin commands. The project and emulators come from the "
        "environment: GOOGLE_CLOUD_PROJECT, FIRESTORE_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import-locations",
        help="import locations (JSON or CSV)",
        epilog="Exit status: 0 every row imported; 1 some rows invalid (the others are "
        "imported) or Firestore failed; 2 bad arguments or unreadable file.",
    )
    imp.add_argument(
        "file", type=Path, metavar="FILE", help="JSON array or CSV with the export's column names"
    )
    imp.add_argument("--counties", type=Path, metavar="FILE", help="counties file to import too")
    imp.add_argument("--providers", type=Path, metavar="FILE", help="providers file to import too")
    imp.add_argument(
        "--default-state", metavar="XX", help="state for rows whose address shows none (e.g. CA)"
    )
    imp.set_defaults(run=_import_locations)

    zones = commands.add_parser(
        "set-time-zones",
        help="give stored locations the time zone of their coordinates (idempotent)",
        epilog="Locations without coordinates get their state's zone, else ORG_TIMEZONE. "
        "Only locations whose zone changes are written: a second run writes nothing.",
    )
    zones.set_defaults(run=_set_time_zones)

    for name, granted in (("grant-role", True), ("revoke-role", False)):
        verb = "grant a role to" if granted else "revoke a role from"
        role = commands.add_parser(name, help=f"{verb} a Firebase user (by e-mail)")
        role.add_argument("email", metavar="EMAIL")
        role.add_argument("role", choices=ROLES, metavar="ROLE", help=" or ".join(ROLES))
        role.set_defaults(run=_set_role, granted=granted)

    seed = commands.add_parser("seed-demo", help="write demo data and accounts (emulators only)")
    seed.add_argument(
        "--locations",
        type=_positive,
        default=DEFAULT_LOCATIONS,
        metavar="N",
        help=f"how many demo locations (default {DEFAULT_LOCATIONS})",
    )
    seed.set_defaults(run=_seed_demo)
    cells = commands.add_parser(
        "add-draw-cells", help="give older open entries their draw cells and queue (once)"
    )
    cells.set_defaults(run=_add_draw_cells)
    states = commands.add_parser(
        "add-callable-state",
        help="give locations stored before issue 19 their callable_state (once)",
    )
    states.set_defaults(run=_add_callable_state)
    figures = commands.add_parser(
        "backfill-caller-figures",
        help="write callerStatistics' day counters from the attempt history (once, after deploy)",
    )
    figures.set_defaults(run=_backfill_caller_figures)
    return parser


def _backfill_caller_figures(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from shared.records import entries

    written = entries.rebuild_caller_figures(store.client(get_settings().project_id))
    print(f"{written} caller-day documents written from the history")
    return EXIT_OK


def _add_draw_cells(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from shared.records import entries

    added = entries.add_missing_cells(store.client(get_settings().project_id))
    print(f"{added} open entries given their draw cells or queue")
    return EXIT_OK


def _add_callable_state(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from tools import importer

    changed = importer.add_callable_state(store.client(get_settings().project_id))
    print(f"{changed} locations given their callable_state")
    return EXIT_OK


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


# --------------------------------------------------------------------------- import-locations


def _import_locations(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from tools import importer

    for path in (args.file, args.counties, args.providers):
        if path is not None and not path.is_file():
            raise UsageError(f"no such file: {path}")
    if args.default_state is not None and importer.state_code(args.default_state) is None:
        raise UsageError(f"--default-state {args.default_state!r} is not a US state code")
    settings = get_settings()
    project_id = settings.project_id
    db = store.client(project_id)
    try:
        plan = importer.plan_files(
            db,
            args.file,
            counties=args.counties,
            providers=args.providers,
            default_state=args.default_state,
            fallback_zone=settings.org_timezone,
        )
    except (importer.SourceError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    _print_errors(plan, args.default_state, sys.stderr)
    summary = _write_with_progress(db, plan)
    _print_summary(summary, project_id, sys.stdout)
    return EXIT_OK if summary.ok else EXIT_FAILED


def _set_time_zones(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from tools import importer

    settings = get_settings()
    db = store.client(settings.project_id)
    done = importer.set_time_zones(db, fallback_zone=settings.org_timezone)
    print(
        f"project {settings.project_id}: {done.checked} locations checked, "
        f"{done.changed} given a new time zone"
    )
    return EXIT_OK


def _write_with_progress(db: Client, plan: ImportPlan) -> ImportSummary:
    from tqdm import tqdm

    from tools import importer

    with tqdm(total=plan.total_writes, unit="doc", desc="writing", file=sys.stderr) as bar:
        try:
            return importer.write_plan(db, plan, on_written=bar.update)
        finally:
            if bar.n < plan.total_writes:
                # Commits are per 500 documents: say what landed; re-running is safe.
                print(f"\nstopped after {bar.n} of {plan.total_writes} writes", file=sys.stderr)


def _print_errors(plan: ImportPlan, default_state: str | None, out: TextIO) -> None:
    for error in plan.errors:
        print(f"invalid: {error}", file=out)
    no_state = any(p.field == "State" for e in plan.errors for p in e.problems)
    if no_state and default_state is None:
        print("hint: --default-state XX sets the state of rows whose address shows none", file=out)


def _print_summary(summary: ImportSummary, project_id: str, out: TextIO) -> None:
    print(
        f"project {project_id}: imported {summary.imported} locations, "
        f"{summary.counties} counties, {summary.providers} providers; "
        f"{len(summary.errors)} invalid rows skipped",
        file=out,
    )
    for label, names in (
        ("county names with no county document", summary.unlinked_counties),
        ("affiliations with no provider of that name", summary.unlinked_affiliations),
    ):
        if names:
            shown = ", ".join(f"{n!r} ({c})" for n, c in names.most_common(_SHOWN_UNLINKED))
            more = len(names) - _SHOWN_UNLINKED
            print(f"{label}: {shown}" + (f" and {more} more" if more > 0 else ""), file=out)


# --------------------------------------------------------------------------- roles and demo


def _set_role(args: argparse.Namespace) -> int:
    from firebase_admin import auth

    from shared.adapters.auth import set_role
    from shared.adapters.config import get_settings

    project_id = get_settings().project_id
    try:
        roles = set_role(args.email, args.role, granted=args.granted, project_id=project_id)
    except auth.UserNotFoundError:
        print(f"error: no user with e-mail {args.email} in project {project_id}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.email}: roles now {', '.join(roles) or '(none)'} in project {project_id}")
    # Custom claims travel in the ID token, which the client refreshes at most hourly.
    print("the change applies from the user's next sign-in or token refresh (within an hour)")
    return EXIT_OK


def _seed_demo(args: argparse.Namespace) -> int:
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from tools import demo

    try:
        demo.require_emulators()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from exc
    project_id = get_settings().project_id
    summary = demo.seed_demo(store.client(project_id), project_id, locations=args.locations)
    print(f"project {project_id}:", *summary.lines(), sep="\n")
    for account in demo.DEMO_ACCOUNTS:
        print(
            f"account {account.email} / {account.password} "
            f"(roles: {', '.join(sorted(account.roles))})"
        )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
