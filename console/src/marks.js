// Do-not-call marks as the server takes them (updateLocations): 500 locations per call,
// by ids or by a filter walked with its cursor. An action is {action, reason?} plus either
// `ids` or a `filter` ("all N matching").
import { count, plural } from "./dom.js";

export const CHUNK = 500;

const ZERO = { matched: 0, changed: 0, unchanged: 0, closed: 0, not_found: [] };

function sum(totals, answer) {
  return {
    matched: totals.matched + (answer.matched ?? 0),
    changed: totals.changed + (answer.changed ?? 0),
    unchanged: totals.unchanged + (answer.unchanged ?? 0),
    closed: totals.closed + (answer.closed ?? 0),
    not_found: [...totals.not_found, ...(answer.not_found ?? [])],
  };
}

const base = (mark) => ({
  action: mark.action,
  ...(mark.action === "do_not_call" ? { reason: mark.reason } : {}),
});

// Runs the action call by call (dry_run: counts only), reporting the running totals.
export async function applyMark(api, mark, onProgress = () => {}, dryRun = false) {
  let totals = ZERO;
  if (mark.filter) {
    let cursor = null;
    do {
      const answer = await api.post("updateLocations", {
        ...base(mark),
        filter: mark.filter,
        limit: CHUNK,
        cursor,
        dry_run: dryRun,
      });
      totals = sum(totals, answer);
      cursor = answer.next_cursor ?? null;
      onProgress(totals);
    } while (cursor);
    return totals;
  }
  for (let i = 0; i < mark.ids.length; i += CHUNK) {
    const answer = await api.post("updateLocations", {
      ...base(mark),
      location_ids: mark.ids.slice(i, i + CHUNK),
      dry_run: dryRun,
    });
    totals = sum(totals, answer);
    onProgress(totals);
  }
  return totals;
}

export function describeMark(totals, mark, dryRun = false) {
  const verb = (n) => (dryRun ? "will be" : n === 1 ? "was" : "were");
  const state = mark.action === "do_not_call" ? "marked do-not-call" : "made callable again";
  const parts = [`${count(totals.changed)} ${verb(totals.changed)} ${state}`];
  if (totals.unchanged) {
    parts.push(`${count(totals.unchanged)} already ${totals.unchanged === 1 ? "was" : "were"}`);
  }
  if (totals.closed) {
    parts.push(
      `${plural(totals.closed, "open queue entry", "open queue entries")} ${verb(totals.closed)} closed`,
    );
  }
  if (totals.not_found.length) parts.push(`${count(totals.not_found.length)} not found`);
  return `Of ${plural(totals.matched, "selected location")}: ${parts.join("; ")}.`;
}
