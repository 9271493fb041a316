// Field screens: every role sees them. Rarely used screens load lazily; the first screen
// (home) and the forms are bundled so they open instantly offline.
import type { Route } from "../router";
import { Home } from "./home";

export const fieldRoutes: Route[] = [
  { path: "/", view: Home },
  { path: "/patrol/new", load: () => import("./patrol") },
  { path: "/patrol/:id/edit", load: () => import("./patrol") },
  { path: "/visit/new", load: () => import("./visit") },
  { path: "/visit/:id/edit", load: () => import("./visit") },
  { path: "/outbox", load: () => import("./outbox-screen") },
  { path: "/records", load: () => import("./records") },
  { path: "/records/:kind/:id", load: () => import("./records") },
  // A field worker's tasks are the ones assigned to them, kept on the phone for offline fixes;
  // supervisors and admins get the supervisor screens at the same paths.
  { path: "/tasks", roles: ["field_worker"], load: () => import("./tasks") },
  { path: "/tasks/:id", roles: ["field_worker"], load: () => import("./tasks") },
  { path: "/inspection/new", load: () => import("./inspection") },
  // A station head's weekly report; a field worker opening the desk's address gets it too.
  { path: "/due", load: () => import("./due") },
  { path: "/weekly", load: () => import("./weekly") },
  { path: "/stations", roles: ["field_worker"], load: () => import("./weekly") },
];
