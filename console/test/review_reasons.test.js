import assert from "node:assert/strict";
import { test } from "node:test";
import { describeReasons } from "../src/review_reasons.js";

test("why a report was flagged, in words", () => {
  const cases = [
    [["caller_app"], "the caller asked for review"],
    [["sample:trainee"], "sampled (group trainee)"],
    [["sample:*"], "sampled (everyone)"],
    [["caller_app", "sample:trainee"], "the caller asked for review; sampled (group trainee)"],
    [["something_new"], "something_new"],
    [[], ""],
  ];
  for (const [reasons, words] of cases) assert.equal(describeReasons(reasons), words);
});
