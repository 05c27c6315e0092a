// One queue entry: who tried it, when, for how long and how it ended, and its reports.
import { panel } from "../dialog.js";
import { duration, h, when } from "../dom.js";

const table = (headings, rows, empty) =>
  rows.length
    ? h(
        "table",
        { class: "plain" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headings.map((t) => h("th", {}, t)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((cells) =>
            h(
              "tr",
              {},
              cells.map((c) => h("td", {}, c ?? "")),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, empty);

export async function showEntry(api, entryId) {
  const { entry, attempts, reports } = await api.get("entryDetails", { entry_id: entryId });
  const facts = [
    ["Location", `${entry.location_name} (${entry.state})`],
    ["Reason", entry.reason],
    ["Priority group", entry.priority_group],
    ["Status", entry.open === false ? "closed" : entry.status],
    ["Holder", entry.holder_email ?? entry.holder ?? "nobody"],
    ["Claimed until", when(entry.claimed_until) || "—"],
    ["Expired leases", entry.expiries ?? 0],
    ["Added", `${when(entry.added_at)} by ${entry.added_by ?? "?"}`],
  ];
  const body = h(
    "div",
    {},
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]),
    ),
    h("h3", {}, "Attempts"),
    table(
      ["#", "Who", "Claimed", "Ended", "How long", "Outcome"],
      attempts.map((a) => [
        String(a.claim_seq),
        a.holder_email ?? a.holder,
        when(a.claimed_at),
        a.ended_at ? when(a.ended_at) : `running until ${when(a.claimed_until)}`,
        duration(a.duration_s),
        a.outcome ?? "in progress",
      ]),
      "Nobody has claimed this entry yet.",
    ),
    h("h3", {}, "Reports"),
    table(
      ["When", "Who", "Availability", "Notes", "Outcome"],
      reports.map((r) => [
        when(r.created_at),
        r.reporter_email ?? r.reported_by,
        (r.availability_names ?? []).join(", "),
        r.notes,
        r.outcome,
      ]),
      "No reports for this entry.",
    ),
  );
  panel({ id: "entry-details", title: `${entry.location_name}: history`, body });
}
