"""One simulated run end to end: stack, production settings, data, the week, checks, figures."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from typing import Any

from tools import services
from tools.simulate import checks, engine, lease_tasks, production
from tools.soak.invariants import EntryState, Hold

PROJECT = "demo-simulate"


@contextmanager
def emulators() -> Iterator[tuple[str, str]]:
    """The emulators the environment names (a test session's), else our own on free ports.

    Answers the project id and the Tasks emulator's host."""
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or PROJECT
    saved = dict(os.environ)
    started = services.start_stack(project)
    try:
        os.environ.update(started.stack.env())
        yield project, started.stack.tasks_host
    finally:
        started.stop()
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def counted(project: str) -> Iterator[Any]:
    """The functions' Firestore client counts its reads for the run; the previous one after."""
    from shared.adapters import store

    values = store._clients._values
    saved = values.get(project)
    counter = production.counted_store(project)
    try:
        yield counter
    finally:
        if saved is not None:
            values[project] = saved
        else:
            values.pop(project, None)


def run(options: engine.Options) -> dict[str, Any]:
    """Run the simulation; answers the figures, violations (counts and examples) and timings."""
    began = time.perf_counter()
    timings: dict[str, float] = {}
    with emulators() as (project, tasks_host):
        settings = production.production_settings(options.provoke)
        with production.environment(settings), counted(project) as counter:
            from tools.demo import clear

            sim = engine.Simulation(options, project, tasks_host, counter)
            clear(sim.db)
            production.fresh_instances()
            log = services.LOGS / "simulate-functions.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with (
                log.open("w") as out,
                redirect_stdout(out),
                sim.clock.installed(),
                lease_tasks.watch_creations(tasks_host, sim.dispatcher),
                production.provoked(options.provoke),
            ):
                sim.dispatcher.pause()
                try:
                    mark = time.perf_counter()
                    imported = sim.load_places()
                    sim.make_people()
                    sim.setup_queues()
                    sim.initial_queue()
                    timings["setup_seconds"] = time.perf_counter() - mark
                    # What the setup built (places, their truths, clients) lives for the whole
                    # run: the collector's full passes need not walk it again and again.
                    gc.freeze()
                    mark = time.perf_counter()
                    sim.run()
                    sim.settle()
                    timings["week_seconds"] = time.perf_counter() - mark
                    mark = time.perf_counter()
                    history = collect(sim, imported)
                finally:
                    gc.unfreeze()
                    sim.dispatcher.resume()
            found = checks.violations(history)
            timings["check_seconds"] = time.perf_counter() - mark
            # Everything stored about a doubly held place, while the emulators still hold it.
            records = _records_of(sim, found["double_hold"][:5])
    days = checks.figures(history)
    return {
        "days": days,
        "violations": {name: len(found[name]) for name in checks.VIOLATIONS},
        "wall_seconds": round(time.perf_counter() - began, 1),
        "examples": {name: found[name][:5] for name in checks.VIOLATIONS if found[name]},
        "run": {
            "options": {k: str(v) for k, v in options.__dict__.items()},
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "places": imported,
            "requests": len(sim.functions.calls),
            "attempts": len(history.holds),
            "actions": dict(sorted(sim.record.actions.items())),
            "tasks": {
                "delivered": sim.dispatcher.delivered,
                "retried": sim.dispatcher.retried,
                "lost": sim.dispatcher.lost,
                "listings": sim.dispatcher.listings,
            },
            "answers": _answers(sim),
            "median_ms": _latency(sim),
            "provoked": sim.record.provoked,
            "loop_seconds": {k: round(v, 1) for k, v in sorted(sim.record.seconds.items())},
            **{k: round(v, 1) for k, v in timings.items()},
        },
        **({"double_hold_records": records} if records else {}),
    }


def _records_of(sim: engine.Simulation, examples: list[str]) -> dict[str, Any]:
    """For each place (or entry) a double-hold example names: its entries, their attempts and
    changes, its reports, and every request about it, as stored and as answered."""
    import re

    from google.cloud.firestore_v1.base_query import FieldFilter

    db = sim.db
    out: dict[str, Any] = {}
    for example in examples:
        named = re.match(r"(location|entry) (\S+):", example)
        if named is None:
            continue
        kind, key = named.groups()
        field = "location_id" if kind == "location" else "entry_id"
        entries = (
            [
                s
                for s in db.collection("entries")
                .where(filter=FieldFilter(field, "==", key))
                .stream()
            ]
            if kind == "location"
            else [db.collection("entries").document(key).get()]
        )
        ids = [e.id for e in entries if e.exists]
        location = key if kind == "location" else (entries[0].to_dict() or {}).get("location_id")

        def where(collection: str, name: str, value: Any) -> list[dict[str, Any]]:
            query = db.collection(collection).where(filter=FieldFilter(name, "==", value))
            return [{"id": s.id, **(s.to_dict() or {})} for s in query.stream()]

        out[example] = {
            "entries": [{"id": e.id, **(e.to_dict() or {})} for e in entries if e.exists],
            "attempts": [a for i in ids for a in where("attempts", "entry_id", i)],
            "changes": [c for i in ids for c in where("entry_changes", "entry_id", i)],
            "reports": where("reports", "location_id", location),
            "calls": [
                c.__dict__ for c in sim.functions.calls
                if c.location_id == location or c.entry_id in ids
            ],
        }  # fmt: skip
    return out


