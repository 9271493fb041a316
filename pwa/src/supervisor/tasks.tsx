// Rectification and follow-up tasks: the list (status, overdue, unit) and one task with its
// before and after photos side by side; the supervisor accepts or reopens, the assignee (or a
// supervisor) records the fix with after photos, through the outbox like the field screens.
import { useState } from "preact/hooks";
import type { OrgUnit, Page, Task, TaskDetail as ApiTaskDetail } from "../api";
import { FixState, TaskFixForm, shownFix, useFixes } from "../field/task-fix";
import { useLang } from "../i18n";
import { go, query, type Params } from "../router";
import { session } from "../session";
import { useValue } from "../store";
import { Failed, StatusBadge, Thumbs, Viewer, day, errText, get, post, useLoad, useWide, when, type Photo } from "./common";
import { t } from "./i18n";

interface TaskDetail extends Omit<ApiTaskDetail, "before_photos" | "after_photos"> { before_photos: Photo[]; after_photos: Photo[] }

function TaskList() {
  const [f, setF] = useState<Record<string, string>>(() => ({ status: "open", ...query() }));
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);
  const [page, error, reload] = useLoad(() => get<Page<Task>>("/tasks", { ...f, limit: 200 }), [JSON.stringify(f)]);
  const set = (k: string, v: string) => setF({ ...f, [k]: v });
  return (
    <div class="sv" data-testid="task-list">
      <h1>{t("tasks")}</h1>
      <div class="sv-filters">
        <label class="sv-filter"><span>{t("status")}</span>
          <select data-testid="task-status" value={f.status ?? ""} onChange={(e) => set("status", e.currentTarget.value)}>
            <option value="">{t("all")}</option>
            {["open", "fixed", "accepted", "cancelled"].map((s) => <option value={s}>{t(`st_${s}` as "st_open")}</option>)}
          </select>
        </label>
        <label class="sv-filter"><span>{t("unit")}</span>
          <select value={f.org_unit_id ?? ""} onChange={(e) => set("org_unit_id", e.currentTarget.value)}>
            <option value="">{t("all")}</option>
            {(units ?? []).map((u) => <option value={u.id}>{u.name}</option>)}
          </select>
        </label>
        <label class="check"><input type="checkbox" checked={f.overdue === "true"} onChange={(e) => set("overdue", e.currentTarget.checked ? "true" : "")} />{t("overdueOnly")}</label>
      </div>
      {error && <Failed error={error} retry={reload} />}
      {page && !page.items.length && <p class="muted">{t("none")}</p>}
      <table class="sv-table sv-tasks">
        <tbody>
          {(page?.items ?? []).map((task) => (
            <tr data-testid="task-row" data-id={task.id} onClick={() => go(`/tasks/${task.id}`)} class="sv-click">
              <td><strong>{task.place_name}</strong><br /><span class="small">{task.item_label}：{task.detail}</span></td>
              <td>{task.assignee_name}</td>
              <td class="small">{t("opened", { d: day(task.opened_at) })}<br />{t("due", { d: day(task.due_at) })}</td>
              <td><StatusBadge status={task.status} /> {task.overdue && <span class="badge overdue">{t("overdue")}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TaskPage({ id }: { id: string }) {
  const s = useValue(session);
  const [loaded, setLoaded] = useState(0);
  const [task, error, reload] = useLoad(async () => {
    const asked = Date.now();
    const out = await get<TaskDetail>(`/tasks/${id}`);
    setLoaded(asked);
    return out;
  }, [id]);
  const fixes = useFixes();
  const [comment, setComment] = useState("");
  const [reopening, setReopening] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actError, setActError] = useState<string | null>(null);
  const [viewing, setViewing] = useState<{ photos: Photo[]; i: number } | null>(null);
  if (error) return <Failed error={error} retry={reload} />;
  if (!task) return <p>{t("loading")}</p>;
  const boss = s?.user.role === "supervisor" || s?.user.role === "admin";
  const act = async (what: "accept" | "reopen") => {
    if (what === "reopen" && !comment.trim()) { setActError(t("reopenNeeds")); return; }
    setBusy(true);
    setActError(null);
    try { await post(`/tasks/${id}/${what}`, what === "reopen" ? { comment } : {}); setReopening(false); reload(); }
    catch (e) { setActError(errText(e)); } finally { setBusy(false); }
  };
  return (
    <div class="sv" data-testid="task" data-id={task.id}>
      <header class="sv-record-head">
        <div>
          <h1>{task.place_name} · {task.item_label}</h1>
          <p class="muted">{task.detail}</p>
          <p class="small">{t("assignee")}：{task.assignee_name} · {t("opened", { d: when(task.opened_at) })} · {t("due", { d: day(task.due_at) })}
            {" "}<a href={`#/review/${task.record_kind}/${task.record_id}`}>{t("openRecord")}</a></p>
        </div>
        <span><StatusBadge status={task.status} /> {task.overdue && <span class="badge overdue">{t("overdue")}</span>}</span>
      </header>
      {task.reopen_comment && <p class="notice">{t("lastReopen", { c: task.reopen_comment })}</p>}
      <div class="sv-pair">
        <section data-testid="before">
          <h2>{t("before")}</h2>
          <Thumbs photos={task.before_photos} onOpen={(i) => setViewing({ photos: task.before_photos, i })} />
        </section>
        <section data-testid="after">
          <h2>{t("after")}</h2>
          <Thumbs photos={task.after_photos} onOpen={(i) => setViewing({ photos: task.after_photos, i })} />
          {task.missing_after_photo_ids.length > 0 && <p class="notice">{t("missingAfter", { n: task.missing_after_photo_ids.length })}</p>}
          {task.fix_note && <p><strong>{t("fixNote")}：</strong>{task.fix_note}</p>}
          {task.fixed_at && <p class="small muted">{task.fixed_by_name} · {when(task.fixed_at)}</p>}
        </section>
      </div>
      {actError && <p class="error" role="alert">{actError}</p>}
      {boss && (task.status === "fixed" || task.status === "accepted") && (
        <div class="sv-decide">
          {reopening && <textarea data-testid="reopen-comment" placeholder={t("reopenComment")} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />}
          <div class="row">
            {task.status === "fixed" && !reopening && <button class="btn btn-primary" data-testid="accept" disabled={busy} onClick={() => void act("accept")}>{t("accept")}</button>}
            {!reopening && <button class="btn btn-danger" data-testid="reopen" onClick={() => setReopening(true)}>{t("reopen")}</button>}
            {reopening && <button class="btn btn-danger" data-testid="send-reopen" disabled={busy} onClick={() => void act("reopen")}>{t("reopen")}</button>}
            {reopening && <button class="btn" onClick={() => setReopening(false)}>{t("cancel")}</button>}
          </div>
        </div>
      )}
      {fixes && (() => {
        const fix = shownFix(fixes.get(id), task.status, loaded);
        if (fix) return <FixState fix={fix} />;
        return task.status === "open" && <TaskFixForm task={task as unknown as Task} onSaved={reload} />;
      })()}
      {viewing && <Viewer photos={viewing.photos} start={viewing.i} onClose={() => setViewing(null)} />}
    </div>
  );
}

export default function Tasks({ params }: { params: Params }) {
  useWide();
  useLang();
  return params.id ? <TaskPage id={params.id} /> : <TaskList />;
}
