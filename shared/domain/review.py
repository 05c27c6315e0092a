"""Which reports need a second look: the caller app's own request, and a deterministic sample
per caller group (REVIEW_SAMPLING, e.g. every report of a trainee and 2% of everyone else's)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

EVERYONE = "*"
# Why a report was flagged (a report's `review_reasons`).
CALLER_APP = "caller_app"
SAMPLE_PREFIX = "sample:"
# Hex digits of the hash read as a fraction: 52 bits, what a float holds exactly.
_DIGITS = 13


@dataclass(frozen=True)
class ReviewSampling:
    """Share of reports to flag per caller group; EVERYONE covers callers in none of them."""

    shares: tuple[tuple[str, float], ...] = ()

    def share(self, groups: Iterable[str]) -> tuple[str, float] | None:
        """The rule that applies to a caller in `groups`: the largest share among their
        groups that have one, else EVERYONE's; None when no rule applies."""
        table = dict(self.shares)
        mine = [(g, table[g]) for g in sorted(set(groups)) if g in table and g != EVERYONE]
        if mine:
            return max(mine, key=lambda rule: rule[1])
        if EVERYONE in table:
            return EVERYONE, table[EVERYONE]
        return None


def parse_sampling(text: str) -> ReviewSampling:
    """`trainee=1, *=2%` -> ReviewSampling; a share is a fraction in [0, 1] or a percentage.

    Raises ValueError naming the part it cannot read.
    """
    shares: dict[str, float] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        group, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not group:
            raise ValueError(f"{part!r}: write group=share, e.g. trainee=1 or *=2%")
        try:
            share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
        except ValueError:
            raise ValueError(f"{part!r}: {value!r} is not a number") from None
        if not 0 <= share <= 1:
            raise ValueError(f"{part!r}: a share is between 0 and 1 (or 0% and 100%)")
        if group.casefold() in shares:
            raise ValueError(f"{part!r}: group {group!r} is named twice")
        shares[group.casefold()] = share
    return ReviewSampling(tuple(sorted(shares.items())))


def sample_point(key: str) -> float:
    """Where `key` falls in [0, 1): the same key always falls at the same point."""
    digest = hashlib.sha256(f"review-sample:{key}".encode()).hexdigest()
    return int(digest[:_DIGITS], 16) / float(16**_DIGITS)


def review_reasons(
    asked: bool | None,
    asked_because: str | None,
    groups: Iterable[str],
    report_id: str,
    sampling: ReviewSampling,
) -> list[str]:
    """Why this report needs review (empty: it does not).

    The sample hashes the report's id, fixed before its transaction: a retried transaction
    decides the same way, and the share flagged follows the setting over many reports.
    """
    reasons: list[str] = []
    if asked or (asked_because or "").strip():
        reasons.append(CALLER_APP)
    rule = sampling.share(groups)
    if rule is not None and sample_point(report_id) < rule[1]:
        reasons.append(SAMPLE_PREFIX + rule[0])
    return reasons
