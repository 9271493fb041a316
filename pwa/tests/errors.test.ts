import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api";
import { cannotSucceed, describeError, errorKey } from "../src/errors";
import { lang } from "../src/i18n";

describe("describeError: what went wrong, in the user's words, never the server's", () => {
  it("says a server error by its code, with the field in words, and no English detail", () => {
    const e = new ApiError(400, "Expected `str` - at `$.facility_id`", "facility_id", "bad_input");
    expect(describeError(e)).toBe("有内容格式不对（设施）：请检查后再试");
    expect(describeError(e)).not.toContain("Expected");
  });

  it("falls back on the status when an older server sends no code", () => {
    expect(describeError(new ApiError(404, "no such task in your scope"))).toContain("找不到这项内容");
    expect(describeError(new ApiError(502, "Bad Gateway"))).toContain("服务器暂时出了问题");
  });

  it("tells the network and a timeout apart from the server", () => {
    expect(describeError(new ApiError(0, "Failed to fetch"))).toContain("连不上服务器");
    expect(describeError(new ApiError(0, "aborted"))).toContain("太久没有回应");
    expect(describeError(new TypeError("Failed to fetch dynamically imported module"))).toContain("连不上服务器");
  });

  it("reads back what the outbox kept, and never shows a sentence stored by an older version", () => {
    const kept = errorKey(new ApiError(415, "not an image", undefined, "not_an_image"));
    expect(kept).toBe("415:not_an_image:");
    expect(describeError(kept)).toContain("不是照片");
    expect(cannotSucceed(kept)).toBe(true);
    expect(describeError("photo 1 is already evidence in record 08d6")).toBe("出了点问题：请稍后再试");
    expect(describeError("network")).toContain("连不上服务器");
  });

  it("speaks English when the user chose it", () => {
    lang.set("en");
    try {
      expect(describeError(new ApiError(409, "this visit was approved", undefined, "conflict"))).toMatch(
        /^Someone changed/,
      );
    } finally {
      lang.set("zh-CN");
    }
  });
});
