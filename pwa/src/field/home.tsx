// Home: the two big actions within thumb reach, what is cached for offline use, and (for
// supervisors and admins) the screens the supervisor extension adds.
import { navRoutes } from "../app";
import { formatTime, useLang } from "../i18n";
import { facilities, myTasks, refreshScope, scopeSavedAt, session, subjects } from "../session";
import { stationsBelow, units } from "../stations";
import { online } from "../status";
import { useValue } from "../store";
import { t } from "./i18n";

export function Home() {
  useLang();
  const s = useValue(session);
  const f = useValue(facilities);
  const sub = useValue(subjects);
  const at = useValue(scopeSavedAt);
  const on = useValue(online);
  const tasks = useValue(myTasks);
  const extra = navRoutes(s?.user.role);
  const canInspect = stationsBelow(useValue(units), s?.user.org_unit_id).length > 0; // a unit above stations
  return (
    <div>
      <h1>{t("hello", { name: s?.user.display_name ?? "" })}</h1>
      <div class="home-actions">
        <a class="btn btn-primary btn-big" href="#/patrol/new" data-testid="new-patrol">
          {t("newPatrol")}<small>{t("newPatrolSub")}</small>
        </a>
        <a class="btn btn-primary btn-big" href="#/visit/new" data-testid="new-visit">
          {t("newVisit")}<small>{t("newVisitSub")}</small>
        </a>
      </div>
      {canInspect && (
        <a class="btn btn-big btn-block" href="#/inspection/new" data-testid="new-inspection" style="margin-bottom:16px">
          {t("newInspection")}<small>{t("newInspectionSub")}</small>
        </a>
      )}
      {extra.length > 0 && (
        <ul class="list" style="margin-bottom:16px" data-testid="supervisor-nav">
          {extra.map((r) => (
            <li><a class="item" href={`#${r.path}`}><span aria-hidden="true">{r.nav?.icon ?? "›"}</span><span class="main name">{r.nav?.label()}</span>
              {r.path === "/tasks" && s?.user.role === "field_worker" && tasks.length > 0 && <span class="badge overdue" data-testid="my-task-count">{tasks.length}</span>}</a></li>
          ))}
        </ul>
      )}
      <p class="small muted">
        {at ? t("scopeSaved", { f: f.length, s: sub.length, at: formatTime(at) }) : t("scopeEmpty")}{" "}
        {on && <button type="button" class="btn btn-small" onClick={() => void refreshScope().catch(() => undefined)}>{t("refresh")}</button>}
      </p>
    </div>
  );
}
