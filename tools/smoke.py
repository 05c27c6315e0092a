"""Smoke test of a deployed call queue: one smoke place through its whole life, then cleaned up.

    python -m tools.smoke BASE_URL --project PROJECT_ID [--api-key KEY]

BASE_URL is where the functions answer (`https://REGION-PROJECT.cloudfunctions.net`, or the
local stack's `http://127.0.0.1:5001/demo-callqueue/us-central1`). It signs in a smoke caller
and a smoke staff user (custom tokens from firebase-admin, exchanged at Identity Toolkit, or
at the Auth emulator when FIREBASE_AUTH_EMULATOR_HOST is set), puts one smoke place in a
smoke queue only the smoke caller's group draws from, claims, extends and reports it, checks
callerStats and the staff lists, then deletes everything it made. One line per step; the
first failure names its step, the clean-up still runs, and the exit status is 1.

The Web API key for Identity Toolkit: --api-key, else FIREBASE_API_KEY, else the Hosting
site's `/__/firebase/init.json` (public). docs/deploy.md lists what it leaves behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from google.cloud.firestore import Client

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Fixed ids: a run cleans up what an interrupted earlier run left, before it starts.
LOCATION_ID = "callqueue-smoke-location"
QUEUE = "0-smoke"  # order 0 and a name that sorts first: the smoke caller tries it first
GROUP = "callqueue-smoke"
REASON = "Smoke test (deploy check)"
CALLER = ("callqueue-smoke-caller", "smoke-caller@callqueue-smoke.invalid", ["caller"])
STAFF = ("callqueue-smoke-staff", "smoke-staff@callqueue-smoke.invalid", ["staff"])
TIMEOUT = 60


class StepFailed(Exception):
    """A step's check did not hold; the message says what was seen."""


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Run:
    """What the steps learn as they go (tokens, the entry, its lease)."""

    base: str
    project: str
    api_key: str | None
    out: TextIO
    tokens: dict[str, str] = field(default_factory=dict)
    entry_id: str | None = None
    lease: dict[str, Any] | None = None
    bulk_id: str | None = None
    failed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- pure checks


def expect(reply: Reply, status: int, what: str) -> Any:
    """The reply's body when it has the status expected; StepFailed naming both otherwise."""
    if reply.status != status:
        raise StepFailed(f"{what}: expected {status}, got {reply.status} {_short(reply.body)}")
    return reply.body


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return text[:300]


def api_key_source(flag: str | None, env: dict[str, str]) -> str | None:
    """The Web API key to sign in with: the flag, FIREBASE_API_KEY, any key for the
    emulator; None: ask the Hosting site."""
    if flag:
        return flag
    if env.get("FIREBASE_API_KEY"):
        return env["FIREBASE_API_KEY"]
    if env.get("FIREBASE_AUTH_EMULATOR_HOST"):
        return "any"  # the emulator accepts any key
    return None


def sign_in_url(key: str, emulator_host: str | None) -> str:
    root = f"http://{emulator_host}/" if emulator_host else "https://"
    return f"{root}identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key={key}"


# --------------------------------------------------------------------------- HTTP


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """One HTTP request; any answer is a Reply, no answer at all raises StepFailed."""
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StepFailed(f"no answer from {url.split('?')[0]}: {reason}") from exc
    try:
        return Reply(status, json.loads(raw))
    except ValueError:
        return Reply(status, raw.decode(errors="replace"))


def call(
    run: Run,
    function: str,
    who: str,
    method: str = "POST",
    *,
    body: Any = None,
    params: dict[str, str] | None = None,
) -> Reply:
    token = run.tokens.get(who)
    return http(method, f"{run.base}/{function}", token=token, body=body, params=params)


# --------------------------------------------------------------------------- steps


def reach_functions(run: Run) -> str:
    body = expect(call(run, "checkAuth", "nobody", "GET"), 401, "checkAuth without a token")
    if not isinstance(body, dict) or "error" not in body:
        raise StepFailed(f"checkAuth answered 401 without the error JSON: {_short(body)}")
    return "checkAuth refuses an anonymous call (401)"


def clean_leftovers(run: Run) -> str:
    removed = delete_documents(run)
    return f"{removed} document(s) of an earlier run removed" if removed else "nothing left over"


