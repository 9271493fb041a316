// A small hash router: "#/patrol/new" -> the route whose pattern is "/patrol/new". Hash URLs keep
// every screen at "/" for the server and the service worker, so deep links work offline.
// A route either has `view` (bundled) or `load` (a lazy chunk, for screens most users never open).
import type { ComponentType } from "preact";
import type { Role } from "./api";
import { value } from "./store";

export type Params = Record<string, string>;
export interface Route {
  path: string; // "/records/:kind/:id"
  view?: ComponentType<{ params: Params }>;
  load?: () => Promise<{ default: ComponentType<{ params: Params }> }>;
  roles?: Role[]; // who may open it; all roles when absent
  nav?: { label: () => string; icon?: string; order?: number }; // listed in the menu when present
}

function current(): string {
  const h = location.hash.replace(/^#/, "");
  return h.startsWith("/") ? h : "/";
}

export const path = value<string>(current());
let shown = current(); // the address on screen, with a query added quietly (replaceQuietly)

/**
 * A screen that must not be left without asking (a form with unsaved changes) sets a guard: given
 * where the user is going, it answers true to let them go now, or false to stay, put the address
 * back and ask (it calls go() itself once they agree).
 */
type LeaveGuard = (to: string) => boolean;
let leaveGuard: LeaveGuard | null = null;
export function setLeaveGuard(guard: LeaveGuard): () => void {
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

window.addEventListener("hashchange", () => {
  const to = current();
  if (leaveGuard && to.split("?")[0] !== shown.split("?")[0] && !leaveGuard(to)) {
    history.replaceState(null, "", `#${shown}`);
    return;
  }
  shown = to;
  path.set(to);
});

export function go(to: string, replace = false): void {
  const url = `#${to}`;
  if (replace) {
    history.replaceState(null, "", url);
    shown = current();
    path.set(shown);
  } else location.hash = to;
}

/** Changes the address without changing the screen (a new form names its draft, for a reload). */
export function replaceQuietly(to: string): void {
  history.replaceState(null, "", `#${to}`);
  shown = current();
}

/** A parameter of the address as it is now, quiet changes included. */
export function addressParam(name: string): string | null {
  return new URLSearchParams(current().split("?")[1] ?? "").get(name);
}

export function match(routes: Route[], p: string, role: Role | undefined): { route: Route; params: Params } | null {
  const parts = p.split("?")[0].split("/").filter(Boolean);
  for (const route of routes) {
    if (route.roles && (!role || !route.roles.includes(role))) continue;
    const want = route.path.split("/").filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Params = {};
    if (
      want.every((w, i) =>
        w.startsWith(":") ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i],
      )
    )
      return { route, params };
  }
  return null;
}

/** Query string of the current hash: "#/visit/new?subject=..." -> {subject: "..."}. */
export function query(): Params {
  const q = path.get().split("?")[1] ?? "";
  return Object.fromEntries(new URLSearchParams(q));
}
