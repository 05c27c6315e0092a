"""Which reports are flagged for review: the caller app's request and sampling per group."""

from __future__ import annotations

import pytest

from shared.domain import review
from shared.domain.review import ReviewSampling, parse_sampling

DEFAULT = parse_sampling("trainee=1, *=2%")


@pytest.mark.parametrize(
    ("text", "shares"),
    [
        ("trainee=1,*=0.02", (("*", 0.02), ("trainee", 1.0))),
        ("Trainee = 100% ; * = 2%", (("*", 0.02), ("trainee", 1.0))),
        ("", ()),
        ("*=0", (("*", 0.0),)),
        ("new=0.5,", (("new", 0.5),)),
    ],
)
def test_sampling_settings_are_read(text: str, shares: tuple[tuple[str, float], ...]) -> None:
    assert parse_sampling(text).shares == shares


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("trainee", "write group=share"),
        ("=1", "write group=share"),
        ("trainee=lots", "is not a number"),
        ("trainee=1.5", "between 0 and 1"),
        ("trainee=-1%", "between 0 and 1"),
        ("a=1,A=0", "named twice"),
    ],
)
def test_bad_sampling_settings_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_sampling(text)


@pytest.mark.parametrize(
    ("groups", "rule"),
    [
        ([], ("*", 0.02)),
        (["spanish"], ("*", 0.02)),
        (["trainee"], ("trainee", 1.0)),
        (["spanish", "trainee"], ("trainee", 1.0)),
    ],
)
def test_the_rule_for_a_caller_is_their_groups_largest_share(
    groups: list[str], rule: tuple[str, float]
) -> None:
    assert DEFAULT.share(groups) == rule


def test_a_caller_in_no_named_group_and_no_everyone_rule_is_never_sampled() -> None:
    assert ReviewSampling((("trainee", 1.0),)).share(["spanish"]) is None
    assert review.review_reasons(False, None, ["spanish"], "r1", parse_sampling("trainee=1")) == []


@pytest.mark.parametrize(
    ("asked", "because", "groups", "expected"),
    [
        (True, None, [], [review.CALLER_APP]),
        (None, "Hours look wrong", [], [review.CALLER_APP]),
        (False, "  ", [], []),
        (None, None, ["trainee"], ["sample:trainee"]),
        (True, "new caller", ["trainee"], [review.CALLER_APP, "sample:trainee"]),
    ],
)
def test_why_a_report_is_flagged(
    asked: bool | None, because: str | None, groups: list[str], expected: list[str]
) -> None:
    never_sampled = parse_sampling("trainee=1, *=0")
    assert review.review_reasons(asked, because, groups, "some-id", never_sampled) == expected


def test_the_sample_is_a_deterministic_function_of_the_report_id() -> None:
    ids = [f"report-{n}" for n in range(20_000)]
    first = [review.review_reasons(None, None, [], i, DEFAULT) for i in ids]
    again = [review.review_reasons(None, None, [], i, DEFAULT) for i in ids]
    assert first == again
    share = sum(1 for r in first if r) / len(ids)
    # 2% of 20,000: 400 expected, standard deviation about 20.
    assert 0.017 < share < 0.023, share
    assert {tuple(r) for r in first} == {(), ("sample:*",)}


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 1.0])
def test_sample_points_spread_evenly(share: float) -> None:
    points = [review.sample_point(str(n)) for n in range(10_000)]
    assert all(0 <= p < 1 for p in points)
    below = sum(1 for p in points if p < share) / len(points)
    assert abs(below - share) < 0.02
