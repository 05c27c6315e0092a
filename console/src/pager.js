// Server-side cursor paging: the server hands out a token for the page after the one it
// answered, so going back means remembering the tokens of the pages already seen.
import { count, h } from "./dom.js";
import { guarded } from "./notice.js";

// noun: a word for any count, or [one, many]. pageSize() is asked on every render: the
// person may change it between pages.
export function createPager({ fetchPage, onPage, noun, pageSize }) {
  let tokens = [null];
  let page = 0;
  let total = 0;
  const label = h("span", { class: "pager-label" });
  const prev = h(
    "button",
    { type: "button", class: "secondary", "data-action": "prev-page" },
    "‹ Previous",
  );
  const next = h(
    "button",
    { type: "button", class: "secondary", "data-action": "next-page" },
    "Next ›",
  );
  const element = h("div", { class: "pager" }, prev, label, next);

  function render() {
    const pages = Math.max(1, Math.ceil(total / pageSize()));
    const words = Array.isArray(noun) ? noun[total === 1 ? 0 : 1] : noun;
    label.textContent = `Page ${page + 1} of ${count(pages)} · ${count(total)} ${words}`;
    prev.disabled = page === 0;
    next.disabled = !tokens[page + 1];
  }

  // Filters change faster than pages arrive: only the answer to the latest request is shown.
  let latest = 0;

  // Throws on failure (after putting the pager back on the page it was showing).
  async function go(to) {
    const from = page;
    const ticket = ++latest;
    prev.disabled = next.disabled = true;
    try {
      const answer = await fetchPage(tokens[to]);
      if (ticket !== latest) return undefined;
      page = to;
      tokens[page + 1] = answer.next_page_token ?? null;
      total = answer.total ?? 0;
      await onPage(answer);
      return answer;
    } catch (error) {
      page = from;
      if (ticket === latest) throw error;
      return undefined;
    } finally {
      if (ticket === latest) render();
    }
  }

  prev.addEventListener("click", () => guarded(null, () => go(page - 1)));
  next.addEventListener("click", () => guarded(null, () => go(page + 1)));

  return {
    element,
    // A new filter starts again from the first page.
    reset() {
      tokens = [null];
      return go(0);
    },
    reload: () => go(page),
    get total() {
      return total;
    },
  };
}
