// Freshness targets in words: the shares, ages, forecast and refresh answers the Freshness
// page and the Overview show, and a target's form values as saveFreshnessTarget takes them.
// Pure functions of the server's answers (and its `as_of`), so they are tested with tables.
import { count, plural } from "./dom.js";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

// A share as a whole percent that never rounds to a claim the figures do not make: 99.6%
// with one place overdue is "99%", not "100%"; one place in a thousand within is "1%".
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return "–";
  let whole = Math.round(share * 100);
  if (whole >= 100 && share < 1) whole = 99;
  if (whole <= 0 && share > 0) whole = 1;
  return `${whole}%`;
}

// The Overview's and the Freshness page's one line: "83% of places within target; 41 overdue".
export function headlineText(headline) {
  return `${percent(headline.share_within)} of places within target; ${count(headline.overdue)} overdue`;
}

// A span of time, coarse enough to read at a glance: "45 min", "3 h 20 min", "2 d 4 h".
export function span(ms) {
  const minutes = Math.max(0, Math.round(ms / MINUTE_MS));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

const FILTER_PARTS = [
  ["state", "state"],
  ["county", "county"],
  ["location_type", "type"],
  ["affiliation", "affiliation"],
];

// The places a target covers, as the Locations page's filter names them.
export function describeFilter(filter) {
  const parts = [];
  for (const [key, label] of FILTER_PARTS) {
    if (filter?.[key]) parts.push(`${label} ${filter[key]}`);
  }
  if (filter?.q) parts.push(`name starts with “${filter.q}”`);
  if (filter?.callable_state) parts.push(`callable: ${filter.callable_state.replaceAll("_", " ")}`);
  if (filter?.queued === true) parts.push("queued");
  if (filter?.queued === false || filter?.not_queued) parts.push("not queued");
  return parts.length ? parts.join(", ") : "All places";
}

// The oldest report and the places never reported on: "oldest report 5 d 3 h ago; never
// reported: 12". `oldest_report_at` is null when some place was never reported on.
export function describeOldest(figures, asOf) {
  if (!figures.places) return "no places match";
  const parts = [];
  if (figures.oldest_report_at) {
    parts.push(
      `oldest report ${span(Date.parse(asOf) - Date.parse(figures.oldest_report_at))} ago`,
    );
  }
  if (figures.never_reported) parts.push(`never reported: ${count(figures.never_reported)}`);
  return parts.join("; ") || "every place reported on";
}

export const NO_RATE = "No calls completed in the last hour";

// The forecast as lines: the rate it rests on, when each priority group empties (most urgent
// first, as the server lists them), and how many places will be too old before anyone calls.
export function describeForecast(forecast, asOf) {
  const rate = forecast.calls_per_hour ?? 0;
  const stopped = rate <= 0;
  const now = Date.parse(asOf);
  const rateText = stopped
    ? `${NO_RATE}: at this rate no group empties.`
    : `At ${plural(rate, "completed call")} an hour (the last hour's rate):`;
  const groups = (forecast.groups ?? []).map((g) => {
    const open = plural(g.open, "open entry", "open entries");
    let empties;
    if (stopped || !g.empties_at) empties = "does not empty";
    else if (Date.parse(g.empties_at) <= now) empties = "empty now";
    else empties = `empties in ${span(Date.parse(g.empties_at) - now)}`;
    return { group: g.group, open: g.open, text: `Group ${g.group}: ${open}, ${empties}` };
  });
  const late = forecast.will_pass_before_reached ?? 0;
  const lateText = `${plural(late, "place")} will pass ${late === 1 ? "its" : "their"} max age before a caller can reach ${late === 1 ? "it" : "them"}.`;
  return { stopped, rate: rateText, groups, late: lateText };
}

// refreshQueue's answer: "Refreshed 2 targets: added 120, raised 8, 30 closed left out; 900
// were already queued."
export function describeRefresh(answer) {
  const text =
    `Refreshed ${plural(answer.targets ?? 0, "target")}: added ${count(answer.added ?? 0)}, ` +
    `raised ${count(answer.raised ?? 0)}, ${count(answer.skipped_closed ?? 0)} closed left out; ` +
    `${count(answer.already_queued ?? 0)} ${answer.already_queued === 1 ? "was" : "were"} already queued.`;
  const parts = [text];
  // Not in every answer: targets another run of the same 10-minute slot had refreshed.
  if (answer.fenced) {
    parts.push(
      `${plural(answer.fenced, "target")} had already been refreshed in this 10-minute slot: nothing done for ${answer.fenced === 1 ? "it" : "them"}.`,
    );
  }
  if (answer.more) parts.push("The per-run cap was reached: the next run goes on.");
  return parts.join(" ");
}

// A filter's keys that say something (an answer may spell an unset key as null).
export function setKeys(filter) {
  return Object.fromEntries(
    Object.entries(filter ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== ""),
  );
}

const dayLabel = (day) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

// The 7-day chart's labels and values (percent, one decimal), oldest day first.
export function historySeries(history) {
  return {
    labels: (history ?? []).map((d) => dayLabel(d.day)),
    values: (history ?? []).map((d) => Math.round(d.share_within * 1000) / 10),
  };
}

const FILTER_KEYS = ["state", "county", "location_type", "affiliation", "q"];

// The form's values as saveFreshnessTarget's body. `allPlaces` sends the empty filter; `kept`
// carries filter keys the form does not show (set through the API) through an edit unchanged.
export function targetBody(values) {
  const filter = {};
  if (!values.allPlaces) {
    for (const [key, value] of Object.entries(values.kept ?? {})) {
      if (!FILTER_KEYS.includes(key)) filter[key] = value;
    }
    for (const key of FILTER_KEYS) {
      const value = (values.filter?.[key] ?? "").trim();
      if (value) filter[key] = value;
    }
  }
  const id = (values.id ?? "").trim();
  return {
    ...(id ? { id } : {}),
    name: values.name.trim(),
    filter,
    max_age_hours: Number(values.maxAgeHours),
    lead_hours: Number(values.leadHours),
    queue: values.queue,
    reason: values.reason.trim() || "Stale report",
    due_group: Number(values.dueGroup),
    overdue_group: Number(values.overdueGroup),
  };
}
