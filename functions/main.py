"""HTTP Cloud Functions: each is declared once and calls one service function.

A declaration (`functions.declare`) names who may call the function, its rate-limit bucket,
its request models and its answer model; ACCESS, LIMITED, `__all__` and docs/openapi.json are
read from it. Models are named as "module:Class" and service modules imported inside each
function, so a cold start loads only what that function uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.services.entry_points import Call, Functions

if TYPE_CHECKING:
    from pydantic import BaseModel

    from shared.services.caller.calls import CallQuery
    from shared.services.caller.lease_changes import ExpiryTask, LeaseRef
    from shared.services.caller.reports import ReportBody
    from shared.services.staff.bulk_add_admin import ListBulkAddsQuery, UndoBody
    from shared.services.staff.caller_statistics import CallerStatisticsQuery
    from shared.services.staff.do_not_call import UpdateLocationsBody
    from shared.services.staff.enqueue import BulkEnqueueBody
    from shared.services.staff.entry_admin import (
        EntryDetailsQuery,
        ListEntriesQuery,
        UpdateEntriesBody,
    )
    from shared.services.staff.exports import ExportQuery
    from shared.services.staff.freshness import SaveTargetBody, TargetRef
    from shared.services.staff.locations import LocationQuery
    from shared.services.staff.queues import CallerGroupsBody, ListCallersQuery, SaveQueueBody
    from shared.services.staff.reviews import ListReviewsQuery, ReviewReportBody

    Answer = BaseModel | dict[str, Any]

functions = Functions()
CALLER = "shared.services.caller"
STAFF = "shared.services.staff"


@functions.declare("GET", "POST", role="any", answer="shared.services.accounts:WhoAmI")
def checkAuth(call: Call[None, None]) -> Answer:
    """Who am I: `authorizedCaller` plus every role the token carries."""
    from shared.services import accounts

    return accounts.who_am_i(call.user)


@functions.declare(
    "POST",
    "GET",
    role="caller",
    limit="requestCall",
    limit_folds=True,
    query=f"{CALLER}.calls:CallQuery",
    answer="shared.domain.caller_view:CallView",
    errors=(404,),
)
def requestCall(call: Call[CallQuery, None]) -> Answer:
    """The next location to call, claimed for the caller with a lease."""
    from shared.services.caller import calls

    return calls.serve_call(
        call.db, call.settings, call.user, call.query, call.now, admission=call.admission
    )


@functions.declare(
    "POST",
    role="caller",
    limit="submitReport",
    body=f"{CALLER}.reports:ReportBody",
    answer=f"{CALLER}.reports:Created",
    errors=(409,),
)
def submitReport(call: Call[None, ReportBody]) -> Answer:
    """Store a report; it completes (or reschedules) the location's open queue entry."""
    from shared.services.caller import reports

    return reports.report(call.db, call.settings, call.user, call.body, call.now)


@functions.declare("GET", "POST", role="caller", answer=f"{CALLER}.reports:CallerStats")
def callerStats(call: Call[None, None]) -> Answer:
    """Reports by the signed-in caller: all time and today (organisation's time zone)."""
    from shared.services.caller import reports

    return reports.caller_stats(call.db, call.user, call.now, call.settings.tz)


@functions.declare(
    "POST",
    role="caller",
    limit="lease",
    body=f"{CALLER}.lease_changes:LeaseRef",
    answer="shared.domain.caller_view:LeaseView",
    errors=(404, 409),
)
def extendCall(call: Call[None, LeaseRef]) -> Answer:
    """The holder extends their lease by one step; answers the updated lease."""
    from shared.services.caller import lease_changes

    return lease_changes.extend_call(call.db, call.settings, call.user.uid, call.body, call.now)


@functions.declare(
    "POST",
    role="caller",
    limit="lease",
    body=f"{CALLER}.lease_changes:LeaseRef",
    answer=f"{CALLER}.lease_changes:Released",
    errors=(404, 409),
)
def releaseCall(call: Call[None, LeaseRef]) -> Answer:
    """The holder gives the call back before the lease ends."""
    from shared.services.caller import lease_changes

    return lease_changes.release_call(call.db, call.settings, call.user.uid, call.body, call.now)


