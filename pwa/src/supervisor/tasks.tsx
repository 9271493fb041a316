// Rectification and follow-up tasks: the list (status, overdue, unit) and one task with its
// before and after photos side by side; the supervisor accepts or reopens, the assignee (or a
// supervisor) records the fix with after photos, through the outbox like the field screens.
import { useState } from "preact/hooks";
import {
  TASK_STATUSES,
  type OrgUnit,
  type Page,
  type PhotoOut,
  type Schemas,
  type Task,
  type TaskDetail,
  type UserAdmin,
} from "../api";
import { ft } from "../ui/i18n";
import { FixState, TaskFixForm, shownFix, useFixes } from "../ui/task-fix";
import { colon, paren, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { go, query, type Params } from "../router";
import { session } from "../session";
import { useValue } from "../store";
import { AuditList, type AuditRow } from "./audit";
import {
  Failed,
  StatusBadge,
  UnitOptions,
  Thumbs,
  Viewer,
  day,
  errText,
  get,
  itemLabel,
  post,
  useLoad,
  useWide,
  when,
} from "./common";
import { refreshCounts } from "./desk";
import { label, t } from "./i18n";

type TaskRow = Task;
/** The task's owner: the facility's caretaker, else the station's head (not who reported it). */
function Owner({ task }: { task: TaskRow }) {
  if (!task.owner_name) return <span class="muted">{t("noOwner")}</span>;
  return (
    <>
      {task.owner_name} {task.owner_kind && <span class="muted small">{paren(label("ow_", task.owner_kind))}</span>}
    </>
  );
}

/** Reassign and move the deadline; both land in the audit log, which the task page shows. */
function TaskTools({ task, onDone }: { task: TaskDetail; onDone: (message: string) => void }) {
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);
  const [people] = useLoad(() => get<Page<UserAdmin>>("/users", { active: "true" }), []);
  const [who, setWho] = useState("");
  const [due, setDue] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Only people whose unit is the task's unit or above it can open the task.
  const chain = new Set<string>();
  for (let u = units?.find((x) => x.id === task.org_unit_id); u; u = units?.find((x) => x.id === u!.parent_id))
    chain.add(u.id);
  const candidates = (people?.items ?? []).filter((p) => chain.has(p.org_unit_id) && p.id !== task.assignee_id);
  const chosen = candidates.find((p) => p.id === who);
  const run = async (fn: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setConfirming(false);
      setWho("");
      setDue("");
      onDone(message);
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sv-tools" data-testid="task-tools">
      <label class="sv-filter">
        <span>{t("reassignTo")}</span>
        <select
          data-testid="reassign-to"
          value={who}
          onChange={(e) => {
            setWho(e.currentTarget.value);
            setConfirming(false);
          }}
        >
          <option value="">{t("pickPerson")}</option>
          {candidates.map((p) => (
            <option value={p.id}>
              {p.display_name}{" "}
              {paren(`${label("role_", p.role)} · ${units?.find((u) => u.id === p.org_unit_id)?.name ?? ""}`)}
            </option>
          ))}
        </select>
      </label>
      {!confirming && (
        <button class="btn" data-testid="reassign" disabled={!who} onClick={() => setConfirming(true)}>
          {t("reassign")}
        </button>
      )}
      {confirming && chosen && (
        <span class="sv-confirm" role="alertdialog" aria-label={t("reassign")}>
          {t("confirmReassign", { a: task.assignee_name || t("noOwner"), b: chosen.display_name })}{" "}
          <button
            class="btn btn-primary btn-small"
            data-testid="confirm-reassign"
            disabled={busy}
            onClick={() =>
              void run(
                () => post(`/tasks/${task.id}/reassign`, { assignee_id: who } satisfies Schemas["TaskReassignIn"]),
                t("reassigned", { n: chosen.display_name }),
              )
            }
          >
            {t("apply")}
          </button>{" "}
          <button class="btn btn-small" onClick={() => setConfirming(false)}>
            {t("cancel")}
          </button>
        </span>
      )}
      <label class="sv-filter">
        <span>{t("newDeadline")}</span>
        <input type="date" data-testid="new-deadline" value={due} onInput={(e) => setDue(e.currentTarget.value)} />
      </label>
      <button
        class="btn"
        data-testid="set-deadline"
        disabled={!due || busy}
        onClick={() =>
          void run(
            () =>
              post(`/tasks/${task.id}/deadline`, {
                due_at: `${due}T23:59:59+08:00`,
              } satisfies Schemas["TaskDeadlineIn"]),
            t("deadlineMoved", { a: day(task.due_at), b: day(`${due}T23:59:59+08:00`) }),
          )
        }
      >
        {t("changeDeadline")}
      </button>
      {error && (
        <p class="error" role="alert" data-testid="task-tools-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** What happened to the task, from the audit log, as sentences. */
function TaskHistory({ id, n }: { id: string; n: number }) {
  const [rows] = useLoad(
    () => get<Page<AuditRow>>("/audit-log", { entity: "task", entity_id: id, limit: 50 }),
    [id, n],
  );
  if (!rows?.items.length) return null;
  return (
    <section data-testid="task-history">
      <h2>{t("history")}</h2>
      <AuditList rows={rows.items} />
    </section>
  );
}

function TaskList() {
  // Opened from a desk badge: ?state= is exactly what the badge counted (to_fix, to_accept, overdue).
  const [f, setF] = useState<Record<string, string>>(() => {
    const q = query();
    return q.state ? q : { status: "open", ...q };
  });
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);
  const boss = useValue(session)?.user.role !== "field_worker";
  const [people] = useLoad(
    () => (boss ? get<Page<UserAdmin>>("/users") : Promise.resolve({ items: [], next_cursor: null })),
    [boss],
  );
  const [page, error, reload] = useLoad(
    () => get<Page<TaskRow>>("/tasks", { ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)), limit: 200 }),
    [JSON.stringify(f)],
  );
  const set = (k: string, v: string) => setF({ ...f, [k]: v });
  return (
    <div class="sv" data-testid="task-list">
      <h1>{t("tasks")}</h1>
      <div class="sv-filters">
        <label class="sv-filter">
          <span>{t("status")}</span>
          <select
            data-testid="task-status"
            value={f.status ?? ""}
            onChange={(e) => set("status", e.currentTarget.value)}
          >
            <option value="">{t("all")}</option>
            {TASK_STATUSES.map((s) => (
              <option value={s}>{vocab(`st_${s}` as "st_open")}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("waiting")}</span>
          <select
            data-testid="task-state"
            value={f.state ?? ""}
            onChange={(e) =>
              setF({ ...f, state: e.currentTarget.value, status: e.currentTarget.value ? "" : (f.status ?? "") })
            }
          >
            <option value="">{t("all")}</option>
            {(["to_fix", "to_accept", "overdue"] as const).map((s) => (
              <option value={s}>{t(`ts_${s}`)}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("unit")}</span>
          <select value={f.org_unit_id ?? ""} onChange={(e) => set("org_unit_id", e.currentTarget.value)}>
            <option value="">{t("all")}</option>
            <UnitOptions units={units ?? []} />
          </select>
        </label>
        {boss && (
          <label class="sv-filter">
            <span>{t("assignedTo")}</span>
            <select
              data-testid="task-assignee"
              value={f.assignee_id ?? ""}
              onChange={(e) => set("assignee_id", e.currentTarget.value)}
            >
              <option value="">{t("all")}</option>
              {(people?.items ?? []).map((p) => (
                <option value={p.id}>{p.display_name}</option>
              ))}
            </select>
          </label>
        )}
        <label class="check">
          <input
            type="checkbox"
            checked={f.overdue === "true"}
            onChange={(e) => set("overdue", e.currentTarget.checked ? "true" : "")}
          />
          {t("overdueOnly")}
        </label>
      </div>
      {error && <Failed error={error} retry={reload} />}
      {page && !page.items.length && <p class="muted">{t("none")}</p>}
      <table class="sv-table sv-tasks">
        <thead>
          <tr>
            <th>{t("place")}</th>
            <th>{t("problem")}</th>
            <th>{t("owner")}</th>
            <th>{t("assignedTo")}</th>
            <th>{t("reporter")}</th>
            <th>{t("deadline")}</th>
            <th>{t("status")}</th>
          </tr>
        </thead>
        <tbody>
          {(page?.items ?? []).map((task) => (
            <tr data-testid="task-row" data-id={task.id} onClick={() => go(`/tasks/${task.id}`)} class="sv-click">
              <td>
                <a href={`#/tasks/${task.id}`} onClick={(e) => e.stopPropagation()}>
                  <strong>{task.place_name}</strong>
                </a>
              </td>
              <td>
                <span class="small">{itemLabel(task.item, task.item_label)}</span>
                {(task.occurrences ?? 1) > 1 && (
                  <>
                    {" "}
                    <span class="badge issue" data-testid="task-occurrences">
                      {t("occurrences", { n: task.occurrences ?? 1 })}
                    </span>
                  </>
                )}
                {task.detail && (
                  <>
                    <br />
                    {task.detail}
                  </>
                )}
              </td>
              <td data-testid="task-owner">
                <Owner task={task} />
              </td>
              <td>{task.assignee_name || <span class="muted">{t("noOwner")}</span>}</td>
              <td>{task.reporter_name}</td>
              <td class="small">
                {day(task.due_at)}
                <br />
                <span class="muted">{t("opened", { d: day(task.opened_at) })}</span>
              </td>
              <td>
                <StatusBadge status={task.status} /> {task.overdue && <span class="badge overdue">{t("overdue")}</span>}
              </td>
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
  const [viewing, setViewing] = useState<{ photos: PhotoOut[]; i: number } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [changes, setChanges] = useState(0);
  if (error) return <Failed error={error} retry={reload} />;
  if (!task) return <p>{t("loading")}</p>;
  const boss = s?.user.role === "supervisor" || s?.user.role === "admin";
  const act = async (what: "accept" | "reopen") => {
    if (what === "reopen" && !comment.trim()) {
      setActError(t("reopenNeeds"));
      return;
    }
    setBusy(true);
    setActError(null);
    try {
      await post(`/tasks/${id}/${what}`, what === "reopen" ? ({ comment } satisfies Schemas["TaskReopenIn"]) : {});
      setReopening(false);
      reload();
      void refreshCounts();
    } catch (e) {
      setActError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sv" data-testid="task" data-id={task.id}>
      <header class="sv-record-head">
        <div>
          <h1>
            {task.place_name} · {itemLabel(task.item, task.item_label)}
          </h1>
          <p class="muted">{task.detail}</p>
          {(task.records ?? []).length > 1 && (
            <p class="small" data-testid="task-reports">
              {t("occurrences", { n: task.occurrences ?? 1 })}
              {colon()}
              {task.records!.map((r, n) => (
                <>
                  {n > 0 && " · "}
                  <a href={`#/review/${r.kind}/${r.id}`}>
                    {t("reports")} {n + 1}
                  </a>
                </>
              ))}
            </p>
          )}
          <p class="small" data-testid="task-people">
            {t("owner")}
            {colon()}
            <Owner task={task} /> · {t("assignedTo")}
            {colon()}
            {task.assignee_name || t("noOwner")} · {t("reporter")}
            {colon()}
            {task.reporter_name} · {t("opened", { d: when(task.opened_at) })} ·{" "}
            <strong data-testid="task-due">{t("due", { d: day(task.due_at) })}</strong>{" "}
            <a href={`#/review/${task.record_kind}/${task.record_id}`}>{t("openRecord")}</a>
          </p>
        </div>
        <span>
          <StatusBadge status={task.status} /> {task.overdue && <span class="badge overdue">{t("overdue")}</span>}
        </span>
      </header>
      {done && (
        <p class="notice ok-notice" role="status" data-testid="task-done">
          {done}
        </p>
      )}
      {boss && (task.status === "open" || task.status === "fixed") && (
        <TaskTools
          task={task}
          onDone={(m) => {
            setDone(m);
            setChanges((x) => x + 1);
            reload();
          }}
        />
      )}
      {task.reopen_comment && <p class="notice">{t("lastReopen", { c: task.reopen_comment })}</p>}
      <div class="sv-pair">
        <section data-testid="before">
          <h2>{t("before")}</h2>
          <Thumbs photos={task.before_photos} onOpen={(i) => setViewing({ photos: task.before_photos, i })} />
        </section>
        <section data-testid="after">
          <h2>{t("after")}</h2>
          <Thumbs photos={task.after_photos} onOpen={(i) => setViewing({ photos: task.after_photos, i })} />
          {task.missing_after_photo_ids.length > 0 && (
            <p class="notice">{t("missingAfter", { n: task.missing_after_photo_ids.length })}</p>
          )}
          {task.fix_note && (
            <p>
              <strong>
                {ft("fixNote")}
                {colon()}
              </strong>
              {task.fix_note}
            </p>
          )}
          {task.fixed_at && (
            <p class="small muted">
              {task.fixed_by_name} · {when(task.fixed_at)}
            </p>
          )}
        </section>
      </div>
      {actError && (
        <p class="error" role="alert">
          {actError}
        </p>
      )}
      {boss && (task.status === "fixed" || task.status === "accepted") && (
        <div class="sv-decide">
          {reopening && (
            <textarea
              data-testid="reopen-comment"
              placeholder={t("reopenComment")}
              value={comment}
              onInput={(e) => setComment(e.currentTarget.value)}
            />
          )}
          <div class="row">
            {task.status === "fixed" && !reopening && (
              <button class="btn btn-primary" data-testid="accept" disabled={busy} onClick={() => void act("accept")}>
                {t("accept")}
              </button>
            )}
            {!reopening && (
              <button class="btn btn-danger" data-testid="reopen" onClick={() => setReopening(true)}>
                {t("reopen")}
              </button>
            )}
            {reopening && (
              <button
                class="btn btn-danger"
                data-testid="send-reopen"
                disabled={busy}
                onClick={() => void act("reopen")}
              >
                {t("reopen")}
              </button>
            )}
            {reopening && (
              <button class="btn" onClick={() => setReopening(false)}>
                {t("cancel")}
              </button>
            )}
          </div>
        </div>
      )}
      {fixes &&
        (() => {
          const fix = shownFix(fixes.get(id), task.status, loaded);
          if (fix) return <FixState fix={fix} />;
          return task.status === "open" && <TaskFixForm task={task as unknown as Task} onSaved={reload} />;
        })()}
      {boss && <TaskHistory id={task.id} n={changes} />}
      {viewing && <Viewer photos={viewing.photos} start={viewing.i} onClose={() => setViewing(null)} />}
    </div>
  );
}

export default function Tasks({ params }: { params: Params }) {
  useWide();
  useLang();
  // A new ?state= (a desk badge clicked on this screen) starts the list afresh.
  return params.id ? <TaskPage id={params.id} /> : <TaskList key={JSON.stringify(query())} />;
}
