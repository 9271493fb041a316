// EXTENSION POINT for supervisor and admin screens (review queue, tasks, dashboard, admin).
//
// Export `routes`: a list of Route (see ../router.ts). The shell (../app.tsx) adds them after the
// field routes and, for users whose role is in `roles`, lists those with `nav` in the menu.
// Keep the field worker's first screen small: give each screen `load: () => import("./queue")`
// (a lazy chunk whose default export is a component taking `{ params }`) rather than `view`.
// Strings: add ./i18n.ts with defineStrings(zh, en) from ../i18n (Chinese first, same keys in
// English) and call useLang() in components so they re-render on a language switch.
// Server calls: use `api`/`request` from ../api (bearer token included; errors are ApiError).
// Styles: the classes in ../ui/app.css (.card, .btn, .btn-primary, .list, .item, .badge, ...).
//
// Example:
//   export const routes: Route[] = [{
//     path: "/review", roles: ["supervisor", "admin"], load: () => import("./review"),
//     nav: { label: () => t("reviewQueue"), icon: "✔", order: 10 },
//   }];
import type { Route } from "../router";

export const routes: Route[] = [];
