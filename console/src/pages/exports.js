// Export: the reports or the attempts of a period as CSV (filters: county, queue, caller,
// outcome), fetched page by page from exportRecords and appended to the file as they come.
import { count, field, h, options, plural } from "../dom.js";
import { downloadSink, exportPages, pickedFileSink, toInstant } from "../export.js";
import { choices, loadFacets } from "../facets.js";
import { guarded } from "../notice.js";
import { stamp } from "../csv.js";

const OUTCOMES = {
  reports: ["completed", "skipped"],
  attempts: [
    "completed",
    "skipped",
    "released",
    "expired",
    "superseded",
    "removed",
    "cleared",
    "not_callable",
  ],
};

function localInput(moment) {
  const shifted = new Date(moment.getTime() - moment.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export function mountExports(view, { api }) {
  const kind = h("select", { name: "kind" });
  options(kind, [
    ["reports", "Reports"],
    ["attempts", "Attempts (claims and how they ended)"],
  ]);
  const now = new Date();
  const since = h("input", {
    type: "datetime-local",
    name: "since",
    value: localInput(new Date(now.getTime() - 7 * 86_400_000)),
    required: true,
  });
  const until = h("input", {
    type: "datetime-local",
    name: "until",
    value: localInput(new Date(now.getTime() + 60_000)),
    required: true,
  });
  const county = h("select", { name: "county" });
  const queue = h("select", { name: "queue" });
  const caller = h("input", { name: "caller", placeholder: "uid or e-mail" });
  const outcome = h("select", { name: "outcome" });
  const button = h("button", { type: "submit", id: "export-csv" }, "Export CSV");
  const progress = h("p", { id: "export-progress", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card filters", id: "export-form" },
    field("What", kind),
    field("From", since),
    field("Until", until),
    field("County", county),
    field("Queue", queue),
    field("Caller", caller),
    field("Outcome", outcome),
    button,
  );

  function fillOutcomes() {
    options(outcome, [["", "Any outcome"], ...OUTCOMES[kind.value].map((o) => [o, o])], "");
  }
  kind.addEventListener("change", fillOutcomes);
  fillOutcomes();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(button, async () => {
      const params = {
        kind: kind.value,
        since: toInstant(since.value),
        until: toInstant(until.value),
        county: county.value,
        queue: queue.value,
        caller: caller.value.trim(),
        outcome: outcome.value,
        limit: 1000,
      };
      const name = `${kind.value}-${stamp()}.csv`;
      // A file chosen up front is written page by page; without the picker, pages are
      // gathered as blobs and downloaded at the end.
      const sink = window.showSaveFilePicker ? await pickedFileSink(name) : downloadSink(name);
      progress.className = "";
      progress.textContent = "Starting…";
      const totals = await exportPages(api, params, sink, (sofar) => {
        progress.textContent = `${plural(sofar.rows, "row")} so far (${count(sofar.pages)} pages)…`;
      });
      progress.className = "success";
      progress.textContent = `Exported ${plural(totals.rows, "row")} to ${name}.`;
    });
  });

  view.replaceChildren(
    h("h1", {}, "Export"),
    h(
      "p",
      { class: "muted" },
      "Reports or attempts of a period as CSV, safe to open in a spreadsheet. The columns are described in docs/api.md (exportRecords).",
    ),
    form,
    progress,
  );
  guarded(null, async () => {
    const facets = await loadFacets(api);
    options(county, choices(facets.counties, "Any county"), "");
    const { queues } = await api.get("listQueues");
    options(queue, [["", "Any queue"], ...queues.map((q) => [q.name, q.name])], "");
  });
}
