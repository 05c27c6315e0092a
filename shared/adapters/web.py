"""HTTP plumbing shared by every entry point: parsing, CORS, size limit, error rendering."""

from __future__ import annotations

import json
import time
import traceback
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.base import logs
from shared.base.errors import ApiError, BadRequest, Forbidden, MethodNotAllowed, TooLarge
from shared.base.field_limits import JSON_DEPTH

if TYPE_CHECKING:
    import flask

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["flask.Request"], Any]

CORS_HEADERS = {
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "3600",
    "Access-Control-Expose-Headers": "X-Request-Id, Retry-After",
}


def json_response(body: Any, status: int = 200, origin: str | None = None) -> flask.Response:
    import flask

    response = flask.Response(
        json.dumps(body, default=str), status=status, mimetype="application/json"
    )
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.update(CORS_HEADERS)
    if origin != "*":
        # The answer differs by Origin: caches must not hand one origin's answer to another.
        response.headers["Vary"] = "Origin"
    return response


def parse_origins(setting: str) -> frozenset[str]:
    """ALLOWED_ORIGINS: comma-separated origins (scheme://host[:port]), or `*` for any."""
    return frozenset(o.strip().rstrip("/") for o in setting.split(",") if o.strip())


def cors_origin(request_origin: str | None, allowed: frozenset[str]) -> str | None:
    """The Access-Control-Allow-Origin to answer with; None when no Origin was sent.

    Forbidden when a browser page from an origin not in ALLOWED_ORIGINS made the request,
    so such a page can neither read answers nor cause writes.
    """
    if "*" in allowed:
        return "*"
    if request_origin is None:
        return None
    if request_origin.rstrip("/") in allowed:
        return request_origin
    raise Forbidden(
        f"Requests from the web page at {request_origin[:200]} are not allowed; "
        "ALLOWED_ORIGINS lists the origins that may call this API.",
        error="origin_not_allowed",
    )


def error_body(exc: ApiError) -> dict[str, str]:
    return {"error": exc.error, "error_description": exc.description}


def describe_validation(exc: ValidationError) -> str:
    """One sentence naming each bad field, for error_description."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"]
        if err["type"] in ("missing",):
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a field this endpoint accepts"
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def trace_of(request: flask.Request, project_id: str) -> str | None:
    header = request.headers.get("X-Cloud-Trace-Context")
    if not header:
        return None
    return f"projects/{project_id}/traces/{header.split('/')[0]}"


def read_json(request: flask.Request, max_bytes: int, *, allow_empty: bool = False) -> Any:
    """The request's JSON body; BadRequest if malformed, TooLarge past the limit."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise TooLarge(f"The request body is {length} bytes; the limit is {max_bytes} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise TooLarge(f"The request body is over the limit of {max_bytes} bytes.")
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequest("The request body is empty; send a JSON object.", error="invalid_json")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(
            f"The request body is not valid JSON: {exc}.", error="invalid_json"
        ) from exc
    except RecursionError as exc:
        raise too_deep() from exc
    if depth(data) > JSON_DEPTH:
        raise too_deep()
    return data


def too_deep() -> BadRequest:
    return BadRequest(
        f"The request body nests JSON more than {JSON_DEPTH} levels deep.", error="too_deep"
    )


def depth(data: Any) -> int:
    """How deeply arrays and objects nest in decoded JSON (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse(model: type[M], data: Any) -> M:
    """Validate a decoded body against a pydantic model; BadRequest naming the bad fields."""
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", error="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(describe_validation(exc), error="invalid_field") from exc


def endpoint(
    methods: tuple[str, ...],
) -> Callable[[Handler], Callable[[flask.Request], flask.Response]]:
    """Wrap a handler: CORS preflight, method check, domain errors -> JSON, no stray 500s."""

    def wrap(handler: Handler) -> Callable[[flask.Request], flask.Response]:
        def run(request: flask.Request) -> flask.Response:
            from shared.adapters.config import get_settings

            settings = get_settings()
            try:
                origin = cors_origin(
                    request.headers.get("Origin"), parse_origins(settings.allowed_origins)
                )
            except Forbidden as exc:
                logs.warning(
                    "origin not allowed",
                    function=handler.__name__,
                    origin=request.headers.get("Origin", "")[:200],
                    method=request.method,
                )
                return json_response(error_body(exc), exc.status)
            if request.method == "OPTIONS":
                response = json_response({}, 204, origin)
                response.headers["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                return response
            started = time.perf_counter()
            trace = trace_of(request, settings.project_id)
            request_id = uuid.uuid4().hex
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(
                        f"{request.method} is not accepted here; use {' or '.join(methods)}."
                    )
                response = json_response(handler(request), 200, origin)
                error = None
            except ApiError as exc:
                response = json_response(error_body(exc), exc.status, origin)
                response.headers.update(exc.headers)
                error = exc.error
            except Exception as exc:
                # The person sees only the request id; the log keeps the details for us.
                logs.error(
                    "unhandled error",
                    error=repr(exc),
                    traceback=traceback.format_exc(),
                    function=handler.__name__,
                    request_id=request_id,
                    trace=trace,
                )
                body = {
                    "error": "internal",
                    "error_description": "Something went wrong on our side; please try again "
                    f"(request {request_id}).",
                    "request_id": request_id,
                }
                response = json_response(body, 500, origin)
                error = "internal"
            response.headers["X-Request-Id"] = request_id
            logs.log(
                "INFO" if response.status_code < 400 else "WARNING",
                f"{handler.__name__} {response.status_code}",
                function=handler.__name__,
                status=response.status_code,
                error=error,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                request_id=request_id,
                trace=trace,
            )
            return response

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return wrap
