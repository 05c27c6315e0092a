"""firestore.rules denies every client read and write on every collection the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.adapters import store
from tests.rules import OPERATIONS, Unsupported, allowed, parse

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "firestore.rules"


def collections_in_code() -> set[str]:
    """Every collection name the functions and tools reach through `store.<NAME>`."""
    names = set()
    for source in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("tools/**/*.py")]:
        for constant in re.findall(r"store\.([A-Z][A-Z_]+)\b", source.read_text()):
            value = getattr(store, constant)
            if isinstance(value, str):
                names.add(value)
    return names


def test_every_collection_the_code_uses_is_listed() -> None:
    used = collections_in_code()
    assert used, "found no collection names: the scan is broken"
    assert used <= set(store.ALL_COLLECTIONS)


@pytest.mark.parametrize("collection", store.ALL_COLLECTIONS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_clients_can_do_nothing(collection: str, operation: str) -> None:
    blocks = parse(RULES.read_text())
    for path in (f"{collection}/some-id", f"{collection}/some-id/sub/other-id"):
        assert not allowed(blocks, path, operation), f"{operation} {path} is allowed"


RULES_OPENING_LOCATIONS = """
rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /locations/{id} { allow read: if true; }
    match /{document=**} { allow read, write: if false; }
  }
}
"""


def test_the_evaluator_sees_an_opening() -> None:
    # The same checks fail for rules that open a collection: the test above can fail.
    blocks = parse(RULES_OPENING_LOCATIONS)
    assert allowed(blocks, "locations/x", "get")
    assert allowed(blocks, "locations/x", "list")
    assert not allowed(blocks, "locations/x", "update")
    assert not allowed(blocks, "entries/x", "get")


def test_conditions_it_cannot_judge_fail_loudly() -> None:
    text = RULES_OPENING_LOCATIONS.replace("if true", "if request.auth != null")
    with pytest.raises(Unsupported, match="cannot judge"):
        parse(text)
