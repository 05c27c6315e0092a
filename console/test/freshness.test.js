// Freshness figures in words: shares, ages, the forecast, refreshQueue's answer, the form.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  describeFilter,
  describeForecast,
  describeOldest,
  describeRefresh,
  headlineText,
  historySeries,
  percent,
  setKeys,
  span,
  targetBody,
} from "../src/freshness.js";

const AS_OF = "2026-11-29T12:00:00Z";

test("a share as a percent never rounds up to all, nor down to none", () => {
  const cases = [
    [0.83, "83%"],
    [0.825, "83%"],
    [1, "100%"],
    [0.996, "99%"],
    [0, "0%"],
    [0.001, "1%"],
    [null, "–"],
  ];
  for (const [share, text] of cases) assert.equal(percent(share), text, String(share));
});

test("the headline", () => {
  assert.equal(
    headlineText({ places: 5000, within: 4150, share_within: 0.83, overdue: 41 }),
    "83% of places within target; 41 overdue",
  );
  assert.equal(
    headlineText({ places: 9000, within: 7000, share_within: 7000 / 9000, overdue: 2000 }),
    "78% of places within target; 2,000 overdue",
  );
});

test("spans of time", () => {
  const cases = [
    [0, "0 min"],
    [-5_000, "0 min"],
    [45 * 60_000, "45 min"],
    [3 * 3_600_000, "3 h"],
    [(3 * 60 + 20) * 60_000, "3 h 20 min"],
    [47 * 3_600_000, "47 h"],
    [52 * 3_600_000, "2 d 4 h"],
    [72 * 3_600_000, "3 d"],
  ];
  for (const [ms, text] of cases) assert.equal(span(ms), text, String(ms));
});

test("a filter in words", () => {
  const cases = [
    [{}, "All places"],
    [undefined, "All places"],
    [{ state: "CA" }, "state CA"],
    [
      { state: "CA", county: "Fresno County", location_type: "Pharmacy", q: "rite" },
      "state CA, county Fresno County, type Pharmacy, name starts with “rite”",
    ],
    [{ affiliation: "Rite Aid", queued: false }, "affiliation Rite Aid, not queued"],
    [{ callable_state: "do_not_call" }, "callable: do not call"],
  ];
  for (const [filter, text] of cases) assert.equal(describeFilter(filter), text);
});

test("the oldest report, and the places never reported on", () => {
  const figures = (over) => ({ places: 10, oldest_report_at: null, never_reported: 0, ...over });
  const cases = [
    [figures({ oldest_report_at: "2026-11-24T09:00:00Z" }), "oldest report 5 d 3 h ago"],
    [figures({ never_reported: 12 }), "never reported: 12"],
    [
      figures({ oldest_report_at: "2026-11-29T10:30:00Z", never_reported: 1 }),
      "oldest report 1 h 30 min ago; never reported: 1",
    ],
    [figures({ places: 0 }), "no places match"],
  ];
  for (const [f, text] of cases) assert.equal(describeOldest(f, AS_OF), text);
});

test("the forecast at the last hour's rate", () => {
  const said = describeForecast(
    {
      calls_per_hour: 37,
      groups: [
        { group: 2, open: 41, empties_at: "2026-11-29T13:06:30Z" },
        { group: 3, open: 1, empties_at: "2026-11-29T13:08:00Z" },
        { group: 99, open: 0, empties_at: "2026-11-29T12:00:00Z" },
      ],
      will_pass_before_reached: 17,
    },
    AS_OF,
  );
  assert.equal(said.stopped, false);
  assert.equal(said.rate, "At 37 completed calls an hour (the last hour's rate):");
  assert.deepEqual(said.groups, [
    { group: 2, open: 41, text: "Group 2: 41 open entries, empties in 1 h 7 min" },
    { group: 3, open: 1, text: "Group 3: 1 open entry, empties in 1 h 8 min" },
    { group: 99, open: 0, text: "Group 99: 0 open entries, empty now" },
  ]);
  assert.equal(said.late, "17 places will pass their max age before a caller can reach them.");
});

test("the forecast says so plainly when no call was completed in the last hour", () => {
  const said = describeForecast(
    {
      calls_per_hour: 0,
      groups: [{ group: 2, open: 41, empties_at: null }],
      will_pass_before_reached: 1,
    },
    AS_OF,
  );
  assert.equal(said.stopped, true);
  assert.equal(said.rate, "No calls completed in the last hour: at this rate no group empties.");
  assert.deepEqual(said.groups, [
    { group: 2, open: 41, text: "Group 2: 41 open entries, does not empty" },
  ]);
  assert.equal(said.late, "1 place will pass its max age before a caller can reach it.");
});

test("refreshQueue's answer in words", () => {
  const answer = {
    targets: 2,
    added: 120,
    raised: 8,
    skipped_closed: 30,
    already_queued: 900,
    more: false,
  };
  assert.equal(
    describeRefresh(answer),
    "Refreshed 2 targets: added 120, raised 8, 30 closed left out; 900 were already queued.",
  );
  assert.equal(
    describeRefresh({ ...answer, targets: 1, already_queued: 1, more: true }),
    "Refreshed 1 target: added 120, raised 8, 30 closed left out; 1 was already queued. " +
      "The per-run cap was reached: the next run goes on.",
  );
});

test("a second run of the same slot says what it left alone", () => {
  assert.equal(
    describeRefresh({
      targets: 2,
      added: 0,
      raised: 0,
      skipped_closed: 0,
      already_queued: 0,
      more: false,
      fenced: 2,
    }),
    "Refreshed 2 targets: added 0, raised 0, 0 closed left out; 0 were already queued. " +
      "2 targets had already been refreshed in this 10-minute slot: nothing done for them.",
  );
});

test("a filter's keys that say something", () => {
  assert.deepEqual(setKeys({ state: null, county: "Fresno County", q: "" }), {
    county: "Fresno County",
  });
  assert.deepEqual(setKeys(undefined), {});
});

test("the chart's days and percentages, oldest first", () => {
  assert.deepEqual(
    historySeries([
      { day: "2026-11-23", share_within: 0.81 },
      { day: "2026-11-25", share_within: 0.8255 },
    ]),
    { labels: ["Nov 23", "Nov 25"], values: [81, 82.6] },
  );
  assert.deepEqual(historySeries([]), { labels: [], values: [] });
});

test("the form as saveFreshnessTarget's body", () => {
  const values = {
    id: "",
    name: "  California weekly ",
    allPlaces: false,
    filter: { state: "CA", county: "", location_type: "", affiliation: "", q: " rite " },
    kept: { callable_state: "callable", county: "Old County" },
    maxAgeHours: "72",
    leadHours: "12",
    queue: "default",
    reason: "",
    dueGroup: "3",
    overdueGroup: "2",
  };
  assert.deepEqual(targetBody(values), {
    name: "California weekly",
    filter: { callable_state: "callable", state: "CA", q: "rite" },
    max_age_hours: 72,
    lead_hours: 12,
    queue: "default",
    reason: "Stale report",
    due_group: 3,
    overdue_group: 2,
  });
  const all = targetBody({ ...values, id: "ca-weekly", allPlaces: true, reason: "Old news" });
  assert.equal(all.id, "ca-weekly");
  assert.deepEqual(all.filter, {});
  assert.equal(all.reason, "Old news");
});
