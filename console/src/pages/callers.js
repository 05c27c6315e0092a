// Callers: everyone with the caller role and their groups, which decide the queues they
// draw from (see Queues). Saving replaces the caller's whole list of groups.
import { h } from "../dom.js";
import { guarded } from "../notice.js";

const groupsOf = (text) =>
  text
    .split(",")
    .map((g) => g.trim().toLowerCase())
    .filter(Boolean);

export function mountCallers(view, { api }) {
  const body = h("tbody", {});
  const more = h("button", { type: "button", id: "more-callers", hidden: true }, "More callers");
  const list = h(
    "table",
    { class: "plain wide", id: "callers" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Caller", "Groups", ""].map((t) => h("th", {}, t)),
      ),
    ),
    body,
  );
  view.replaceChildren(
    h("h1", {}, "Callers"),
    h(
      "p",
      { class: "muted" },
      "Groups are comma-separated names such as trainee, experienced or spanish. A caller without groups draws only from queues open to every caller.",
    ),
    list,
    more,
  );

  function row(caller) {
    const who = caller.email ?? caller.uid;
    const groups = h("input", {
      name: "groups",
      value: caller.groups.join(", "),
      "aria-label": `Groups of ${who}`,
    });
    const save = h("button", { type: "button", "data-action": "save" }, "Save groups");
    const done = h("span", { class: "success", hidden: true }, "Saved");
    save.addEventListener("click", () =>
      guarded(save, async () => {
        const answer = await api.post("setCallerGroups", {
          uid: caller.uid,
          groups: groupsOf(groups.value),
        });
        groups.value = answer.groups.join(", ");
        done.hidden = false;
      }),
    );
    groups.addEventListener("input", () => (done.hidden = true));
    return h(
      "tr",
      { "data-uid": caller.uid },
      h("td", {}, who),
      h("td", {}, groups),
      h("td", {}, save, " ", done),
    );
  }

  let token = null;
  async function load(append) {
    const answer = await api.get("listCallers", { page_token: append ? token : undefined });
    token = answer.next_page_token;
    const rows = answer.callers.map(row);
    if (append) body.append(...rows);
    else
      body.replaceChildren(
        ...(rows.length
          ? rows
          : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No callers yet."))]),
      );
    more.hidden = !token;
  }
  more.addEventListener("click", () => guarded(more, () => load(true)));

  guarded(null, () => load(false));
}