def _latency(sim: engine.Simulation) -> dict[str, float]:
    """Median wall milliseconds per function (where the week's time goes)."""
    from tools.bench.common import percentile

    by: dict[str, list[float]] = {}
    for c in sim.functions.calls:
        by.setdefault(c.function, []).append(c.ms)
    return {f: round(percentile(ms, 0.5), 1) for f, ms in sorted(by.items())}


def _answers(sim: engine.Simulation) -> dict[str, int]:
    from collections import Counter

    counted = Counter(
        f"{c.function} {c.status}" + (f" {c.error}" if c.error else "") for c in sim.functions.calls
    )
    return dict(sorted(counted.items()))


def collect(sim: engine.Simulation, locations: int) -> checks.History:
    """Read what the week left in Firestore, and ask callerStats for every caller."""
    from shared.domain import cells, selection
    from shared.domain.models import Attempt, Entry, Queue, Report
    from shared.services.caller import calls

    db = sim.db
    now = sim.now
    holds = [
        Hold(a.entry_id, a.claim_seq, a.location_id, a.holder, a.claimed_at, a.claimed_until,
             a.outcome, a.ended_at)
        for s in db.collection("attempts").stream()
        if (a := engine._load(Attempt, s)) is not None
    ]  # fmt: skip
    stored = [e for s in db.collection("entries").stream() if (e := engine._load(Entry, s))]
    states = [
        EntryState(e.id, e.location_id, e.open, e.needs_attention, e.vest_at, e.available_at,
                   e.claimed_until, e.outcome, e.previous_entry_id)
        for e in stored
    ]  # fmt: skip
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    flags: dict[str, list[tuple[str, datetime]]] = {}
    for s in db.collection("entry_changes").select(["event", "at", "entry_id", "until"]).stream():
        data = s.to_dict() or {}
        if data.get("event") == "defer" and data.get("until") is not None:
            spans.setdefault(str(data.get("entry_id")), []).append((data["at"], data["until"]))
        if data.get("event") in ("flag", "resume"):
            flags.setdefault(str(data.get("entry_id")), []).append((data["event"], data["at"]))
    queued = [
        checks.QueuedEntry(e.id, e.location_id, e.queue, e.priority_group, e.added_at,
                           e.closed_at, e.bulk_id, e.reason, e.vest_at,
                           tuple(sorted(spans.get(e.id, []))),
                           checks.flag_spans(flags.get(e.id, [])))
        for e in stored
    ]  # fmt: skip
    guards = {
        s.id: str((s.to_dict() or {}).get("entry_id"))
        for s in db.collection("open_entries").stream()
    }
    cell = cells.cell_label(0, 0)
    drawable = {
        e.id
        for group in selection.groups_in_order()
        for e in calls.draw_cell(db, group, None, now, cell, 100_000)
    }
    defers: list[datetime] = []
    deferred: set[str] = set()
    for s in db.collection("entry_changes").select(["event", "at", "entry_id"]).stream():
        data = s.to_dict() or {}
        if data.get("event") == "defer":
            defers.append(data["at"])
            deferred.add(str(data.get("entry_id")))
    reports = {
        r.id: (r.location_id, r.reported_by, r.created_at)
        for s in db.collection("reports").stream()
        if (r := engine._load(Report, s)) is not None
    }
    refills = [
        checks.Refill(str(d.get("queue")), d["at"], int(d.get("added") or 0), d.get("bulk_id"))
        for s in db.collection("backfills").stream()
        if (d := s.to_dict() or {})
    ]
    queues = [q for s in db.collection("queues").stream() if (q := engine._load(Queue, s))]
    stats = {}
    for p in sim.callers:
        reply = sim.functions.call("callerStats", p.uid, p.token, method="GET")
        stats[p.uid] = int(reply.body["total"]) if reply.status == 200 else -1
    return checks.History(
        start=sim.start,
        end=sim.end,
        holds=holds,
        states=states,
        entries=queued,
        guards=guards,
        drawable=drawable,
        deferred=deferred,
        defers=defers,
        reports=reports,
        refills=refills,
        backfill_min={q.id: q.backfill_min for q in queues},
        calls=list(sim.functions.calls),
        accepted={k: set(v) for k, v in sim.record.accepted.items()},
        stats=stats,
        truths=sim.truths,
        default_window=sim.default_spans,
        inversions=_unique(sim.record.inversions),
        callers={p.uid for p in sim.callers},
        urgent_bulk_ids=set(sim.record.urgent_bulk_ids),
        reads_at=list(sim.record.reads_at),
        locations=locations,
        peak=sim.options.callers,
        checked_at=now,
    )


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))