@functions.declare(
    "POST",
    role="task",
    body=f"{CALLER}.lease_changes:ExpiryTask",
    answer=f"{CALLER}.lease_changes:Expiry",
    errors=(409,),
)
def expireClaim(call: Call[None, ExpiryTask]) -> Answer:
    """Cloud Tasks calls this at a lease's end; idempotent, fenced by the claim sequence."""
    from shared.services.caller import lease_changes

    task_name = call.request.headers.get("X-CloudTasks-TaskName")
    return lease_changes.expire_task(call.db, call.settings, call.body, call.now, task_name)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.enqueue:BulkEnqueueBody",
    answer=f"{STAFF}.enqueue:BulkEnqueued",
    errors=(404, 409),
)
def bulkEnqueue(call: Call[None, BulkEnqueueBody]) -> Answer:
    """Staff: add many locations to the queue with one reason, by ids or by filter."""
    from shared.services.staff import enqueue

    limit = call.settings.max_bulk_locations
    return enqueue.bulk_enqueue(call.db, call.user, call.body, call.now, limit).as_json()


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.entry_admin:UpdateEntriesBody",
    answer=f"{STAFF}.entry_admin:EntriesUpdated",
    errors=(409,),
)
def updateEntries(call: Call[None, UpdateEntriesBody]) -> Answer:
    """Staff: remove queue entries, or return entries flagged for attention to rotation."""
    from shared.services.staff import entry_admin

    return entry_admin.update_entries(call.db, call.user, call.body, call.now).as_json()


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.entry_admin:ListEntriesQuery",
    answer=f"{STAFF}.entry_admin:EntryPage",
)
def listEntries(call: Call[ListEntriesQuery, None]) -> Answer:
    """Staff: open queue entries (or only those flagged for attention), a page at a time."""
    from shared.services.staff import entry_admin

    return entry_admin.list_entries(call.db, call.query, call.now)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.locations:LocationQuery",
    answer=f"{STAFF}.locations:LocationPage",
)
def listLocations(call: Call[LocationQuery, None]) -> Answer:
    """Staff: locations matching the console's filters, a page at a time, with the total."""
    from shared.services.staff import locations

    return locations.list_locations(call.db, call.query)


@functions.declare("GET", role="staff", answer=f"{STAFF}.locations:Facets")
def locationFacets(call: Call[None, None]) -> Answer:
    """Staff: the values the console's filters offer (states, counties, types, reasons...)."""
    from shared.services.staff import locations

    return locations.facets(call.db, call.settings.project_id)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.entry_admin:EntryDetailsQuery",
    answer=f"{STAFF}.entry_admin:EntryHistory",
    errors=(404,),
)
def entryDetails(call: Call[EntryDetailsQuery, None]) -> Answer:
    """Staff: one queue entry with its attempt history and its reports."""
    from shared.services.staff import entry_admin

    return entry_admin.entry_details(call.db, call.query, call.now)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.bulk_add_admin:ListBulkAddsQuery",
    answer=f"{STAFF}.bulk_add_admin:BulkAddList",
)
def listBulkAdds(call: Call[ListBulkAddsQuery, None]) -> Answer:
    """Staff: recent bulk adds (who, when, reason, how many), newest first."""
    from shared.services.staff import bulk_add_admin

    return bulk_add_admin.list_bulk_adds(call.db, call.query)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.bulk_add_admin:UndoBody",
    answer=f"{STAFF}.bulk_add_admin:Undone",
    errors=(404,),
)
def undoBulkAdd(call: Call[None, UndoBody]) -> Answer:
    """Staff: remove the entries a bulk add opened that nobody has claimed yet."""
    from shared.services.staff import bulk_add_admin

    return bulk_add_admin.undo(call.db, call.user, call.body, call.now)


@functions.declare("GET", role="staff", answer=f"{STAFF}.overview:Overview")
def queueOverview(call: Call[None, None]) -> Answer:
    """Staff: open entries by status and priority group, claims and reports per hour."""
    from shared.services.staff import overview

    return overview.queue_overview(call.db, call.now)


@functions.declare(
    "POST",
    role="staff",
    body=f"{STAFF}.queues:SaveQueueBody",
    answer=f"{STAFF}.queues:QueueView",
)
def saveQueue(call: Call[None, SaveQueueBody]) -> Answer:
    """Staff: create or replace a queue (who may draw from it, its order, its backfill)."""
    from shared.services.staff import queues

    return queues.save_queue(call.db, call.user, call.body, call.now)


@functions.declare("GET", role="staff", answer=f"{STAFF}.queues:QueueList")
def listQueues(call: Call[None, None]) -> Answer:
    """Staff: every queue in fall-through order, `default` included."""
    from shared.services.staff import queues

    return queues.list_queues(call.db)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.queues:ListCallersQuery",
    answer=f"{STAFF}.queues:CallerPage",
)
def listCallers(call: Call[ListCallersQuery, None]) -> Answer:
    """Staff: users with the caller role and their caller groups, a page at a time."""
    from shared.services.staff import queues

    return queues.list_callers(call.db, call.query, call.settings.project_id)


