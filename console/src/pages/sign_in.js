// The page for signed-out people, and the one for signed-in people who are not staff.
import { signInMessage, signInWithGoogle, signInWithPassword, signOutUser } from "../auth.js";
import { guarded } from "../notice.js";
import { h } from "../dom.js";

export function renderSignIn(view, { auth, config }) {
  const error = h("p", { class: "error-text", role: "alert", hidden: true });
  const email = h("input", {
    type: "email",
    name: "email",
    autocomplete: "username",
    required: true,
  });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card narrow", id: "sign-in" },
    h("h1", {}, "Staff sign-in"),
    config.authEmulatorUrl
      ? h("p", { class: "muted" }, "Local stack: accounts live in the Auth emulator.")
      : null,
    h("label", {}, "E-mail", email),
    h("label", {}, "Password", password),
    submit,
    error,
  );
  const fail = (e) => {
    error.textContent = signInMessage(e);
    error.hidden = false;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.hidden = true;
    guarded(submit, () => signInWithPassword(auth, email.value, password.value).catch(fail));
  });
  if (config.googleSignIn) {
    const google = h("button", { type: "button", class: "secondary" }, "Sign in with Google");
    google.addEventListener("click", () =>
      guarded(google, () => signInWithGoogle(auth).catch(fail)),
    );
    form.append(h("p", { class: "or" }, "or"), google);
  }
  view.replaceChildren(form);
  email.focus();
}

export function renderNotAuthorised(view, { auth, who }) {
  const out = h("button", { type: "button" }, "Sign out");
  out.addEventListener("click", () => signOutUser(auth));
  view.replaceChildren(
    h(
      "section",
      { class: "card narrow", id: "not-authorised" },
      h("h1", {}, "Not authorised"),
      h(
        "p",
        {},
        `You are signed in as ${who.email ?? who.uid}, which does not have the staff role. `,
        "The console is for staff only; ask an administrator to grant you the role, then sign in again.",
      ),
      out,
    ),
  );
}
