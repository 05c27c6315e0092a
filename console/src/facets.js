// The filter choices (states, counties, types, affiliations, reasons, groups), asked once
// per page visit: they change only when locations are imported or a reason is created.
// The Locations page and the Freshness page's target form filter places with the same selects.
import { GROUPS, h, options } from "./dom.js";

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

// A location filter's facet selects: key in the filter, label, facets' list, "any" choice.
export const FILTER_FACETS = [
  ["state", "State", "states", "Any state"],
  ["county", "County", "counties", "Any county"],
  ["location_type", "Type", "location_types", "Any type"],
  ["affiliation", "Affiliation", "affiliations", "Any affiliation"],
];

export function facetSelects() {
  return Object.fromEntries(FILTER_FACETS.map(([key]) => [key, h("select", { name: key })]));
}

// Selects `value`, adding it as a choice when the facets do not (yet) list it: a saved
// filter naming a county must not turn into "any county" while the facets load.
export function selectValue(select, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (![...select.options].some((o) => o.value === text)) {
    select.append(h("option", { value: text }, text));
  }
  select.value = text;
}

// Fills the selects with the facets' values, keeping what each had selected.
export function fillFacetSelects(selects, facets) {
  for (const [key, , list, anyLabel] of FILTER_FACETS) {
    const select = selects[key];
    const kept = select.value;
    options(select, choices(facets[list] ?? [], anyLabel), kept);
    selectValue(select, kept);
  }
}