def sign_in_users(run: Run) -> str:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    app = firebase_app(run.project)
    key = run.api_key or hosting_api_key(run.project)
    emulator = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    for who, (uid, email, roles) in (("caller", CALLER), ("staff", STAFF)):
        try:
            auth.get_user(uid, app=app)
        except auth.UserNotFoundError:
            auth.create_user(uid=uid, email=email, display_name=f"Smoke {who}", app=app)
        auth.set_custom_user_claims(uid, {"roles": roles}, app=app)
        custom = auth.create_custom_token(uid, app=app)
        reply = http(
            "POST",
            sign_in_url(key, emulator),
            body={"token": custom.decode(), "returnSecureToken": True},
        )
        run.tokens[who] = str(expect(reply, 200, f"sign-in of the smoke {who}")["idToken"])
    return f"{CALLER[1]} and {STAFF[1]} signed in"


def hosting_api_key(project: str) -> str:
    """The Web API key Firebase Hosting publishes for its own pages."""
    reply = http("GET", f"https://{project}.web.app/__/firebase/init.json")
    body = expect(reply, 200, "the Hosting site's /__/firebase/init.json (or pass --api-key)")
    return str(body["apiKey"])


def check_roles(run: Run) -> str:
    staff = expect(call(run, "checkAuth", "staff"), 200, "checkAuth as staff")
    caller = expect(call(run, "checkAuth", "caller"), 200, "checkAuth as caller")
    if not staff.get("authorizedStaff") or not caller.get("authorizedCaller"):
        raise StepFailed(f"roles not seen: staff {staff}, caller {caller}")
    return "staff and caller roles seen"


def write_location(run: Run) -> str:
    from shared.adapters import store
    from shared.domain.models import Location
    from tools.importer import write_documents

    place = Location(
        id=LOCATION_ID,
        name="Call queue smoke test (not a real place)",
        state="CA",
        hours="always",  # callable at any hour, whatever the contact windows
        # A place without a phone number is never queued; 555-01xx numbers are fictional.
        phone="(555) 010-0199",
        internal_notes="Written and deleted by python -m tools.smoke.",
    )
    write_documents(firestore(run), store.LOCATIONS, [place])
    return f"locations/{LOCATION_ID}"


def save_queue(run: Run) -> str:
    body = {
        "name": QUEUE,
        "description": "Smoke test of a deploy: only the smoke caller's group draws from it.",
        "groups": [GROUP],
        "order": 0,
    }
    expect(call(run, "saveQueue", "staff", body=body), 200, "saveQueue")
    return f"queue {QUEUE} for group {GROUP} only"


def set_groups(run: Run) -> str:
    body = {"uid": CALLER[0], "groups": [GROUP]}
    expect(call(run, "setCallerGroups", "staff", body=body), 200, "setCallerGroups")
    return f"the smoke caller is in {GROUP} only"


def enqueue(run: Run) -> str:
    body = {"reason": REASON, "priority_group": 1, "queue": QUEUE, "location_ids": [LOCATION_ID]}
    answer = expect(call(run, "bulkEnqueue", "staff", body=body), 200, "bulkEnqueue")
    if answer.get("added") != 1:
        raise StepFailed(f"bulkEnqueue added {answer.get('added')}, not 1: {_short(answer)}")
    run.bulk_id = answer.get("bulk_id")
    return f"1 added to {QUEUE}"


def preview(run: Run) -> str:
    params = {"state": "all", "no_claim": "1"}
    offer = expect(call(run, "requestCall", "caller", params=params), 200, "requestCall no_claim")
    if offer.get("id") != LOCATION_ID:
        raise StepFailed(
            f"the smoke caller would be offered {offer.get('id')!r}, not the smoke place: "
            "nothing claimed (another queue open to every caller comes first?)"
        )
    return "the smoke place is what the smoke caller would draw"


def claim(run: Run) -> str:
    offer = expect(call(run, "requestCall", "caller", params={"state": "all"}), 200, "requestCall")
    lease = offer.get("lease") or {}
    run.lease = lease
    run.entry_id = lease.get("entry_id")
    if offer.get("id") != LOCATION_ID:
        # Never keep a real place from a volunteer: hand it straight back.
        if lease:
            call(run, "releaseCall", "caller", body=lease)
        raise StepFailed(f"claimed {offer.get('id')!r} instead of the smoke place (released)")
    return f"claimed until {lease.get('claimed_until')}"


def staff_see_claim(run: Run) -> str:
    params = {"status": "claimed", "reason": REASON}
    rows = expect(call(run, "listEntries", "staff", "GET", params=params), 200, "listEntries")
    mine = [r for r in rows.get("entries", []) if r.get("entry_id") == run.entry_id]
    if not mine or mine[0].get("holder") != CALLER[0]:
        raise StepFailed(f"listEntries does not show the smoke claim: {_short(rows)}")
    return "listEntries shows the claim and its holder"


