// My rectification tasks on the phone, with or without a network: the open tasks assigned to me
// (cached by session.ts with their details and before thumbnails), one task with its issue, and
// the fix. A fix saved on the phone shows on the task until the server has it.
import { useEffect, useState } from "preact/hooks";
import { api, type Task, type TaskDetail } from "../api";
import { cacheGet } from "../db";
import { formatDate, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { go, type Params } from "../router";
import { myTasks, myTasksAt, refreshTasks } from "../session";
import { online } from "../status";
import { useValue } from "../store";
import { t } from "./i18n";
import { FixState, TaskFixForm, shownFix, taskLabel, useFixes } from "../ui/task-fix";

export default function Tasks({ params }: { params: Params }) {
  useLang();
  return params.id ? <TaskPage id={params.id} /> : <List />;
}

const day = (iso: string) => formatDate(iso);

function List() {
  const tasks = useValue(myTasks);
  const listedAt = useValue(myTasksAt);
  const on = useValue(online);
  const fixes = useFixes();
  useEffect(() => {
    if (navigator.onLine) void refreshTasks().catch(() => undefined);
  }, []);
  const sorted = [...tasks].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.due_at.localeCompare(b.due_at));
  return (
    <div data-testid="my-tasks">
      <h1>{t("tasksTitle")}</h1>
      {!on && <p class="small muted">{t("tasksOffline")}</p>}
      {!tasks.length && <p>{listedAt ? t("tasksEmpty") : t("tasksNeverListed")}</p>}
      <ul class="list">
        {sorted.map((task) => {
          const fix = shownFix(fixes?.get(task.id), task.status, listedAt);
          return (
            <li key={task.id}>
              <a
                class="item"
                href={`#/tasks/${task.id}`}
                data-testid="task-item"
                data-id={task.id}
                data-fix={fix?.state ?? ""}
              >
                <span class="main">
                  <span class="name">
                    {task.place_name} · {taskLabel(task)}
                  </span>
                  <span class="sub">{task.detail}</span>
                </span>
                <span class="side">
                  <div class="small">{t("dueOn", { d: day(task.due_at) })}</div>
                  {fix ? (
                    <span class={`badge ${fix.state}`}>{t(`fixBadge_${fix.state}`)}</span>
                  ) : (
                    task.overdue && <span class="badge overdue">{t("overdue")}</span>
                  )}
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function TaskPage({ id }: { id: string }) {
  const fixes = useFixes();
  const [task, setTask] = useState<TaskDetail | Task | null | undefined>(undefined);
  const [fetchedAt, setFetchedAt] = useState(() => myTasksAt.get()); // when the server last told us about this task
  useEffect(() => {
    let live = true;
    void (async () => {
      const cached = (await cacheGet<TaskDetail>(`task:${id}`)) ?? myTasks.get().find((x) => x.id === id) ?? null;
      if (live) setTask(cached);
      if (!navigator.onLine) return;
      try {
        const asked = Date.now();
        const fresh = await api.task(id);
        if (live) {
          setTask(fresh);
          setFetchedAt(asked);
        }
      } catch {
        /* offline after all, or gone: keep what the phone has */
      }
    })();
    return () => {
      live = false;
    };
  }, [id]);
  if (task === undefined || fixes === null) return <p>…</p>;
  if (task === null) return <p class="notice">{t("taskNotHere")}</p>;
  const fix = shownFix(fixes.get(id), task.status, fetchedAt);
  return (
    <div data-testid="task" data-id={task.id} data-status={task.status}>
      <h1>
        {task.place_name} · {taskLabel(task)}
      </h1>
      <p>{task.detail}</p>
      <p class="small muted">
        {t("dueOn", { d: day(task.due_at) })} {task.overdue && <span class="badge overdue">{t("overdue")}</span>}
      </p>
      {task.reopen_comment && task.status === "open" && (
        <p class="notice">{t("reopened", { c: task.reopen_comment })}</p>
      )}
      <h2>{t("beforePhotos")}</h2>
      <BeforePhotos task={task} />
      {fix ? (
        <FixState fix={fix} />
      ) : task.status === "open" ? (
        <TaskFixForm task={task} onSaved={() => go("/tasks", true)} />
      ) : (
        <p class="notice ok-notice" data-testid="task-status">
          {vocab(`taskStatus_${task.status}` as "taskStatus_fixed")}
        </p>
      )}
    </div>
  );
}

/** Before photos: the thumbnails kept on the phone, or the server's when online. */
function BeforePhotos({ task }: { task: TaskDetail | Task }) {
  const photos = "before_photos" in task ? task.before_photos : [];
  const [urls, setUrls] = useState<Record<string, string>>({});
  const on = useValue(online);
  useEffect(() => {
    const made: string[] = [];
    let live = true;
    void Promise.all(
      photos.map(async (p) => {
        const blob = await cacheGet<Blob>(`thumb:${p.id}`);
        if (!blob) return [p.id, on ? p.thumb_url : ""] as const;
        const url = URL.createObjectURL(blob);
        made.push(url);
        return [p.id, url] as const;
      }),
    ).then((pairs) => live && setUrls(Object.fromEntries(pairs)));
    return () => {
      live = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [task.id, photos.length, on]);
  const shown = photos.filter((p) => urls[p.id]);
  if (!shown.length) return <p class="small muted">{t("noBeforePhotos")}</p>;
  return (
    <div class="photos" data-testid="task-before">
      {shown.map((p) => (
        <div class="photo">
          <img src={urls[p.id]} alt={t("beforePhotos")} />
        </div>
      ))}
    </div>
  );
}
