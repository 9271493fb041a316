// The menu entries a role may open: screens that carry a `nav` entry. The shell registers the
// supervisor extension's routes here (app.tsx), so the field home (which lists them too) reads
// them without leaning on supervisor/.
import type { Role } from "./api";
import type { Route } from "./router";

let registered: Route[] = [];

/** Called once by the shell with every route that may carry a menu entry. */
export function registerNavRoutes(routes: Route[]): void {
  registered = routes;
}

export function navRoutes(role: Role | undefined): Route[] {
  return registered
    .filter((r) => r.nav && (!r.roles || (role && r.roles.includes(role))))
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
}
