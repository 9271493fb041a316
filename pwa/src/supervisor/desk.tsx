// The supervisor's and admin's desktop: a side bar with their own navigation (审核, 整改, 统计,
// 台账, 管理) and how much waits behind each, around the routed screen. Loaded with the app shell
// (small), while the screens themselves stay lazy chunks. Field workers never see it.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { request, type DeskCounts, type Role } from "../api";
import { defineStrings, lang, setLang, useLang } from "../i18n";
import { go } from "../router";
import { logout, session } from "../session";
import { t as shell } from "../shell-i18n";
import { pending } from "../status";
import { useValue, value } from "../store";
import "./desk.css";

// The brand and its glyph, the same in both languages.
const LOGO = "巡";
const BRAND = "巡访";

const t = defineStrings(
  {
    desk: "工作台",
    review: "审核",
    tasks: "整改",
    stats: "统计",
    ledger: "台账",
    stations: "服务站周报",
    admin: "管理",
    templates: "检查表模板",
    waitReview: "{n} 条待审核",
    waitAccept: "{n} 项待验收",
    waitOverdue: "{n} 项逾期",
    waitFacilities: "{n} 处设施逾期未巡查",
    waitSubjects: "{n} 位对象逾期未走访",
    outbox: "待上传 {n}",
    nav: "工作台导航",
    roleSupervisor: "站长/科室",
    roleAdmin: "管理员",
  },
  {
    desk: "Desk",
    review: "Review",
    tasks: "Tasks",
    stats: "Statistics",
    ledger: "Registers",
    stations: "Station reports",
    admin: "Admin",
    templates: "Checklists",
    waitReview: "{n} to review",
    waitAccept: "{n} to accept",
    waitOverdue: "{n} overdue",
    waitFacilities: "{n} facilities overdue",
    waitSubjects: "{n} people overdue for a visit",
    outbox: "{n} to upload",
    nav: "Desk navigation",
    roleSupervisor: "Supervisor",
    roleAdmin: "Administrator",
  },
);

/** GET /desk/counts: what waits for the user, for the badges. */
export type Counts = DeskCounts;
/** What waits for the user; screens call refreshCounts() after a decision so the badges follow. */
export const counts = value<Counts | null>(null);
export async function refreshCounts(): Promise<void> {
  try {
    counts.set((await request<Counts>("GET", "/desk/counts")).data);
  } catch {
    /* offline or signed out: the badges keep their last figures */
  }
}

/** A supervisor or admin at a desk-sized screen. The same people on a phone (a street head out on a
 * "回头看" round) get the phone's screens, with their supervisor menu. */
export const isDesk = (role: Role | undefined): boolean =>
  (role === "supervisor" || role === "admin") && matchMedia("(min-width: 900px)").matches;

/** Where a supervisor lands: the field worker's home is not their work. */
export const DESK_HOME = "/review";

const NAV: {
  href: string;
  key: "review" | "tasks" | "stats" | "ledger" | "stations" | "admin" | "templates";
  icon: string;
  adminOnly?: boolean;
}[] = [
  { href: "/review", key: "review", icon: "✔" },
  { href: "/tasks", key: "tasks", icon: "⚒" },
  { href: "/dashboard", key: "stats", icon: "▦" },
  { href: "/ledger", key: "ledger", icon: "▤" },
  { href: "/stations", key: "stations", icon: "⌂" },
  { href: "/admin", key: "admin", icon: "⚙" },
  { href: "/templates", key: "templates", icon: "☑", adminOnly: true },
];

function badges(key: string, c: Counts | null): { n: number; title: string; hot?: boolean }[] {
  if (!c) return [];
  if (key === "review") return [{ n: c.review, title: t("waitReview", { n: c.review }) }];
  if (key === "tasks")
    return [
      { n: c.tasks_to_accept, title: t("waitAccept", { n: c.tasks_to_accept }) },
      { n: c.tasks_overdue, title: t("waitOverdue", { n: c.tasks_overdue }), hot: true },
    ];
  if (key === "ledger")
    return [
      { n: c.facilities_overdue, title: t("waitFacilities", { n: c.facilities_overdue }), hot: true },
      { n: c.subjects_overdue, title: t("waitSubjects", { n: c.subjects_overdue }), hot: true },
    ];
  return [];
}

