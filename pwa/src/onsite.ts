// On-site warnings: before a record is saved, what the server will flag that the phone can already
// see (api/evidence.py): a position far from the site or too coarse, a photo taken outside the
// record's time, no photo where one is needed. The thresholds are the server's, fetched from GET
// /settings/evidence and kept on the phone; with none kept yet, only the site's own geofence and
// the missing photos are checked. Pure functions here; the forms show them (field/warnings.tsx).
import { api, type EvidenceRules, type Fix } from "./api";
import type { CapturedPhoto } from "./camera";
import { cacheGet, cachePut } from "./db";
import { exifDate, readExifFacts } from "./exif";
import { value } from "./store";
import { distanceM } from "./util";

export type { EvidenceRules } from "./api";

export const evidenceRules = value<EvidenceRules | null>(null);
const KEY = "evidence-rules";

/** The rules kept on the phone, then (online) the server's current ones. */
export async function refreshEvidenceRules(): Promise<void> {
  if (!evidenceRules.get()) evidenceRules.set((await cacheGet<EvidenceRules>(KEY).catch(() => undefined)) ?? null);
  const fresh = await api.evidenceRules();
  await cachePut(KEY, fresh);
  evidenceRules.set(fresh);
}

export interface Site {
  position: { lat: number; lon: number } | null;
  geofence_m: number;
  noun: "facility" | "home" | "station";
}

/** What the phone read from a photo: its capture fix and its EXIF time and GPS. */
export interface PhotoFacts {
  key: string;
  n: number;
  fix: Fix | null;
  exifTime: Date | null;
  deviceTime: Date | null;
  exifGps: { lat: number; lon: number } | null;
}

export type Warning =
  | { code: "no_position" }
  | { code: "low_accuracy"; accuracy: number; limit: number }
  | { code: "far"; distance: number; geofence: number; accuracy: number }
  | { code: "far_photo"; key: string; n: number; distance: number; geofence: number }
  | { code: "photo_time"; key: string; n: number; at: Date; gapMs: number }
  | { code: "no_photo" }
  | { code: "issue_no_photo"; item: string };

export interface Checked {
  rules: EvidenceRules | null;
  site: Site | null;
  fix: Fix | null;
  photos: PhotoFacts[];
  start: Date;
  end: Date;
  needsPhoto: boolean;
  issuesWithoutPhoto: string[];
}

/** Beyond the geofence even if the fix is off by its whole stated accuracy (capped at 1 km), as the server. */
function beyond(pos: { lat: number; lon: number }, accuracy: number, site: Site): number | null {
  if (!site.position) return null;
  const gap = distanceM(pos, site.position);
  return gap - Math.min(accuracy, 1000) > site.geofence_m ? gap : null;
}

export function onSiteWarnings(c: Checked): Warning[] {
  const out: Warning[] = [];
  if (!c.fix) out.push({ code: "no_position" });
  else {
    if (c.rules && c.fix.accuracy_m > c.rules.low_accuracy_m)
      out.push({ code: "low_accuracy", accuracy: c.fix.accuracy_m, limit: c.rules.low_accuracy_m });
    const far = c.site && beyond(c.fix, c.fix.accuracy_m, c.site);
    if (far !== null && far !== undefined && c.site)
      out.push({ code: "far", distance: far, geofence: c.site.geofence_m, accuracy: c.fix.accuracy_m });
  }
  for (const p of c.photos) {
    const taken = c.site && p.fix ? beyond(p.fix, p.fix.accuracy_m, c.site) : null;
    const exif = c.site && p.exifGps ? beyond(p.exifGps, 0, c.site) : null;
    const worst = Math.max(taken ?? -1, exif ?? -1);
    if (worst >= 0 && c.site)
      out.push({ code: "far_photo", key: p.key, n: p.n, distance: worst, geofence: c.site.geofence_m });
    const at = p.exifTime ?? p.deviceTime;
    if (c.rules && at) {
      const window = c.rules.photo_time_window_h * 3600_000;
      const gap = at < c.start ? c.start.getTime() - at.getTime() : at.getTime() - c.end.getTime();
      if (gap > window) out.push({ code: "photo_time", key: p.key, n: p.n, at, gapMs: gap });
    }
  }
  if (c.needsPhoto && !c.photos.length) out.push({ code: "no_photo" });
  for (const item of c.issuesWithoutPhoto) out.push({ code: "issue_no_photo", item });
  return out;
}

const read = new Map<
  string,
  { time: string | null; offset: string | null; gps: { lat: number; lon: number } | null }
>();

/** A photo's facts (its EXIF read once per photo). */
export async function photoFacts(
  photo: CapturedPhoto,
  key: string,
  n: number,
  rules: EvidenceRules | null,
): Promise<PhotoFacts> {
  let exif = read.get(photo.id);
  if (!exif) {
    exif =
      photo.contentType === "image/jpeg"
        ? readExifFacts(new Uint8Array(await photo.blob.arrayBuffer()))
        : { time: null, offset: null, gps: null };
    read.set(photo.id, exif);
  }
  return {
    key,
    n,
    fix: photo.fix,
    exifTime: rules ? exifDate(exif.time, exif.offset, rules.exif_naive_utc_offset_h) : null,
    deviceTime: new Date(photo.capturedAt),
    exifGps: exif.gps,
  };
}
