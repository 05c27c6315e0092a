// Queue: the open entries, filtered by status, reason, group and state; a row's name opens
// its history; actions apply to the ticked rows.
import { QUEUE_COLUMNS, download, stamp, toCsv } from "../csv.js";
import { ask } from "../dialog.js";
import { count, duration, field, h, options, plural, when } from "../dom.js";
import { choices, loadFacets } from "../facets.js";
import { createGrid } from "../grid.js";
import { guarded, showInfo } from "../notice.js";
import { createPager } from "../pager.js";
import { showEntry } from "./entry.js";

const STATUSES = [
  ["all", "All open"],
  ["available", "Available"],
  ["claimed", "Claimed"],
  ["scheduled", "Scheduled for later"],
  ["needs_attention", "Needs attention"],
];
const STATUS_LABEL = Object.fromEntries(STATUSES);
const MAX_IDS = 500; // per updateEntries call

// What each action did, in words: (changed count, body) -> sentence.
const DONE = {
  clear_claim: (n) => `Cleared ${plural(n, "claim")}`,
  set_group: (n, body) => `Moved ${plural(n, "entry", "entries")} to group ${body.priority_group}`,
  bump: (n, body) => `Moved ${plural(n, "entry", "entries")} to the ${body.to} of their group`,
  remove: (n) => `Removed ${plural(n, "entry", "entries")} from the queue`,
  resume: (n) => `Resumed ${plural(n, "flagged entry", "flagged entries")}`,
};

