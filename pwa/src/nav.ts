// The menu entries a role may open: the supervisor extension's screens that carry a `nav` entry.
// Its own module, so the field home (which lists them too) and the shell both read it.
import type { Role } from "./api";
import type { Route } from "./router";
import { routes as supervisorRoutes } from "./supervisor";

export function navRoutes(role: Role | undefined): Route[] {
  return supervisorRoutes
    .filter((r) => r.nav && (!r.roles || (role && r.roles.includes(role))))
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
}
