// Who is signed in, remembered in IndexedDB so a worker on a hillside with no signal gets
// straight to work. A 401 while syncing sets `needsLogin`; logging in again keeps everything.
import { api, token, type Facility, type LoginOut, type Subject, type Task, type TaskDetail, type User } from "./api";
import { cacheDelete, cacheGet, cachePut, forgetCached } from "./db";
import { refreshEvidenceRules } from "./onsite";
import { refreshStations, restoreStations } from "./stations";
import { value } from "./store";

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

export const session = value<Session | null>(null);
export const needsLogin = value(false);
export const facilities = value<Facility[]>([]);
export const subjects = value<Subject[]>([]);
export const scopeSavedAt = value<number | null>(null);
/** Open rectification tasks assigned to the signed-in user, cached for offline use. */
export const myTasks = value<Task[]>([]);
/** When the server last listed them (epoch ms; 0 = never on this phone). */
export const myTasksAt = value(0);

function apply(s: Session | null): void {
  token.set(s?.token ?? null);
  session.set(s);
}

/** At start: the remembered session and the cached scope, whatever the network. */
export async function restore(): Promise<Session | null> {
  const s = (await cacheGet<Session>("session")) ?? null;
  apply(s);
  if (s) await loadScope(s.user.id);
  return s;
}

async function loadScope(userId: string): Promise<void> {
  facilities.set((await cacheGet<Facility[]>(`facilities:${userId}`)) ?? []);
  subjects.set((await cacheGet<Subject[]>(`subjects:${userId}`)) ?? []);
  scopeSavedAt.set((await cacheGet<number>(`scope-at:${userId}`)) ?? null);
  myTasks.set((await cacheGet<Task[]>(`tasks:${userId}`)) ?? []);
  myTasksAt.set((await cacheGet<number>(`tasks-at:${userId}`)) ?? 0);
  await restoreStations(userId);
}

export async function login(username: string, password: string): Promise<Session> {
  const out: LoginOut = await api.login(username.trim(), password);
  const s: Session = { token: out.access_token, expiresAt: out.expires_at, user: out.user };
  await cachePut("session", s);
  apply(s);
  needsLogin.set(false);
  await loadScope(s.user.id);
  void refreshScope();
  return s;
}

export async function logout(): Promise<void> {
  // The server forgets the token first (offline, it lapses at its expiry); then the phone forgets
  // everything it cached for this user, keeping only the unsent outbox.
  if (session.get()) await api.logout().catch(() => undefined);
  apply(null);
  facilities.set([]);
  subjects.set([]);
  myTasks.set([]);
  myTasksAt.set(0);
  scopeSavedAt.set(null);
  await forgetCached();
}

/** Facilities and subjects of the user's scope, fetched when online and cached for offline use. */
/** The stations and checklist templates again (after an admin changed a template). */
export async function refreshStationsNow(): Promise<void> {
  const s = session.get();
  if (s) await refreshStations(s.user.id, () => session.get()?.user.id === s.user.id);
}

export async function refreshScope(): Promise<void> {
  const s = session.get();
  if (!s) return;
  const [f, sub] = await Promise.all([api.facilities(), api.subjects()]);
  if (session.get()?.user.id !== s.user.id) return; // logged out meanwhile: keep nothing
  await cachePut(`facilities:${s.user.id}`, f);
  await cachePut(`subjects:${s.user.id}`, sub);
  const now = Date.now();
  await cachePut(`scope-at:${s.user.id}`, now);
  if (session.get()?.user.id !== s.user.id) return;
  facilities.set(f);
  subjects.set(sub);
  scopeSavedAt.set(now);
  await refreshTasks().catch(() => undefined);
  await refreshEvidenceRules().catch(() => undefined); // the thresholds of the on-site warnings
  await refreshStations(s.user.id, () => session.get()?.user.id === s.user.id).catch(() => undefined);
}

const MAX_TASKS = 30; // details and before thumbnails kept on the phone
const MAX_THUMBS = 4; // per task

/**
 * The user's open tasks, each with its detail (`task:<id>`) and a few before-photo thumbnails
 * (`thumb:<photo id>`, small JPEG blobs), so a task can be opened and fixed with no signal.
 * Entries of tasks no longer open are dropped.
 */
export async function refreshTasks(): Promise<void> {
  const s = session.get();
  if (!s) return;
  const at = Date.now(); // before asking: a fix sent while the answer travels is newer than it
  const list = await api.myOpenTasks(s.user.id);
  if (session.get()?.user.id !== s.user.id) return;
  const before = (await cacheGet<Task[]>(`tasks:${s.user.id}`)) ?? [];
  await cachePut(`tasks:${s.user.id}`, list);
  await cachePut(`tasks-at:${s.user.id}`, at);
  if (session.get()?.user.id === s.user.id) {
    myTasks.set(list);
    myTasksAt.set(at);
  }
  for (const task of list.slice(0, MAX_TASKS)) {
    try {
      const detail = await api.task(task.id);
      await cachePut(`task:${task.id}`, detail);
      for (const p of detail.before_photos.slice(0, MAX_THUMBS)) {
        if (await cacheGet<Blob>(`thumb:${p.id}`)) continue;
        const res = await fetch(p.thumb_url, { cache: "no-store" });
        if (res.ok) await cachePut(`thumb:${p.id}`, await res.blob());
      }
    } catch {
      /* the list is cached; a detail or thumbnail that did not come is tried next time */
    }
  }
  const open = new Set(list.map((t) => t.id));
  for (const gone of before.filter((t) => !open.has(t.id))) {
    const detail = await cacheGet<TaskDetail>(`task:${gone.id}`);
    for (const p of detail?.before_photos ?? []) await cacheDelete(`thumb:${p.id}`);
    await cacheDelete(`task:${gone.id}`);
  }
}
