"""Measure the share of reports flagged for review per caller group on a running stack.

Against `make run` (or any stack named by the usual variables), over HTTP: callers in the
sampled group and callers in none submit reports on real places; the script prints, per
group, the reports sent, how many the sample flagged, the share and its setting, and checks
that listReviews lists exactly the flagged reports Firestore holds.

    .venv/bin/python -m tools.review_share --callers 20 --reports-each 15
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from shared.adapters import store
from shared.domain import review
from tools import accounts
from tools import stack as stacklib

PASSWORD = "review-share-pass"


def call(base: str, token: str, function: str, **kwargs: Any) -> Any:
    method = "GET" if "params" in kwargs else "POST"
    reply = requests.request(
        method,
        f"{base}/{function}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        **kwargs,
    )
    reply.raise_for_status()
    return reply.json()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.review_share", description=__doc__)
    p.add_argument("--group", default="trainee", help="the sampled group to check")
    p.add_argument("--callers", type=int, default=20, help="callers per group")
    p.add_argument("--reports-each", type=int, default=15, help="reports per caller (≤ 20/min)")
    p.add_argument("--sampling", default="trainee=1, *=2%", help="the stack's REVIEW_SAMPLING")
    args = p.parse_args(argv)

    from google.cloud import firestore

    stack = stacklib.from_env()
    base = stack.functions_base
    db = firestore.Client(project=stack.project)
    staff_email = "review-share-staff@demo.callqueue.test"
    accounts.ensure_user(staff_email, PASSWORD, ["staff"], stack.project)
    staff = accounts.sign_in(staff_email, PASSWORD, stack.auth_host)
    groups = {args.group: [args.group], "*": []}
    callers: dict[str, list[tuple[str, str]]] = {}
    for name, member_of in groups.items():
        label = "none" if name == "*" else name
        for n in range(args.callers):
            email = f"review-share-{label}-{n}@demo.callqueue.test"
            uid = accounts.ensure_user(email, PASSWORD, ["caller"], stack.project)
            call(base, staff, "setCallerGroups", json={"uid": uid, "groups": member_of})
            callers.setdefault(name, []).append(
                (uid, accounts.sign_in(email, PASSWORD, stack.auth_host))
            )
    needed = args.callers * args.reports_each
    # The imported snapshot's places, not the demo's generated ones.
    every = (s.id for s in db.collection(store.LOCATIONS).select([]).stream())
    places = [i for i in every if not i.startswith("demo")][:needed]
    print(
        f"{len(places)} places; {args.callers} callers per group; {args.reports_each} reports each"
    )

    def send(job: tuple[str, int]) -> str:
        token, place = job[0], places[job[1] % len(places)]
        body = {"Location": place, "Availability": ["walk_ins_only"], "Notes": "review share check"}
        created: str = call(base, token, "submitReport", json=body)["created"][0]
        return created

    sent: dict[str, list[str]] = {}
    with ThreadPoolExecutor(8) as pool:
        for name, members in callers.items():
            jobs = [
                (t, i * args.reports_each + k)
                for i, (_, t) in enumerate(members)
                for k in range(args.reports_each)
            ]
            sent[name] = list(pool.map(send, jobs))

    rules = review.parse_sampling(args.sampling)
    flagged_ids: set[str] = set()
    print(f"{'group':<10} {'setting':>8} {'reports':>8} {'flagged':>8} {'share':>7}  95% range")
    for name, ids in sent.items():
        refs = [db.collection(store.REPORTS).document(i) for i in ids]
        docs = [s.to_dict() or {} for s in db.get_all(refs)]
        flagged = [
            d
            for d in docs
            if any(r.startswith(review.SAMPLE_PREFIX) for r in d.get("review_reasons", []))
        ]
        flagged_ids |= {
            i for i, d in zip(ids, docs, strict=True) if d.get("review_status") == "pending"
        }
        rule = rules.share(groups[name])
        share = rule[1] if rule else 0.0
        spread = 1.96 * math.sqrt(share * (1 - share) / len(ids))
        measured = len(flagged) / len(ids)
        low, high = max(0.0, share - spread), min(1.0, share + spread)
        print(
            f"{name:<10} {share:>8.1%} {len(ids):>8} {len(flagged):>8} {measured:>7.1%}"
            f"  {low:.1%}–{high:.1%}"
        )
    listed: set[str] = set()
    token: str | None = None
    while True:
        params = {"limit": "100", **({"page_token": token} if token else {})}
        page = call(base, staff, "listReviews", params=params)
        listed |= {r["report_id"] for r in page["reviews"]}
        token = page["next_page_token"]
        if not token:
            break
    missing = flagged_ids - listed
    print(
        f"listReviews: {len(listed)} pending; of this run's {len(flagged_ids)} flagged, "
        f"{len(missing)} missing"
    )
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
