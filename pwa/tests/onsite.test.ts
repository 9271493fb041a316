// On-site warnings (src/onsite.ts) decide as the server's evidence flags do (api/evidence.py).
import { describe, expect, it } from "vitest";
import { exifDate } from "../src/exif";
import { onSiteWarnings, type Checked, type EvidenceRules } from "../src/onsite";

const RULES: EvidenceRules = {
  low_accuracy_m: 100,
  facility_geofence_m: 200,
  home_geofence_m: 300,
  photo_time_window_h: 2,
  future_tolerance_min: 10,
  exif_naive_utc_offset_h: 8,
};
const SITE = { position: { lat: 26.58, lon: 106.71 }, geofence_m: 200, noun: "facility" as const };
const NORTH = (m: number) => 26.58 + m / 111_195;
const fix = (m: number, accuracy = 12) => ({
  lat: NORTH(m),
  lon: 106.71,
  accuracy_m: accuracy,
  captured_at: "2026-12-07T08:00:00Z",
});
const base: Checked = {
  rules: RULES,
  site: SITE,
  fix: fix(0),
  photos: [],
  start: new Date("2026-12-07T08:00:00Z"),
  end: new Date("2026-12-07T08:30:00Z"),
  needsPhoto: false,
  issuesWithoutPhoto: [],
};
const codes = (c: Partial<Checked>) => onSiteWarnings({ ...base, ...c }).map((w) => w.code);

describe("on-site warnings", () => {
  it("say nothing at the site", () => {
    expect(codes({})).toEqual([]);
  });

  it("point out a position beyond the geofence even allowing for its accuracy, as the server", () => {
    expect(codes({ fix: fix(700) })).toEqual(["far"]);
    expect(codes({ fix: fix(290, 95) })).toEqual([]); // 290 m, but off by up to 95 m: maybe inside
    expect(codes({ fix: fix(5000, 50_000) })).toEqual(["low_accuracy", "far"]); // the slack is capped at 1 km
  });

  it("point out a coarse fix and a missing one", () => {
    expect(codes({ fix: fix(0, 150) })).toEqual(["low_accuracy"]);
    expect(codes({ fix: null })).toEqual(["no_position"]);
  });

  it("point out a photo taken outside the record's window, by its EXIF time first", () => {
    const photo = (at: string | null, device = "2026-12-07T08:10:00Z") => ({
      key: "k",
      n: 1,
      fix: null,
      exifTime: at ? new Date(at) : null,
      deviceTime: new Date(device),
      exifGps: null,
    });
    expect(codes({ photos: [photo("2026-12-07T10:29:00Z")] })).toEqual([]);
    expect(codes({ photos: [photo("2026-12-07T10:31:00Z")] })).toEqual(["photo_time"]);
    expect(codes({ photos: [photo("2015-01-01T00:00:00Z")] })).toEqual(["photo_time"]);
    expect(codes({ photos: [photo(null, "2026-12-06T08:00:00Z")] })).toEqual(["photo_time"]);
  });

  it("point out a photo whose EXIF GPS is far from the site, and no photo where one is needed", () => {
    expect(
      codes({
        photos: [{ key: "k", n: 1, fix: null, exifTime: null, deviceTime: null, exifGps: { lat: 43.46, lon: 11.88 } }],
      }),
    ).toEqual(["far_photo"]);
    expect(codes({ needsPhoto: true })).toEqual(["no_photo"]);
    expect(onSiteWarnings({ ...base, issuesWithoutPhoto: ["structure"] })).toEqual([
      { code: "issue_no_photo", item: "structure" },
    ]);
  });

  it("without the server's rules, check only what the site itself says", () => {
    expect(codes({ rules: null, fix: fix(0, 500) })).toEqual([]);
    expect(codes({ rules: null, fix: fix(700) })).toEqual(["far"]);
  });
});

describe("EXIF capture time", () => {
  it("reads a time without offset in the server's naive zone, and an offset when the camera gave one", () => {
    expect(exifDate("2026:12:07 16:00:00", null, 8)?.toISOString()).toBe("2026-12-07T08:00:00.000Z");
    expect(exifDate("2026:12:07 16:00:00", "+01:00", 8)?.toISOString()).toBe("2026-12-07T15:00:00.000Z");
    expect(exifDate("0000:00:00 00:00:00", null, 8)).toBeNull();
    expect(exifDate("garbage", null, 8)).toBeNull();
  });
});
