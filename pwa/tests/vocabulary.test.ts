// The codes the PWA shows come from the server's OpenAPI document (src/api-schema.ts, generated):
// every value of every enum a screen says has a label in both languages, so a code the server adds
// is a failing test here, never a raw code on a screen.
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  AWARD_GRADES,
  ERROR_CODES,
  FLAG_CODES,
  RECORD_KINDS,
  RECORD_STATUSES,
  ROLES,
  SUBJECT_CATEGORIES,
  TASK_STATUSES,
  VISIT_TYPES,
} from "../src/api";
import { says } from "../src/errors";
import { stringTables } from "../src/i18n";

beforeAll(async () => {
  vi.stubGlobal("location", { hash: "", href: "http://localhost/", origin: "http://localhost" });
  vi.stubGlobal("window", { addEventListener: () => undefined });
  await import("../src/field/i18n");
  await import("../src/supervisor/i18n");
});

/** The keys that have a non-empty string in both Chinese and English, in any table. */
const labelled = () => new Set(stringTables.flatMap(({ zh, en }) => Object.keys(zh).filter((k) => zh[k] && en[k])));

describe("every code of the schema's enums", () => {
  const cases: [string, readonly string[], string][] = [
    ["visit types", VISIT_TYPES, "vt_"],
    ["subject categories", SUBJECT_CATEGORIES, "cat_"],
    ["award grades", AWARD_GRADES, "award_"],
    ["flag codes", FLAG_CODES, "fl_"],
    ["record kinds", RECORD_KINDS, "kind_"],
    ["record statuses", RECORD_STATUSES, "st_"],
    ["task statuses", TASK_STATUSES, "st_"],
    ["roles", ROLES, "role_"],
  ];
  for (const [name, codes, prefix] of cases)
    it(`has a label in both languages: ${name}`, () => {
      const have = labelled();
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.filter((c) => !have.has(`${prefix}${c}`))).toEqual([]);
    });

  it("has words in both languages: error codes (the app's general sentence, or the desk's own)", () => {
    const have = labelled();
    expect(ERROR_CODES.filter((c) => !says(c) && !have.has(`ec_${c}`))).toEqual([]);
  });
});
