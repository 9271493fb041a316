// JPEG byte surgery for evidence: find the original EXIF APP1 block, reset its Orientation tag to
// 1 (the resized pixels are already upright), and splice it into the resized JPEG so capture time,
// GPS and camera travel with the small file. Pure functions on bytes, no DOM.

const SOI = 0xd8,
  SOS = 0xda,
  EOI = 0xd9,
  APP0 = 0xe0,
  APP1 = 0xe1;
const ORIENTATION = 0x0112;

interface Segment {
  marker: number;
  start: number;
  end: number;
} // [start, end) includes FF marker and length

/** The marker segments before the image data (up to, not including, SOS). */
export function segments(jpeg: Uint8Array): { list: Segment[]; dataStart: number } | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) return null;
  const list: Segment[] = [];
  let off = 2;
  while (off + 4 <= jpeg.length) {
    if (jpeg[off] !== 0xff) return null; // not a marker: damaged file
    let m = off + 1;
    while (jpeg[m] === 0xff && m < jpeg.length) m++; // fill bytes
    const marker = jpeg[m];
    const start = m - 1;
    if (marker === SOS || marker === EOI) return { list, dataStart: start };
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      off = m + 1;
      continue;
    } // no length
    const len = (jpeg[m + 1] << 8) | jpeg[m + 2];
    if (len < 2 || m + 1 + len > jpeg.length) return null;
    list.push({ marker, start, end: m + 1 + len });
    off = m + 1 + len;
  }
  return null;
}

function isExif(jpeg: Uint8Array, s: Segment): boolean {
  const h = s.start + 4;
  return (
    s.marker === APP1 &&
    s.end - h >= 6 &&
    jpeg[h] === 0x45 &&
    jpeg[h + 1] === 0x78 &&
    jpeg[h + 2] === 0x69 &&
    jpeg[h + 3] === 0x66 &&
    jpeg[h + 4] === 0 &&
    jpeg[h + 5] === 0
  );
}

function isJfif(jpeg: Uint8Array, s: Segment): boolean {
  const h = s.start + 4;
  return s.marker === APP0 && jpeg[h] === 0x4a && jpeg[h + 1] === 0x46 && jpeg[h + 2] === 0x49 && jpeg[h + 3] === 0x46;
}

/** The whole EXIF APP1 segment (FF E1, length, "Exif\0\0", TIFF), or null when there is none. */
export function findExif(jpeg: Uint8Array): Uint8Array | null {
  const parsed = segments(jpeg);
  const s = parsed?.list.find((seg) => isExif(jpeg, seg));
  return s ? jpeg.slice(s.start, s.end) : null;
}

function tiffReader(app1: Uint8Array) {
  const tiff = 10; // FF E1 LL LL E x i f 00 00
  const view = new DataView(app1.buffer, app1.byteOffset, app1.byteLength);
  if (app1.length < tiff + 8) return null;
  const order = view.getUint16(tiff);
  const le = order === 0x4949;
  if (!le && order !== 0x4d4d) return null;
  return { view, tiff, le };
}

/** The Orientation in an APP1 segment (1 when absent). */
export function readOrientation(app1: Uint8Array): number {
  const r = tiffReader(app1);
  if (!r) return 1;
  const at = orientationOffset(r.view, r.tiff, r.le);
  return at === null ? 1 : r.view.getUint16(at, r.le);
}

function orientationOffset(view: DataView, tiff: number, le: boolean): number | null {
  const ifd0 = tiff + view.getUint32(tiff + 4, le);
  if (ifd0 + 2 > view.byteLength) return null;
  const count = view.getUint16(ifd0, le);
  for (let i = 0; i < count; i++) {
    const entry = ifd0 + 2 + i * 12;
    if (entry + 12 > view.byteLength) return null;
    if (view.getUint16(entry, le) === ORIENTATION && view.getUint16(entry + 2, le) === 3) return entry + 8;
  }
  return null;
}

/** A copy of the APP1 segment whose Orientation says 1 (upright); everything else unchanged. */
export function resetOrientation(app1: Uint8Array): Uint8Array {
  const copy = app1.slice();
  const r = tiffReader(copy);
  if (!r) return copy;
  const at = orientationOffset(r.view, r.tiff, r.le);
  if (at !== null) r.view.setUint16(at, 1, r.le);
  return copy;
}

/**
 * The target JPEG with `app1` right after SOI (where EXIF belongs); the target's own JFIF APP0 and
 * any EXIF it had are dropped. Returns the target unchanged when it is not a parseable JPEG.
 */
export function spliceExif(target: Uint8Array, app1: Uint8Array): Uint8Array {
  const parsed = segments(target);
  if (!parsed) return target;
  const keep = parsed.list.filter((s) => !isExif(target, s) && !isJfif(target, s));
  const size = 2 + app1.length + keep.reduce((n, s) => n + s.end - s.start, 0) + (target.length - parsed.dataStart);
  const out = new Uint8Array(size);
  out[0] = 0xff;
  out[1] = SOI;
  let o = 2;
  out.set(app1, o);
  o += app1.length;
  for (const s of keep) {
    out.set(target.subarray(s.start, s.end), o);
    o += s.end - s.start;
  }
  out.set(target.subarray(parsed.dataStart), o);
  return out;
}

