// Reviews: reports flagged for a second look (the caller app asked, or the caller's group is
// sampled), oldest first, each beside the place's earlier reports. Staff approve one, or send
// the place back to the queue with a reason: an ordinary bulk add, undone on Bulk adds.
import { count, field, GROUPS, h, options, when } from "../dom.js";
import { loadFacets } from "../facets.js";
import { guarded } from "../notice.js";
import { createPager } from "../pager.js";
import { describeReasons } from "../review_reasons.js";

const STATUSES = [
  ["pending", "Waiting for review"],
  ["approved", "Approved"],
  ["requeued", "Sent back to the queue"],
];
const PAGE_SIZE = 10;

function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value)
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

function reportFacts(report) {
  return facts([
    ["When", when(report.created_at)],
    ["By", report.reporter_email ?? report.reported_by],
    ["Availability", report.availability_names.join(", ") || "—"],
    ["Notes", report.notes],
    ["Internal notes", report.internal_notes],
  ]);
}

export function mountReviews(view, { api }) {
  const status = h("select", { id: "review-status" });
  options(status, STATUSES, "pending");
  const list = h("div", { id: "reviews" });
  const result = h("p", {
    id: "review-result",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });
  const reasonList = h("datalist", { id: "review-reason-list" });

  function decide(report, body, button) {
    return guarded(button, async () => {
      const answer = await api.post("reviewReport", { report_id: report.report_id, ...body });
      const place = report.location.name ?? report.location.id;
      result.textContent =
        answer.status === "approved"
          ? `Approved the report on ${place}.`
          : `Sent ${place} back to the queue with reason “${body.reason}”: ${count(answer.added)} added, ${count(answer.already_queued)} already queued (undo on Bulk adds).`;
      result.hidden = false;
      await pager.reload();
    });
  }

  function actions(report) {
    const note = h("input", { name: "note", placeholder: "Optional" });
    const reason = h("input", {
      name: "reason",
      list: "review-reason-list",
      placeholder: "Existing or new reason",
    });
    const group = h("select", { name: "priority_group" });
    options(group, GROUPS, "2");
    const approve = h("button", { type: "button", "data-action": "approve" }, "Approve");
    const requeue = h(
      "button",
      { type: "button", class: "secondary", "data-action": "requeue" },
      "Send back to queue",
    );
    approve.addEventListener("click", () =>
      decide(report, { action: "approve", note: note.value.trim() || null }, approve),
    );
    requeue.addEventListener("click", () => {
      const why = reason.value.trim();
      if (!why) {
        reason.setCustomValidity("A reason is needed to send the place back.");
        reason.reportValidity();
        return undefined;
      }
      reason.setCustomValidity("");
      return decide(
        report,
        {
          action: "requeue",
          reason: why,
          priority_group: Number(group.value),
          note: note.value.trim() || null,
        },
        requeue,
      );
    });
    return h(
      "div",
      { class: "row" },
      field("Note", note),
      approve,
      field("Reason", reason),
      field("Group", group),
      requeue,
    );
  }

  function decided(report) {
    const what =
      report.review_status === "approved"
        ? "Approved"
        : `Sent back to the queue with reason “${report.review_reason}”`;
    return h(
      "p",
      { class: "muted", "data-field": "decision" },
      `${what} by ${report.reviewed_by_email ?? "staff"}, ${when(report.reviewed_at)}`,
      report.review_note ? ` — ${report.review_note}` : "",
    );
  }

  function card(report) {
    const place = report.location;
    const earlier = report.previous_reports.length
      ? report.previous_reports.map((p) =>
          h("div", { class: "earlier", "data-report-id": p.report_id }, reportFacts(p)),
        )
      : [h("p", { class: "muted" }, "No earlier reports.")];
    return h(
      "article",
      { class: "card review", "data-report-id": report.report_id },
      h(
        "h2",
        {},
        place.name ?? place.id,
        h(
          "span",
          { class: "muted" },
          ` · ${[place.phone, place.county, place.state].filter(Boolean).join(" · ")}`,
        ),
      ),
      h(
        "p",
        { "data-field": "why" },
        h("strong", {}, "Flagged: "),
        describeReasons(report.review_reasons),
        report.pending_review_because ? ` — “${report.pending_review_because}”` : "",
      ),
      h(
        "div",
        { class: "two" },
        h(
          "section",
          { class: "grow", "data-part": "flagged" },
          h("h3", {}, "This report"),
          reportFacts(report),
        ),
        h(
          "section",
          { class: "grow", "data-part": "earlier" },
          h("h3", {}, "Earlier reports"),
          earlier,
        ),
      ),
      report.review_status === "pending" ? actions(report) : decided(report),
    );
  }

  const pager = createPager({
    noun: ["report", "reports"],
    pageSize: () => PAGE_SIZE,
    fetchPage: (token) =>
      api.get("listReviews", { status: status.value, limit: PAGE_SIZE, page_token: token }),
    onPage: (answer) => {
      list.replaceChildren(
        ...(answer.reviews.length
          ? answer.reviews.map(card)
          : [h("p", { class: "muted" }, "Nothing here.")]),
      );
    },
  });

  status.addEventListener("change", () => {
    result.hidden = true;
    return guarded(null, () => pager.reset());
  });
  view.replaceChildren(
    h("h1", {}, "Reviews"),
    h(
      "p",
      { class: "muted" },
      "Reports flagged for a second look, oldest first, beside the place's earlier reports. Approve one, or send the place back to the queue with a reason (a bulk add: undo it on Bulk adds).",
    ),
    h("div", { class: "filters" }, field("Show", status)),
    result,
    reasonList,
    list,
    pager.element,
  );
  guarded(null, async () => {
    await pager.reset();
    const facets = await loadFacets(api);
    reasonList.replaceChildren(...facets.reasons.map((r) => h("option", { value: r.name })));
  });
}
