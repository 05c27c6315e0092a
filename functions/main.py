"""HTTP Cloud Functions: each reads the request, calls one service function, answers JSON.

Service modules are imported inside each function so a cold start loads only what that
function uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import functions_framework

from shared.adapters.web import endpoint

if TYPE_CHECKING:
    import flask

    from shared.adapters.auth import Role, User
    from shared.adapters.config import Settings
    from shared.domain.models import Entry
    from shared.domain.rate_policy import Bucket


def _settings() -> Settings:
    from shared.adapters.config import get_settings

    return get_settings()


# Who may call each function: one row per function in __all__ (a test fails without it, and
# the authorisation matrix test is generated from it). "any": every signed-in user; "task":
# Cloud Tasks' OIDC token (expireClaim checks it itself).
ACCESS: dict[str, Role | Literal["any", "task"]] = {
    "checkAuth": "any",
    "requestCall": "caller",
    "submitReport": "caller",
    "callerStats": "caller",
    "extendCall": "caller",
    "releaseCall": "caller",
    "bulkEnqueue": "staff",
    "updateEntries": "staff",
    "listEntries": "staff",
    "listLocations": "staff",
    "locationFacets": "staff",
    "entryDetails": "staff",
    "listBulkAdds": "staff",
    "undoBulkAdd": "staff",
    "queueOverview": "staff",
    "saveQueue": "staff",
    "listQueues": "staff",
    "listCallers": "staff",
    "setCallerGroups": "staff",
    "callerStatistics": "staff",
    "updateLocations": "staff",
    "exportRecords": "staff",
    "expireClaim": "task",
}


# Which rate-limit bucket each function's requests count against, per user (callers: a
# runaway app cannot drain the queue; staff: bulk actions). Charged after the request parsed,
# so malformed requests cost no write.
LIMITED: dict[str, Bucket] = {
    "requestCall": "requestCall",
    "submitReport": "submitReport",
    "extendCall": "lease",
    "releaseCall": "lease",
    "bulkEnqueue": "bulk",
    "updateEntries": "bulk",
    "undoBulkAdd": "bulk",
    "updateLocations": "bulk",
}


def _charge(user: User, function: str) -> None:
    """Count the request against the user's limit for `function`: 429 when over it."""
    from shared.adapters import store
    from shared.base import clock
    from shared.records import rate_limits

    s = _settings()
    limit = s.rate_limit(LIMITED[function])
    rate_limits.charge(store.client(s.project_id), user.uid, limit, clock.now())


def _user(request: flask.Request, function: str) -> User:
    """The signed-in user, if ACCESS lets them call `function`."""
    from shared.adapters import auth

    s = _settings()
    user = auth.verify(
        request.headers.get("Authorization"), s.project_id, s.revocation_check_seconds
    )
    role = ACCESS[function]
    if role == "any" or role == "task":
        return user
    return auth.require(user, role)


@functions_framework.http
@endpoint(("GET", "POST"))
def checkAuth(request: flask.Request) -> dict[str, Any]:
    """Who am I: `authorizedCaller` plus every role the token carries."""
    user = _user(request, "checkAuth")
    return {
        "authorizedCaller": user.has("caller"),
        "authorizedStaff": user.has("staff"),
        "roles": sorted(user.roles),
        "uid": user.uid,
        "email": user.email,
    }


