// Supervisor and admin screens, each a lazy chunk so the field worker's first screen stays small.
// See the notes of the extension point in ../router.ts and ../app.tsx.
import type { Route } from "../router";
import { defineStrings } from "../i18n";

// Only the menu labels live here: the screens' strings (./i18n.ts) load with the screens.
const t = defineStrings(
  {
    reviewQueue: "审核队列",
    tasks: "整改任务",
    dashboard: "覆盖情况",
    admin: "管理",
    ledger: "台账",
    stations: "服务站周报",
    templates: "检查表模板",
  },
  {
    reviewQueue: "Review queue",
    tasks: "Rectification tasks",
    dashboard: "Coverage",
    admin: "Administration",
    ledger: "Registers",
    stations: "Weekly station report",
    templates: "Checklist templates",
  },
);

const BOSS: Route["roles"] = ["supervisor", "admin"];

export const routes: Route[] = [
  {
    path: "/review",
    roles: BOSS,
    load: () => import("./queue"),
    nav: { label: () => t("reviewQueue"), icon: "✔", order: 10 },
  },
  { path: "/review/:kind/:id", roles: BOSS, load: () => import("./record") },
  { path: "/tasks", load: () => import("./tasks"), nav: { label: () => t("tasks"), icon: "⚒", order: 20 } },
  { path: "/tasks/:id", load: () => import("./tasks") },
  {
    path: "/dashboard",
    roles: BOSS,
    load: () => import("./dashboard"),
    nav: { label: () => t("dashboard"), icon: "▦", order: 30 },
  },
  {
    path: "/admin",
    roles: BOSS,
    load: () => import("./admin"),
    nav: { label: () => t("admin"), icon: "⚙", order: 40 },
  },
  { path: "/admin/:tab", roles: BOSS, load: () => import("./admin") },
  { path: "/photo/:id", load: () => import("./photo") },
  {
    path: "/ledger",
    roles: BOSS,
    load: () => import("./ledger"),
    nav: { label: () => t("ledger"), icon: "▤", order: 35 },
  },
  { path: "/ledger/:tab", roles: BOSS, load: () => import("./ledger") },
  { path: "/ledger/:kind/:id", roles: BOSS, load: () => import("./ledger") },
  {
    path: "/stations",
    roles: BOSS,
    load: () => import("./stations"),
    nav: { label: () => t("stations"), icon: "⌂", order: 38 },
  },
  {
    path: "/templates",
    roles: ["admin"],
    load: () => import("./templates"),
    nav: { label: () => t("templates"), icon: "☑", order: 45 },
  },
];
