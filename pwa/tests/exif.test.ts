import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  carryExif,
  findExif,
  jpegSize,
  readExifFacts,
  readOrientation,
  resetOrientation,
  segments,
  spliceExif,
} from "../src/exif";

const FIXTURES = resolve(__dirname, "../../../shared/fixtures/photos");
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(FIXTURES, name)));
const haveFixtures = existsSync(FIXTURES);

/** A minimal APP1 with a TIFF header, one IFD0 entry (Orientation) and a DateTime-like tail. */
function app1(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new Uint8Array(8 + 2 + 12 + 4 + 8);
  const v = new DataView(tiff.buffer);
  tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
  v.setUint16(2, 42, littleEndian);
  v.setUint32(4, 8, littleEndian);
  v.setUint16(8, 1, littleEndian); // one entry
  v.setUint16(10, 0x0112, littleEndian);
  v.setUint16(12, 3, littleEndian); // SHORT
  v.setUint32(14, 1, littleEndian);
  v.setUint16(18, orientation, littleEndian);
  tiff.set([0x32, 0x30, 0x32, 0x36, 0x3a, 0x31, 0x31, 0x00], 26); // "2026:11\0" marker bytes to check they survive
  const len = 2 + 6 + tiff.length;
  return new Uint8Array([0xff, 0xe1, len >> 8, len & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]);
}

/** SOI, JFIF APP0, DQT, SOF0 (w x h), SOS + data, EOI: enough structure for the splice. */
function jpeg(width: number, height: number, extra: Uint8Array[] = []): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0xff, 0xdb, 0, 4, 0, 7];
  const sof = [0xff, 0xc0, 0, 11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0x00, 0x56];
  const parts = [[0xff, 0xd8], app0, ...extra.map((e) => [...e]), dqt, sof, sos, [0xff, 0xd9]];
  return new Uint8Array(parts.flat());
}

describe("EXIF splice", () => {
  it("finds the EXIF segment of a JPEG", () => {
    const exif = app1(6, true);
    expect(findExif(jpeg(10, 10, [exif]))).toEqual(exif);
    expect(findExif(jpeg(10, 10))).toBeNull();
  });

  it.each([true, false])("resets Orientation to 1 and changes nothing else (little endian %s)", (le) => {
    const exif = app1(6, le);
    const fixed = resetOrientation(exif);
    expect(readOrientation(exif)).toBe(6);
    expect(readOrientation(fixed)).toBe(1);
    const changed = [...fixed].map((b, i) => (b !== exif[i] ? i : -1)).filter((i) => i >= 0);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(resetOrientation(exif)).not.toBe(exif); // a copy, the original stays
  });

  it("puts the EXIF right after SOI, drops JFIF and any old EXIF, keeps the image data", () => {
    const target = jpeg(2048, 1536, [app1(1, true)]);
    const exif = app1(8, false);
    const out = spliceExif(target, exif);
    expect([...out.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(out.subarray(2, 2 + exif.length)).toEqual(exif);
    const markers = segments(out)!.list.map((s) => s.marker);
    expect(markers).toEqual([0xe1, 0xdb, 0xc0]);
    const tail = target.subarray(segments(target)!.dataStart);
    expect(out.subarray(out.length - tail.length)).toEqual(tail);
    expect(jpegSize(out)).toEqual({ width: 2048, height: 1536 });
  });

  it("carries the original EXIF with Orientation 1 into the resized file", () => {
    const original = jpeg(4000, 3000, [app1(6, true)]);
    const resized = jpeg(2048, 1536);
    const out = carryExif(original, resized);
    expect(readOrientation(findExif(out)!)).toBe(1);
    expect(findExif(out)!.subarray(30)).toEqual(app1(6, true).subarray(30));
  });

  it("leaves a resized file alone when the original had no EXIF, or the target is not a JPEG", () => {
    const resized = jpeg(100, 100);
    expect(carryExif(jpeg(4000, 3000), resized)).toBe(resized);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    expect(spliceExif(png, app1(1, true))).toBe(png);
  });

  it("reads the size from the frame header without decoding", () => {
    expect(jpegSize(jpeg(4000, 3000))).toEqual({ width: 4000, height: 3000 });
    expect(jpegSize(new Uint8Array([1, 2, 3]))).toBeNull();
  });

  it.skipIf(!haveFixtures)("works on real camera files (Orientation 6, GPS, iPhone)", () => {
    for (const name of ["orientation_landscape_6.jpg", "gps_DSCN0010.jpg", "hdr_iphone_hdr_YES.jpg"]) {
      const original = fixture(name);
      const exif = findExif(original)!;
      expect(exif, name).not.toBeNull();
      const target = fixture("invalid_image01088.jpg"); // a JPEG with no EXIF at all
      expect(findExif(target)).toBeNull();
      const out = carryExif(original, target);
      const carried = findExif(out)!;
      expect(carried.length).toBe(exif.length);
      expect(readOrientation(carried)).toBe(1);
      expect(jpegSize(out)).toEqual(jpegSize(target));
    }
    expect(readOrientation(findExif(fixture("orientation_landscape_6.jpg"))!)).toBe(6);
  });
});

describe.skipIf(!haveFixtures)("capture time and GPS for the on-site warnings", () => {
  it("reads a camera's DateTimeOriginal and GPS position", () => {
    const facts = readExifFacts(fixture("gps_DSCN0010.jpg"));
    expect(facts.time).toBe("2008:10:22 16:28:39");
    expect(facts.gps?.lat).toBeCloseTo(43 + 28 / 60 + 2.814 / 3600, 6);
    expect(facts.gps?.lon).toBeCloseTo(11 + 53 / 60 + 6.456 / 3600, 5);
  });

  it("gives no position for a GPS block without one, and nothing for a file without EXIF", () => {
    expect(readExifFacts(fixture("Canon_40D.jpg"))).toMatchObject({ time: "2008:05:30 15:56:01", gps: null });
    expect(readExifFacts(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))).toEqual({ time: null, offset: null, gps: null });
  });
});
