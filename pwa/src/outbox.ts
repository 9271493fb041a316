// The outbox: what was saved on the phone and not yet accepted by the server. IndexedDB only (no
// network here). Keys are the UUIDs made when a record or a task fix was started or a photo taken;
// photo bytes sit in the `blobs` store until the server confirms them. Records and their photos go
// in any order; a task fix waits until all its photos are sent, because its POST names them.
import type { TaskFixIn } from "./api";
import { db, type OutboxItem, type OwnerKind } from "./db";
import { value } from "./store";

export type { OutboxItem };

/** Bumped on every change, here and in other tabs; screens re-read when it moves. */
export const outboxVersion = value(0);
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("xunfang-outbox") : null;
channel?.addEventListener("message", () => outboxVersion.set(outboxVersion.get() + 1));
function changed(): void {
  outboxVersion.set(outboxVersion.get() + 1);
  channel?.postMessage("changed");
}

/** A record (patrol, visit) or a task fix ({photo_ids, note} for POST /tasks/{taskId}/fix). */
export interface NewRecord {
  kind: OwnerKind;
  id: string;
  userId: string;
  body: unknown;
  label: string;
  taskId?: string;
}
export interface NewPhoto {
  id: string;
  recordId: string;
  recordKind: OwnerKind;
  userId: string;
  blob: Blob;
  contentType: string;
  query: Record<string, string>;
  label: string;
}

let seq = 0;
/** Creation order that stays strict within one millisecond: a record before its photos. */
function stamp(): number {
  seq = (seq + 1) % 1000;
  return Date.now() + seq / 1000;
}

/**
 * Saves a record (or a task fix) and its new photos in one transaction: all of it is kept, or
 * none. A record is stamped before its photos; a fix after them, so it is sent last.
 */
export async function enqueue(record: NewRecord, photos: NewPhoto[] = []): Promise<void> {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const blobs = tx.objectStore("blobs");
  const now = Date.now();
  const base = { attempts: 0, nextAttemptAt: 0, state: "waiting" as const, updatedAt: now };
  const fixLast = record.kind === "taskfix";
  const recordStamp = fixLast ? 0 : stamp();
  const photoStamps = photos.map(() => stamp());
  try {
    for (const [i, p] of photos.entries()) {
      await blobs.put(p.blob, p.id);
      await outbox.put({
        ...base,
        id: p.id,
        kind: "photo",
        recordId: p.recordId,
        recordKind: p.recordKind,
        userId: p.userId,
        query: p.query,
        contentType: p.contentType,
        bytes: p.blob.size,
        label: p.label,
        createdAt: photoStamps[i],
      });
    }
    await outbox.put({
      ...base,
      id: record.id,
      kind: record.kind,
      recordId: record.id,
      recordKind: record.kind,
      userId: record.userId,
      body: record.body,
      label: record.label,
      createdAt: fixLast ? stamp() : recordStamp,
      ...(record.taskId ? { taskId: record.taskId } : {}),
    });
  } catch (e) {
    tx.abort(); // a thrown put does not abort by itself: make it all or nothing
    await tx.done.catch(() => undefined);
    throw e;
  }
  await tx.done;
  changed();
}

/** A task fix is held back while any of its photos is not yet on the server. */
async function held(item: OutboxItem): Promise<boolean> {
  if (item.kind !== "taskfix") return false;
  const own = await (await db()).getAllFromIndex("outbox", "by-record", item.id);
  return own.some((p) => p.kind === "photo" && p.state !== "sent");
}

