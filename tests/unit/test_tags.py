"""The availability tag vocabulary and matching of client spellings."""

from __future__ import annotations

import pytest

from shared.base.errors import BadRequest
from shared.domain import tags


@pytest.mark.parametrize(
    ("spelling", "slug"),
    [
        ("vaccinating_essential_workers", "vaccinating_essential_workers"),
        ("Vaccinating essential workers", "vaccinating_essential_workers"),
        ("Yes: Vaccinating essential workers", "vaccinating_essential_workers"),
        ("YES: VACCINATING ESSENTIAL WORKERS", "vaccinating_essential_workers"),
        ("  Yes:  vaccinating   essential workers ", "vaccinating_essential_workers"),
        ("Skip: call back later", "skip_call_back_later"),
        ("Call back later", "skip_call_back_later"),
        ("No: no vaccine inventory", "no_vaccine_inventory"),
        ("Vaccinating 65+", "vaccinating_65_plus"),
        ("Yes: vaccinating 16+", "vaccinating_16_plus"),
        ("vaccinating_85_plus", "vaccinating_85_plus"),
        ("Walk-ins only", "walk_ins_only"),
        ("Eligibility determined by county website", "eligibility_county_website"),
    ],
)
def test_find_by_slug_name_or_previous_name(spelling: str, slug: str) -> None:
    found = tags.find(spelling)
    assert found is not None
    assert found.slug == slug


@pytest.mark.parametrize(
    "spelling", ["", "Yes", "vaccinating_17_plus", "Yes: free donuts", "walk ins"]
)
def test_unknown_spellings(spelling: str) -> None:
    assert tags.find(spelling) is None


def test_vocabulary_is_complete_and_unambiguous() -> None:
    slugs = [t.slug for t in tags.TAGS]
    assert len(slugs) == len(set(slugs)) == 41
    spellings = [s.casefold() for t in tags.TAGS for s in (t.slug, t.name, t.previous_name) if s]
    assert len(spellings) == len(set(spellings))


def test_resolve_all_dedupes_in_order() -> None:
    found = tags.resolve_all(["Walk-ins only", "walk_ins_only", "Vaccinating 65+"])
    assert [t.slug for t in found] == ["walk_ins_only", "vaccinating_65_plus"]


def test_resolve_all_names_every_unknown_tag() -> None:
    with pytest.raises(BadRequest) as caught:
        tags.resolve_all(["walk_ins_only", "Yes: free donuts", "maybe"])
    assert "'Yes: free donuts'" in caught.value.description
    assert "'maybe'" in caught.value.description
    assert caught.value.description.startswith("Availability")
