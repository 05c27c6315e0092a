// Queues: who may draw from each, the order callers fall through them, and the backfill
// minimum. Saving a name that exists replaces that queue; `default` is there unsaved.
import { field, h, when } from "../dom.js";
import { guarded } from "../notice.js";

const groupsOf = (text) =>
  text
    .split(",")
    .map((g) => g.trim().toLowerCase())
    .filter(Boolean);

export function mountQueues(view, { api }) {
  const name = h("input", { name: "name", required: true, placeholder: "e.g. spanish" });
  const description = h("input", { name: "description", placeholder: "What it is for" });
  const groups = h("input", {
    name: "groups",
    placeholder: "trainee, spanish (empty: every caller)",
  });
  const order = h("input", { name: "order", type: "number", min: 0, value: 0 });
  const backfill = h("input", { name: "backfill_min", type: "number", min: 0, value: 0 });
  const save = h("button", { type: "submit", id: "save-queue" }, "Save queue");
  const saved = h("p", {
    id: "queue-saved",
    class: "success",
    hidden: true,
    "aria-live": "polite",
  });
  const form = h(
    "form",
    { class: "card action", id: "queue-form" },
    h("h2", {}, "Create or edit a queue"),
    h(
      "div",
      { class: "row" },
      field("Name", name),
      field("Description", description),
      field("Caller groups", groups),
      field("Order", order),
      field("Backfill minimum", backfill),
      save,
    ),
    saved,
  );
  const body = h("tbody", {});
  const list = h(
    "table",
    { class: "plain wide", id: "queues" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Order", "Name", "Description", "Caller groups", "Backfill minimum", "Updated", ""].map(
          (t) => h("th", {}, t),
        ),
      ),
    ),
    body,
  );
  view.replaceChildren(
    h("h1", {}, "Queues"),
    h(
      "p",
      { class: "muted" },
      "Callers draw from the queues open to one of their groups, lowest order first; a queue without groups is open to every caller. Below its backfill minimum a queue is refilled with the places reported on longest ago.",
    ),
    list,
    form,
  );

  function edit(queue) {
    name.value = queue.name;
    description.value = queue.description;
    groups.value = queue.groups.join(", ");
    order.value = queue.order;
    backfill.value = queue.backfill_min;
    name.focus();
  }

  function row(queue) {
    const button = h("button", { type: "button", class: "link", "data-action": "edit" }, "Edit");
    button.addEventListener("click", () => edit(queue));
    return h(
      "tr",
      { "data-queue": queue.name },
      [
        String(queue.order),
        queue.name,
        queue.description,
        queue.groups.length ? queue.groups.join(", ") : "every caller",
        queue.backfill_min ? String(queue.backfill_min) : "off",
        queue.updated_at ? `${when(queue.updated_at)} by ${queue.updated_by}` : "",
      ].map((t) => h("td", {}, t)),
      h("td", {}, button),
    );
  }

  async function load() {
    const { queues } = await api.get("listQueues");
    body.replaceChildren(...queues.map(row));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(save, async () => {
      const answer = await api.post("saveQueue", {
        name: name.value.trim(),
        description: description.value.trim(),
        groups: groupsOf(groups.value),
        order: Number(order.value || 0),
        backfill_min: Number(backfill.value || 0),
      });
      saved.textContent = `Saved queue “${answer.name}”.`;
      saved.hidden = false;
      await load();
    });
  });

  guarded(null, load);
}