@functions_framework.http
@endpoint(("POST", "GET"))
def requestCall(request: flask.Request) -> dict[str, Any]:
    """The next location to call, claimed for the caller with a lease."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.caller import calls, lease_tasks

    user = _user(request, "requestCall")
    query = web.parse(calls.CallQuery, request.args.to_dict())
    _charge(user, "requestCall")
    s = _settings()
    db = store.client(s.project_id)

    def schedule(entry: Entry) -> bool:
        assert entry.claimed_until is not None
        return lease_tasks.schedule(db, s, entry.id, entry.claim_seq, entry.claimed_until)

    return calls.request_call(
        db,
        user,
        query,
        clock.now(),
        s.lease_policy,
        window_size=s.candidate_window,
        max_attempts=s.max_claim_attempts,
        on_claim=schedule,
        strategy=s.draw_strategy,
        contact=s.contact_policy,
    )


@functions_framework.http
@endpoint(("POST",))
def submitReport(request: flask.Request) -> dict[str, Any]:
    """Store a report; it completes (or reschedules) the location's open queue entry."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.caller import reports

    user = _user(request, "submitReport")
    s = _settings()
    body = web.parse(reports.ReportBody, web.read_json(request, s.max_body_bytes))
    _charge(user, "submitReport")
    report_id = reports.submit_report(
        store.client(s.project_id), user, body, clock.now(), s.tz, s.call_backs
    )
    return {"created": [report_id]}


@functions_framework.http
@endpoint(("GET", "POST"))
def callerStats(request: flask.Request) -> dict[str, Any]:
    """Reports by the signed-in caller: all time and today (organisation's time zone)."""
    from shared.adapters import store
    from shared.base import clock
    from shared.services.caller import reports

    user = _user(request, "callerStats")
    s = _settings()
    return reports.caller_stats(store.client(s.project_id), user, clock.now(), s.tz)


@functions_framework.http
@endpoint(("POST",))
def bulkEnqueue(request: flask.Request) -> dict[str, Any]:
    """Staff: add many locations to the queue with one reason, by ids or by filter."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import enqueue

    user = _user(request, "bulkEnqueue")
    s = _settings()
    body = web.parse(enqueue.BulkEnqueueBody, web.read_json(request, s.max_body_bytes))
    _charge(user, "bulkEnqueue")
    result = enqueue.bulk_enqueue(
        store.client(s.project_id), user, body, clock.now(), s.max_bulk_locations
    )
    return result.as_json()


@functions_framework.http
@endpoint(("POST",))
def extendCall(request: flask.Request) -> dict[str, Any]:
    """The holder extends their lease by one step; answers the updated lease."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.domain import caller_view
    from shared.services.caller import lease_changes, lease_tasks

    user = _user(request, "extendCall")
    s = _settings()
    ref = web.parse(lease_changes.LeaseRef, web.read_json(request, s.max_body_bytes))
    _charge(user, "extendCall")
    db = store.client(s.project_id)
    entry = lease_changes.extend(db, user.uid, ref, clock.now(), s.lease_policy)
    assert entry.claimed_until is not None
    lease_tasks.schedule(db, s, entry.id, entry.claim_seq, entry.claimed_until)
    return caller_view.lease(entry)


@functions_framework.http
@endpoint(("POST",))
def releaseCall(request: flask.Request) -> dict[str, Any]:
    """The holder gives the call back before the lease ends."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.caller import lease_changes

    user = _user(request, "releaseCall")
    s = _settings()
    ref = web.parse(lease_changes.LeaseRef, web.read_json(request, s.max_body_bytes))
    _charge(user, "releaseCall")
    lease_changes.release(store.client(s.project_id), user.uid, ref, clock.now(), s.lease_policy)
    return {"released": True}


@functions_framework.http
@endpoint(("POST",))
def expireClaim(request: flask.Request) -> dict[str, Any]:
    """Cloud Tasks calls this at a lease's end; idempotent, fenced by the claim sequence."""
    from shared.adapters import auth, store, web
    from shared.base import clock, logs
    from shared.base.errors import Conflict
    from shared.services.caller import lease_changes, lease_tasks

    s = _settings()
    if s.task_auth_required:
        if s.skip_task_auth:
            logs.error("SKIP_TASK_AUTH is ignored outside the local emulators")
        auth.verify_task(
            request.headers.get("Authorization"), s.task_audience, s.task_service_account
        )
    task = web.parse(lease_changes.ExpiryTask, web.read_json(request, s.max_body_bytes))
    db = store.client(s.project_id)
    result = lease_changes.expire(db, task, clock.now(), s.lease_policy)
    # Tasks kept while Cloud Tasks refused them are scheduled from here too: after a busy
    # spell no claim may come, but the expiries of its last leases do.
    lease_tasks.drain_now_and_then(db, s)
    logs.info(
        "lease expiry task",
        entry_id=task.entry_id,
        claim_seq=task.claim_seq,
        task=request.headers.get("X-CloudTasks-TaskName"),
        **result,
    )
    if result["verdict"] == "not_ended":
        # Early delivery: a non-2xx answer makes Cloud Tasks try again later.
        raise Conflict("The lease has not ended yet.", error="not_ended")
    return result