def extend(run: Run) -> str:
    before = (run.lease or {}).get("claimed_until")
    lease = expect(call(run, "extendCall", "caller", body=run.lease), 200, "extendCall")
    if not before or str(lease.get("claimed_until")) <= before:
        raise StepFailed(f"extendCall did not move the lease's end: {before} -> {lease}")
    run.lease = lease
    return f"lease now until {lease['claimed_until']}"


def report(run: Run) -> str:
    body = {
        "Location": LOCATION_ID,
        "Availability": ["No: no vaccine inventory"],
        "Notes": "Smoke test of a deploy (tools/smoke.py).",
    }
    answer = expect(call(run, "submitReport", "caller", body=body), 200, "submitReport")
    if len(answer.get("created") or []) != 1:
        raise StepFailed(f"submitReport created no report: {_short(answer)}")
    return "report stored"


def stats(run: Run) -> str:
    answer = expect(call(run, "callerStats", "caller", "GET"), 200, "callerStats")
    if answer.get("total") != 1 or answer.get("today") != 1:
        raise StepFailed(f"callerStats: expected 1 in total and today, got {answer}")
    return "1 call in total, 1 today"


def staff_lists(run: Run) -> str:
    queues = expect(call(run, "listQueues", "staff", "GET"), 200, "listQueues")
    if QUEUE not in [q.get("name") for q in queues.get("queues", [])]:
        raise StepFailed(f"listQueues does not list {QUEUE}: {_short(queues)}")
    details = expect(
        call(run, "entryDetails", "staff", "GET", params={"entry_id": str(run.entry_id)}),
        200,
        "entryDetails",
    )
    outcomes = [a.get("outcome") for a in details.get("attempts", [])]
    if outcomes != ["completed"]:
        raise StepFailed(f"entryDetails: expected one completed attempt, got {outcomes}")
    found = None
    page: str | None = None
    while found is None:
        params = {"page_token": page} if page else None
        callers = expect(
            call(run, "listCallers", "staff", "GET", params=params), 200, "listCallers"
        )
        found = next((c for c in callers.get("callers", []) if c.get("uid") == CALLER[0]), None)
        page = callers.get("next_page_token")
        if found is None and not page:
            raise StepFailed("listCallers does not list the smoke caller")
    if found.get("groups") != [GROUP]:
        raise StepFailed(f"listCallers shows the smoke caller in {found.get('groups')}")
    return "listQueues, entryDetails (1 completed attempt), listCallers agree"


# --------------------------------------------------------------------------- clean-up


def remove_entry(run: Run) -> str:
    """An entry still open (a run that failed half-way) is removed the way staff would."""
    body = {"action": "remove", "location_ids": [LOCATION_ID], "note": "smoke test clean-up"}
    answer = expect(call(run, "updateEntries", "staff", body=body), 200, "updateEntries")
    return f"open smoke entry removed: {answer.get('changed', 0)}"


def firestore(run: Run) -> Client:
    from shared.adapters import store

    return store.client(run.project)


