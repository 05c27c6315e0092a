// A bulk add as the server takes it: at most 500 locations per call, every call after the
// first naming the first one's bulk_id so that together they form one bulk add (one undo).
// An action is {reason, priorityGroup, queue?} plus either `ids` or a `filter` ("all N matching").
import { count, plural } from "./dom.js";

export const CHUNK = 500;

const ZERO = {
  added: 0,
  raised: 0,
  already_queued: 0,
  needs_attention: 0,
  not_callable: 0,
  matched: 0,
  not_found: [],
};

function sum(totals, answer) {
  return {
    added: totals.added + (answer.added ?? 0),
    raised: totals.raised + (answer.raised ?? 0),
    already_queued: totals.already_queued + (answer.already_queued ?? 0),
    needs_attention: totals.needs_attention + (answer.needs_attention ?? 0),
    not_callable: totals.not_callable + (answer.not_callable ?? 0),
    matched: totals.matched + (answer.matched ?? 0),
    not_found: [...totals.not_found, ...(answer.not_found ?? [])],
    reason: answer.reason ?? totals.reason,
    priority_group: answer.priority_group ?? totals.priority_group,
    bulk_id: totals.bulk_id ?? answer.bulk_id ?? null,
  };
}

function chunks(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(ids.slice(i, i + CHUNK));
  return out;
}

const base = (action) => ({
  reason: action.reason,
  priority_group: action.priorityGroup,
  ...(action.queue ? { queue: action.queue } : {}),
});

// What the add would do, written nowhere.
export async function dryRun(api, action) {
  if (action.filter) {
    return sum(
      ZERO,
      await api.post("bulkEnqueue", { ...base(action), filter: action.filter, dry_run: true }),
    );
  }
  let totals = ZERO;
  for (const ids of chunks(action.ids)) {
    totals = sum(
      totals,
      await api.post("bulkEnqueue", { ...base(action), location_ids: ids, dry_run: true }),
    );
  }
  return totals;
}

// Writes the add call by call, reporting the running totals after each.
export async function write(api, action, onProgress) {
  let totals = { ...ZERO, bulk_id: null };
  if (action.filter) {
    let cursor = null;
    do {
      const answer = await api.post("bulkEnqueue", {
        ...base(action),
        filter: action.filter,
        limit: CHUNK,
        cursor,
        bulk_id: totals.bulk_id,
      });
      totals = sum(totals, answer);
      cursor = answer.next_cursor ?? null;
      onProgress(totals);
    } while (cursor);
  } else {
    for (const ids of chunks(action.ids)) {
      const answer = await api.post("bulkEnqueue", {
        ...base(action),
        location_ids: ids,
        bulk_id: totals.bulk_id,
      });
      totals = sum(totals, answer);
      onProgress(totals);
    }
  }
  return totals;
}

// Places without a phone number or marked do-not-call are never queued (said only when any are).
function notCallablePart(totals) {
  if (!totals.not_callable) return [];
  return [
    `${count(totals.not_callable)} cannot be called (no phone number, or marked do-not-call)`,
  ];
}

// Queued places in a less urgent group are raised to the action's group (said only when any are).
function raisedPart(totals, verb, group) {
  if (!totals.raised) return [];
  return [`${count(totals.raised)} already queued ${verb} raised to group ${group}`];
}

export function describeDryRun(totals, action) {
  const parts = [
    `${count(totals.added)} will be added to the queue with reason “${totals.reason ?? action.reason}” in group ${action.priorityGroup}`,
    ...raisedPart(totals, "will be", action.priorityGroup),
    `${count(totals.already_queued)} ${totals.already_queued === 1 ? "is" : "are"} already queued`,
    `${count(totals.needs_attention)} ${totals.needs_attention === 1 ? "needs" : "need"} attention`,
    ...notCallablePart(totals),
  ];
  if (totals.not_found.length) parts.push(`${count(totals.not_found.length)} no longer exist`);
  return `Of ${plural(totals.matched, "selected location")}: ${parts.join("; ")}.`;
}

export function describeResult(totals) {
  const parts = [
    `Added ${plural(totals.added, "location")} with reason ${totals.reason}`,
    ...raisedPart(totals, "were", totals.priority_group),
    `${count(totals.already_queued)} ${totals.already_queued === 1 ? "was" : "were"} already queued`,
    `${count(totals.needs_attention)} ${totals.needs_attention === 1 ? "needs" : "need"} attention`,
    ...notCallablePart(totals),
  ];
  if (totals.not_found.length) parts.push(`${count(totals.not_found.length)} not found`);
  return `${parts.join("; ")}.`;
}
