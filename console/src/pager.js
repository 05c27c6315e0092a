// Server-side cursor paging: the server hands out a token for the page after the one it
// answered, so going back means remembering the tokens of the pages already seen.
import { count, h } from "./dom.js";
import { guarded } from "./notice.js";

// pageSize() is asked on every render: the person may change it between pages.
export function createPager({ fetchPage, onPage, noun, pageSize }) {
  let tokens = [null];
  let page = 0;
  let total = 0;
  const label = h("span", { class: "pager-label" });
  const prev = h("button", { type: "button", class: "secondary", "data-action": "prev-page" }, "‹ Previous");
  const next = h("button", { type: "button", class: "secondary", "data-action": "next-page" }, "Next ›");
  const element = h("div", { class: "pager" }, prev, label, next);

  function render() {
    const pages = Math.max(1, Math.ceil(total / pageSize()));
    label.textContent = `Page ${page + 1} of ${count(pages)} · ${count(total)} ${noun}`;
    prev.disabled = page === 0;
    next.disabled = !tokens[page + 1];
  }

  // Throws on failure (after putting the pager back on the page it was showing).
  async function go(to) {
    const from = page;
    prev.disabled = next.disabled = true;
    try {
      const answer = await fetchPage(tokens[to]);
      page = to;
      tokens[page + 1] = answer.next_page_token ?? null;
      total = answer.total ?? 0;
      await onPage(answer);
      return answer;
    } catch (error) {
      page = from;
      throw error;
    } finally {
      render();
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