export function mountQueue(view, { api }) {
  const status = h("select", { name: "status" });
  options(status, STATUSES, "all");
  const reason = h("select", { name: "reason" });
  const group = h("select", { name: "priority_group" });
  const state = h("select", { name: "state" });
  const pageSize = h("select", { name: "limit" });
  options(
    pageSize,
    [10, 25, 50, 100, 200].map((n) => [n, `${n} a page`]),
    50,
  );
  const filters = h(
    "form",
    { class: "filters", id: "queue-filters" },
    field("Status", status),
    field("Reason", reason),
    field("Priority group", group),
    field("State", state),
    field("Rows", pageSize),
  );

  const selectedLabel = h("span", { id: "selection-count" }, "No entries selected.");
  const button = (action, label, extra = {}) =>
    h("button", { type: "button", "data-action": action, ...extra }, label);
  const moveTo = h("select", { name: "move_to", "aria-label": "Priority group to move to" });
  const buttons = {
    clear: button("clear_claim", "Clear claims"),
    move: button("set_group", "Move to group"),
    top: button("bump-top", "Bump to top"),
    bottom: button("bump-bottom", "Bump to bottom"),
    remove: button("remove", "Remove", { class: "danger" }),
    resume: button("resume", "Resume flagged"),
    csv: button("export-csv", "Export CSV", { class: "secondary" }),
  };
  const actions = h(
    "div",
    { class: "actions", id: "queue-actions" },
    selectedLabel,
    buttons.clear,
    h("span", { class: "joined" }, buttons.move, moveTo),
    buttons.top,
    buttons.bottom,
    buttons.resume,
    buttons.remove,
    buttons.csv,
  );
  const result = h("p", {
    id: "queue-result",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });

  const gridElement = h("div", { id: "queue-grid" });
  const grid = createGrid(gridElement, {
    index: "entry_id",
    placeholder: "No open entries match this filter.",
    onSelectionChange: (rows) => renderSelection(rows.length),
    columns: [
      {
        title: "Location",
        field: "location_name",
        minWidth: 220,
        widthGrow: 3,
        formatter: (cell) => {
          const row = cell.getData();
          const link = h(
            "a",
            { href: "#", class: "entry-link", title: "Attempts and reports" },
            row.location_name ?? row.location_id,
          );
          link.addEventListener("click", (event) => {
            // A click on the name opens the history; it must not change the selection.
            event.preventDefault();
            event.stopPropagation();
            guarded(null, () => showEntry(api, row.entry_id));
          });
          return link;
        },
      },
      { title: "State", field: "state", width: 70 },
      { title: "Reason", field: "reason", widthGrow: 1.5 },
      { title: "Group", field: "priority_group", width: 75, hozAlign: "right" },
      {
        title: "Status",
        field: "status",
        width: 160,
        formatter: (cell) =>
          h(
            "span",
            { class: `badge ${cell.getValue()}` },
            STATUS_LABEL[cell.getValue()] ?? cell.getValue(),
          ),
      },
      {
        title: "Holder",
        field: "holder_email",
        widthGrow: 1.5,
        // A text node: Tabulator would put a returned string in as HTML.
        formatter: (cell) =>
          document.createTextNode(cell.getValue() ?? cell.getData().holder ?? ""),
      },
      {
        title: "Time left",
        field: "time_left_s",
        width: 170,
        formatter: (cell) => {
          const row = cell.getData();
          if (row.status === "scheduled") return `due ${when(row.available_at)}`;
          return duration(cell.getValue());
        },
      },
      { title: "Added", field: "added_at", width: 140, formatter: (cell) => when(cell.getValue()) },
    ],
  });

  function renderSelection(picked) {
    selectedLabel.textContent = picked
      ? `${plural(picked, "entry", "entries")} selected.`
      : "No entries selected.";
    for (const b of Object.values(buttons)) b.disabled = picked === 0;
  }

  const pager = createPager({
    noun: ["open entry", "open entries"],
    pageSize: () => Number(pageSize.value),
    fetchPage: (token) =>
      api.get("listEntries", {
        status: status.value,
        reason: reason.value,
        priority_group: group.value,
        state: state.value,
        limit: pageSize.value,
        page_token: token,
      }),
    onPage: async (answer) => {
      await grid.load(answer.entries);
      renderSelection(0);
    },
  });

  filters.addEventListener("change", () => guarded(null, () => pager.reset()));
  filters.addEventListener("submit", (event) => event.preventDefault());

  async function apply(body) {
    const ids = grid.getSelectedData().map((row) => row.entry_id);
    let changed = 0;
    const unchanged = [];
    const notFound = [];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const answer = await api.post("updateEntries", {
        ...body,
        entry_ids: ids.slice(i, i + MAX_IDS),
      });
      changed += answer.changed;
      unchanged.push(...(answer.unchanged ?? []));
      notFound.push(...(answer.not_found ?? []));
    }
    const parts = [DONE[body.action](changed, body)];
    if (unchanged.length) parts.push(`${count(unchanged.length)} unchanged`);
    if (notFound.length) parts.push(`${count(notFound.length)} no longer open`);
    // The sentence appears with the refreshed rows, so what it says matches what is shown.
    await pager.reload();
    result.textContent = `${parts.join("; ")}.`;
    result.hidden = false;
  }

  const on = (b, handler) => b.addEventListener("click", () => guarded(b, handler));
  on(buttons.clear, () => apply({ action: "clear_claim" }));
  on(buttons.move, () => apply({ action: "set_group", priority_group: Number(moveTo.value) }));
  on(buttons.top, () => apply({ action: "bump", to: "top" }));
  on(buttons.bottom, () => apply({ action: "bump", to: "bottom" }));
  on(buttons.resume, () => apply({ action: "resume" }));
  on(buttons.remove, async () => {
    const n = grid.getSelectedData().length;
    const sure = await ask({
      title: "Remove from the queue?",
      text: `${plural(n, "entry", "entries")} will leave the queue; a caller holding one loses the claim. The locations can be queued again later (one that was being called is offered again only after that call's lease would have ended).`,
      ok: `Remove ${count(n)}`,
      danger: true,
    });
    if (sure) await apply({ action: "remove" });
  });
  on(buttons.csv, () => {
    const rows = grid.getSelectedData();
    download(`queue-${stamp()}.csv`, toCsv(rows, QUEUE_COLUMNS));
    showInfo(`Exported ${plural(rows.length, "entry", "entries")} as CSV.`);
  });

  view.replaceChildren(h("h1", {}, "Queue"), filters, actions, result, gridElement, pager.element);
  renderSelection(0);
  guarded(null, async () => {
    const facets = await loadFacets(api);
    options(reason, [["", "Any reason"], ...facets.reasons.map((r) => [r.name, r.name])]);
    options(group, [["", "Any group"], ...facets.groups]);
    options(moveTo, facets.groups, 1);
    options(state, choices(facets.states, "Any state"));
    await pager.reset();
  });
}
