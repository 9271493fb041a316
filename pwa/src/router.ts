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
window.addEventListener("hashchange", () => path.set(current()));

export function go(to: string, replace = false): void {
  const url = `#${to}`;
  if (replace) {
    history.replaceState(null, "", url);
    path.set(current());
  } else location.hash = to;
}

export function match(routes: Route[], p: string, role: Role | undefined): { route: Route; params: Params } | null {
  const parts = p.split("?")[0].split("/").filter(Boolean);
  for (const route of routes) {
    if (route.roles && (!role || !route.roles.includes(role))) continue;
    const want = route.path.split("/").filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Params = {};
    if (want.every((w, i) => (w.startsWith(":") ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i])))
      return { route, params };
  }
  return null;
}

/** Query string of the current hash: "#/visit/new?subject=..." -> {subject: "..."}. */
export function query(): Params {
  const q = path.get().split("?")[1] ?? "";
  return Object.fromEntries(new URLSearchParams(q));
}
