// The export loop against a fake server: every page fetched with the previous token, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exportPages } from "../src/export.js";

test("pages are appended in order until the server names no next page", async () => {
  const pages = [
    { csv: "a,b\r\n1,2\r\n", rows: 1, next_page_token: "t1" },
    { csv: "", rows: 0, next_page_token: "t2" },
    { csv: "3,4\r\n", rows: 1, next_page_token: null },
  ];
  const calls = [];
  const api = {
    get: async (name, params) => {
      calls.push({ name, params });
      return pages[calls.length - 1];
    },
  };
  const written = [];
  let closed = false;
  const sink = { write: async (t) => written.push(t), close: async () => (closed = true) };
  const seen = [];
  const totals = await exportPages(api, { kind: "reports" }, sink, (p) => seen.push(p.rows));
  assert.deepEqual(
    calls.map((c) => [c.name, c.params.kind, c.params.page_token]),
    [
      ["exportRecords", "reports", null],
      ["exportRecords", "reports", "t1"],
      ["exportRecords", "reports", "t2"],
    ],
  );
  assert.equal(written.join(""), "a,b\r\n1,2\r\n3,4\r\n");
  assert.deepEqual(totals, { rows: 2, pages: 3 });
  assert.deepEqual(seen, [1, 1, 2]);
  assert.equal(closed, true);
});

test("a refused page stops the export and leaves the file unclosed", async () => {
  const api = {
    get: async () => {
      throw new Error("refused");
    },
  };
  let closed = false;
  const sink = { write: async () => {}, close: async () => (closed = true) };
  await assert.rejects(exportPages(api, { kind: "attempts" }, sink), /refused/);
  assert.equal(closed, false);
});
