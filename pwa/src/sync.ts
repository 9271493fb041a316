// The sync engine: drains the outbox with the API's idempotent PUTs (and a task fix's POST, which
// the server accepts again unchanged when the same fix arrives twice). Runs on `online`, when the
// page becomes visible, on a timer, after a save, and on the button. Never awaits the network
// inside an IndexedDB transaction: read the item, send it, then record the answer in a new one.
//   2xx                  -> sent
//   401                  -> ask to log in again; the item waits, nothing is lost
//   network, 408, 429, 5xx -> try again later with exponential backoff
//   ... with Retry-After   -> the whole outbox waits at least that long (an overloaded server sheds
//                           load with 503 + Retry-After; hammering it would only make it worse)
//   any other 4xx        -> failed for good (retry or discard); lastError keeps status:code:field,
//                           which errors.ts says in the user's language
import { api, ApiError } from "./api";
import { errorKey } from "./errors";
import * as outbox from "./outbox";
import type { OutboxItem } from "./outbox";
import { value } from "./store";
import { putRemarks, type RemarksPut } from "./weekly";

export interface SyncDeps {
  userId: () => string | null;
  send: (item: OutboxItem, blob: Blob | undefined) => Promise<unknown>;
  onAuthNeeded: () => void;
  random: () => number;
}

/** `sent`: the kinds of the items the last run delivered (the shell says "已上传" after a background run). */
export interface SyncStatus {
  running: boolean;
  lastRunAt: number | null;
  lastError: string | null;
  sent?: OutboxItem["kind"][];
}
export const syncStatus = value<SyncStatus>({ running: false, lastRunAt: null, lastError: null });

/** lastError of an item that met no network (the outbox screen says it in the user's language). */
export const NETWORK = "network";
const BASE_DELAY = 2000;
const MAX_DELAY = 5 * 60_000;

/** Delay before attempt n+1 after n failures: 2 s, 4 s, 8 s ... up to 5 min, with +-20 % jitter. */
export function backoff(attempts: number, random: () => number = Math.random): number {
  const raw = Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/** Until when the server asked this phone to pause (Retry-After); nothing is sent before. */
let pausedUntil = 0;
export function pausedUntilAt(): number {
  return pausedUntil;
}

/** Never sooner than the server asked, up to 20 % later so a crowd of phones does not return at once. */
export function retryAfterDelay(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + 0.2 * random()));
}

export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

function timeoutFor(item: OutboxItem): number {
  // A slow link moves ~20 KB/s at worst; leave a minute on top.
  return 60_000 + Math.round((item.bytes ?? 0) / 20);
}

export async function sendItem(item: OutboxItem, blob: Blob | undefined): Promise<unknown> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutFor(item));
  try {
    if (item.kind === "photo") {
      if (!blob) throw new ApiError(410, "the photo is no longer on this device", undefined, "photo_missing");
      return await api.putPhoto(
        item.id,
        blob,
        item.contentType ?? blob.type ?? "image/jpeg",
        item.query ?? {},
        ctl.signal,
      );
    }
    if (item.kind === "taskfix") return await api.fixTask(item.taskId ?? "", item.body, ctl.signal);
    if (item.kind === "weekly") return await putRemarks(item.body as RemarksPut, ctl.signal);
    return await api.putRecord(item.kind, item.id, item.body, ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}

let running: Promise<number> | null = null;

/**
 * Sends every due item of the signed-in user, one at a time. Returns how many were accepted.
 * Concurrent calls share one run; in several tabs a Web Lock keeps one sender at a time.
 */
export function drain(deps: SyncDeps): Promise<number> {
  if (running) return running;
  const run = async () => {
    const locks =
      typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    if (locks?.request)
      return (await locks.request("xunfang-sync", { ifAvailable: true }, (lock) =>
        lock ? drainOnce(deps) : 0,
      )) as number;
    return drainOnce(deps);
  };
  running = run().finally(() => {
    running = null;
  });
  return running;
}

async function drainOnce(deps: SyncDeps): Promise<number> {
  const userId = deps.userId();
  if (!userId || Date.now() < pausedUntil) return 0;
  syncStatus.set({ ...syncStatus.get(), running: true });
  let sent = 0;
  const sentKinds: OutboxItem["kind"][] = [];
  let failuresInARow = 0;
  let lastError: string | null = null;
  try {
    for (;;) {
      const item = await outbox.next(userId);
      if (!item) break;
      await outbox.markSending(item.id);
      const blob = item.kind === "photo" ? await outbox.getBlob(item.id) : undefined;
      try {
        await deps.send(item, blob); // no transaction is open here
        await outbox.markSent(item.id);
        sent++;
        sentKinds.push(item.kind);
        failuresInARow = 0;
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(0, String(e));
        lastError = errorKey(err); // the facts, said in the user's language by describeError
        if (err.status === 401) {
          await outbox.markFailed(item.id, lastError, 0, false);
          deps.onAuthNeeded();
          break;
        }
        if (isRetryable(err.status) && err.retryAfterMs !== undefined) {
          const delay = retryAfterDelay(err.retryAfterMs, deps.random);
          await outbox.markFailed(item.id, lastError, delay);
          pausedUntil = Date.now() + delay;
          break;
        }
        if (isRetryable(err.status)) {
          await outbox.markFailed(item.id, lastError, backoff(item.attempts + 1, deps.random));
          if (++failuresInARow >= 2) break; // the link is down: wait for the timer or `online`
        } else {
          await outbox.markFailed(item.id, lastError);
        }
      }
    }
  } finally {
    syncStatus.set({ running: false, lastRunAt: Date.now(), lastError, sent: sentKinds });
  }
  return sent;
}

/** Wires the triggers: online, visibility, a timer, and a wake-up when the next retry is due. */
export function startSync(deps: SyncDeps, everyMs = 30_000): { kick: () => Promise<number>; stop: () => void } {
  let wake: ReturnType<typeof setTimeout> | undefined;
  const kick = async () => {
    if (typeof navigator !== "undefined" && navigator.onLine === false) return 0; // `online` wakes us
    const n = await drain(deps);
    const userId = deps.userId();
    const due = userId ? await outbox.nextDueAt(userId) : null;
    clearTimeout(wake);
    if (due !== null) wake = setTimeout(() => void kick(), Math.max(500, Math.max(due, pausedUntil) - Date.now() + 50));
    return n;
  };
  const onVisible = () => document.visibilityState === "visible" && void kick();
  const onOnline = () => void kick();
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onVisible);
  const timer = setInterval(() => void kick(), everyMs);
  void outbox.resetStale().then(kick);
  return {
    kick,
    stop() {
      clearTimeout(wake);
      clearInterval(timer);
      window.removeEventListener("online", onOnline);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
