// Today's round as a picker: facilities due a patrol and people due a visit, nearest first when
// the phone knows where it is; "?kind=subject&overdue=1" (home's 逾期未走访) keeps the overdue
// ones of a kind, longest overdue first. Picking one opens its form with it chosen.
import { useEffect, useState } from "preact/hooks";
import type { DueItem } from "../api";
import { daysOverdue, loadDue, quietPosition, sortDue, type DueAnswer } from "../due";
import { describeError } from "../errors";
import { useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { query } from "../router";
import { facilities, session, subjects } from "../session";
import { online } from "../status";
import { useValue } from "../store";
import { formatDistance } from "../util";
import { t, tk } from "./i18n";

/** Where an item is done: the patrol or visit form with it chosen. */
export const dueHref = (i: DueItem) =>
  i.kind === "facility" ? `#/patrol/new?facility=${i.id}` : `#/visit/new?subject=${i.id}`;

/** Today's due list, as home and this screen show it. */
export function useDue(): { answer: DueAnswer | null; error: string | null } {
  const s = useValue(session);
  const on = useValue(online);
  const f = useValue(facilities);
  const sub = useValue(subjects);
  const [answer, setAnswer] = useState<DueAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!s) return;
    let live = true;
    void (async () => {
      const here = await quietPosition();
      try {
        const a = await loadDue(s.user.id, here, { facilities: facilities.get(), subjects: subjects.get() }, on);
        if (live) {
          setAnswer(a);
          setError(null);
        }
      } catch (e) {
        if (live) setError(describeError(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [s, on, f.length, sub.length]);
  return { answer, error };
}

export function DueRow({ item }: { item: DueItem }) {
  const late = daysOverdue(item);
  const what = item.kind === "facility" ? tk(`k_${item.detail}`, "") : tk(`cat_${item.detail}`, "");
  return (
    <li key={`${item.kind}:${item.id}`}>
      <a
        class="item due-item"
        href={dueHref(item)}
        data-testid="due-item"
        data-kind={item.kind}
        data-id={item.id}
        data-distance={item.distance_m ?? undefined}
      >
        <span class="main">
          <span class="name">{item.name}</span>
          <span class="sub">
            {[item.kind === "facility" ? vocab("kind_patrol") : vocab("kind_visit"), what, item.address]
              .filter(Boolean)
              .join(" · ")}
          </span>
        </span>
        <span class="side">
          {item.distance_m !== null && <div class="due-dist">{formatDistance(item.distance_m)}</div>}
          {item.overdue ? (
            <span class="badge overdue">{late > 0 ? t("dueOverdueDays", { d: late }) : t("overdue")}</span>
          ) : (
            <span class="badge waiting">{t("dueToday")}</span>
          )}
        </span>
      </a>
    </li>
  );
}

export default function Due() {
  useLang();
  const { answer, error } = useDue();
  const q = query();
  const kind = q.kind === "facility" || q.kind === "subject" ? q.kind : null;
  const overdueOnly = q.overdue === "1";
  let items = answer?.out.items ?? [];
  if (kind) items = items.filter((i) => i.kind === kind);
  if (overdueOnly)
    items = sortDue(
      items.filter((i) => i.overdue),
      false,
    );
  const title =
    overdueOnly && kind ? t(kind === "facility" ? "overdueFacilitiesN" : "overdueSubjectsN") : t("dueTitle");
  return (
    <div data-testid="due-screen">
      <h1>{title}</h1>
      <p class="small muted">{overdueOnly || !answer?.out.near ? t("dueMostOverdue") : t("dueNearest")}</p>
      {answer?.offline && (
        <p class="notice" data-testid="due-offline">
          {t("dueOffline")}
        </p>
      )}
      {error && <p class="error">{t("loadFailed", { detail: error })}</p>}
      {answer && !items.length && <p>{t("nothingNeeded")}</p>}
      <ul class="list">
        {items.map((i) => (
          <DueRow item={i} />
        ))}
      </ul>
    </div>
  );
}
