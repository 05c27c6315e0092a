"""Count Firestore RPCs and documents read by a client, with a gRPC client interceptor.

`counting_client` is a Firestore client whose emulator channel goes through an `RpcCounter`,
so every call the code under test makes is seen, not estimated. Queries are also recorded as
plain values (`index_scan.Query`) for the index-order replay.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import grpc

from tools.bench.index_scan import Filter, Query

OPERATORS = {
    "LESS_THAN": "<",
    "LESS_THAN_OR_EQUAL": "<=",
    "GREATER_THAN": ">",
    "GREATER_THAN_OR_EQUAL": ">=",
    "EQUAL": "==",
    "ARRAY_CONTAINS": "array-contains",
    "IN": "in",
    "ARRAY_CONTAINS_ANY": "array-contains-any",
}


class RpcCounter(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """RPCs by method, documents returned, and the structured queries sent."""

    def __init__(self, *, record_queries: bool = True) -> None:
        # A simulated week sends some 500,000 queries: it counts them, and keeps none.
        self.record_queries = record_queries
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.rpcs: Counter[str] = Counter()
            self.documents = 0
            self.queries: list[Query] = []
            # [start, end] of each RPC (perf_counter): their longest chain is the round trips.
            self.intervals: list[list[float]] = []

    @property
    def total_rpcs(self) -> int:
        return sum(self.rpcs.values())

    @property
    def round_trips(self) -> int:
        """The most RPCs of these that ran one after another (each began after the last ended):
        the sequential round trips, with RPCs that overlapped counted once."""
        with self._lock:
            spans = sorted((end, start) for start, end in self.intervals)
        chain, last_end = 0, float("-inf")
        for end, start in spans:
            if start >= last_end:
                chain, last_end = chain + 1, end
        return chain

    def _started(self) -> list[float]:
        span = [time.perf_counter(), float("inf")]
        if self.record_queries:
            with self._lock:
                self.intervals.append(span)
        return span

    def _request(self, method: str, request: Any) -> None:
        name = method.rsplit("/", 1)[-1]
        with self._lock:
            self.rpcs[name] += 1
            if name == "RunQuery" and self.record_queries:
                self.queries.append(plain_query(request))

    def _response(self, response: Any) -> None:
        pb = type(response).pb(response)
        # RunQuery answers `document`, BatchGetDocuments `found` (or `missing`).
        read = any(
            pb.HasField(f) for f in ("document", "found") if f in pb.DESCRIPTOR.fields_by_name
        )
        if read:
            with self._lock:
                self.documents += 1

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self._request(details.method, request)
        span = self._started()
        # The client's blocking calls return once the answer is in.
        outcome = continuation(details, request)
        span[1] = time.perf_counter()
        return outcome

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        self._request(details.method, request)
        return _Counted(continuation(details, request), self, self._started())


class _Counted:
    """A streaming call that counts each response as it is consumed (and is still the call)."""

    def __init__(self, call: Any, counter: RpcCounter, span: list[float]) -> None:
        self._call = call
        self._counter = counter
        self._span = span

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            response = next(self._call)
        finally:
            # Ends at the last response read (or the end of the stream).
            self._span[1] = time.perf_counter()
        self._counter._response(response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


def counting_client(project: str, counter: RpcCounter, *, single_threaded: bool = False) -> Any:
    """A Firestore client (emulator only) whose every RPC goes through `counter`.

    `single_threaded`: each streaming RPC (RunQuery, BatchGetDocuments) is driven by the
    thread that reads it, instead of a thread started for each call (gRPC's
    SingleThreadedUnaryStream): the same answers for about a fifth less CPU per query
    (docs/simulation.md).
    """
    from google.cloud import firestore

    class CountingClient(firestore.Client):
        def _emulator_channel(self, transport: Any) -> Any:
            if single_threaded:
                from google.cloud.firestore_v1.base_client import _GRPC_MSG_SIZE_OPTIONS
                from grpc.experimental import ChannelOptions

                options = [
                    ("Authorization", "Bearer owner"),
                    *_GRPC_MSG_SIZE_OPTIONS,
                    (ChannelOptions.SingleThreadedUnaryStream, 1),
                ]
                channel = grpc.insecure_channel(self._emulator_host, options=options)
            else:
                channel = super()._emulator_channel(transport)  # type: ignore[no-untyped-call]
            return grpc.intercept_channel(channel, counter)

    return CountingClient(project=project)


def plain_query(request: Any) -> Query:
    """A RunQuery request's structured query as plain values."""
    pb = type(request).pb(request).structured_query
    filters: list[Filter] = []
    where = pb.where
    if where.HasField("composite_filter"):
        parts = [f.field_filter for f in where.composite_filter.filters]
    elif where.HasField("field_filter"):
        parts = [where.field_filter]
    else:
        parts = []
    for part in parts:
        op = type(part).Operator.Name(part.op)
        filters.append(Filter(part.field.field_path, OPERATORS.get(op, op), _value(part.value)))
    return Query(
        collection=pb.from_[0].collection_id if len(pb.from_) else "",
        filters=tuple(filters),
        order_by=tuple(o.field.field_path for o in pb.order_by),
        limit=pb.limit.value if pb.HasField("limit") else None,
    )


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value_type")
    if kind == "timestamp_value":
        return value.timestamp_value.ToDatetime(tzinfo=UTC)
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "null_value":
        return None
    return getattr(value, kind)
