// The filter choices (states, counties, types, affiliations, reasons, groups), asked once
// per page visit: they change only when locations are imported or a reason is created.
import { GROUPS } from "./dom.js";

export async function loadFacets(api) {
  const facets = await api.get("locationFacets");
  const known = new Map(GROUPS);
  return {
    ...facets,
    groups: (facets.priority_groups ?? [...known.keys()]).map((g) => [
      g,
      known.get(g) ?? String(g),
    ]),
  };
}

export const choices = (values, anyLabel) => [["", anyLabel], ...values.map((v) => [v, v])];
