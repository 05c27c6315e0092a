"""checkAuth: who the signed-in user is and which roles they hold."""

from __future__ import annotations

from shared.adapters.auth import User
from shared.base.answers import Answer


class WhoAmI(Answer):
    """checkAuth's answer (the caller contract): `authorizedCaller` plus every role."""

    authorizedCaller: bool
    authorizedStaff: bool
    roles: list[str]
    uid: str
    email: str | None


def who_am_i(user: User) -> WhoAmI:
    return WhoAmI(
        authorizedCaller=user.has("caller"),
        authorizedStaff=user.has("staff"),
        roles=sorted(user.roles),
        uid=user.uid,
        email=user.email,
    )
