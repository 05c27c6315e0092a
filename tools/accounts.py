"""Users and ID tokens on the Firebase Auth emulator, for tests, demos and the run banner."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any


def auth_host() -> str:
    return os.environ.get("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")


def ensure_user(email: str, password: str, roles: list[str], project_id: str) -> str:
    """Create (or reset) an emulator user with these roles; answers the uid."""
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    app = firebase_app(project_id)
    try:
        user = auth.get_user_by_email(email, app=app)
        auth.update_user(user.uid, password=password, app=app)
    except auth.UserNotFoundError:
        user = auth.create_user(email=email, password=password, app=app)
    auth.set_custom_user_claims(user.uid, {"roles": roles} if roles else None, app=app)
    return str(user.uid)


def sign_in(email: str, password: str, host: str | None = None) -> str:
    """A fresh ID token from the Auth emulator's REST sign-in (custom claims included)."""
    url = (
        f"http://{host or auth_host()}/identitytoolkit.googleapis.com/v1/"
        "accounts:signInWithPassword?key=any"
    )
    payload = json.dumps({"email": email, "password": password, "returnSecureToken": True})
    request = urllib.request.Request(
        url, data=payload.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    return str(body["idToken"])


if __name__ == "__main__":
    import sys

    print(sign_in(sys.argv[1], sys.argv[2]))
