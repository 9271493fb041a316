// The outbox: what was saved on the phone and not yet accepted by the server. IndexedDB only (no
// network here). Keys are the UUIDs made when a record was started or a photo taken; photo bytes
// sit in the `blobs` store until the server confirms them.
import { db, type OutboxItem, type RecordKind } from "./db";
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

export interface NewRecord { kind: RecordKind; id: string; userId: string; body: unknown; label: string }
export interface NewPhoto {
  id: string; recordId: string; recordKind: RecordKind; userId: string; blob: Blob; contentType: string;
  query: Record<string, string>; label: string;
}

let seq = 0;
/** Creation order that stays strict within one millisecond: a record before its photos. */
function stamp(): number {
  seq = (seq + 1) % 1000;
  return Date.now() + seq / 1000;
}

/** Saves a record and its new photos in one transaction: all of it is kept, or none. */
export async function enqueue(record: NewRecord, photos: NewPhoto[] = []): Promise<void> {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const blobs = tx.objectStore("blobs");
  const now = Date.now();
  const base = { attempts: 0, nextAttemptAt: 0, state: "waiting" as const, updatedAt: now };
  try {
    await outbox.put({ ...base, id: record.id, kind: record.kind, recordId: record.id, recordKind: record.kind,
      userId: record.userId, body: record.body, label: record.label, createdAt: stamp() });
    for (const p of photos) {
      await blobs.put(p.blob, p.id);
      await outbox.put({ ...base, id: p.id, kind: "photo", recordId: p.recordId, recordKind: p.recordKind,
        userId: p.userId, query: p.query, contentType: p.contentType, bytes: p.blob.size, label: p.label,
        createdAt: stamp() });
    }
  } catch (e) {
    tx.abort(); // a thrown put does not abort by itself: make it all or nothing
    await tx.done.catch(() => undefined);
    throw e;
  }
  await tx.done;
  changed();
}

/** The next item due for sending for this user (oldest first), or undefined. */
export async function next(userId: string, now = Date.now()): Promise<OutboxItem | undefined> {
  const waiting = await (await db()).getAllFromIndex("outbox", "by-state", "waiting");
  return waiting
    .filter((i) => i.userId === userId && i.nextAttemptAt <= now)
    .sort((a, b) => a.createdAt - b.createdAt)[0];
}

/** When the earliest waiting item of this user becomes due (epoch ms), or null when none waits. */
export async function nextDueAt(userId: string): Promise<number | null> {
  const waiting = await (await db()).getAllFromIndex("outbox", "by-state", "waiting");
  const mine = waiting.filter((i) => i.userId === userId).map((i) => i.nextAttemptAt);
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
  return update(id, (item) => retryInMs === undefined
    ? { state: "failed", lastError: detail, attempts: item.attempts + 1 }
    : { state: "waiting", lastError: detail, attempts: item.attempts + (countAttempt ? 1 : 0),
        nextAttemptAt: Date.now() + retryInMs });
}

/** A person asks to try a failed (or backing-off) item again now. */
export function retry(id: string): Promise<void> {
  return update(id, () => ({ state: "waiting", nextAttemptAt: 0, attempts: 0 }));
}

/** Removes an item; a record takes its unsent photos with it. The screen asks first. */
export async function discard(id: string): Promise<void> {
  const tx = (await db()).transaction(["outbox", "blobs"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const item = await outbox.get(id);
  const ids = [id];
  if (item && item.kind !== "photo") {
    for (const p of await outbox.index("by-record").getAll(id)) if (p.state !== "sent") ids.push(p.id);
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
  for (const item of await tx.store.index("by-state").getAll("sending")) await tx.store.put({ ...item, state: "waiting" });
  await tx.done;
  changed();
}

/** Forget sent items after a while; their bytes are already gone. */
export async function prune(olderThanMs = 14 * 86400_000): Promise<void> {
  const tx = (await db()).transaction("outbox", "readwrite");
  const cutoff = Date.now() - olderThanMs;
  for (const item of await tx.store.index("by-state").getAll("sent")) if ((item.sentAt ?? 0) < cutoff) await tx.store.delete(item.id);
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

/** Items not yet accepted by the server (waiting, sending or failed). */
export async function pendingCount(userId?: string): Promise<number> {
  return (await list(userId)).filter((i) => i.state !== "sent").length;
}