def delete_documents(run: Run) -> int:
    """Every document the smoke users and the smoke place caused, found by id or one field."""
    from google.cloud.firestore import FieldFilter

    from shared.adapters import store
    from shared.records import reasons

    db = firestore(run)
    uids = [CALLER[0], STAFF[0]]

    def where(collection: str, name: str, value: str) -> list[Any]:
        query = db.collection(collection).where(filter=FieldFilter(name, "==", value))
        return [s.reference for s in query.stream()]

    entries = where(store.ENTRIES, "location_id", LOCATION_ID)
    refs = [
        *entries,
        *where(store.ATTEMPTS, "location_id", LOCATION_ID),
        *where(store.REPORTS, "location_id", LOCATION_ID),
        *(r for e in entries for r in where(store.ENTRY_CHANGES, "entry_id", e.id)),
        *(r for e in entries for r in where(store.PENDING_EXPIRIES, "entry_id", e.id)),
        *(r for uid in uids for r in where(store.CALLER_LEASES, "uid", uid)),
        *(r for uid in uids for r in where(store.CALLER_DAYS, "uid", uid)),
        *(r for uid in uids for r in where(store.CALLER_FIGURES, "uid", uid)),
        *(r for uid in uids for r in where(store.RATE_LIMITS, "uid", uid)),
        *(r for uid in uids for r in where(store.BULK_ADDS, "by", uid)),
        *(r for uid in uids for r in where(store.REASONS, "created_by", uid)),
        db.collection(store.OPEN_ENTRIES).document(LOCATION_ID),
        db.collection(store.LOCATIONS).document(LOCATION_ID),
        db.collection(store.QUEUES).document(QUEUE),
        db.collection(store.REASONS).document(reasons.slug(REASON)),
        *(db.collection(store.CALLERS).document(uid) for uid in uids),
    ]
    # Only the reason document if the smoke test made it: staff may have used the name.
    reason = db.collection(store.REASONS).document(reasons.slug(REASON)).get()
    if reason.exists and (reason.to_dict() or {}).get("created_by") not in uids:
        refs = [r for r in refs if r.path != reason.reference.path]
    existing = [s.reference for s in db.get_all(refs) if s.exists] if refs else []
    for start in range(0, len(existing), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for ref in existing[start : start + store.MAX_BATCH_WRITES]:
            batch.delete(ref)
        batch.commit()
    if any(ref.parent.id == store.QUEUES for ref in existing):
        from shared.records import saved_queues

        saved_queues.rebuild(db)
    return len(existing)


def delete_users(run: Run) -> str:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    app = firebase_app(run.project)
    gone = 0
    for uid, _, _ in (CALLER, STAFF):
        try:
            auth.delete_user(uid, app=app)
            gone += 1
        except auth.UserNotFoundError:
            pass
    return f"{gone} smoke user(s) deleted"


# --------------------------------------------------------------------------- driver

Step = tuple[str, Callable[[Run], str]]

STEPS: tuple[Step, ...] = (
    ("functions answer", reach_functions),
    ("leftovers of an earlier run", clean_leftovers),
    ("smoke users sign in", sign_in_users),
    ("checkAuth sees the roles", check_roles),
    ("smoke place written", write_location),
    ("smoke queue saved", save_queue),
    ("smoke caller grouped", set_groups),
    ("smoke place enqueued", enqueue),
    ("offer previewed", preview),
    ("call claimed", claim),
    ("staff see the claim", staff_see_claim),
    ("lease extended", extend),
    ("report submitted", report),
    ("callerStats", stats),
    ("staff lists", staff_lists),
)

CLEAN_UP: tuple[Step, ...] = (
    ("clean-up: open entry removed through the API", remove_entry),
    ("clean-up: smoke documents deleted", lambda run: f"{delete_documents(run)} deleted"),
    ("clean-up: smoke users deleted", delete_users),
)


def step(run: Run, number: str, name: str, action: Callable[[Run], str]) -> bool:
    """Run one step and print one line for it; False if it failed."""
    try:
        detail = action(run)
    except StepFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # the step's own client raised: name it, go on to clean up
        detail, ok = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", False
    else:
        ok = True
    print(f"[{number}] {'ok' if ok else 'FAILED'} {name}: {detail}", file=run.out, flush=True)
    if not ok:
        run.failed.append(name)
    return ok


def smoke(run: Run) -> int:
    """Every step in order until one fails, then the clean-up (always, once anything began)."""
    started = datetime.now(UTC)
    total = len(STEPS)
    for n, (name, action) in enumerate(STEPS, 1):
        if not step(run, f"{n}/{total}", name, action):
            break
    if run.failed != ["functions answer"]:
        for name, action in CLEAN_UP:
            if name.startswith("clean-up: open entry") and not _entry_open(run):
                continue
            step(run, "clean", name, action)
    seconds = (datetime.now(UTC) - started).total_seconds()
    if run.failed:
        print(f"smoke test FAILED at: {', '.join(run.failed)} ({seconds:.1f} s)", file=run.out)
        return EXIT_FAILED
    print(f"smoke test passed: {total} steps and the clean-up in {seconds:.1f} s", file=run.out)
    return EXIT_OK


def _entry_open(run: Run) -> bool:
    from shared.adapters import store

    if "smoke users sign in" in run.failed or "staff" not in run.tokens:
        return False
    snapshot = firestore(run).collection(store.OPEN_ENTRIES).document(LOCATION_ID).get()
    return bool(snapshot.exists)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.smoke", description=__doc__.split("\n")[0]
    )
    parser.add_argument("base_url", help="where the functions answer: BASE/<functionName>")
    parser.add_argument("--project", required=True, help="the Firebase / Google Cloud project id")
    parser.add_argument(
        "--api-key",
        help="Web API key for Identity Toolkit sign-in (default: FIREBASE_API_KEY, else the "
        "Hosting site's /__/firebase/init.json; unused against the Auth emulator)",
    )
    args = parser.parse_args(argv)
    from tools import query_log

    query_log.install_from_env()
    run = Run(
        base=args.base_url.rstrip("/"),
        project=args.project,
        api_key=api_key_source(args.api_key, dict(os.environ)),
        out=sys.stdout,
    )
    print(f"smoke test of {run.base} (project {run.project})", flush=True)
    return smoke(run)


if __name__ == "__main__":
    sys.exit(main())
