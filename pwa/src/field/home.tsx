// Home: the two big actions within thumb reach, then what needs the worker with counts (returned
// records with the supervisor's comment, open tasks, overdue facilities and people), today's due
// places nearest first, a station head's weekly report, what is cached for offline use, and (for
// supervisors and admins) the screens the supervisor extension adds.
import { useEffect, useState } from "preact/hooks";
import { api, type PatrolOut, type VisitOut } from "../api";
import { navRoutes } from "../nav";
import { cacheGet, cachePut } from "../db";
import { formatTime, listSep, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import * as outbox from "../outbox";
import type { OutboxItem } from "../outbox";
import { facilities, myTasks, refreshScope, scopeSavedAt, session, subjects } from "../session";
import { stationsBelow, units } from "../stations";
import { online } from "../status";
import { headedStations } from "../weekly";
import { useValue } from "../store";
import { DueRow, useDue } from "./due";
import { t, tk } from "./i18n";
import { DraftsList } from "./drafts-list";
import { lastReturn, withReviews, type Correctable } from "./load-record";

type Returned = { kind: Correctable; id: string; name: string; comment: string; at: string };
interface ReturnedList {
  items: Returned[];
  at: number;
}

/** My returned records, asked when online and kept on the phone so home shows them offline too. */
function useReturned(): ReturnedList | null {
  const s = useValue(session);
  const on = useValue(online);
  const f = useValue(facilities);
  const sub = useValue(subjects);
  const [list, setList] = useState<ReturnedList | null>(null);
  useEffect(() => {
    if (!s) return;
    const key = `returned:${s.user.id}`;
    let live = true;
    void cacheGet<ReturnedList>(key).then((c) => live && c && setList((l) => l ?? c));
    if (!on)
      return () => {
        live = false;
      };
    const q = { author_id: s.user.id, status: "returned" };
    const asked = Date.now(); // before asking: a record sent again while the answer travels is newer than it
    void Promise.all([
      api.patrols(q).then((p) => withReviews("patrol", p.items)),
      api.visits(q).then((v) => withReviews("visit", v.items)),
    ]).then(
      async ([p, v]) => {
        const items: Returned[] = [
          ...p.map((r: PatrolOut) => ({
            kind: "patrol" as const,
            id: r.id,
            at: r.started_at,
            name: f.find((x) => x.id === r.facility_id)?.name ?? (r.facility_name || vocab("kind_patrol")),
            comment: lastReturn(r.reviews)?.comment ?? "",
          })),
          ...v.map((r: VisitOut) => ({
            kind: "visit" as const,
            id: r.id,
            at: r.visited_at,
            name: `${sub.find((x) => x.id === r.subject_id)?.name ?? (r.subject_name || vocab("kind_visit"))} · ${tk(`vt_${r.visit_type}`)}`,
            comment: lastReturn(r.reviews)?.comment ?? "",
          })),
        ];
        const fresh = { items, at: asked };
        await cachePut(key, fresh);
        if (live) setList(fresh);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [s, on, f.length, sub.length]);
  return list;
}

/** Ids of records sent again since `since` (the returned list's time), or waiting to go: home
 * stops calling them returned at once, without waiting for the server's next answer. */
function useResent(since: number): Set<string> {
  const version = useValue(outbox.outboxVersion);
  const s = useValue(session);
  const [ids, setIds] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!s) return;
    let live = true;
    const again = (i: OutboxItem) =>
      i.kind !== "photo" && i.kind === i.recordKind && (i.state !== "sent" || (i.sentAt ?? 0) >= since);
    void outbox.list(s.user.id).then((items) => live && setIds(new Set(items.filter(again).map((i) => i.id))));
    return () => {
      live = false;
    };
  }, [version, since, s]);
  return ids;
}

export function Home() {
  useLang();
  const s = useValue(session);
  const f = useValue(facilities);
  const sub = useValue(subjects);
  const at = useValue(scopeSavedAt);
  const on = useValue(online);
  const tasks = useValue(myTasks);
  const returned = useReturned();
  const resent = useResent(returned?.at ?? 0);
  const due = useDue();
  const heads = headedStations(useValue(units), s?.user.id);
  const worker = s?.user.role === "field_worker";
  // A worker's tasks are counted under "needs you"; the menu still lists the screen.
  const extra = navRoutes(s?.user.role).filter((r) => !(worker && r.path === "/tasks"));
  const overdueF = f.filter((x) => x.overdue).length;
  const overdueS = sub.filter((x) => x.overdue).length;
  // A returned record sent again (or waiting to go) is no longer the worker's to fix.
  const ret = (returned?.items ?? []).filter((r) => !resent.has(r.id));
  const dueItems = due.answer?.out.items ?? [];
  const rows = [
    { id: "returned", n: ret.length, label: t("returnedN"), href: "#/records" },
    { id: "tasks", n: worker ? tasks.length : 0, label: t("tasksN"), href: "#/tasks" },
    { id: "overdue-facilities", n: overdueF, label: t("overdueFacilitiesN"), href: "#/due?kind=facility&overdue=1" },
    { id: "overdue-subjects", n: overdueS, label: t("overdueSubjectsN"), href: "#/due?kind=subject&overdue=1" },
  ].filter((r) => r.n > 0);
  const canInspect = stationsBelow(useValue(units), s?.user.org_unit_id).length > 0; // a unit above stations
  return (
    <div>
      <h1>{t("hello", { name: s?.user.display_name ?? "" })}</h1>
      <div class="home-actions">
        <a class="btn btn-primary btn-big" href="#/patrol/new" data-testid="new-patrol">
          {t("newPatrol")}
          <small>{t("newPatrolSub")}</small>
        </a>
        <a class="btn btn-primary btn-big" href="#/visit/new" data-testid="new-visit">
          {t("newVisit")}
          <small>{t("newVisitSub")}</small>
        </a>
      </div>
      {canInspect && (
        <a
          class="btn btn-big btn-block"
          href="#/inspection/new"
          data-testid="new-inspection"
          style="margin-bottom:16px"
        >
          {t("newInspection")}
          <small>{t("newInspectionSub")}</small>
        </a>
      )}
      <DraftsList />
      <section aria-labelledby="needs-you" data-testid="needs-you">
        <h2 id="needs-you">{t("needsYou")}</h2>
        {!rows.length && (
          <p class="muted" data-testid="nothing-needed">
            {t("nothingNeeded")}
          </p>
        )}
        {ret.length > 0 && (
          <ul class="list" style="margin-bottom:8px">
            {ret.slice(0, 5).map((r) => (
              <li key={r.id}>
                <a
                  class="item returned-item"
                  href={`#/records/${r.kind}/${r.id}`}
                  data-testid="home-returned"
                  data-id={r.id}
                >
                  <span class="main">
                    <span class="name">{r.name}</span>
                    {r.comment && <span class="sub error">{t("returnedComment", { c: r.comment })}</span>}
                    <span class="sub">{formatTime(r.at)}</span>
                  </span>
                  <span class="side">
                    <span class="badge returned">{vocab("rs_returned")}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
        {rows.length > 0 && (
          <ul class="list counts">
            {rows.map((r) => (
              <li key={r.id}>
                <a class="item" href={r.href} data-testid={`home-count-${r.id}`} data-count={r.n}>
                  <span class="main name">{r.label}</span>
                  <span class="side">
                    <span class="count-pill">{r.n}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
        {!on && returned && <p class="small muted">{t("asOf", { at: formatTime(returned.at) })}</p>}
      </section>
      {heads.length > 0 && (
        <a class="item" href="#/weekly" data-testid="home-weekly" style="margin-top:16px">
          <span class="main">
            <span class="name">{t("weeklyTitle")}</span>
            <span class="sub">{t("weeklyEntrySub", { name: heads.map((u) => u.name).join(listSep()) })}</span>
          </span>
          <span class="side" aria-hidden="true">
            ›
          </span>
        </a>
      )}
      {dueItems.length > 0 && (
        <section aria-labelledby="due-today" data-testid="home-due" style="margin-top:16px">
          <h2 id="due-today">{t("dueTitle")}</h2>
          <p class="small muted" style="margin-top:0">
            {due.answer?.out.near ? t("dueNearest") : t("dueMostOverdue")}
            {due.answer?.offline ? ` · ${t("dueOffline")}` : ""}
          </p>
          <ul class="list">
            {dueItems.slice(0, 5).map((i) => (
              <DueRow item={i} />
            ))}
          </ul>
          {dueItems.length > 5 && (
            <p>
              <a class="btn btn-block" href="#/due" data-testid="home-due-all">
                {t("dueMore", { n: dueItems.length })}
              </a>
            </p>
          )}
        </section>
      )}
      {extra.length > 0 && (
        <ul class="list" style="margin:16px 0" data-testid="supervisor-nav">
          {extra.map((r) => (
            <li>
              <a class="item" href={`#${r.path}`}>
                <span aria-hidden="true">{r.nav?.icon ?? "›"}</span>
                <span class="main name">{r.nav?.label()}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <p class="small muted" style="margin-top:16px">
        {at ? t("scopeSaved", { f: f.length, s: sub.length, at: formatTime(at) }) : t("scopeEmpty")}{" "}
        {on && (
          <button type="button" class="btn btn-small" onClick={() => void refreshScope().catch(() => undefined)}>
            {t("refresh")}
          </button>
        )}
      </p>
    </div>
  );
}