@functions_framework.http
@endpoint(("POST",))
def updateEntries(request: flask.Request) -> dict[str, Any]:
    """Staff: remove queue entries, or return entries flagged for attention to rotation."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import entry_admin

    user = _user(request, "updateEntries")
    s = _settings()
    body = web.parse(entry_admin.UpdateEntriesBody, web.read_json(request, s.max_body_bytes))
    _charge(user, "updateEntries")
    result = entry_admin.update_entries(store.client(s.project_id), user, body, clock.now())
    return result.as_json()


@functions_framework.http
@endpoint(("GET",))
def listEntries(request: flask.Request) -> dict[str, Any]:
    """Staff: open queue entries (or only those flagged for attention), a page at a time."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import entry_admin

    _user(request, "listEntries")
    s = _settings()
    query = web.parse(entry_admin.ListEntriesQuery, request.args.to_dict())
    return entry_admin.list_entries(store.client(s.project_id), query, clock.now())


@functions_framework.http
@endpoint(("GET",))
def listLocations(request: flask.Request) -> dict[str, Any]:
    """Staff: locations matching the console's filters, a page at a time, with the total."""
    from shared.adapters import store, web
    from shared.services.staff import locations

    _user(request, "listLocations")
    s = _settings()
    query = web.parse(locations.LocationQuery, request.args.to_dict())
    return locations.list_locations(store.client(s.project_id), query)


@functions_framework.http
@endpoint(("GET",))
def locationFacets(request: flask.Request) -> dict[str, Any]:
    """Staff: the values the console's filters offer (states, counties, types, reasons...)."""
    from shared.adapters import store
    from shared.services.staff import locations

    _user(request, "locationFacets")
    s = _settings()
    return locations.facets(store.client(s.project_id), s.project_id)


@functions_framework.http
@endpoint(("GET",))
def entryDetails(request: flask.Request) -> dict[str, Any]:
    """Staff: one queue entry with its attempt history and its reports."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import entry_admin

    _user(request, "entryDetails")
    s = _settings()
    query = web.parse(entry_admin.EntryDetailsQuery, request.args.to_dict())
    return entry_admin.entry_details(store.client(s.project_id), query, clock.now())


@functions_framework.http
@endpoint(("GET",))
def listBulkAdds(request: flask.Request) -> dict[str, Any]:
    """Staff: recent bulk adds (who, when, reason, how many), newest first."""
    from shared.adapters import store, web
    from shared.services.staff import bulk_add_admin

    _user(request, "listBulkAdds")
    s = _settings()
    query = web.parse(bulk_add_admin.ListBulkAddsQuery, request.args.to_dict())
    return bulk_add_admin.list_bulk_adds(store.client(s.project_id), query)


@functions_framework.http
@endpoint(("POST",))
def undoBulkAdd(request: flask.Request) -> dict[str, Any]:
    """Staff: remove the entries a bulk add opened that nobody has claimed yet."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import bulk_add_admin

    user = _user(request, "undoBulkAdd")
    s = _settings()
    body = web.parse(bulk_add_admin.UndoBody, web.read_json(request, s.max_body_bytes))
    _charge(user, "undoBulkAdd")
    return bulk_add_admin.undo(store.client(s.project_id), user, body, clock.now())


@functions_framework.http
@endpoint(("GET",))
def queueOverview(request: flask.Request) -> dict[str, Any]:
    """Staff: open entries by status and priority group, claims and reports per hour."""
    from shared.adapters import store
    from shared.base import clock
    from shared.services.staff import overview

    _user(request, "queueOverview")
    s = _settings()
    return overview.queue_overview(store.client(s.project_id), clock.now())


