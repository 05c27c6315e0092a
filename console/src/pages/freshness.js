// Freshness: the targets that keep places' reports recent (a filter, a max age, a queue),
// how close each is now, its last 7 days, and when its queue empties at the last hour's rate
// of completed calls. Add, edit and delete targets; "Refresh now" runs the scheduled refresh.
import {
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { ask } from "../dialog.js";
import { count, field, GROUPS, h, options, when } from "../dom.js";
import { facetSelects, fillFacetSelects, loadFacets, selectValue } from "../facets.js";
import {
  describeFilter,
  describeForecast,
  describeOldest,
  describeRefresh,
  headlineText,
  historySeries,
  percent,
  setKeys,
  targetBody,
} from "../freshness.js";
import { guarded } from "../notice.js";

Chart.register(
  CategoryScale,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const DEFAULTS = {
  maxAgeHours: 72,
  leadHours: 12,
  queue: "default",
  reason: "Stale report",
  dueGroup: 3,
  overdueGroup: 2,
};

function stat(id, value, label) {
  return h(
    "div",
    { class: "stat", "data-stat": id },
    h("span", { class: "stat-value" }, value),
    h("span", { class: "stat-label" }, label),
  );
}

function settings(target) {
  const pairs = [
    ["Places", describeFilter(target.filter)],
    ["Max age", `${count(target.max_age_hours)} h`],
    ["Lead", `${count(target.lead_hours)} h`],
    ["Queue", target.queue],
    ["Reason", target.reason],
    ["Groups", `${target.due_group} while due, ${target.overdue_group} once overdue`],
  ];
  return h(
    "dl",
    { class: "settings" },
    pairs.map(([label, value]) =>
      h("div", { "data-setting": label.toLowerCase() }, h("dt", {}, label), h("dd", {}, value)),
    ),
  );
}

function historyTable(history) {
  return h(
    "table",
    { class: "plain history" },
    h("thead", {}, h("tr", {}, h("th", {}, "Day (UTC)"), h("th", {}, "Within target"))),
    h(
      "tbody",
      {},
      history.map((d) =>
        h("tr", { "data-day": d.day }, h("td", {}, d.day), h("td", {}, percent(d.share_within))),
      ),
    ),
  );
}

function forecastBlock(target, asOf) {
  const said = describeForecast(target.figures.forecast, asOf);
  return h(
    "section",
    { class: "card forecast", "data-forecast": target.id },
    h("h3", {}, "Forecast"),
    h("p", { class: said.stopped ? "forecast-rate stopped" : "forecast-rate" }, said.rate),
    h(
      "ul",
      { class: "forecast-groups" },
      said.groups.map((g) =>
        h("li", { "data-group": g.group, class: g.open ? null : "muted" }, g.text),
      ),
    ),
    h("p", { class: "forecast-late" }, said.late),
  );
}

// One target's card, and a function that draws its chart once the card is on the page.
function targetCard(target, asOf, { onEdit, onDelete }) {
  const f = target.figures;
  const edit = h("button", { type: "button", class: "secondary", "data-action": "edit" }, "Edit");
  const remove = h(
    "button",
    { type: "button", class: "danger", "data-action": "delete" },
    "Delete…",
  );
  edit.addEventListener("click", () => onEdit(target));
  remove.addEventListener("click", () => onDelete(target, remove));
  const history = f.history ?? [];
  const canvas = h("canvas", {
    height: 180,
    role: "img",
    "aria-label": `Share of places within ${target.max_age_hours} h, last 7 days`,
  });
  const element = h(
    "section",
    { class: "card target", "data-target": target.id },
    h(
      "header",
      { class: "target-head" },
      h("h2", {}, target.name),
      h("span", { class: "muted" }, target.id),
      h(
        "span",
        { class: "muted grow" },
        target.updated_at ? `updated ${when(target.updated_at)} by ${target.updated_by}` : "",
      ),
      edit,
      remove,
    ),
    settings(target),
    h(
      "div",
      { class: "stats" },
      stat(
        "share_within",
        percent(f.share_within),
        `within ${count(target.max_age_hours)} h: ${count(f.within)} of ${count(f.places)} places`,
      ),
      stat("overdue", count(f.overdue), "overdue"),
      stat("places", count(f.places), "places"),
      h(
        "div",
        { class: "stat wide", "data-stat": "oldest" },
        h("span", { class: "stat-text" }, describeOldest(f, asOf)),
        h("span", { class: "stat-label" }, "age of the reports"),
      ),
    ),
    h(
      "div",
      { class: "two" },
      h(
        "section",
        { class: "card grow" },
        h("h3", {}, "Share within target, last 7 days"),
        history.length
          ? canvas
          : h(
              "p",
              { class: "muted no-history" },
              "No days recorded yet: the refresh records one a day.",
            ),
        h("details", {}, h("summary", {}, "As a table"), historyTable(history)),
      ),
      forecastBlock(target, asOf),
    ),
  );
  const draw = () => {
    if (!history.length) return null;
    const series = historySeries(history);
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [
          {
            label: "Within target",
            data: series.values,
            borderColor: "#2f9e6b",
            backgroundColor: "rgba(47, 158, 107, 0.15)",
            fill: true,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => `${c.parsed.y}% within target` } },
        },
      },
    });
  };
  return { element, draw };
}

