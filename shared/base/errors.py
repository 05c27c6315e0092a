"""Domain errors; each carries the HTTP status and the short error code the API answers with."""

from __future__ import annotations


class ApiError(Exception):
    """An error a client can cause or see; rendered as {"error", "error_description"}."""

    status = 400
    error = "bad_request"

    def __init__(self, description: str, *, error: str | None = None) -> None:
        super().__init__(description)
        self.description = description
        if error is not None:
            self.error = error
        self.headers: dict[str, str] = {}


class BadRequest(ApiError):
    status = 400
    error = "invalid_request"


class Unauthorized(ApiError):
    status = 401
    error = "unauthorized"


class Forbidden(ApiError):
    status = 403
    error = "forbidden"


class NotFound(ApiError):
    status = 404
    error = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    error = "method_not_allowed"


class Conflict(ApiError):
    status = 409
    error = "conflict"


class TooLarge(ApiError):
    status = 413
    error = "too_large"


class TooMany(ApiError):
    status = 429
    error = "too_many_requests"

    def __init__(self, description: str, *, retry_after: int, error: str | None = None) -> None:
        super().__init__(description, error=error)
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(ApiError):
    """Our side cannot serve the request (a deployment fault, not the client's): 503."""

    status = 503
    error = "service_unavailable"


class NothingToCall(ApiError):
    """The contract's empty-queue answer; the app shows error_description."""

    status = 404
    error = "Couldn't find somewhere to call"

    def __init__(
        self, description: str = "There is nobody to call right now. Please try again later."
    ) -> None:
        super().__init__(description)


class Contention(Exception):
    """Another claimer won the race for an entry; the caller tries another candidate."""
