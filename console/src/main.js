// Boot: read the runtime config, sign in, ask the server whether this person is staff, then
// show the page the address names (#/overview, #/locations, #/queue, #/bulk-adds,
// #/queues, #/callers, #/caller-statistics, #/reviews, #/freshness, #/export).
import "tabulator-tables/dist/css/tabulator_simple.min.css";
import "./styles.css";
import { createApi } from "./api.js";
import { startAuth, signOutUser, watchUser } from "./auth.js";
import { loadConfig } from "./config.js";
import { h } from "./dom.js";
import { clearNotice, showError } from "./notice.js";
import { mountBulkAdds } from "./pages/bulk_adds.js";
import { mountCallers } from "./pages/callers.js";
import { mountCallerStatistics } from "./pages/caller_statistics.js";
import { mountExports } from "./pages/exports.js";
import { mountFreshness } from "./pages/freshness.js";
import { mountLocations } from "./pages/locations.js";
import { mountOverview } from "./pages/overview.js";
import { mountQueue } from "./pages/queue.js";
import { mountQueues } from "./pages/queues.js";
import { mountReviews } from "./pages/reviews.js";
import { renderNotAuthorised, renderSignIn } from "./pages/sign_in.js";

const PAGES = {
  overview: mountOverview,
  locations: mountLocations,
  queue: mountQueue,
  "bulk-adds": mountBulkAdds,
  queues: mountQueues,
  callers: mountCallers,
  "caller-statistics": mountCallerStatistics,
  reviews: mountReviews,
  freshness: mountFreshness,
  export: mountExports,
};

const view = document.getElementById("view");
let unmount = null;

function leavePage() {
  if (unmount) unmount();
  unmount = null;
}

function showChrome(who) {
  document.getElementById("nav").hidden = !who;
  document.getElementById("who").hidden = !who;
  document.getElementById("who-email").textContent = who?.email ?? "";
}

function route(context) {
  leavePage();
  clearNotice();
  const name = location.hash.replace(/^#\/?/, "") || "overview";
  const mount = PAGES[name];
  if (!mount) {
    location.replace("#/overview");
    return;
  }
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.getAttribute("href") === `#/${name}`);
  }
  document.body.dataset.page = name;
  view.replaceChildren();
  unmount = mount(view, context) ?? null;
}

async function boot() {
  const config = await loadConfig();
  const auth = startAuth(config);
  const api = createApi(config.functionsBaseUrl, () => auth.currentUser.getIdToken());
  let onHash = null;
  document.getElementById("sign-out").addEventListener("click", () => signOutUser(auth));

  watchUser(auth, async (user) => {
    leavePage();
    if (onHash) window.removeEventListener("hashchange", onHash);
    onHash = null;
    showChrome(null);
    if (!user) {
      document.body.dataset.page = "sign-in";
      renderSignIn(view, { auth, config });
      return;
    }
    view.replaceChildren(h("p", { class: "muted" }, "Checking your access…"));
    let who;
    try {
      who = await api.get("checkAuth");
    } catch (error) {
      showError(error);
      return;
    }
    if (!who.authorizedStaff) {
      document.body.dataset.page = "not-authorised";
      renderNotAuthorised(view, { auth, who });
      return;
    }
    showChrome(who);
    const context = { api, config, who };
    onHash = () => route(context);
    window.addEventListener("hashchange", onHash);
    route(context);
  });
}

boot().catch((error) => {
  view.replaceChildren(
    h("section", { class: "card narrow" }, h("h1", {}, "The console could not start")),
  );
  showError(error);
});