@functions_framework.http
@endpoint(("POST",))
def saveQueue(request: flask.Request) -> dict[str, Any]:
    """Staff: create or replace a queue (who may draw from it, its order, its backfill)."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import queues

    user = _user(request, "saveQueue")
    s = _settings()
    body = web.parse(queues.SaveQueueBody, web.read_json(request, s.max_body_bytes))
    return queues.save_queue(store.client(s.project_id), user, body, clock.now())


@functions_framework.http
@endpoint(("GET",))
def listQueues(request: flask.Request) -> dict[str, Any]:
    """Staff: every queue in fall-through order, `default` included."""
    from shared.adapters import store
    from shared.services.staff import queues

    _user(request, "listQueues")
    s = _settings()
    return queues.list_queues(store.client(s.project_id))


@functions_framework.http
@endpoint(("GET",))
def listCallers(request: flask.Request) -> dict[str, Any]:
    """Staff: users with the caller role and their caller groups, a page at a time."""
    from shared.adapters import store, web
    from shared.services.staff import queues

    _user(request, "listCallers")
    s = _settings()
    query = web.parse(queues.ListCallersQuery, request.args.to_dict())
    return queues.list_callers(store.client(s.project_id), query, s.project_id)


@functions_framework.http
@endpoint(("POST",))
def setCallerGroups(request: flask.Request) -> dict[str, Any]:
    """Staff: replace one caller's groups (which queues they draw from)."""
    from shared.adapters import store, web
    from shared.services.staff import queues

    _user(request, "setCallerGroups")
    s = _settings()
    body = web.parse(queues.CallerGroupsBody, web.read_json(request, s.max_body_bytes))
    return queues.set_caller_groups(store.client(s.project_id), body, s.project_id)


@functions_framework.http
@endpoint(("GET",))
def callerStatistics(request: flask.Request) -> dict[str, Any]:
    """Staff: per caller, claims and how they ended, and the median call time."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import caller_statistics

    _user(request, "callerStatistics")
    s = _settings()
    query = web.parse(caller_statistics.CallerStatisticsQuery, request.args.to_dict())
    return caller_statistics.caller_statistics(store.client(s.project_id), query, clock.now())


@functions_framework.http
@endpoint(("POST",))
def updateLocations(request: flask.Request) -> dict[str, Any]:
    """Staff: mark locations do-not-call (closing their open entries), or callable again."""
    from shared.adapters import store, web
    from shared.base import clock
    from shared.services.staff import do_not_call

    user = _user(request, "updateLocations")
    s = _settings()
    body = web.parse(do_not_call.UpdateLocationsBody, web.read_json(request, s.max_body_bytes))
    _charge(user, "updateLocations")
    result = do_not_call.update_locations(
        store.client(s.project_id), user, body, clock.now(), s.max_bulk_locations
    )
    return result.model_dump(mode="json")


@functions_framework.http
@endpoint(("GET",))
def exportRecords(request: flask.Request) -> dict[str, Any]:
    """Staff: one page of a CSV export of the reports or attempts of a period."""
    from shared.adapters import store, web
    from shared.services.staff import exports

    _user(request, "exportRecords")
    s = _settings()
    query = web.parse(exports.ExportQuery, request.args.to_dict())
    return exports.export_page(store.client(s.project_id), query).model_dump(mode="json")


__all__ = [
    "bulkEnqueue",
    "callerStatistics",
    "callerStats",
    "checkAuth",
    "entryDetails",
    "expireClaim",
    "exportRecords",
    "extendCall",
    "listBulkAdds",
    "listCallers",
    "listEntries",
    "listLocations",
    "listQueues",
    "locationFacets",
    "queueOverview",
    "releaseCall",
    "requestCall",
    "saveQueue",
    "setCallerGroups",
    "submitReport",
    "undoBulkAdd",
    "updateEntries",
    "updateLocations",
]
