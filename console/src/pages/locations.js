// Locations: filter, tick rows (or "all N matching this filter"), and add them to the queue
// with a reason and a priority group: dry-run counts first, then the writes with progress.
import { describeDryRun, describeResult, dryRun, write } from "../bulk.js";
import { count, field, h, options, plural } from "../dom.js";
import { facetSelects, fillFacetSelects, loadFacets } from "../facets.js";
import { createGrid } from "../grid.js";
import { guarded } from "../notice.js";
import { createPager } from "../pager.js";
import { applyMark, describeMark } from "../marks.js";

const PAGE_SIZES = [10, 25, 50, 100, 200];

export function mountLocations(view, { api }) {
  const selects = facetSelects();
  const { state, county, location_type: type, affiliation } = selects;
  const queued = h("select", { name: "queued" });
  options(queued, [
    ["", "Queued or not"],
    ["true", "Queued"],
    ["false", "Not queued"],
  ]);
  const callable = h("select", { name: "callable_state" });
  options(callable, [
    ["", "Callable or not"],
    ["callable", "Callable"],
    ["no_phone", "No phone number"],
    ["do_not_call", "Do not call"],
  ]);
  const search = h("input", { type: "search", name: "q", placeholder: "Name starts with…" });
  const pageSize = h("select", { name: "limit" });
  options(
    pageSize,
    PAGE_SIZES.map((n) => [n, `${n} a page`]),
    50,
  );
  const filters = h(
    "form",
    { class: "filters", id: "location-filters" },
    field("State", state),
    field("County", county),
    field("Type", type),
    field("Affiliation", affiliation),
    field("In the queue", queued),
    field("Callable", callable),
    field("Name", search),
    field("Rows", pageSize),
  );

  const selectedLabel = h("span", { id: "selection-count" });
  const selectAll = h("button", { type: "button", class: "link", id: "select-all-matching" });
  const clearAll = h(
    "button",
    { type: "button", class: "link", id: "clear-selection" },
    "Clear selection",
  );
  const selectionBar = h("div", { class: "selection-bar" }, selectedLabel, selectAll, clearAll);

  const reason = h("input", {
    name: "reason",
    list: "reason-list",
    placeholder: "Existing or new reason",
    required: true,
  });
  const reasonList = h("datalist", { id: "reason-list" });
  const group = h("select", { name: "priority_group" });
  const queue = h("select", { name: "queue" }, h("option", { value: "default" }, "default"));
  const addButton = h("button", { type: "submit", id: "add-to-queue" }, "Add to queue…");
  const addForm = h(
    "form",
    { class: "card action", id: "add-form" },
    h("h2", {}, "Add the selection to the queue"),
    h(
      "div",
      { class: "row" },
      field("Reason", reason),
      reasonList,
      field("Priority group", group),
      field("Queue", queue),
      addButton,
    ),
  );
  const markReason = h("input", {
    name: "do_not_call_reason",
    maxlength: 500,
    placeholder: "Why, e.g. asked us to stop calling",
  });
  const markButton = h("button", { type: "button", id: "mark-do-not-call" }, "Mark do-not-call…");
  const unmarkButton = h(
    "button",
    { type: "button", class: "secondary", id: "mark-callable" },
    "Mark callable again…",
  );
  const markForm = h(
    "form",
    { class: "card action", id: "mark-form" },
    h("h2", {}, "Do not call"),
    h(
      "p",
      { class: "muted" },
      "A place marked do-not-call is never queued or offered; its open queue entry closes.",
    ),
    h("div", { class: "row" }, field("Why", markReason), markButton, unmarkButton),
  );
  const panel = h("section", {
    class: "card result",
    id: "bulk-panel",
    hidden: true,
    "aria-live": "polite",
  });

  const gridElement = h("div", { id: "locations-grid" });
  let everyMatching = false; // "select all N matching this filter" is on
  let shown = 0;

  const grid = createGrid(gridElement, {
    index: "id",
    placeholder: "No locations match this filter.",
    columns: [
      { title: "Name", field: "name", minWidth: 220, widthGrow: 3 },
      { title: "County", field: "county", widthGrow: 1.5 },
      { title: "State", field: "state", width: 70 },
      { title: "Type", field: "location_type", widthGrow: 1.5 },
      { title: "Affiliation", field: "affiliation", widthGrow: 1.2 },
      { title: "Address", field: "address", widthGrow: 2.5 },
      {
        title: "Callable",
        field: "callable_state",
        width: 130,
        formatter: (cell) => {
          const row = cell.getData();
          const value = cell.getValue();
          if (value === "callable") return "";
          const why =
            value === "do_not_call"
              ? `Do not call: ${row.do_not_call_reason ?? ""} (${row.do_not_call_by ?? ""})`
              : "No phone number";
          const label = value === "do_not_call" ? "do not call" : "no phone";
          return h("span", { class: `badge ${value}`, title: why }, label);
        },
      },
      {
        title: "Queued",
        field: "queued",
        width: 90,
        formatter: (cell) =>
          cell.getValue() ? h("span", { class: "badge queued" }, "queued") : "",
      },
    ],
    onSelectionChange: (rows) => {
      if (rows.length < shown) everyMatching = false;
      renderSelection();
    },
  });

  function currentFilter() {
    const filter = {};
    for (const [key, control] of [
      ["state", state],
      ["county", county],
      ["location_type", type],
      ["affiliation", affiliation],
    ]) {
      if (control.value) filter[key] = control.value;
    }
    if (queued.value) filter.queued = queued.value === "true";
    if (callable.value) filter.callable_state = callable.value;
    if (search.value.trim()) filter.q = search.value.trim();
    return filter;
  }

  function renderSelection() {
    const picked = grid.getSelectedData().length;
    const total = pager.total;
    if (everyMatching) {
      selectedLabel.textContent = `All ${plural(total, "location")} matching this filter are selected.`;
      selectAll.hidden = true;
    } else {
      selectedLabel.textContent = picked
        ? `${plural(picked, "location")} selected on this page.`
        : "No locations selected.";
      selectAll.hidden = !(picked > 0 && picked === shown && total > shown);
      selectAll.textContent = `Select all ${count(total)} matching this filter`;
    }
    clearAll.hidden = !picked && !everyMatching;
    addButton.textContent = everyMatching
      ? `Add all ${count(total)} to queue…`
      : picked
        ? `Add ${count(picked)} to queue…`
        : "Add to queue…";
  }

  const pager = createPager({
    noun: "matching",
    pageSize: () => Number(pageSize.value),
    fetchPage: (token) =>
      api.get("listLocations", { ...currentFilter(), limit: pageSize.value, page_token: token }),
    onPage: async (answer) => {
      everyMatching = false;
      shown = answer.locations.length;
      await grid.load(answer.locations);
      renderSelection();
    },
  });

  // Set as soon as the person filters (typing included, before its pause ends): the first
  // page, loaded when the facets arrive, must not then reload the grid over ticked rows.
  let filtered = false;

  async function refilter() {
    // Any refilter reads the name too: a pending pause after typing must not reload again
    // later (a late reload of the same page drops the rows ticked meanwhile).
    clearTimeout(typing);
    filtered = true;
    panel.hidden = true;
    await guarded(null, () => pager.reset());
  }

  let typing = null;
  search.addEventListener("input", () => {
    filtered = true;
    clearTimeout(typing);
    typing = setTimeout(refilter, 300);
  });
  filters.addEventListener("change", (event) => {
    if (event.target !== search) refilter();
  });
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    refilter();
  });
  selectAll.addEventListener("click", () => {
    everyMatching = true;
    renderSelection();
  });
  clearAll.addEventListener("click", () => {
    everyMatching = false;
    grid.deselectRow();
    renderSelection();
  });

  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const ids = grid.getSelectedData().map((row) => row.id);
    if (!everyMatching && !ids.length) {
      showPanel(h("p", {}, "Tick some locations first, or select all matching the filter."));
      return;
    }
    const action = {
      reason: reason.value.trim(),
      priorityGroup: Number(group.value),
      queue: queue.value,
      ...(everyMatching ? { filter: currentFilter() } : { ids }),
    };
    guarded(addButton, () => confirmThenWrite(action));
  });

  function markSelection(action) {
    const ids = grid.getSelectedData().map((row) => row.id);
    if (!everyMatching && !ids.length) {
      showPanel(h("p", {}, "Tick some locations first, or select all matching the filter."));
      return;
    }
    const reason = markReason.value.trim();
    if (action === "do_not_call" && !reason) {
      showPanel(h("p", { class: "error-text" }, "Say why these places must not be called."));
      markReason.focus();
      return;
    }
    const mark = { action, reason, ...(everyMatching ? { filter: currentFilter() } : { ids }) };
    const button = action === "do_not_call" ? markButton : unmarkButton;
    guarded(button, () => confirmThenMark(mark));
  }

  async function confirmThenMark(mark) {
    showPanel(h("p", { class: "muted" }, "Counting what this would do…"));
    const preview = await applyMark(api, mark, () => {}, true);
    const go = h("button", { type: "button", id: "confirm-mark" }, "Go ahead");
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    go.disabled = preview.changed === 0 && preview.closed === 0;
    showPanel(
      h("h2", {}, "Check before writing"),
      h("p", { id: "mark-preview" }, describeMark(preview, mark, true)),
      h("div", { class: "row" }, go, cancel),
    );
    cancel.addEventListener("click", () => {
      panel.hidden = true;
    });
    go.addEventListener("click", () =>
      guarded(go, async () => {
        const text = h("p", { id: "mark-progress" }, "Writing…");
        showPanel(h("h2", {}, "Writing"), text);
        try {
          const totals = await applyMark(api, mark, (sofar) => {
            text.textContent = `Written ${count(sofar.matched)} of ${count(preview.matched)}…`;
          });
          showPanel(
            h("h2", {}, "Done"),
            h("p", { id: "mark-result", class: "success" }, describeMark(totals, mark)),
          );
        } finally {
          await guarded(null, () => pager.reload());
        }
      }),
    );
  }

  markButton.addEventListener("click", () => markSelection("do_not_call"));
  unmarkButton.addEventListener("click", () => markSelection("callable"));
  markForm.addEventListener("submit", (event) => event.preventDefault());

  function showPanel(...children) {
    panel.replaceChildren(...children);
    panel.hidden = false;
  }

  async function confirmThenWrite(action) {
    showPanel(h("p", { class: "muted" }, "Counting what this would do…"));
    const preview = await dryRun(api, action);
    const go = h(
      "button",
      { type: "button", id: "confirm-add" },
      `Add ${count(preview.added)} to the queue`,
    );
    const cancel = h("button", { type: "button", class: "secondary", id: "cancel-add" }, "Cancel");
    go.disabled = preview.added === 0;
    showPanel(
      h("h2", {}, "Check before writing"),
      h("p", { id: "dry-run-text" }, describeDryRun(preview, action)),
      h("div", { class: "row" }, go, cancel),
    );
    cancel.addEventListener("click", () => {
      panel.hidden = true;
    });
    go.addEventListener("click", () => guarded(go, () => writeWithProgress(action, preview)));
  }

  async function writeWithProgress(action, preview) {
    const bar = h("progress", { id: "bulk-progress", max: Math.max(preview.matched, 1), value: 0 });
    const text = h("p", { id: "bulk-progress-text" }, "Starting…");
    showPanel(h("h2", {}, "Adding to the queue"), bar, text);
    try {
      const totals = await write(api, action, (sofar) => {
        bar.value = sofar.matched;
        text.textContent = `Written ${count(sofar.matched)} of ${count(preview.matched)} (${count(sofar.added)} added so far)…`;
      });
      showPanel(
        h("h2", {}, "Done"),
        h("p", { id: "bulk-result", class: "success" }, describeResult(totals)),
        h(
          "p",
          { class: "muted" },
          "A mistake? ",
          h("a", { href: "#/bulk-adds" }, "Undo it on the Bulk adds page"),
          ".",
        ),
      );
    } catch (error) {
      text.textContent = `Stopped: ${error.message} What was written before stays, and can be undone on the Bulk adds page.`;
      text.className = "error-text";
      throw error;
    } finally {
      await guarded(null, async () => {
        await pager.reload();
        fillFacets(await loadFacets(api));
      });
    }
  }

  function fillFacets(facets) {
    fillFacetSelects(selects, facets);
    reasonList.replaceChildren(...facets.reasons.map((r) => h("option", { value: r.name })));
    options(group, facets.groups, group.value || 99);
  }

  view.replaceChildren(
    h("h1", {}, "Locations"),
    filters,
    selectionBar,
    gridElement,
    pager.element,
    addForm,
    markForm,
    panel,
  );
  renderSelection();
  guarded(null, async () => {
    fillFacets(await loadFacets(api));
    if (!filtered) await pager.reset();
  });
  guarded(null, async () => {
    const { queues } = await api.get("listQueues");
    options(
      queue,
      queues.map((q) => [q.name, q.name]),
      queue.value,
    );
  });
}
