// The console's one HTTP client: a 429 is waited out (Retry-After) and retried, a bit.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { ApiError, createApi, retryDelaySeconds } from "../src/api.js";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function answers(...replies) {
  const seen = [];
  globalThis.fetch = async (url) => {
    seen.push(String(url));
    const { status, body, retryAfter } = replies[Math.min(seen.length, replies.length) - 1];
    const headers = retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) };
    return new Response(JSON.stringify(body), { status, headers });
  };
  return seen;
}

const tooMany = {
  status: 429,
  retryAfter: 2,
  body: { error: "too_many_requests", error_description: "Too many bulk requests." },
};

test("a 429 is retried after Retry-After seconds", async () => {
  const seen = answers(tooMany, { status: 200, body: { ok: true } });
  const waits = [];
  const api = createApi(
    "http://x/base",
    async () => "t",
    async (ms) => waits.push(ms),
  );
  assert.deepEqual(await api.post("bulkEnqueue", {}), { ok: true });
  assert.equal(seen.length, 2);
  assert.deepEqual(waits, [2000]);
});

test("after three retries the 429 reaches the person", async () => {
  answers(tooMany);
  const api = createApi(
    "http://x/base",
    async () => "t",
    async () => {},
  );
  await assert.rejects(api.post("bulkEnqueue", {}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 429);
    assert.equal(error.message, "Too many bulk requests.");
    return true;
  });
});

test("only short, well-formed Retry-After values are waited for", () => {
  assert.equal(retryDelaySeconds(429, "5", 0), 5);
  assert.equal(retryDelaySeconds(429, "0", 0), 1);
  assert.equal(retryDelaySeconds(429, "3600", 0), null);
  assert.equal(retryDelaySeconds(429, "soon", 0), null);
  assert.equal(retryDelaySeconds(429, "5", 3), null);
  assert.equal(retryDelaySeconds(409, "5", 0), null);
});