@functions.declare(
    "POST",
    role="staff",
    body=f"{STAFF}.queues:CallerGroupsBody",
    answer=f"{STAFF}.queues:CallerGroups",
    errors=(404,),
)
def setCallerGroups(call: Call[None, CallerGroupsBody]) -> Answer:
    """Staff: replace one caller's groups (which queues they draw from)."""
    from shared.services.staff import queues

    return queues.set_caller_groups(call.db, call.body, call.settings.project_id)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.caller_statistics:CallerStatisticsQuery",
    answer=f"{STAFF}.caller_statistics:CallerFigures",
)
def callerStatistics(call: Call[CallerStatisticsQuery, None]) -> Answer:
    """Staff: per caller, claims and how they ended, and the median call time."""
    from shared.services.staff import caller_statistics

    return caller_statistics.caller_statistics(call.db, call.query, call.now)


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.reviews:ListReviewsQuery",
    answer=f"{STAFF}.reviews:ReviewList",
)
def listReviews(call: Call[ListReviewsQuery, None]) -> Answer:
    """Staff: reports flagged for review (or decided), oldest first, beside earlier ones."""
    from shared.services.staff import reviews

    return reviews.list_reviews(call.db, call.query)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.reviews:ReviewReportBody",
    answer=f"{STAFF}.reviews:ReviewResult",
    errors=(404, 409),
)
def reviewReport(call: Call[None, ReviewReportBody]) -> Answer:
    """Staff: approve a flagged report, or send its place back to the queue with a reason."""
    from shared.services.staff import reviews

    return reviews.review_report(call.db, call.user, call.body, call.now)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.do_not_call:UpdateLocationsBody",
    answer=f"{STAFF}.do_not_call:UpdateLocationsResult",
)
def updateLocations(call: Call[None, UpdateLocationsBody]) -> Answer:
    """Staff: mark locations do-not-call (closing their open entries), or callable again."""
    from shared.services.staff import do_not_call

    return do_not_call.update_locations(
        call.db, call.user, call.body, call.now, call.settings.max_bulk_locations
    )


@functions.declare(
    "GET",
    role="staff",
    query=f"{STAFF}.exports:ExportQuery",
    answer=f"{STAFF}.exports:ExportPage",
)
def exportRecords(call: Call[ExportQuery, None]) -> Answer:
    """Staff: one page of a CSV export of the reports or attempts of a period."""
    from shared.services.staff import exports

    return exports.export_page(call.db, call.query)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.freshness:SaveTargetBody",
    answer=f"{STAFF}.freshness:SavedTarget",
    errors=(404,),
)
def saveFreshnessTarget(call: Call[None, SaveTargetBody]) -> Answer:
    """Staff: create or replace a freshness target (places, maximum report age, queue)."""
    from shared.services.staff import freshness

    return freshness.save_target(call.db, call.user, call.body, call.now)


@functions.declare("GET", role="staff", answer=f"{STAFF}.freshness:TargetList")
def listFreshnessTargets(call: Call[None, None]) -> Answer:
    """Staff: every freshness target with its figures, 7-day history and forecast."""
    from shared.services.staff import freshness

    return freshness.list_targets(call.db, call.settings, call.now)


@functions.declare(
    "POST",
    role="staff",
    limit="bulk",
    body=f"{STAFF}.freshness:TargetRef",
    answer=f"{STAFF}.freshness:DeletedTarget",
    errors=(404,),
)
def deleteFreshnessTarget(call: Call[None, TargetRef]) -> Answer:
    """Staff: delete a freshness target (its daily records stay)."""
    from shared.services.staff import freshness

    return freshness.delete_target(call.db, call.body)


@functions.declare("POST", role="scheduler", answer=f"{STAFF}.freshness:Refreshed")
def refreshQueue(call: Call[None, None]) -> Answer:
    """Cloud Scheduler every 10 minutes (or staff by hand): queue places due for a report."""
    from shared.services.staff import freshness

    return freshness.refresh(call.db, call.settings, call.now).as_json()


# Read from the declarations above: who may call each function, and the rate-limit bucket
# each one's requests count against (charged after the request parsed).
ACCESS = functions.access()
LIMITED = functions.limited()
__all__ = functions.names()
# Minimum instances only (deploy.sh sets PRELOAD_FUNCTIONS): import at start-up what the
# first request would, so an instance kept warm answers its first caller warm.
functions.preload_if_asked()
