// The bulk-add loop against a fake server: chunks of 500, one bulk_id, cursors to the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHUNK, describeDryRun, describeResult, dryRun, write } from "../src/bulk.js";

function fakeApi(answer) {
  const calls = [];
  return {
    calls,
    post: async (name, body) => {
      calls.push({ name, body });
      return answer(body, calls.length);
    },
  };
}

const ids = (n) => Array.from({ length: n }, (_, i) => `loc-${i}`);

test("ids go in chunks of 500, every call after the first naming the first one's bulk_id", async () => {
  const api = fakeApi((body, n) => ({
    added: body.location_ids.length - 1,
    already_queued: 1,
    needs_attention: 0,
    matched: body.location_ids.length,
    not_found: [],
    reason: "Stale report",
    bulk_id: `bulk-${n}`,
  }));
  const seen = [];
  const totals = await write(
    api,
    { reason: "stale report", priorityGroup: 2, ids: ids(1234) },
    (t) => seen.push(t.matched),
  );
  assert.deepEqual(
    api.calls.map((c) => c.body.location_ids.length),
    [CHUNK, CHUNK, 234],
  );
  assert.deepEqual(
    api.calls.map((c) => c.body.bulk_id),
    [null, "bulk-1", "bulk-1"],
  );
  assert.ok(
    api.calls.every(
      (c) => c.name === "bulkEnqueue" && c.body.priority_group === 2 && !c.body.dry_run,
    ),
  );
  assert.deepEqual(seen, [500, 1000, 1234]);
  assert.equal(totals.added, 1231);
  assert.equal(totals.already_queued, 3);
  assert.equal(totals.bulk_id, "bulk-1");
  assert.equal(
    describeResult(totals),
    "Added 1,231 locations with reason Stale report; 3 were already queued; 0 need attention.",
  );
});

test("a filter is written cursor by cursor until the server says it is done", async () => {
  const cursors = ["c1", "c2", null];
  const api = fakeApi((body, n) => ({
    added: 500,
    already_queued: 0,
    needs_attention: 2,
    matched: 502,
    not_found: [],
    reason: "New",
    bulk_id: "b",
    next_cursor: cursors[n - 1],
  }));
  const filter = { county: "Fresno County", queued: false };
  const totals = await write(api, { reason: "New", priorityGroup: 99, filter }, () => {});
  assert.deepEqual(
    api.calls.map((c) => c.body.cursor),
    [null, "c1", "c2"],
  );
  assert.deepEqual(
    api.calls.map((c) => c.body.bulk_id),
    [null, "b", "b"],
  );
  assert.ok(api.calls.every((c) => c.body.filter === filter && c.body.limit === CHUNK));
  assert.equal(totals.needs_attention, 6);
  assert.equal(totals.raised, 0);
});

test("raised places are summed and reported apart from those already queued", async () => {
  const api = fakeApi(() => ({
    added: 1,
    raised: 2,
    already_queued: 1,
    needs_attention: 0,
    matched: 4,
    not_found: [],
    reason: "Eva tip",
    priority_group: 1,
    bulk_id: "b",
  }));
  const totals = await write(api, { reason: "Eva tip", priorityGroup: 1, ids: ids(4) }, () => {});
  assert.equal(
    describeResult(totals),
    "Added 1 location with reason Eva tip; 2 already queued were raised to group 1; 1 was already queued; 0 need attention.",
  );
});

test("a dry run writes nothing and describes what would happen", async () => {
  const api = fakeApi((body) => ({
    added: 7,
    raised: 2,
    already_queued: 1,
    needs_attention: 1,
    matched: 9,
    not_found: ["gone"],
    reason: "Eva tip",
    dry_run: body.dry_run,
  }));
  const action = { reason: "eva tip", priorityGroup: 1, ids: ids(9) };
  const totals = await dryRun(api, action);
  assert.ok(api.calls.every((c) => c.body.dry_run === true));
  assert.equal(
    describeDryRun(totals, action),
    "Of 9 selected locations: 7 will be added to the queue with reason “Eva tip” in group 1; 2 already queued will be raised to group 1; 1 is already queued; 1 needs attention; 1 no longer exist.",
  );
});
