// Caller statistics: per caller, what their claims came to (reported, skipped, expired,
// released), how long a reported call takes, and how many of their reports were flagged for
// review and how those reviews ended, over all time or a recent period.
import { count, duration, field, h, options } from "../dom.js";
import { guarded } from "../notice.js";
import { createPager } from "../pager.js";

const PERIODS = [
  ["", "All time"],
  ["30", "Last 30 days"],
  ["7", "Last 7 days"],
  ["1", "Last 24 hours"],
];
const COLUMNS = [
  ["claims", "Claims"],
  ["completed", "Completed reports"],
  ["skips", "Skips"],
  ["expiries", "Expiries"],
  ["releases", "Releases"],
  // Their reports flagged for review, and where those reviews stand.
  ["reviews_flagged", "Flagged for review"],
  ["reviews_pending", "Review pending"],
  ["reviews_approved", "Approved"],
  ["reviews_requeued", "Sent back"],
];
const PAGE_SIZE = 20;

export function mountCallerStatistics(view, { api }) {
  const period = h("select", { id: "stats-period" });
  options(period, PERIODS);
  const body = h("tbody", {});
  const table = h(
    "table",
    { class: "plain wide", id: "caller-stats" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Caller"),
        COLUMNS.map(([, title]) => h("th", { class: "number" }, title)),
        h("th", { class: "number" }, "Median call"),
      ),
    ),
    body,
  );

  function row(caller) {
    // The median is over the caller's latest reported calls (claim to report).
    const median =
      caller.median_call_s === null
        ? "—"
        : `${duration(Math.round(caller.median_call_s))} (of ${count(caller.median_of)})`;
    return h(
      "tr",
      { "data-uid": caller.uid },
      h("td", { "data-field": "caller" }, caller.email ?? caller.uid),
      COLUMNS.map(([key]) => h("td", { class: "number", "data-field": key }, count(caller[key]))),
      h("td", { class: "number", "data-field": "median" }, median),
    );
  }

  const pager = createPager({
    noun: ["caller", "callers"],
    pageSize: () => PAGE_SIZE,
    fetchPage: (token) =>
      api.get("callerStatistics", { days: period.value, limit: PAGE_SIZE, page_token: token }),
    onPage: (answer) => {
      body.replaceChildren(
        ...(answer.callers.length
          ? answer.callers.map(row)
          : [
              h(
                "tr",
                {},
                h(
                  "td",
                  { colspan: COLUMNS.length + 2, class: "muted" },
                  "Nobody has claimed a call yet.",
                ),
              ),
            ]),
      );
    },
  });

  period.addEventListener("change", () => guarded(null, () => pager.reset()));
  view.replaceChildren(
    h("h1", {}, "Caller statistics"),
    h(
      "p",
      { class: "muted" },
      "Per caller, from the history of their claims: how each ended, and the median time from claim to report.",
    ),
    h("div", { class: "filters" }, field("Period", period)),
    table,
    pager.element,
  );
  guarded(null, () => pager.reset());
}
