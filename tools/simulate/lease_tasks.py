"""Cloud Tasks on simulated time: the lease tasks the functions create, delivered by the harness."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.simulate.functions import Functions

# Where lease tasks point (only this harness delivers them; nothing listens there).
FUNCTIONS_BASE = "http://simulate.invalid/functions"
# Cloud Tasks' retry policy as deploy.sh sets it.
TASK_MIN_BACKOFF = 10.0
TASK_MAX_BACKOFF = 600.0
TASK_MAX_DOUBLINGS = 5
TASK_MAX_ATTEMPTS = 20
# Delivered tasks the emulator may still list before the queue is compacted.
COMPACT_AT = 400
# The longest simulated time between two listings of the Tasks queue.
RELIST = timedelta(minutes=10)


@dataclass
class TaskState:
    attempts: int = 0
    next_try: datetime | None = None


@dataclass
class Dispatcher:
    """Cloud Tasks' dispatch on simulated time, over the real Tasks emulator.

    The queue is paused, so the emulator itself never dispatches. When a task can be due it
    lists the queue (ListTasks) and delivers each task whose schedule_time has passed to
    expireClaim with Cloud Tasks' headers; a non-2xx answer is retried with the queue's backoff
    (deploy.sh). The emulator has no DeleteTask: a delivered task is remembered as done, and now
    and then the queue is compacted (PurgeQueue, then CreateTask of every task not done) while
    the harness is its only writer.

    Listing is skipped while nothing can be due: the functions' Tasks client tells `created`
    the schedule of every task it creates (`watch_creations`), so the earliest due moment is
    known between two listings, and a tick before it costs nothing. A listing at least every
    `RELIST` of simulated time guards against a creation not seen.
    """

    client: Any
    queue_path: str
    functions: Functions
    lose_tasks: bool = False
    states: dict[str, TaskState] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    delivered: int = 0
    retried: int = 0
    lost: int = 0
    compactions: int = 0
    listings: int = 0
    # The earliest moment a listed or newly created task comes due (None: none known).
    next_due: datetime | None = None
    listed_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pause(self) -> None:
        self.client.pause_queue(name=self.queue_path)

    def resume(self) -> None:
        self.client.resume_queue(name=self.queue_path)

    def created(self, schedule: datetime) -> None:
        """A task was created (by the functions, in any thread) to come due at `schedule`."""
        with self._lock:
            if self.next_due is None or schedule < self.next_due:
                self.next_due = schedule

    def due(self) -> datetime | None:
        """When the next known task comes due (None: none known)."""
        with self._lock:
            return self.next_due

    def tick(self, now: datetime) -> datetime | None:
        """Deliver what is due; answers when the next task comes due (None: no task)."""
        with self._lock:
            due_next = self.next_due
        fresh = self.listed_at is not None and now - self.listed_at < RELIST
        if fresh and (due_next is None or due_next > now):
            return due_next
        return self._list_and_deliver(now)

    def _list_and_deliver(self, now: datetime) -> datetime | None:
        with self._lock:
            # Creations from here on lower what this listing finds.
            self.next_due = None
        self.listings += 1
        self.listed_at = now
        tasks = list(self.client.list_tasks(parent=self.queue_path))
        waiting: list[datetime] = []
        for task in tasks:
            if task.name in self.done:
                continue
            if not task.http_request.url.startswith(FUNCTIONS_BASE):
                continue  # another stack's task (a shared test emulator): not ours to deliver
            due = self._due(task)
            if due > now:
                waiting.append(due)
                continue
            if self.lose_tasks:
                self.done.add(task.name)
                self.lost += 1
            elif self._deliver(task, now):
                self.done.add(task.name)
                self.states.pop(task.name, None)
            else:
                waiting.append(self._due(task))
        found = min(waiting, default=None)
        if found is not None:
            self.created(found)
        with self._lock:
            return self.next_due

    def compact_if_due(self) -> None:
        """Compact the queue once enough delivered tasks pile up in it.

        Only between ticks: the compaction rewrites the queue, so nothing else may create tasks
        meanwhile (a task created between its listing and its purge would be lost)."""
        if len(self.done) >= COMPACT_AT:
            self.compact()

    def compact(self) -> None:
        tasks = list(self.client.list_tasks(parent=self.queue_path))
        self.client.purge_queue(name=self.queue_path)
        for task in tasks:
            if task.name not in self.done:
                self.client.create_task(parent=self.queue_path, task=_fresh(task))
        self.done.clear()
        self.compactions += 1

    def _due(self, task: Any) -> datetime:
        state = self.states.get(task.name)
        if state is not None and state.next_try is not None:
            return state.next_try
        moment: datetime = task.schedule_time
        return moment.astimezone(UTC)

    def _deliver(self, task: Any, now: datetime) -> bool:
        state = self.states.setdefault(task.name, TaskState())
        short = task.name.rsplit("/", 1)[-1]
        headers = {
            "Content-Type": "application/json",
            "X-CloudTasks-QueueName": self.queue_path.rsplit("/", 1)[-1],
            "X-CloudTasks-TaskName": short,
            "X-CloudTasks-TaskRetryCount": str(state.attempts),
            "X-CloudTasks-TaskExecutionCount": str(state.attempts),
            "X-CloudTasks-TaskETA": f"{task.schedule_time.timestamp():.6f}",
            "User-Agent": "Google-Cloud-Tasks",
        }
        reply = self.functions.call(
            "expireClaim", "cloud-tasks", None, json_body=json.loads(task.http_request.body),
            headers=headers,
        )  # fmt: skip
        state.attempts += 1
        if 200 <= reply.status < 300:
            self.delivered += 1
            return True
        self.retried += 1
        if state.attempts >= TASK_MAX_ATTEMPTS:
            return True  # Cloud Tasks gives up too
        backoff = min(
            TASK_MIN_BACKOFF * 2 ** min(state.attempts - 1, TASK_MAX_DOUBLINGS), TASK_MAX_BACKOFF
        )
        state.next_try = now + timedelta(seconds=backoff)
        return False


def _fresh(task: Any) -> Any:
    """A task as CreateTask takes it again (name, schedule, request)."""
    from google.cloud import tasks_v2

    return tasks_v2.Task(
        name=task.name, schedule_time=task.schedule_time, http_request=task.http_request
    )


def tasks_client(host: str, *interceptors: Any) -> Any:
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    channel = grpc.intercept_channel(grpc.insecure_channel(host), *interceptors)
    return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))


class _Creations:
    """A gRPC interceptor that tells `seen` the schedule of every task created through it."""

    def __init__(self, seen: Callable[[datetime], None]) -> None:
        self.seen = seen

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        answer = continuation(details, request)
        if details.method.endswith("/CreateTask"):
            task = type(request).pb(request).task
            self.seen(task.schedule_time.ToDatetime(tzinfo=UTC))
        return answer


@contextmanager
def watch_creations(host: str, dispatcher: Dispatcher) -> Iterator[None]:
    """The functions' Tasks client, for the run, one that tells `dispatcher` what it creates."""
    import grpc

    from shared.adapters import tasks

    class Creations(_Creations, grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
        pass

    values = tasks._clients._values
    saved = values.get(host)
    values[host] = tasks_client(host, Creations(dispatcher.created))
    try:
        yield
    finally:
        if saved is not None:
            values[host] = saved
        else:
            values.pop(host, None)
