"""Firebase ID-token verification, roles from the `roles` custom claim, and role grants."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator

from shared.adapters.store import DocumentId
from shared.base import logs
from shared.base.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from shared.base.lazy import PerProcess

if TYPE_CHECKING:
    import firebase_admin

Role = Literal["caller", "staff"]
ROLES: tuple[Role, ...] = ("caller", "staff")

_apps: PerProcess[firebase_admin.App] = PerProcess()
# uid -> when this instance last found the user active (time.monotonic()).
_active: dict[str, float] = {}


# The IAM role the functions' runtime account needs for get_user and list_users (deploy.sh).
AUTH_READ_ROLE = "roles/firebaseauth.viewer"


@contextmanager
def admin_call(operation: str) -> Iterator[None]:
    """Run one Firebase Auth Admin call; a missing IAM permission becomes a 503 naming the role.

    Without it the answer would be a bare 500 on every signed-in call of a fresh deployment.
    """
    from firebase_admin import exceptions
    from google.api_core import exceptions as api_exceptions

    try:
        yield
    except (exceptions.PermissionDeniedError, api_exceptions.PermissionDenied) as exc:
        logs.error(
            "Firebase Authentication permission missing",
            operation=operation,
            role=AUTH_READ_ROLE,
            error=repr(exc)[:500],
        )
        raise ServiceUnavailable(
            "The service cannot read Firebase Authentication users: its runtime service "
            f"account lacks {AUTH_READ_ROLE} (see docs/deploy.md). Staff have been told "
            "through the logs; try again later.",
            error="auth_permission_missing",
        ) from exc


@dataclass(frozen=True)
class User:
    """The signed-in user a request acts for."""

    uid: str
    email: str | None
    roles: frozenset[str]

    def has(self, role: Role) -> bool:
        return role in self.roles


def firebase_app(project_id: str | None = None) -> firebase_admin.App:
    """The firebase-admin app for a project, created on first use."""
    if project_id is None:
        from shared.adapters.config import get_settings

        project_id = get_settings().project_id

    def build() -> firebase_admin.App:
        import firebase_admin

        return firebase_admin.initialize_app(
            options={"projectId": project_id}, name=f"callqueue-{project_id}"
        )

    return _apps.get(project_id, build)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or Unauthorized."""
    if not authorization:
        raise Unauthorized(
            "Sign in first: the request has no Authorization header.", error="missing_token"
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "The Authorization header must be 'Bearer <Firebase ID token>'.", error="invalid_token"
        )
    return token.strip()


def roles_of(claims: dict[str, Any]) -> frozenset[str]:
    """The roles in a token's claims; anything but a list of strings counts as none."""
    raw = claims.get("roles")
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(r for r in raw if isinstance(r, str))


def verify(
    authorization: str | None, project_id: str | None = None, revocation_check_seconds: int = 60
) -> User:
    """Verify a Firebase ID token from the Authorization header, and that its user is active."""
    token = bearer_token(authorization)
    from firebase_admin import auth

    app = firebase_app(project_id)
    try:
        claims: dict[str, Any] = auth.verify_id_token(token, app=app)
    except (ValueError, auth.InvalidIdTokenError, auth.ExpiredIdTokenError) as exc:
        raise Unauthorized(
            f"The sign-in token was rejected ({type(exc).__name__}); sign in again.",
            error="invalid_token",
        ) from exc
    except auth.CertificateFetchError as exc:
        raise Unauthorized(
            "The sign-in token could not be checked right now; try again.", error="invalid_token"
        ) from exc
    if not _unexpired(claims, time.time()):
        # firebase-admin checks expiry itself, except for the Auth emulator's tokens.
        raise Unauthorized("The sign-in token has expired; sign in again.", error="invalid_token")
    _check_active(str(claims["uid"]), claims, app, revocation_check_seconds)
    return User(uid=str(claims["uid"]), email=claims.get("email"), roles=roles_of(claims))


def _unexpired(claims: dict[str, Any], now: float) -> bool:
    exp = claims.get("exp")
    return isinstance(exp, int | float) and exp > now


def _check_active(uid: str, claims: dict[str, Any], app: Any, staleness: int) -> None:
    """Refuse users that are disabled, deleted, or whose tokens were revoked.

    A signed token stays valid for up to an hour; this asks the Auth service, at most once
    per `staleness` seconds per user and instance (docs/security.md has the measured cost).
    """
    checked = _active.get(uid)
    if staleness and checked is not None and time.monotonic() - checked < staleness:
        return
    from firebase_admin import auth

    try:
        with admin_call("get_user"):
            record = auth.get_user(uid, app=app)
    except (ValueError, auth.UserNotFoundError) as exc:
        raise Unauthorized("This account no longer exists.", error="invalid_token") from exc
    if record.disabled:
        raise Unauthorized("This account is disabled.", error="user_disabled")
    valid_after = (record.tokens_valid_after_timestamp or 0) / 1000
    if float(claims.get("iat") or 0) < valid_after:
        raise Unauthorized("This sign-in was revoked; sign in again.", error="token_revoked")
    _active[uid] = time.monotonic()


