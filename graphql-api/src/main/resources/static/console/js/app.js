// The console's shell: sign-in with an API token, the navigation, and a page per route.
import { graphql, session, Live, ApiError } from "./api.js";
import { h, fill } from "./dom.js";
import { rolloutsPage, rolloutPage } from "./rollouts.js";
import { devicesPage, devicePage, firmwarePage, auditPage } from "./fleet.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const status = document.getElementById("live-status");

/** What the page being shown holds open (its subscriptions), closed when the route changes. */
let current = { live: null };

/** The caller, as the API sees it: who, and the scopes this token may use. */
let viewer = null;

const ROUTES = [
  [/^rollouts$/, () => rolloutsPage],
  [/^rollouts\/([^/]+)$/, () => rolloutPage],
  [/^devices$/, () => devicesPage],
  [/^devices\/([^/]+)$/, () => devicePage],
  [/^firmware$/, () => firmwarePage],
  [/^audit$/, () => auditPage],
];

/** Counts navigations: a page whose navigation was overtaken by another stops drawing. */
let navigation = 0;

async function route() {
  const seq = ++navigation;
  if (current.live) {
    current.live.close();
  }
  current = { live: null };
  if (!session.token()) {
    showSignIn();
    return;
  }
  if (!viewer) {
    try {
      const data = await graphql("{ login { viewer { actor kind scopes role } organization { name } } }");
      viewer = { ...data.login.viewer, organization: data.login.organization.name };
    } catch (e) {
      if (seq === navigation) {
        session.signOut();
        showSignIn(e.message);
      }
      return;
    }
  }
  if (seq !== navigation) {
    return;
  }
  showNav();
  const path = location.hash.replace(/^#\/?/, "") || "rollouts";
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      status.textContent = "";
      status.className = "";
      const live = new Live();
      live.onStatus = (s) => {
        status.textContent = s === "live" ? "● live" : "○ reconnecting";
        status.className = s;
      };
      current = { live };
      const context = { live, viewer, can: (scope) => viewer.scopes.includes(scope) };
      // Each navigation draws into a view of its own: a page still loading when the operator
      // moved on writes into its detached view, never over the page shown now.
      const view = h("div", { class: "view" }, h("p", { class: "muted" }, "Loading…"));
      fill(main, view);
      try {
        await page()(view, context, ...match.slice(1).map(decodeURIComponent));
      } catch (e) {
        showError(view, e);
      }
      return;
    }
  }
  fill(main, h("h1", {}, "Not found"), h("p", {}, "No page at #/" + path));
}

function showError(view, e) {
  fill(
    view,
    h("div", { class: "error", role: "alert" },
      h("strong", {}, e instanceof ApiError ? e.code : "ERROR"), " ", e.message),
  );
}

function showSignIn(message) {
  viewer = null;
  fill(nav);
  status.textContent = "";
  const input = h("input", {
    id: "token", type: "password", autocomplete: "off", placeholder: "fmt_…",
    "aria-label": "API token", size: 48,
  });
  const form = h("form", {
    id: "sign-in", class: "card",
    onsubmit: (event) => {
      event.preventDefault();
      if (input.value.trim()) {
        session.signIn(input.value);
        route();
      }
    },
  },
    h("h1", {}, "Sign in"),
    h("p", {}, "Paste an API token of your organization. The console uses it for every request, " +
      "with exactly the scopes it holds; it is kept in this tab only."),
    message ? h("p", { class: "error", role: "alert" }, message) : null,
    input, " ", h("button", { type: "submit" }, "Sign in"));
  fill(main, form);
  input.focus();
}

function showNav() {
  const path = location.hash.replace(/^#\/?/, "").split("/")[0] || "rollouts";
  const item = (route, label) =>
    h("a", { href: "#/" + route, class: path === route ? "active" : null }, label);
  fill(nav,
    item("rollouts", "Rollouts"),
    item("devices", "Devices"),
    item("firmware", "Firmware"),
    viewer.scopes.includes("audit:read") ? item("audit", "Audit log") : null,
    h("span", { class: "who", title: viewer.scopes.join(" ") }, `${viewer.actor} · ${viewer.organization}`),
    h("button", { id: "sign-out", class: "link", onclick: () => {
      session.signOut();
      location.hash = "#/rollouts";
      route();
    } }, "Sign out"));
}

window.addEventListener("hashchange", route);
route();
