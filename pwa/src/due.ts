// Today's due facilities and people (GET /me/due), with the phone's own answer when offline:
// worked out from the facility and subject lists kept on the phone, as the server would (due
// before the end of today in China time, nearest first with a position, else longest overdue).
import { api, ApiError, type DueItem, type DueOut, type Facility, type Point, type Subject } from "./api";
import { cacheGet, cachePut } from "./db";
import { distanceM } from "./util";

/** The end of today in China time (UTC+8, no daylight saving), as the server counts "today". */
export function endOfTodayChina(now = new Date()): Date {
  const china = new Date(now.getTime() + 8 * 3600_000);
  return new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate() + 1) - 8 * 3600_000);
}

export function sortDue(items: DueItem[], nearFirst: boolean): DueItem[] {
  const due = (i: DueItem) => Date.parse(i.next_due_at);
  return [...items].sort((a, b) => {
    if (nearFirst && (a.distance_m !== null) !== (b.distance_m !== null)) return a.distance_m === null ? 1 : -1;
    if (nearFirst && a.distance_m !== null && b.distance_m !== null && a.distance_m !== b.distance_m)
      return a.distance_m - b.distance_m;
    return due(a) - due(b) || (a.id < b.id ? -1 : 1);
  });
}

/** What /me/due would answer, from the cached lists (which hold the caller's scope already). */
export function dueFromLists(fs: Facility[], ss: Subject[], here: Point | null, now = new Date()): DueOut {
  const until = endOfTodayChina(now).getTime();
  const dist = (p: Point | null) => (here && p ? Math.round(distanceM(here, p)) : null);
  const items: DueItem[] = [
    ...fs
      .filter((f) => Date.parse(f.next_due_at) < until)
      .map((f): DueItem => ({
        kind: "facility",
        id: f.id,
        name: f.name,
        detail: f.kind,
        address: f.address,
        location: f.location,
        org_unit_id: f.org_unit_id,
        next_due_at: f.next_due_at,
        overdue: Date.parse(f.next_due_at) < now.getTime(),
        distance_m: dist(f.location),
      })),
    ...ss
      .filter((s) => Date.parse(s.next_due_at) < until)
      .map((s): DueItem => ({
        kind: "subject",
        id: s.id,
        name: s.name,
        detail: s.category,
        address: s.address,
        location: s.location,
        org_unit_id: s.org_unit_id,
        next_due_at: s.next_due_at,
        overdue: Date.parse(s.next_due_at) < now.getTime(),
        distance_m: dist(s.location),
      })),
  ];
  return { items: sortDue(items, !!here), near: here, until: new Date(until).toISOString() };
}

/** Whole days past due (0 when due today or not yet). */
export function daysOverdue(item: Pick<DueItem, "next_due_at">, now = Date.now()): number {
  return Math.max(0, Math.floor((now - Date.parse(item.next_due_at)) / 86400_000));
}

export interface DueAnswer {
  out: DueOut;
  offline: boolean;
}

/**
 * The server's answer when it can be had (kept on the phone), else the phone's own from the
 * cached lists. Distances of a kept answer are not reused offline: the phone has moved since.
 */
export async function loadDue(
  userId: string,
  here: Point | null,
  lists: { facilities: Facility[]; subjects: Subject[] },
  isOnline: boolean,
): Promise<DueAnswer> {
  const key = `due:${userId}`;
  if (isOnline) {
    try {
      const out = await api.myDue(here ?? undefined);
      await cachePut(key, out);
      return { out, offline: false };
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 0)) throw e;
    }
  }
  if (lists.facilities.length || lists.subjects.length)
    return { out: dueFromLists(lists.facilities, lists.subjects, here), offline: true };
  const kept = await cacheGet<DueOut>(key);
  return { out: kept ?? { items: [], near: null, until: endOfTodayChina().toISOString() }, offline: true };
}

/** The phone's last known position, without asking for permission on a screen that did not need it. */
export async function quietPosition(): Promise<Point | null> {
  try {
    const state = await navigator.permissions?.query({ name: "geolocation" as PermissionName });
    if (state?.state !== "granted") return null;
  } catch {
    return null;
  }
  return new Promise((resolve) =>
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => resolve(null),
      { maximumAge: 5 * 60_000, timeout: 8000, enableHighAccuracy: false },
    ),
  );
}
