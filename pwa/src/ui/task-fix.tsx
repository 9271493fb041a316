// Recording the fix of a rectification task (整改), online or not: after photos through the same
// camera path as records (position fix on the tap, resize in the worker, EXIF kept), a note, and
// a save to the outbox under a UUID made when the fix was started. Sync sends the photos
// (record_id = the task) and then POST /tasks/{id}/fix with their ids. The phone's task screen
// (field/tasks.tsx) and the desk's (supervisor/tasks.tsx) show it alike.
import { useEffect, useState } from "preact/hooks";
import type { Task, TaskFixIn } from "../api";
import { photoQuery, type CapturedPhoto } from "../camera";
import { enqueue, fixesByTask, outboxVersion, type NewPhoto, type OutboxItem } from "../outbox";
import { session } from "../session";
import { flash } from "../status";
import { useValue } from "../store";
import { describeError } from "../errors";
import { uuid } from "../util";
import { discardDraft, listDrafts } from "../drafts";
import { codeLabel } from "../vocabulary-i18n";
import { DraftBar, loadDraft, useDraft } from "./draft";
import { CameraButton, FieldError, MAX_PHOTOS, PhotoStrip, UndoBar, usePhotos } from "./form-parts";
import { ft } from "./i18n";

export const taskLabel = (task: Task): string =>
  task.item === "follow_up" ? ft("followUpTask") : codeLabel("item_", task.item, task.item_label);

/** The fix and its photos go to the outbox in one transaction; then sync is woken. */
export async function saveFix(task: Task, fixId: string, note: string, photos: CapturedPhoto[]): Promise<void> {
  const userId = session.get()!.user.id;
  const label = `${ft("kind_taskfix")} · ${task.place_name} · ${taskLabel(task)}`;
  const newPhotos: NewPhoto[] = photos.map((p, i) => ({
    id: p.id,
    recordId: fixId,
    recordKind: "taskfix",
    userId,
    blob: p.blob,
    contentType: p.contentType,
    query: photoQuery(p, task.id),
    label: `${label} · ${ft("kind_photo")} ${i + 1}`,
  }));
  const body: TaskFixIn = { photo_ids: photos.map((p) => p.id), note };
  await enqueue({ kind: "taskfix", id: fixId, taskId: task.id, userId, body, label }, newPhotos);
  await discardDraft(fixId).catch(() => undefined); // in the outbox now: the draft has done its work
  window.dispatchEvent(new Event("xunfang-sync"));
  flash.set(ft("fixSaved"));
}

export function TaskFixForm({ task, onSaved }: { task: Task; onSaved: () => void }) {
  const [id, setId] = useState(() => uuid()); // made when the fix is started (or the draft's)
  const [note, setNote] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [tried, setTried] = useState(false); // after the first save, the problem shows and clears live
  const [saveError, setSaveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { photos, add, remove, restore } = usePhotos();
  const draft = useDraft({
    kind: "taskfix",
    id,
    route: `/tasks/${task.id}`,
    label: `${ft("kind_taskfix")} · ${task.place_name} · ${taskLabel(task)}`,
    state: { taskId: task.id, note },
    photos,
    loaded,
    empty: !note.trim() && !photos.length,
  });
  useEffect(() => {
    // A fix in progress for this task, kept on the phone: it carries on under its own id.
    const userId = session.get()?.user.id;
    void (userId ? listDrafts(userId) : Promise.resolve([])).then(
      async (all) => {
        const mine = all.find((d) => d.kind === "taskfix" && (d.state as { taskId?: string }).taskId === task.id);
        const saved = mine ? await loadDraft(mine.id) : null;
        if (saved) {
          setId(saved.entry.id);
          setNote((saved.entry.state as { note: string }).note);
          restore(saved.photos);
          draft.restored(saved);
        }
        setLoaded(true);
      },
      () => setLoaded(true),
    );
  }, [task.id]);
  const ready = photos.filter((p) => p.state === "ready");
  const problem = photos.some((p) => p.state === "processing")
    ? ft("processing")
    : task.record_kind === "patrol" && !ready.length
      ? ft("fixNeedsPhoto")
      : !ready.length && !note.trim()
        ? ft("fixNeedsNoteOrPhoto")
        : null;
  const save = async () => {
    setTried(true);
    setSaveError(null);
    if (problem) return;
    setBusy(true);
    await draft.settle();
    try {
      await saveFix(
        task,
        id,
        note.trim(),
        ready.map((p) => p.photo!),
      );
      onSaved();
    } catch (e) {
      draft.resume();
      setSaveError(ft("saveFailed", { detail: describeError(e) }));
      setBusy(false);
    }
  };
  return (
    <div class="card" data-testid="task-fix-form" data-fix-id={id}>
      <DraftBar draft={draft} />
      <h2 style="margin-top:0">
        {ft("afterPhotos")} <span class="muted small">{ft("photoCount", { n: photos.length })}</span>
      </h2>
      <PhotoStrip photos={photos} onRemove={remove} />
      <CameraButton
        testid="task-fix-photo"
        label={ft("takeAfterPhoto")}
        disabled={photos.length >= MAX_PHOTOS}
        onFiles={(files, fix) => add(files.slice(0, MAX_PHOTOS - photos.length), fix)}
      />
      <label class="field" style="margin-top:14px">
        <span class="label">{ft("fixNote")}</span>
        <textarea data-testid="task-fix-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <FieldError id="fix" text={tried && problem} />
      <FieldError id="save" text={saveError} />
      <UndoBar />
      <button
        type="button"
        class="btn btn-primary btn-block"
        data-testid="task-fix-save"
        disabled={busy}
        onClick={save}
      >
        {busy ? ft("saving") : ft("fixSave")}
      </button>
    </div>
  );
}

/** The latest fix on this phone for each task (task id -> outbox item), kept current. */
export function useFixes(): Map<string, OutboxItem> | null {
  const version = useValue(outboxVersion);
  const [fixes, setFixes] = useState<Map<string, OutboxItem> | null>(null);
  useEffect(() => {
    const userId = session.get()?.user.id;
    if (userId) void fixesByTask(userId).then(setFixes);
  }, [version]);
  return fixes;
}

/**
 * The fix to show on a task: the phone's latest, unless it was sent and the server, asked after it
 * arrived (`fetchedAt`), says the task is open again (reopened): then a new fix may be recorded.
 */
export function shownFix(latest: OutboxItem | undefined, status: string, fetchedAt: number): OutboxItem | undefined {
  return latest?.state === "sent" && status === "open" && fetchedAt > (latest.sentAt ?? 0) ? undefined : latest;
}

export function FixState({ fix }: { fix: OutboxItem }) {
  const detail = fix.lastError ? describeError(fix.lastError) : "";
  return (
    <div
      class={`notice${fix.state === "sent" ? " ok-notice" : fix.state === "failed" ? " danger" : ""}`}
      data-testid="task-fix-pending"
      data-state={fix.state}
      data-fix-id={fix.id}
    >
      {fix.state === "failed" ? ft("fix_failed", { detail }) : ft(`fix_${fix.state}`)}
      {fix.state !== "sent" && (
        <div class="row">
          <a class="btn btn-small" href="#/outbox">
            {ft("openOutbox")}
          </a>
        </div>
      )}
    </div>
  );
}
