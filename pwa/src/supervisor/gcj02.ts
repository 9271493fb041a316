// WGS-84 (GPS, what we store) to GCJ-02 (the offset datum Chinese tile providers such as 高德 draw
// their maps in). Display only: stored positions stay WGS-84. Outside China there is no offset.
import type { components } from "../api-schema";

const A = 6378245.0; // Krasovsky 1940 semi-major axis, as the GCJ-02 algorithm uses
const EE = 0.006693421622965943; // its first eccentricity squared

export function outOfChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function dLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function dLon(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** [lat, lon] in GCJ-02 for a WGS-84 position. */
export function wgs84ToGcj02(lat: number, lon: number): [number, number] {
  if (outOfChina(lat, lon)) return [lat, lon];
  let la = dLat(lon - 105.0, lat - 35.0);
  let lo = dLon(lon - 105.0, lat - 35.0);
  const rad = (lat / 180.0) * Math.PI;
  let magic = Math.sin(rad);
  magic = 1 - EE * magic * magic;
  const sq = Math.sqrt(magic);
  la = (la * 180.0) / (((A * (1 - EE)) / (magic * sq)) * Math.PI);
  lo = (lo * 180.0) / ((A / sq) * Math.cos(rad) * Math.PI);
  return [lat + la, lon + lo];
}

/** The datum of the tiles (GET /map-config). */
export type Datum = components["schemas"]["MapConfigOut"]["datum"];

/** The position to draw on a map whose tiles are in `datum`. */
export function forDisplay(lat: number, lon: number, datum: Datum): [number, number] {
  return datum === "gcj02" ? wgs84ToGcj02(lat, lon) : [lat, lon];
}

/** The WGS-84 position of a point picked on a map whose tiles are in `datum` (the inverse of
 *  forDisplay, by fixed-point iteration: within centimetres after a few rounds). */
export function fromDisplay(lat: number, lon: number, datum: Datum): [number, number] {
  if (datum !== "gcj02") return [lat, lon];
  let [la, lo] = [lat, lon];
  for (let i = 0; i < 5; i++) {
    const [gla, glo] = wgs84ToGcj02(la, lo);
    la += lat - gla;
    lo += lon - glo;
  }
  return [la, lo];
}
