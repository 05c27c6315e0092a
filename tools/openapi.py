"""Write docs/openapi.json from the pydantic models the functions validate with.

`python -m tools.openapi` rewrites it; a unit test fails when the committed file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"

ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE_TIME = {"type": "string", "format": "date-time"}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with these properties, all required (others may follow)."""
    return {"type": "object", "required": sorted(properties), "properties": properties}


WHO_AM_I = _object(
    authorizedCaller=BOOLEAN,
    authorizedStaff=BOOLEAN,
    roles=_list(STRING),
    uid=STRING,
    email=NULLABLE_STRING,
)
LEASE = {
    **_object(entry_id=STRING, claim_seq=INTEGER, claimed_until=DATE_TIME),
    "properties": {
        "entry_id": STRING,
        "claim_seq": INTEGER,
        "claimed_until": DATE_TIME,
        "max_claimed_until": DATE_TIME,
    },
}
# The caller contract's location (docs/api.md); the lease fields come with a new claim.
CALL = _object(
    id=STRING,
    Name=STRING,
    State=STRING,
    **{
        "Phone number": NULLABLE_STRING,
        "Address": NULLABLE_STRING,
        "Internal notes": NULLABLE_STRING,
        "Hours": NULLABLE_STRING,
        "County": NULLABLE_STRING,
        "Location Type": NULLABLE_STRING,
        "Affiliation": NULLABLE_STRING,
        "Latest report": NULLABLE_STRING,
        "Latest report notes": _list(NULLABLE_STRING),
        "County vaccine info URL": _list(NULLABLE_STRING),
        "County Vaccine locations URL": _list(NULLABLE_STRING),
        "Latest Internal Notes": _list(NULLABLE_STRING),
        "Availability Info": _list(STRING),
        "Number of Reports": INTEGER,
        "county_record": {"type": "object"},
        "provider_record": {"type": "object"},
        "timezone": STRING,
        "confirm_address": BOOLEAN,
        "confirm_hours": BOOLEAN,
        "confirm_website": BOOLEAN,
    },
)
BULK_ENQUEUED = _object(
    added=INTEGER,
    already_queued=INTEGER,
    not_callable=INTEGER,
    needs_attention=INTEGER,
    not_found=_list(STRING),
    matched=INTEGER,
    reason=STRING,
    priority_group=INTEGER,
    dry_run=BOOLEAN,
    bulk_id=NULLABLE_STRING,
    next_cursor=NULLABLE_STRING,
)


def _operation(
    summary: str,
    role: str | None,
    body: type[BaseModel] | None,
    ok: dict[str, Any],
    errors: tuple[int, ...],
    method: str = "post",
) -> dict[str, Any]:
    if body is not None:
        # Any body past MAX_BODY_BYTES (shared/web.py read_json).
        errors = (*errors, 413)
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
            **{
                str(code): {
                    "description": "error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for code in sorted(set(errors))
            },
        },
    }
    if role:
        operation["security"] = [{"firebase": []}]
        operation["description"] = f"Needs the '{role}' role (custom claim `roles`)."
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
            },
        }
    return {method: operation}


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters from a pydantic model (each comes in as a string and is parsed)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
        }
        for name, prop in schema["properties"].items()
    ]


def _get(summary: str, query: type[BaseModel], *extra: int) -> dict[str, Any]:
    """A staff GET endpoint whose query parameters come from a pydantic model."""
    obj = {"type": "object"}
    operation = _operation(summary, "staff", None, obj, (400, 401, 403, *extra), "get")
    operation["get"]["parameters"] = _query(query)
    return operation


