// Device-wide status the shell shows on every screen: what is waiting, online or not, storage.
import * as outbox from "./outbox";
import { countKinds } from "./pending-text";
import { session } from "./session";
import { value } from "./store";

/** Items on this phone not yet accepted by the server; null until the outbox has been counted,
 * so the shell never claims "all sent" before it knows. */
export const pending = value<number | null>(null);
/** Of those, the ones that failed for good: a person must retry or discard them. */
export const failedCount = value(0);
/** The waiting ones (not failed) by kind, records and photos apart (pending-text.ts says them). */
export const pendingKinds = value<ReturnType<typeof countKinds>>({});
export const online = value(typeof navigator === "undefined" ? true : navigator.onLine);
export const persisted = value<boolean | null>(null); // null: unknown or not asked yet
/** A one-line message for the next screen ("saved on this phone"). */
export const flash = value<string | null>(null);
/** Flash this after saving work: the shell then says, live, whether it is still on the phone or sent. */
export const SAVED = "\u0001saved";

async function recount(): Promise<void> {
  const userId = session.get()?.user.id;
  if (!userId) {
    // nobody signed in (yet): never claim "all sent"
    pending.set(null);
    failedCount.set(0);
    pendingKinds.set({});
    return;
  }
  const open = (await outbox.list(userId)).filter((i) => i.state !== "sent");
  failedCount.set(open.filter((i) => i.state === "failed").length);
  pendingKinds.set(countKinds(open.filter((i) => i.state !== "failed")));
  pending.set(open.length);
}

export function watchStatus(): void {
  outbox.outboxVersion.subscribe(() => void recount());
  session.subscribe(() => void recount());
  window.addEventListener("online", () => online.set(true));
  window.addEventListener("offline", () => online.set(false));
  void recount();
}

/** Asks the browser not to evict our storage; the shell shows a notice when it says no. */
export async function askPersist(): Promise<void> {
  const storage = navigator.storage;
  if (!storage?.persist) return;
  try {
    persisted.set((await storage.persisted()) || (await storage.persist()));
  } catch {
    persisted.set(false);
  }
}

export function isIosSafariTab(): boolean {
  const ua = navigator.userAgent;
  const ios = /iP(hone|ad|od)/.test(ua) || (ua.includes("Macintosh") && navigator.maxTouchPoints > 1);
  const standalone =
    (navigator as Navigator & { standalone?: boolean }).standalone === true ||
    matchMedia("(display-mode: standalone)").matches;
  return ios && !standalone;
}
