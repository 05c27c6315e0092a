"""callerStatistics: the Firestore queries one page of callers costs, counted by a gRPC interceptor.

Each of `callers` callers claims and reports `calls` times over HTTP (the real paths, so
whatever those keep for the statistics is there); then one page of them is read through a
counting client. Queries are RunQuery and RunAggregationQuery RPCs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from tools import stack as stacklib
from tools.bench.common import functions_server

PASSWORD = "bench-stats-pass"
QUERY_RPCS = ("RunQuery", "RunAggregationQuery")
HEADER = f"{'callers':>7} {'page':>5} {'queries':>8} {'rpcs':>5} {'reads':>6}"


def run(stack: stacklib.Stack, callers: int = 20, calls: int = 2) -> dict[str, Any]:
    """Fill the history, then count one page's queries; answers the figures."""
    from shared.adapters import store
    from shared.services.staff import caller_statistics
    from tools.bench.contention import _fill
    from tools.bench.rpc_count import RpcCounter, counting_client

    db = store.client(stack.project)
    _fill(db, callers * calls)
    tokens = _tokens(stack, callers)
    with functions_server(stack, "bench-stats") as base:
        for _ in range(calls):
            for token in tokens:
                _claim_and_report(base, token)
    counter = RpcCounter()
    counted = counting_client(stack.project, counter)
    query = caller_statistics.CallerStatisticsQuery(limit=callers)
    page = caller_statistics.caller_statistics(counted, query, datetime.now(UTC))
    assert len(page["callers"]) == callers, page
    assert all(row["completed"] == calls for row in page["callers"]), page
    queries = sum(counter.rpcs[name] for name in QUERY_RPCS)
    result = {
        "callers": callers,
        "calls_each": calls,
        "queries_per_page": queries,
        "rpcs_per_page": counter.total_rpcs,
        "documents_read": counter.documents,
    }
    print(
        f"{callers:>7} {callers:>5} {queries:>8} {counter.total_rpcs:>5} {counter.documents:>6}",
        flush=True,
    )
    return result


def _tokens(stack: stacklib.Stack, count: int) -> list[str]:
    from tools.accounts import ensure_user, sign_in

    tokens = []
    for i in range(count):
        email = f"bench-stats-{i}@bench.callqueue.test"
        ensure_user(email, PASSWORD, ["caller"], stack.project)
        tokens.append(sign_in(email, PASSWORD, stack.auth_host))
    return tokens


def _claim_and_report(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    claim = requests.post(
        f"{base}/requestCall", params={"state": "all"}, headers=headers, timeout=60
    )
    claim.raise_for_status()
    report = {"Location": claim.json()["id"], "Availability": ["Yes: walk-ins accepted"]}
    requests.post(
        f"{base}/submitReport", json=report, headers=headers, timeout=60
    ).raise_for_status()