/** This user's waiting items that may be sent now or later (not held), oldest first. */
async function sendable(userId: string): Promise<OutboxItem[]> {
  const waiting = await (await db()).getAllFromIndex("outbox", "by-state", "waiting");
  const out: OutboxItem[] = [];
  for (const i of waiting.filter((w) => w.userId === userId)) if (!(await held(i))) out.push(i);
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

/** The next item due for sending for this user (oldest first), or undefined. */
export async function next(userId: string, now = Date.now()): Promise<OutboxItem | undefined> {
  return (await sendable(userId)).find((i) => i.nextAttemptAt <= now);
}

/** When the earliest waiting item of this user becomes due (epoch ms), or null when none waits. */
export async function nextDueAt(userId: string): Promise<number | null> {
  const mine = (await sendable(userId)).map((i) => i.nextAttemptAt);
  return mine.length ? Math.min(...mine) : null;
}

async function update(id: string, change: (item: OutboxItem) => Partial<OutboxItem>, dropBlob = false): Promise<void> {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const item = await tx.objectStore("outbox").get(id);
  if (item) {
    await tx.objectStore("outbox").put({ ...item, ...change(item), updatedAt: Date.now() });
    if (dropBlob) await tx.objectStore("blobs").delete(id);
  }
  await tx.done;
  changed();
}

export function markSending(id: string): Promise<void> {
  return update(id, () => ({ state: "sending" }));
}

/** The server accepted it: keep a short note for the outbox screen, drop the photo bytes. */
export function markSent(id: string): Promise<void> {
  return update(id, () => ({ state: "sent", sentAt: Date.now(), lastError: undefined }), true);
}

/**
 * It did not go. With `retryInMs` it waits and is tried again then (network, 5xx, 408, 429, or
 * 401 with retryInMs 0 and `countAttempt` false); without, it is a permanent failure that a person
 * must retry or discard.
 */
export function markFailed(id: string, detail: string, retryInMs?: number, countAttempt = true): Promise<void> {
  return update(id, (item) =>
    retryInMs === undefined
      ? { state: "failed", lastError: detail, attempts: item.attempts + 1 }
      : {
          state: "waiting",
          lastError: detail,
          attempts: item.attempts + (countAttempt ? 1 : 0),
          nextAttemptAt: Date.now() + retryInMs,
        },
  );
}

/** A person asks to try a failed (or backing-off) item again now. */
export function retry(id: string): Promise<void> {
  return update(id, () => ({ state: "waiting", nextAttemptAt: 0, attempts: 0 }));
}

/**
 * Removes an item; a record or fix takes its unsent photos with it, and a discarded photo of an
 * unsent fix leaves the fix's photo_ids. The screen asks first.
 */
export async function discard(id: string): Promise<void> {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const item = await outbox.get(id);
  const ids = [id];
  if (item && item.kind !== "photo") {
    for (const p of await outbox.index("by-record").getAll(id)) if (p.state !== "sent" && p.id !== id) ids.push(p.id);
  }
  if (item?.kind === "photo" && item.recordKind === "taskfix") {
    const fix = await outbox.get(item.recordId);
    const body = fix?.body as TaskFixIn | undefined;
    if (fix && fix.state !== "sent" && body?.photo_ids)
      await outbox.put({
        ...fix,
        body: { ...body, photo_ids: body.photo_ids.filter((p) => p !== id) },
        updatedAt: Date.now(),
      });
  }
  for (const i of ids) {
    await outbox.delete(i);
    await tx.objectStore("blobs").delete(i);
  }
  await tx.done;
  changed();
}

/** Items left "sending" by a closed tab or a crash go back to waiting (PUT makes resending safe). */
export async function resetStale(): Promise<void> {
  const tx = (await db()).transaction("outbox", "readwrite");
  for (const item of await tx.store.index("by-state").getAll("sending"))
    await tx.store.put({ ...item, state: "waiting" });
  await tx.done;
  changed();
}

/** Forget sent items after a while; their bytes are already gone. */
export async function prune(olderThanMs = 14 * 86400_000): Promise<void> {
  const tx = (await db()).transaction("outbox", "readwrite");
  const cutoff = Date.now() - olderThanMs;
  for (const item of await tx.store.index("by-state").getAll("sent"))
    if ((item.sentAt ?? 0) < cutoff) await tx.store.delete(item.id);
  await tx.done;
}

export async function list(userId?: string): Promise<OutboxItem[]> {
  const all = await (await db()).getAll("outbox");
  return all.filter((i) => !userId || i.userId === userId).sort((a, b) => b.createdAt - a.createdAt);
}

export async function get(id: string): Promise<OutboxItem | undefined> {
  return (await db()).get("outbox", id);
}

export async function getBlob(id: string): Promise<Blob | undefined> {
  return (await db()).get("blobs", id);
}

/** The latest task fix of this user for each task, whatever its state (task id -> item). */
export async function fixesByTask(userId: string): Promise<Map<string, OutboxItem>> {
  const fixes = (await list(userId)).filter((i) => i.kind === "taskfix" && i.taskId);
  const out = new Map<string, OutboxItem>();
  for (const f of fixes) if (!out.has(f.taskId!)) out.set(f.taskId!, f); // list is newest first
  return out;
}

/** Items not yet accepted by the server (waiting, sending or failed). */
export async function pendingCount(userId?: string): Promise<number> {
  return (await list(userId)).filter((i) => i.state !== "sent").length;
}
