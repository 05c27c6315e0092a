"""Whether a place may be called at all: it has a phone number and staff did not mark it
do-not-call (vial's "valid for a call"). The queue never takes or offers one that may not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

# `callable_state` of a location: what the console shows and filters on.
CallableState = Literal["callable", "no_phone", "do_not_call"]
CALLABLE_STATES: tuple[CallableState, ...] = ("callable", "no_phone", "do_not_call")
# The stored fields the rule reads (a select of these is enough to decide).
FIELDS = ("phone", "do_not_call")
# Fewer digits than this is not a number anyone can dial ("n/a", "TBD", "555").
MIN_PHONE_DIGITS = 7


def has_phone(phone: object) -> bool:
    """A phone number someone could dial: text with at least MIN_PHONE_DIGITS digits."""
    return isinstance(phone, str) and sum(c.isdigit() for c in phone) >= MIN_PHONE_DIGITS


def state_of(phone: object, do_not_call: object) -> CallableState:
    """do-not-call wins over a missing phone: it is the decision staff took and must undo."""
    if do_not_call is True:
        return "do_not_call"
    return "callable" if has_phone(phone) else "no_phone"


def state_of_document(data: Mapping[str, Any]) -> CallableState:
    """The state of a stored location's fields (missing fields: no phone, not marked)."""
    return state_of(data.get("phone"), data.get("do_not_call"))
