import { lang } from "./i18n";

/** A UUID v4, made on the phone when a record is started or a photo taken. */
export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Great-circle distance in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = 6371000,
    rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad,
    dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

/** Metres or kilometres in the user's language ("15 米", "1.2 公里"; "15 m", "1.2 km"). */
export function formatDistance(m: number): string {
  const zh = lang.get() !== "en";
  return m < 1000
    ? `${Math.round(m)} ${zh ? "米" : "m"}`
    : `${(m / 1000).toFixed(m < 10000 ? 1 : 0)} ${zh ? "公里" : "km"}`;
}
