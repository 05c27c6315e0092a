"""HTTP Cloud Functions: each reads the request, calls one service function, answers JSON.

Service modules are imported inside each function so a cold start loads only what that
function uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from shared.web import endpoint

if TYPE_CHECKING:
    import flask

    from shared.auth import Role, User
    from shared.config import Settings


def _settings() -> Settings:
    from shared.config import get_settings

    return get_settings()


def _user(request: flask.Request, role: Role | None) -> User:
    from shared import auth

    user = auth.verify(request.headers.get("Authorization"), _settings().project_id)
    return auth.require(user, role) if role else user


@functions_framework.http
@endpoint(("GET", "POST"))
def checkAuth(request: flask.Request) -> dict[str, Any]:
    """Who am I: `authorizedCaller` plus every role the token carries."""
    user = _user(request, None)
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
    from shared import claims, clock, store

    user = _user(request, "caller")
    call = claims.parse_call_request(request.args.to_dict())
    s = _settings()
    return claims.request_call(
        store.client(s.project_id),
        user,
        call,
        clock.now(),
        lease_seconds=s.claim_lease_seconds,
        window_size=s.candidate_window,
        max_attempts=s.max_claim_attempts,
    )


@functions_framework.http
@endpoint(("POST",))
def submitReport(request: flask.Request) -> dict[str, Any]:
    """Store a report; it completes (or reschedules) the location's open queue entry."""
    from shared import clock, reports, store, web

    user = _user(request, "caller")
    s = _settings()
    body = web.parse(reports.ReportBody, web.read_json(request, s.max_body_bytes))
    report_id = reports.submit_report(store.client(s.project_id), user, body, clock.now(), s.tz)
    return {"created": [report_id]}


@functions_framework.http
@endpoint(("GET", "POST"))
def callerStats(request: flask.Request) -> dict[str, Any]:
    """Reports by the signed-in caller: all time and today (organisation's time zone)."""
    from shared import clock, reports, store

    user = _user(request, "caller")
    s = _settings()
    return reports.caller_stats(store.client(s.project_id), user, clock.now(), s.tz)


@functions_framework.http
@endpoint(("POST",))
def bulkEnqueue(request: flask.Request) -> dict[str, Any]:
    """Staff: add many locations to the queue with one reason, by ids or by filter."""
    from shared import clock, enqueue, store, web

    user = _user(request, "staff")
    s = _settings()
    body = web.parse(enqueue.BulkEnqueueBody, web.read_json(request, s.max_body_bytes))
    result = enqueue.bulk_enqueue(
        store.client(s.project_id), user, body, clock.now(), s.max_bulk_locations
    )
    return result.as_json()


__all__ = ["bulkEnqueue", "callerStats", "checkAuth", "requestCall", "submitReport"]
