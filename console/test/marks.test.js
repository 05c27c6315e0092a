// The do-not-call loop against a fake server: ids in chunks of 500, a filter to its last cursor.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHUNK, applyMark, describeMark } from "../src/marks.js";

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

test("ids go in chunks of 500 with the reason; totals add up", async () => {
  const api = fakeApi((body) => ({
    matched: body.location_ids.length,
    changed: body.location_ids.length - 1,
    unchanged: 1,
    closed: 2,
    not_found: [],
  }));
  const ids = Array.from({ length: 1001 }, (_, i) => `loc-${i}`);
  const totals = await applyMark(api, { action: "do_not_call", reason: "Closed", ids });
  assert.deepEqual(
    api.calls.map((c) => c.body.location_ids.length),
    [CHUNK, CHUNK, 1],
  );
  assert.ok(api.calls.every((c) => c.name === "updateLocations" && c.body.reason === "Closed"));
  assert.deepEqual(totals, { matched: 1001, changed: 998, unchanged: 3, closed: 6, not_found: [] });
  assert.equal(
    describeMark(totals, { action: "do_not_call" }),
    "Of 1,001 selected locations: 998 were marked do-not-call; 3 already were; 6 open queue entries were closed.",
  );
});

test("a filter is walked with its cursor; callable sends no reason", async () => {
  const api = fakeApi((body, n) => ({
    matched: 500,
    changed: 500,
    next_cursor: n < 3 ? `c${n}` : null,
  }));
  const totals = await applyMark(
    api,
    { action: "callable", filter: { county: "Kings" } },
    () => {},
    true,
  );
  assert.deepEqual(
    api.calls.map((c) => [c.body.cursor, c.body.limit, c.body.dry_run, "reason" in c.body]),
    [
      [null, CHUNK, true, false],
      ["c1", CHUNK, true, false],
      ["c2", CHUNK, true, false],
    ],
  );
  assert.equal(totals.changed, 1500);
  assert.equal(
    describeMark(totals, { action: "callable" }, true),
    "Of 1,500 selected locations: 1,500 will be made callable again.",
  );
});