def build() -> dict[str, Any]:
    from shared.services.caller.calls import CallQuery
    from shared.services.caller.lease_changes import ExpiryTask, LeaseRef
    from shared.services.caller.reports import ReportBody
    from shared.services.staff.bulk_add_admin import ListBulkAddsQuery, UndoBody
    from shared.services.staff.caller_statistics import CallerStatisticsQuery
    from shared.services.staff.do_not_call import UpdateLocationsBody, UpdateLocationsResult
    from shared.services.staff.enqueue import BulkEnqueueBody
    from shared.services.staff.entry_admin import (
        EntryDetailsQuery,
        ListEntriesQuery,
        UpdateEntriesBody,
    )
    from shared.services.staff.exports import ExportPage, ExportQuery
    from shared.services.staff.locations import LocationQuery
    from shared.services.staff.queues import CallerGroupsBody, ListCallersQuery, SaveQueueBody

    models: list[type[BaseModel]] = [
        BulkEnqueueBody,
        ReportBody,
        LeaseRef,
        ExpiryTask,
        UpdateEntriesBody,
        UndoBody,
        SaveQueueBody,
        CallerGroupsBody,
        UpdateLocationsBody,
        UpdateLocationsResult,
        ExportPage,
    ]
    schemas: dict[str, Any] = {"Error": ERROR}
    for model in models:
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    obj = {"type": "object"}
    paths = {
        "/checkAuth": _operation("Who am I", "any", None, WHO_AM_I, (401,), "get"),
        "/requestCall": {
            "post": {
                **_operation(
                    "Next location to call, claimed",
                    "caller",
                    None,
                    CALL,
                    (400, 401, 403, 404, 429),
                )["post"],
                "parameters": _query(CallQuery),
            }
        },
        "/submitReport": _operation(
            "Store a report; completes the queue entry",
            "caller",
            ReportBody,
            _object(created=_list(STRING)),
            (400, 401, 403, 409),
        ),
        "/callerStats": _operation(
            "Reports by me: total and today",
            "caller",
            None,
            _object(total=INTEGER, today=INTEGER),
            (401, 403),
            "get",
        ),
        "/extendCall": _operation(
            "Extend my lease", "caller", LeaseRef, LEASE, (400, 401, 403, 404, 409)
        ),
        "/releaseCall": _operation(
            "Give my call back",
            "caller",
            LeaseRef,
            _object(released={"const": True}),
            (400, 401, 403, 404, 409),
        ),
        "/bulkEnqueue": _operation(
            "Queue many locations with a reason",
            "staff",
            BulkEnqueueBody,
            BULK_ENQUEUED,
            (400, 401, 403, 404, 409),
        ),
        "/updateEntries": _operation(
            "Remove or resume queue entries",
            "staff",
            UpdateEntriesBody,
            _object(
                action=STRING, changed=INTEGER, unchanged=_list(STRING), not_found=_list(STRING)
            ),
            (400, 401, 403, 409),
        ),
        "/listEntries": _get("Open queue entries, a page at a time", ListEntriesQuery),
        "/listLocations": _get("Locations matching a filter, a page at a time", LocationQuery),
        "/locationFacets": _operation(
            "Values for the console's filters", "staff", None, obj, (401, 403), "get"
        ),
        "/entryDetails": _get("One entry, its attempts and reports", EntryDetailsQuery, 404),
        "/listBulkAdds": _get("Recent bulk adds", ListBulkAddsQuery),
        "/callerStatistics": _get(
            "Per caller: claims, reports, skips, expiries, releases, median call time",
            CallerStatisticsQuery,
        ),
        "/updateLocations": _operation(
            "Mark locations do-not-call (closing their open entries), or callable again",
            "staff",
            UpdateLocationsBody,
            {"$ref": "#/components/schemas/UpdateLocationsResult"},
            (400, 401, 403, 409, 413),
        ),
        "/exportRecords": {
            "get": {
                **_get("One page of a CSV export of reports or attempts", ExportQuery)["get"],
                "responses": {
                    **_get("", ExportQuery)["get"]["responses"],
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ExportPage"}
                            }
                        },
                    },
                },
            }
        },
        "/undoBulkAdd": _operation(
            "Remove what a bulk add queued that nobody claimed",
            "staff",
            UndoBody,
            _object(bulk_id=STRING, removed=INTEGER, kept=INTEGER, remaining=INTEGER),
            (400, 401, 403, 404),
        ),
        "/saveQueue": _operation(
            "Create or replace a queue", "staff", SaveQueueBody, obj, (400, 401, 403)
        ),
        "/listQueues": _operation(
            "Every queue in fall-through order", "staff", None, obj, (401, 403), "get"
        ),
        "/listCallers": _get("Users with the caller role and their groups", ListCallersQuery),
        "/setCallerGroups": _operation(
            "Replace a caller's groups", "staff", CallerGroupsBody, obj, (400, 401, 403, 404)
        ),
        "/queueOverview": _operation(
            "Counts by status and group; claims and reports per hour",
            "staff",
            None,
            obj,
            (401, 403),
            "get",
        ),
        "/expireClaim": _operation(
            "Lease clean-up (Cloud Tasks only)",
            None,
            ExpiryTask,
            _object(expired=BOOLEAN, verdict=STRING),
            (400, 401, 403, 409),
        ),
    }
    _rate_limited(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Call queue", "version": "1"},
        "servers": [
            {"url": "https://us-central1-PROJECT.cloudfunctions.net"},
            {"url": "http://127.0.0.1:5001/demo-callqueue/us-central1"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "firebase": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "Firebase ID token",
                }
            },
        },
    }


def _rate_limited(paths: dict[str, Any]) -> None:
    """Every function with a rate limit documents its 429 and the Retry-After header."""
    from functions.main import LIMITED

    for name in LIMITED:
        for operation in paths[f"/{name}"].values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"]["429"] = {
                    "description": "too many requests: retry after the header's seconds",
                    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}")
