// JPEG byte surgery for evidence: find the original EXIF APP1 block, reset its Orientation tag to
// 1 (the resized pixels are already upright), and splice it into the resized JPEG so capture time,
// GPS and camera travel with the small file. Pure functions on bytes, no DOM.

const SOI = 0xd8, SOS = 0xda, EOI = 0xd9, APP0 = 0xe0, APP1 = 0xe1;
const ORIENTATION = 0x0112;

interface Segment { marker: number; start: number; end: number } // [start, end) includes FF marker and length

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
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { off = m + 1; continue; } // no length
    const len = (jpeg[m + 1] << 8) | jpeg[m + 2];
    if (len < 2 || m + 1 + len > jpeg.length) return null;
    list.push({ marker, start, end: m + 1 + len });
    off = m + 1 + len;
  }
  return null;
}

function isExif(jpeg: Uint8Array, s: Segment): boolean {
  const h = s.start + 4;
  return s.marker === APP1 && s.end - h >= 6 && jpeg[h] === 0x45 && jpeg[h + 1] === 0x78 && jpeg[h + 2] === 0x69 &&
    jpeg[h + 3] === 0x66 && jpeg[h + 4] === 0 && jpeg[h + 5] === 0;
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
