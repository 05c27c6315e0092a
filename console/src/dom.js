// A tiny element builder: the pages are small enough that a framework would be the bulk.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, value);
    }
  }
  element.append(
    ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false),
  );
  return element;
}

// A labelled form control. The label's text is also its accessible name: a <select> inside
// a <label> would otherwise be named after its options too.
export function field(label, control) {
  if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", label);
  return h("label", { class: "field" }, label, control);
}

export function options(select, choices, selected = "") {
  select.replaceChildren(
    ...choices.map(([value, label]) => {
      const option = h("option", { value }, label);
      option.selected = String(value) === String(selected);
      return option;
    }),
  );
}

const number = new Intl.NumberFormat("en-US");
export const count = (n) => number.format(n);
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

export function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return moment.toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const GROUPS = [
  [1, "1 · critical"],
  [2, "2"],
  [3, "3"],
  [4, "4 · low"],
  [99, "99 · not prioritised"],
];