/** Where a nav link goes: for 整改, the list filtered on what its first badge counts, so the
 *  badge and the list agree ("1 项待验收" opens the tasks to accept). */
function navHref(href: string, key: string, c: Counts | null): string {
  if (key !== "tasks" || !c) return href;
  if (c.tasks_to_accept > 0) return `${href}?state=to_accept`;
  if (c.tasks_overdue > 0) return `${href}?state=overdue`;
  return href;
}

export function Desk({ path, children }: { path: string; children: ComponentChildren }) {
  useLang();
  const s = useValue(session);
  const c = useValue(counts);
  const l = useValue(lang);
  const waiting = useValue(pending) ?? 0;
  const base = path.split("?")[0];
  const [, tick] = useState(0);
  useEffect(() => {
    if (base === "/" || base === "") go(DESK_HOME, true);
  }, [base]);
  useEffect(() => {
    void refreshCounts();
  }, [base]);
  useEffect(() => {
    const timer = setInterval(() => {
      void refreshCounts();
      tick((x) => x + 1);
    }, 60_000);
    document.body.classList.add("desk-body");
    return () => {
      clearInterval(timer);
      document.body.classList.remove("desk-body");
    };
  }, []);
  const doLogout = async () => {
    const n = pending.get();
    if (n && !confirm(shell("logoutPending", { n }))) return;
    await logout();
    go("/", true);
  };
  return (
    <div class="desk" data-testid="desk">
      <aside class="desk-side">
        <a class="desk-brand" href={`#${DESK_HOME}`}>
          <span class="desk-logo" aria-hidden="true">
            {LOGO}
          </span>
          {BRAND} · {t("desk")}
        </a>
        <nav aria-label={t("nav")}>
          <ul class="desk-nav">
            {NAV.filter((item) => !item.adminOnly || s?.user.role === "admin").map((item) => {
              const here = base === item.href || base.startsWith(`${item.href}/`);
              return (
                <li>
                  <a
                    href={`#${navHref(item.href, item.key, c)}`}
                    data-testid={`desk-nav-${item.key}`}
                    aria-current={here ? "page" : undefined}
                  >
                    <span class="desk-icon" aria-hidden="true">
                      {item.icon}
                    </span>
                    <span class="desk-label">{t(item.key)}</span>
                    {badges(item.key, c)
                      .filter((b) => b.n > 0)
                      .map((b) => (
                        <span
                          class={`desk-count${b.hot ? " hot" : ""}`}
                          title={b.title}
                          data-testid={`desk-count-${item.key}`}
                        >
                          {b.n}
                          <span class="sr-only">{b.title}</span>
                        </span>
                      ))}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        {waiting > 0 && (
          <a class="desk-outbox" href="#/outbox">
            {t("outbox", { n: waiting })}
          </a>
        )}
        <div class="desk-user">
          <strong>{s?.user.display_name}</strong>
          <span class="muted small">
            {s?.user.username} · {s?.user.role === "admin" ? t("roleAdmin") : t("roleSupervisor")}
          </span>
          <div class="row">
            <button
              type="button"
              class="btn btn-small"
              data-testid="lang-switch"
              onClick={() => setLang(l === "en" ? "zh-CN" : "en")}
            >
              {shell("language")}
            </button>
            <button type="button" class="btn btn-small btn-danger" data-testid="logout" onClick={() => void doLogout()}>
              {shell("logout")}
            </button>
          </div>
        </div>
      </aside>
      <main class="desk-main">{base === "/" ? null : children}</main>
    </div>
  );
}