export function mountFreshness(view, { api }) {
  let charts = [];
  let kept = {}; // filter keys of the target being edited that the form does not show

  const headline = h("p", { class: "headline", id: "freshness-headline", hidden: true });
  const asOfText = h("p", { class: "muted", id: "freshness-as-of" });
  const refreshButton = h("button", { type: "button", id: "refresh-now" }, "Refresh now");
  const refreshResult = h("p", {
    id: "refresh-result",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });
  const list = h("div", { id: "freshness-targets" });
  const message = h("p", {
    id: "target-saved",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });

  const id = h("input", {
    name: "id",
    pattern: "[a-z0-9\\-]{1,64}",
    maxlength: 64,
    placeholder: "made from the name",
  });
  const name = h("input", {
    name: "name",
    required: true,
    maxlength: 100,
    placeholder: "e.g. California weekly",
  });
  const allPlaces = h("input", { type: "radio", name: "scope", value: "all", checked: true });
  const somePlaces = h("input", { type: "radio", name: "scope", value: "filter" });
  const selects = facetSelects();
  const q = h("input", { type: "search", name: "q", placeholder: "Name starts with…" });
  const filterSet = h(
    "fieldset",
    { class: "filters", id: "target-filter" },
    field("State", selects.state),
    field("County", selects.county),
    field("Type", selects.location_type),
    field("Affiliation", selects.affiliation),
    field("Name starts with", q),
  );
  const maxAge = h("input", {
    type: "number",
    name: "max_age_hours",
    min: 1,
    max: 8760,
    required: true,
  });
  const lead = h("input", { type: "number", name: "lead_hours", min: 0, required: true });
  const queue = h("select", { name: "queue" });
  const reason = h("input", {
    name: "reason",
    list: "freshness-reasons",
    required: true,
    placeholder: "Existing or new reason",
  });
  const reasonList = h("datalist", { id: "freshness-reasons" });
  const dueGroup = h("select", { name: "due_group" });
  const overdueGroup = h("select", { name: "overdue_group" });
  const formTitle = h("h2", {}, "Add a target");
  const save = h("button", { type: "submit", id: "save-target" }, "Save target");
  const fresh = h("button", { type: "button", class: "secondary", id: "new-target" }, "New target");
  const form = h(
    "form",
    { class: "card action", id: "target-form" },
    formTitle,
    h(
      "div",
      { class: "row" },
      field("Name", name),
      field("Id", id),
      field("Max age (hours)", maxAge),
      field("Lead (hours)", lead),
    ),
    h(
      "div",
      { class: "row scope" },
      h("label", { class: "choice" }, allPlaces, "All places"),
      h("label", { class: "choice" }, somePlaces, "Places matching this filter:"),
    ),
    filterSet,
    h(
      "div",
      { class: "row" },
      field("Queue", queue),
      field("Reason", reason),
      reasonList,
      field("Group while due", dueGroup),
      field("Group once overdue", overdueGroup),
      save,
      fresh,
    ),
    h(
      "p",
      { class: "muted" },
      "Every 10 minutes the refresh adds the places that pass their max age within the lead time, oldest report first, in the group while due, and raises the overdue ones; places already queued are not added twice, places closed through the lead time are left out.",
    ),
  );

  function scopeChanged() {
    filterSet.disabled = allPlaces.checked;
  }
  allPlaces.addEventListener("change", scopeChanged);
  somePlaces.addEventListener("change", scopeChanged);
  maxAge.addEventListener("input", () => {
    lead.max = maxAge.value;
  });

  function fill(values) {
    id.value = values.id ?? "";
    id.readOnly = Boolean(values.id);
    name.value = values.name ?? "";
    const filter = setKeys(values.filter);
    kept = filter;
    const any = Object.keys(filter).length > 0;
    allPlaces.checked = !any;
    somePlaces.checked = any;
    for (const key of Object.keys(selects)) selectValue(selects[key], filter[key] ?? "");
    q.value = filter.q ?? "";
    scopeChanged();
    maxAge.value = values.maxAgeHours;
    lead.value = values.leadHours;
    lead.max = values.maxAgeHours;
    selectValue(queue, values.queue);
    reason.value = values.reason;
    selectValue(dueGroup, values.dueGroup);
    selectValue(overdueGroup, values.overdueGroup);
  }

  function startNew() {
    formTitle.textContent = "Add a target";
    fill(DEFAULTS);
  }

  function edit(target) {
    formTitle.textContent = `Edit target “${target.name}”`;
    message.hidden = true;
    fill({
      id: target.id,
      name: target.name,
      filter: target.filter,
      maxAgeHours: target.max_age_hours,
      leadHours: target.lead_hours,
      queue: target.queue,
      reason: target.reason,
      dueGroup: target.due_group,
      overdueGroup: target.overdue_group,
    });
    form.scrollIntoView({ block: "nearest" });
    name.focus();
  }

  async function remove(target, button) {
    const yes = await ask({
      title: `Delete target “${target.name}”?`,
      text: `The refresh stops adding places to queue ${target.queue} for it. Entries it added stay in the queue.`,
      ok: "Delete",
      danger: true,
    });
    if (!yes) return;
    await guarded(button, async () => {
      await api.post("deleteFreshnessTarget", { id: target.id });
      say(`Deleted target “${target.name}”.`);
      if (id.value === target.id) startNew();
      await load();
    });
  }

  function say(text) {
    message.textContent = text;
    message.hidden = false;
  }

  async function load() {
    const answer = await api.get("listFreshnessTargets");
    for (const chart of charts) chart.destroy();
    charts = [];
    const targets = answer.targets ?? [];
    headline.hidden = !targets.length;
    headline.textContent = targets.length ? `${headlineText(answer.headline)}.` : "";
    asOfText.textContent = answer.as_of ? `Figures as of ${when(answer.as_of)}.` : "";
    const cards = targets.map((t) =>
      targetCard(t, answer.as_of, { onEdit: edit, onDelete: remove }),
    );
    list.replaceChildren(
      ...(cards.length
        ? cards.map((c) => c.element)
        : [h("p", { class: "muted", id: "no-targets" }, "No targets yet: add one below.")]),
    );
    charts = cards.map((c) => c.draw()).filter(Boolean);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(save, async () => {
      const body = targetBody({
        id: id.value,
        name: name.value,
        allPlaces: allPlaces.checked,
        filter: {
          ...Object.fromEntries(Object.entries(selects).map(([key, s]) => [key, s.value])),
          q: q.value,
        },
        kept,
        maxAgeHours: maxAge.value,
        leadHours: lead.value,
        queue: queue.value,
        reason: reason.value,
        dueGroup: dueGroup.value,
        overdueGroup: overdueGroup.value,
      });
      const { target } = await api.post("saveFreshnessTarget", body);
      say(`Saved target “${target.name}”.`);
      formTitle.textContent = `Edit target “${target.name}”`;
      id.value = target.id;
      id.readOnly = true;
      kept = setKeys(target.filter);
      await load();
    });
  });
  fresh.addEventListener("click", () => {
    message.hidden = true;
    startNew();
    name.focus();
  });
  refreshButton.addEventListener("click", () =>
    guarded(refreshButton, async () => {
      refreshResult.hidden = true;
      const answer = await api.post("refreshQueue", {});
      refreshResult.textContent = describeRefresh(answer);
      refreshResult.hidden = false;
      await load();
    }),
  );

  view.replaceChildren(
    h("h1", {}, "Freshness"),
    h(
      "p",
      { class: "muted" },
      "A target keeps the places it covers called often enough that their latest report is younger than its max age.",
    ),
    h("div", { class: "row freshness-bar" }, headline, refreshButton),
    refreshResult,
    asOfText,
    list,
    message,
    form,
  );
  options(dueGroup, GROUPS);
  options(overdueGroup, GROUPS);
  options(queue, [["default", "default"]]);
  startNew();

  guarded(null, load);
  guarded(null, async () => {
    const facets = await loadFacets(api);
    fillFacetSelects(selects, facets);
    reasonList.replaceChildren(...facets.reasons.map((r) => h("option", { value: r.name })));
    for (const select of [dueGroup, overdueGroup]) {
      const chosen = select.value;
      options(select, facets.groups, chosen);
      selectValue(select, chosen);
    }
  });
  guarded(null, async () => {
    const { queues } = await api.get("listQueues");
    const chosen = queue.value;
    options(
      queue,
      queues.map((each) => [each.name, each.name]),
      chosen,
    );
    selectValue(queue, chosen);
  });
  return () => {
    for (const chart of charts) chart.destroy();
  };
}
