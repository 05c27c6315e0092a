// Bulk adds: who added what, when and why; undo removes the entries one added that nobody
// has claimed or reported on yet (the others stay: someone is working on them).
import { ask } from "../dialog.js";
import { count, h, plural, when } from "../dom.js";
import { guarded } from "../notice.js";

export function mountBulkAdds(view, { api }) {
  const body = h("tbody", {});
  const result = h("p", {
    id: "undo-result",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });
  const list = h(
    "table",
    { class: "plain wide", id: "bulk-adds" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["When", "By", "Reason", "Group", "Added", "Undone", ""].map((t) => h("th", {}, t)),
      ),
    ),
    body,
  );
  view.replaceChildren(
    h("h1", {}, "Bulk adds"),
    h(
      "p",
      { class: "muted" },
      "The 20 most recent. Undo takes out what a bulk add put in, except entries a caller has claimed or reported on.",
    ),
    result,
    list,
  );

  function row(add) {
    const undo = h("button", { type: "button", class: "danger", "data-action": "undo" }, "Undo");
    undo.disabled = Boolean(add.undone_at);
    undo.addEventListener("click", () =>
      guarded(undo, async () => {
        const sure = await ask({
          title: "Undo this bulk add?",
          text: `It added ${plural(add.added, "entry", "entries")} with reason “${add.reason}” (${when(add.at)}). The ones nobody has claimed or reported on will be removed.`,
          ok: "Undo",
          danger: true,
        });
        if (!sure) return;
        // The server removes at most 500 per call and says how many are left.
        let removed = 0;
        let kept = 0;
        let answer;
        do {
          answer = await api.post("undoBulkAdd", { bulk_id: add.bulk_id });
          removed += answer.removed;
          kept = answer.kept;
          result.textContent = `Removing… ${count(removed)} so far.`;
          result.hidden = false;
        } while (answer.remaining > 0);
        result.textContent = `Removed ${plural(removed, "entry", "entries")}; ${count(kept)} kept because someone claimed or reported on them.`;
        result.hidden = false;
        await load();
      }),
    );
    const undone = add.undone_at ? `${when(add.undone_at)} (removed ${count(add.removed)})` : "";
    return h(
      "tr",
      { "data-bulk-id": add.bulk_id },
      [
        when(add.at),
        add.email ?? add.by,
        add.reason,
        String(add.priority_group),
        count(add.added),
        undone,
      ].map((t) => h("td", {}, t)),
      h("td", {}, undo),
    );
  }

  async function load() {
    const { bulk_adds: adds } = await api.get("listBulkAdds", { limit: 20 });
    body.replaceChildren(
      ...(adds.length
        ? adds.map(row)
        : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No bulk adds yet."))]),
    );
  }

  guarded(null, load);
}