def require(user: User, role: Role) -> User:
    if not user.has(role):
        raise Forbidden(
            f"This needs the '{role}' role; ask a staff member to grant it to "
            f"{user.email or user.uid}.",
            error="missing_role",
        )
    return user


def set_role(email: str, role: Role, *, granted: bool, project_id: str | None = None) -> list[str]:
    """Grant or revoke a role for the user with this e-mail; answers their roles after."""
    from firebase_admin import auth

    app = firebase_app(project_id)
    user = auth.get_user_by_email(email, app=app)
    claims = dict(user.custom_claims or {})
    roles = set(roles_of(claims))
    if granted:
        roles.add(role)
    else:
        roles.discard(role)
    claims["roles"] = sorted(roles)
    auth.set_custom_user_claims(user.uid, claims, app=app)
    return sorted(roles)


def role_members(
    role: Role, page_token: str | None, page_size: int, project_id: str | None = None
) -> tuple[list[tuple[str, str | None]], str | None]:
    """(uid, email) of the users with `role` in one page of the user list, and the next token."""
    from firebase_admin import auth, exceptions

    try:
        with admin_call("list_users"):
            page = auth.list_users(page_token, page_size, app=firebase_app(project_id))
    except (ValueError, exceptions.InvalidArgumentError) as exc:
        raise BadRequest(
            "page_token is not one this list answered.", error="invalid_field"
        ) from exc
    members = [(u.uid, u.email) for u in page.users if role in roles_of(u.custom_claims or {})]
    return members, page.next_page_token or None


def email_of(uid: str, project_id: str | None = None) -> str | None:
    """A user's e-mail; NotFound if there is no such user, BadRequest if Auth refuses the uid."""
    from firebase_admin import auth, exceptions

    try:
        with admin_call("get_user"):
            return auth.get_user(uid, app=firebase_app(project_id)).email  # type: ignore[no-any-return]
    except auth.UserNotFoundError as exc:
        raise NotFound(f"There is no user {uid[:60]!r}.", error="unknown_user") from exc
    except (ValueError, exceptions.InvalidArgumentError) as exc:
        # The SDK checks a uid before sending it (ValueError), the service after: both are
        # the client's uid, not our failure.
        raise BadRequest(
            f"uid: {uid[:60]!r} is not a Firebase Auth uid.", error="invalid_field"
        ) from exc


# Firebase Auth's limit on a uid; a caller's uid is also a Firestore document id.
MAX_UID_CHARS = 128


def _auth_uid(value: str) -> str:
    if not 1 <= len(value) <= MAX_UID_CHARS:
        raise ValueError(f"must be 1 to {MAX_UID_CHARS} characters (Firebase Auth's limit)")
    return value


Uid = Annotated[DocumentId, AfterValidator(_auth_uid)]


GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


def is_google_oidc(authorization: str | None) -> bool:
    """Whether the bearer token claims to be a Google-signed OIDC token (Cloud Tasks, Cloud
    Scheduler), not a Firebase ID token: read from its unverified issuer, to pick the check
    that then verifies it."""
    import base64
    import json

    try:
        payload = bearer_token(authorization).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (Unauthorized, IndexError, ValueError):
        return False
    return isinstance(claims, dict) and claims.get("iss") in GOOGLE_ISSUERS


def verify_task(
    authorization: str | None,
    audience: str,
    service_account: str,
    refusal: str = "Only the lease clean-up queue may call this.",
) -> None:
    """Accept only Cloud Tasks' (or Cloud Scheduler's) OIDC token for our service account
    and audience."""
    token = bearer_token(authorization)
    from google.auth.exceptions import GoogleAuthError
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token

    try:
        claims: dict[str, Any] = id_token.verify_oauth2_token(  # type: ignore[no-untyped-call]
            token, google_requests.Request(), audience=audience
        )
    except (ValueError, GoogleAuthError) as exc:
        raise Unauthorized("The task's OIDC token was rejected.", error="invalid_token") from exc
    if claims.get("email") != service_account or not claims.get("email_verified"):
        raise Forbidden(refusal, error="wrong_caller")
