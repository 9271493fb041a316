// The one IndexedDB database of the PWA. Only openDB lives here: the schema, typed, and
// cumulative upgrades keyed on oldVersion. An upgrade must never drop the outbox or the blobs:
// they hold field work that has not reached the server yet.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { RecordKind } from "./api";

export type OutboxState = "waiting" | "sending" | "sent" | "failed";
export type { RecordKind };
/** What owns photos in the outbox: a record, or the fix of a rectification task; and a station
 * head's weekly remarks (no photos; id "weekly:<unit>:<week>", body src/weekly.ts RemarksPut). */
export type OwnerKind = RecordKind | "taskfix" | "weekly";

/**
 * One thing to send: a record (PUT its JSON), a task fix (POST /tasks/{taskId}/fix with its JSON,
 * after its photos) or a photo (PUT its bytes, kept in `blobs`). A task fix needs no new store or
 * index; version 2 added the drafts stores beside these, untouched.
 */
export interface OutboxItem {
  id: string; // the UUID made when the record or the fix was started, or the photo taken
  kind: OwnerKind | "photo";
  recordId: string; // for a record or a fix, its own id; for a photo, the id of what owns it
  recordKind: OwnerKind;
  taskId?: string; // a task fix: the task it fixes
  userId: string; // whose work this is: only that user's token sends it
  body?: unknown; // a record's JSON body, exactly as api-v1.md
  query?: Record<string, string>; // a photo's query parameters
  contentType?: string;
  bytes?: number;
  label: string; // what the outbox screen shows
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number; // epoch ms; 0 = now
  lastError?: string; // the server's detail or the network error, for people
  createdAt: number;
  updatedAt: number;
  sentAt?: number;
}

export interface CacheEntry {
  key: string; // "session", "facilities", "subjects", "records:<userId>", ...
  value: unknown;
  savedAt: number;
}

export interface XunfangDB extends DBSchema {
  outbox: {
    key: string;
    value: OutboxItem;
    indexes: { "by-state": OutboxState; "by-record": string };
  };
  blobs: { key: string; value: Blob };
  cache: { key: string; value: CacheEntry };
  // Version 2: forms in progress (src/drafts.ts), never sent; their photos' bytes by photo id.
  drafts: { key: string; value: DraftEntry; indexes: { "by-user": string } };
  draftBlobs: { key: string; value: Blob };
}

/** A form being filled on the phone (src/drafts.ts): what the form holds, never sent. */
export interface DraftEntry {
  id: string; // the record's (or the fix's) id, made when it was started
  kind: OwnerKind;
  userId: string;
  route: string; // where the form reopens, e.g. "/patrol/new?draft=<id>" or "/tasks/<task id>"
  label: string; // what home's 继续填写 list shows
  state: unknown; // the form's own fields
  photos: DraftPhotoMeta[]; // ready photos, bytes in draftBlobs under the photo id
  createdAt: number;
  updatedAt: number;
}

export interface DraftPhotoMeta {
  id: string;
  item?: string;
  contentType: string;
  capturedAt: string;
  fix: { lat: number; lon: number; accuracy_m: number; captured_at: string } | null;
  sha256: string | null;
  originalBytes: number;
  resized: boolean;
}

export const DB_NAME = "xunfang";
export const DB_VERSION = 2;

let opening: Promise<IDBPDatabase<XunfangDB>> | null = null;

export function db(): Promise<IDBPDatabase<XunfangDB>> {
  opening ??= openDB<XunfangDB>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        const outbox = database.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("by-state", "state");
        outbox.createIndex("by-record", "recordId");
        database.createObjectStore("blobs");
        database.createObjectStore("cache", { keyPath: "key" });
      }
      if (oldVersion < 2) {
        const drafts = database.createObjectStore("drafts", { keyPath: "id" });
        drafts.createIndex("by-user", "userId");
        database.createObjectStore("draftBlobs");
      }
      // Later versions add stores or indexes here, as `if (oldVersion < 3) {...}`; never delete.
    },
    blocking() {
      // A newer version of the app wants to upgrade: let it, this page reloads on its next visit.
      opening?.then((d) => d.close());
      opening = null;
    },
  });
  return opening;
}

/** For tests: forget the connection so a fresh fake database can be opened. */
export async function closeDb(): Promise<void> {
  if (opening) (await opening).close();
  opening = null;
}

export async function cacheGet<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get("cache", key))?.value as T | undefined;
}

export async function cachePut(key: string, value: unknown): Promise<void> {
  await (await db()).put("cache", { key, value, savedAt: Date.now() });
}

export async function cacheDelete(key: string): Promise<void> {
  await (await db()).delete("cache", key);
}

/**
 * Logging out on a shared phone: every cached list, record, task and thumbnail (names, addresses,
 * home positions) goes, and so do outbox items already sent. Unsent work stays in the outbox and
 * `blobs`, to be sent when its author logs in again.
 */
export async function forgetCached(): Promise<void> {
  const tx = (await db()).transaction(["cache", "outbox"], "readwrite");
  await tx.objectStore("cache").clear();
  const outbox = tx.objectStore("outbox");
  for (const key of await outbox.index("by-state").getAllKeys("sent")) await outbox.delete(key);
  await tx.done;
  if (typeof caches !== "undefined") {
    // Only the app shell is precached; anything else kept by Cache Storage (runtime caches) goes.
    for (const name of await caches.keys())
      if (!name.includes("-shell-") && !name.includes("precache")) await caches.delete(name);
  }
}