/** Carries the original's EXIF (Orientation reset to 1) into the resized JPEG. */
export function carryExif(original: Uint8Array, resized: Uint8Array): Uint8Array {
  const app1 = findExif(original);
  return app1 ? spliceExif(resized, resetOrientation(app1)) : resized;
}

/** Width and height from the JPEG's frame header, without decoding; null when not found. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } | null {
  const parsed = segments(jpeg);
  if (!parsed) return null;
  for (const s of parsed.list) {
    const m = s.marker;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      const p = s.start + 4;
      return { height: (jpeg[p + 1] << 8) | jpeg[p + 2], width: (jpeg[p + 3] << 8) | jpeg[p + 4] };
    }
  }
  return null;
}

// --- capture time and GPS, read on the phone for its on-site warnings (issue 16) -----------------

interface Entry {
  type: number;
  count: number;
  at: number;
} // `at`: where the value's bytes start
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

function readIfd(view: DataView, tiff: number, le: boolean, offset: number): Map<number, Entry> {
  const out = new Map<number, Entry>();
  const ifd = tiff + offset;
  if (offset <= 0 || ifd + 2 > view.byteLength) return out;
  const count = view.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > view.byteLength) break;
    const type = view.getUint16(e + 2, le);
    const n = view.getUint32(e + 4, le);
    const size = (TYPE_SIZE[type] ?? 1) * n;
    const at = size <= 4 ? e + 8 : tiff + view.getUint32(e + 8, le);
    if (at + size <= view.byteLength) out.set(view.getUint16(e, le), { type, count: n, at });
  }
  return out;
}

function ascii(view: DataView, e: Entry | undefined): string | null {
  if (!e || e.type !== 2) return null;
  let s = "";
  for (let i = 0; i < e.count; i++) {
    const c = view.getUint8(e.at + i);
    if (!c) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}

function rationals(view: DataView, e: Entry | undefined, le: boolean): number[] | null {
  if (!e || e.type !== 5 || e.count < 3) return null;
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const den = view.getUint32(e.at + i * 8 + 4, le);
    if (!den) return null;
    out.push(view.getUint32(e.at + i * 8, le) / den);
  }
  return out;
}

/**
 * An EXIF "YYYY:MM:DD HH:MM:SS" with its optional "+08:00" offset tag as a Date, read as the server
 * reads it (storage/images.py): without an offset, in the zone `naiveOffsetH` hours from UTC.
 */
export function exifDate(text: string | null, offset: string | null, naiveOffsetH: number): Date | null {
  const m = text?.match(/^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)/);
  if (!m) return null;
  let minutes = naiveOffsetH * 60;
  const o = offset?.match(/^([+-])(\d\d):(\d\d)$/);
  if (o && Number(o[2]) * 60 + Number(o[3]) < 15 * 60)
    minutes = (o[1] === "-" ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3]));
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - minutes * 60_000;
  return Number.isNaN(utc) || +m[2] < 1 || +m[2] > 12 ? null : new Date(utc);
}

export interface ExifFacts {
  time: string | null;
  offset: string | null;
  gps: { lat: number; lon: number } | null;
}

/** DateTimeOriginal (or DateTimeDigitized) with its offset, and the GPS position, each on its own. */
export function readExifFacts(jpeg: Uint8Array): ExifFacts {
  const none: ExifFacts = { time: null, offset: null, gps: null };
  const app1 = findExif(jpeg);
  const r = app1 && tiffReader(app1);
  if (!r) return none;
  const { view, tiff, le } = r;
  const facts = { ...none };
  try {
    const ifd0 = readIfd(view, tiff, le, view.getUint32(tiff + 4, le));
    const exifPtr = ifd0.get(0x8769);
    if (exifPtr) {
      const sub = readIfd(view, tiff, le, view.getUint32(exifPtr.at, le));
      facts.time = ascii(view, sub.get(0x9003)) || ascii(view, sub.get(0x9004));
      facts.offset = ascii(view, sub.get(0x9003) ? sub.get(0x9011) : sub.get(0x9012));
    }
    const gpsPtr = ifd0.get(0x8825);
    if (gpsPtr) {
      const gps = readIfd(view, tiff, le, view.getUint32(gpsPtr.at, le));
      const lat = rationals(view, gps.get(2), le);
      const lon = rationals(view, gps.get(4), le);
      if (lat && lon) {
        let la = lat[0] + lat[1] / 60 + lat[2] / 3600;
        let lo = lon[0] + lon[1] / 60 + lon[2] / 3600;
        if (ascii(view, gps.get(1)) === "S") la = -la;
        if (ascii(view, gps.get(3)) === "W") lo = -lo;
        if (Math.abs(la) <= 90 && Math.abs(lo) <= 180 && !(Math.abs(la) < 1e-9 && Math.abs(lo) < 1e-9))
          facts.gps = { lat: la, lon: lo };
      }
    }
  } catch {
    /* a damaged block: what was read so far stands */
  }
  return facts;
}
