"""Whether a place may be called: a dialable phone number and no do-not-call mark."""

from __future__ import annotations

import pytest

from shared.domain import callability
from shared.domain.models import Location


@pytest.mark.parametrize(
    ("phone", "do_not_call", "expected"),
    [
        ("(559) 555-0100", None, "callable"),
        ("(559) 555-0100", False, "callable"),
        ("+1 559 555 0100", False, "callable"),
        ("555-0100", False, "callable"),
        ("(559) 555-0100", True, "do_not_call"),
        (None, True, "do_not_call"),
        (None, None, "no_phone"),
        ("", False, "no_phone"),
        ("   ", False, "no_phone"),
        ("n/a", False, "no_phone"),
        ("TBD", False, "no_phone"),
        ("555-01", False, "no_phone"),
        (5595550100, False, "no_phone"),
        ("(559) 555-0100", "yes", "callable"),
    ],
)
def test_state_of(phone: object, do_not_call: object, expected: str) -> None:
    assert callability.state_of(phone, do_not_call) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "no_phone"),
        ({"phone": "(559) 555-0100"}, "callable"),
        ({"phone": "(559) 555-0100", "do_not_call": True}, "do_not_call"),
        ({"phone": None, "do_not_call": False}, "no_phone"),
    ],
)
def test_state_of_document(data: dict[str, object], expected: str) -> None:
    assert callability.state_of_document(data) == expected


def test_a_location_stores_its_callable_state() -> None:
    place = Location(id="a", name="A", state="CA", phone="(559) 555-0100")
    assert place.to_firestore()["callable_state"] == "callable"
    marked = place.model_copy(update={"do_not_call": True})
    assert marked.to_firestore()["callable_state"] == "do_not_call"
    assert Location(id="b", name="B", state="CA").to_firestore()["callable_state"] == "no_phone"
