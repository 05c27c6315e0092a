"""Cloud Tasks adapter: schedule the clean-up of a lease at its end.

Correctness never depends on these tasks (an ended lease is available to the next draw);
they make history, statistics and the holder field tell the truth soon after expiry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.adapters.config import Settings
from shared.base import logs
from shared.base.clock import iso
from shared.base.lazy import PerProcess

if TYPE_CHECKING:
    from google.cloud.tasks_v2 import CloudTasksClient

FAILURE_COUNTER = "lease_task_failures"

_clients: PerProcess[CloudTasksClient] = PerProcess()


def task_id(entry_id: str, claim_seq: int, claimed_until: datetime) -> str:
    """Task name from (entry, claim sequence, lease end) through a hash.

    A retried enqueue of the same lease gets the same name, which Cloud Tasks deduplicates;
    hashed names are also not sequential, which Cloud Tasks needs for throughput.
    """
    key = f"{entry_id}:{claim_seq}:{iso(claimed_until)}"
    return "lease-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def expiry_payload(entry_id: str, claim_seq: int, claimed_until: datetime) -> dict[str, Any]:
    return {"entry_id": entry_id, "claim_seq": claim_seq, "claimed_until": iso(claimed_until)}


def client(settings: Settings) -> CloudTasksClient:
    """One Cloud Tasks client per process (an insecure channel to the emulator locally)."""

    def build() -> CloudTasksClient:
        from google.cloud import tasks_v2

        if not settings.tasks_emulator_host:
            return tasks_v2.CloudTasksClient()
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(settings.tasks_emulator_host)
        return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))

    return _clients.get(settings.tasks_emulator_host or "production", build)


def schedule_expiry(
    settings: Settings, entry_id: str, claim_seq: int, claimed_until: datetime
) -> bool:
    """Ask Cloud Tasks to call expireClaim at the lease's end; False (logged) if it could not."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    request: dict[str, Any] = {
        "http_method": tasks_v2.HttpMethod.POST,
        "url": f"{settings.base_url}/expireClaim",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(expiry_payload(entry_id, claim_seq, claimed_until)).encode(),
    }
    if not settings.tasks_emulator_host:
        request["oidc_token"] = {
            "service_account_email": settings.task_service_account,
            "audience": settings.task_audience,
        }
    task = tasks_v2.Task(
        name=f"{settings.queue_path}/tasks/{task_id(entry_id, claim_seq, claimed_until)}",
        schedule_time=claimed_until,
        http_request=tasks_v2.HttpRequest(**request),
    )
    try:
        client(settings).create_task(
            parent=settings.queue_path,
            task=task,
            retry=None,
            timeout=settings.tasks_timeout_seconds,
        )
    except AlreadyExists:
        return True
    except Exception as exc:
        # The claim stands: the lease still ends by itself; only the prompt clean-up is lost.
        logs.warning(
            "lease expiry task not scheduled",
            counter=FAILURE_COUNTER,
            entry_id=entry_id,
            claim_seq=claim_seq,
            claimed_until=iso(claimed_until),
            error=repr(exc)[:500],
        )
        return False
    return True
