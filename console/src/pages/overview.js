// Overview: how big the queue is by status and by group, and claims and reports per hour
// over the last day; refreshed periodically while the page is open.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { count, h } from "../dom.js";
import { headlineText } from "../freshness.js";
import { guarded } from "../notice.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const STATUS_CARDS = [
  ["available", "Available"],
  ["claimed", "Claimed"],
  ["scheduled", "Scheduled for later"],
  ["needs_attention", "Needs attention"],
];

const hourLabel = (iso) =>
  new Date(iso).toLocaleTimeString("en-US", { hour: "numeric", hour12: false, minute: "2-digit" });

export function mountOverview(view, { api, config }) {
  const card = (id, label) =>
    h(
      "div",
      { class: "stat", "data-stat": id },
      h("span", { class: "stat-value" }, "–"),
      h("span", { class: "stat-label" }, label),
    );
  const cards = h(
    "section",
    { class: "stats", id: "status-counts" },
    card("open", "Open entries"),
    STATUS_CARDS.map(([id, label]) => card(id, label)),
  );
  const groups = h("table", { class: "plain", id: "group-counts" });
  const canvas = h("canvas", {
    id: "per-hour-chart",
    height: 220,
    role: "img",
    "aria-label": "Claims and reports per hour, last 24 hours",
  });
  // The chart's numbers as text, for screen readers and for anyone who wants exact figures.
  const perHour = h("table", { class: "plain", id: "per-hour-table" });
  const updated = h("p", { class: "muted", id: "overview-updated" });
  // Shown once any freshness target exists: the Freshness page's headline, linking there.
  const freshness = h("a", { href: "#/freshness", id: "freshness-headline" });
  const freshnessLine = h("p", { class: "headline", hidden: true }, freshness);
  view.replaceChildren(
    h("h1", {}, "Overview"),
    freshnessLine,
    cards,
    h(
      "div",
      { class: "two" },
      h("section", { class: "card" }, h("h2", {}, "By priority group"), groups),
      h(
        "section",
        { class: "card grow" },
        h("h2", {}, "Claims and reports per hour, last 24 hours"),
        canvas,
        h("details", {}, h("summary", {}, "As a table"), perHour),
      ),
    ),
    updated,
  );

  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: [],
      datasets: [
        { label: "Claims", data: [], backgroundColor: "#3b6fd4" },
        { label: "Reports", data: [], backgroundColor: "#2f9e6b" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  function show(o) {
    const stat = (id, value) => {
      cards.querySelector(`[data-stat="${id}"] .stat-value`).textContent = count(value ?? 0);
    };
    stat("open", o.open);
    freshnessLine.hidden = !o.freshness;
    freshness.textContent = o.freshness ? headlineText(o.freshness) : "";
    for (const [id] of STATUS_CARDS) stat(id, o.by_status?.[id]);
    groups.replaceChildren(
      h("thead", {}, h("tr", {}, h("th", {}, "Group"), h("th", {}, "Open entries"))),
      h(
        "tbody",
        {},
        Object.entries(o.by_group ?? {}).map(([g, n]) =>
          h("tr", { "data-group": g }, h("td", {}, g), h("td", {}, count(n))),
        ),
      ),
    );
    chart.data.labels = o.per_hour.map((p) => hourLabel(p.hour));
    chart.data.datasets[0].data = o.per_hour.map((p) => p.claims);
    chart.data.datasets[1].data = o.per_hour.map((p) => p.reports);
    chart.update();
    perHour.replaceChildren(
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Hour (UTC)", "Claims", "Reports"].map((t) => h("th", {}, t)),
        ),
      ),
      h(
        "tbody",
        {},
        o.per_hour.map((p) =>
          h(
            "tr",
            { "data-hour": p.hour },
            h("td", {}, p.hour.slice(0, 16).replace("T", " ")),
            h("td", {}, count(p.claims)),
            h("td", {}, count(p.reports)),
          ),
        ),
      ),
    );
    updated.textContent = `Updated ${new Date(o.generated_at).toLocaleTimeString("en-US")}; refreshes every ${config.overviewRefreshSeconds} s.`;
  }

  const refresh = () => guarded(null, async () => show(await api.get("queueOverview")));
  refresh();
  const timer = setInterval(refresh, config.overviewRefreshSeconds * 1000);
  return () => {
    clearInterval(timer);
    chart.destroy();
  };
}
