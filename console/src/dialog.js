// Modal questions and panels on <dialog>: focus stays inside, Escape closes them.
import { h } from "./dom.js";

export function ask({ title, text, ok, danger = false }) {
  return new Promise((resolve) => {
    const yes = h(
      "button",
      { type: "button", class: danger ? "danger" : "", "data-answer": "ok" },
      ok,
    );
    const no = h(
      "button",
      { type: "button", class: "secondary", "data-answer": "cancel" },
      "Cancel",
    );
    const dialog = h(
      "dialog",
      { class: "ask" },
      h("h2", {}, title),
      h("p", {}, text),
      h("div", { class: "row" }, yes, no),
    );
    const answer = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    yes.addEventListener("click", () => answer(true));
    no.addEventListener("click", () => answer(false));
    dialog.addEventListener("cancel", () => answer(false));
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

export function panel({ id, title, body }) {
  const close = h(
    "button",
    { type: "button", class: "secondary", "data-action": "close" },
    "Close",
  );
  const dialog = h(
    "dialog",
    { class: "panel", id },
    h("header", {}, h("h2", {}, title), close),
    body,
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
