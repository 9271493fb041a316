import { describe, expect, it } from "vitest";
import { forDisplay, outOfChina, wgs84ToGcj02 } from "../src/supervisor/gcj02";

// Known pair: 天安门, WGS-84 (39.90469, 116.40717) is drawn by GCJ-02 tile providers at about
// (39.90609, 116.41341).
describe("wgs84ToGcj02", () => {
  it("moves Tiananmen to its known GCJ-02 position", () => {
    const [lat, lon] = wgs84ToGcj02(39.90469, 116.40717);
    expect(lat).toBeCloseTo(39.90609, 5);
    expect(lon).toBeCloseTo(116.41341, 5);
  });

  it("shifts every position in mainland China by the usual 100 to 700 metres", () => {
    for (const [lat, lon] of [
      [26.5923, 106.7132],
      [31.23037, 121.4737],
      [23.1291, 113.2644],
      [45.75, 126.65],
      [29.65, 91.1],
    ]) {
      const [a, b] = wgs84ToGcj02(lat, lon);
      const metres = Math.hypot((a - lat) * 111_320, (b - lon) * 111_320 * Math.cos((lat * Math.PI) / 180));
      expect(metres).toBeGreaterThan(100);
      expect(metres).toBeLessThan(700);
    }
  });

  it("leaves positions outside China alone", () => {
    expect(outOfChina(51.5, -0.12)).toBe(true);
    expect(wgs84ToGcj02(51.5, -0.12)).toEqual([51.5, -0.12]);
  });

  it("converts only for GCJ-02 tiles", () => {
    expect(forDisplay(39.90469, 116.40717, "wgs84")).toEqual([39.90469, 116.40717]);
    expect(forDisplay(39.90469, 116.40717, "gcj02")[1]).toBeCloseTo(116.41341, 5);
  });
});
