// The codes the PWA shows come from the server's OpenAPI document (src/api-schema.ts, generated):
// every value of every enum a screen says has a label in both languages, in the one table of the
// server's codes (src/vocabulary-i18n.ts) that the field screens and the desk share, so a code the
// server adds is a failing test here, never a raw code on a screen.
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  AUDIT_ENTITIES,
  AWARD_GRADES,
  BATCH_REFUSAL_REASONS,
  ERROR_CODES,
  FACILITY_KINDS,
  FLAG_CODES,
  PROTECTION_LEVELS,
  RECORD_KINDS,
  RECORD_STATUSES,
  ROLES,
  SUBJECT_CATEGORIES,
  TASK_STATUSES,
  VISIT_TYPES,
} from "../src/api";
import {
  checklistItemResultValues,
  orgUnitOutLevelValues,
  reviewOutDecisionValues,
  stationInStandardOneOf0Values,
} from "../src/api-schema";
import { says } from "../src/errors";
import { FIGURES } from "../src/weekly";
import { lang, stringTables, type Lang } from "../src/i18n";
import { vocab, type VocabKey } from "../src/vocabulary-i18n";

beforeAll(async () => {
  vi.stubGlobal("location", { hash: "", href: "http://localhost/", origin: "http://localhost" });
  vi.stubGlobal("window", { addEventListener: () => undefined });
  await import("../src/supervisor/i18n");
});

/** The vocabulary's label of `key` in `l`: the key itself when there is none. */
const label = (l: Lang, key: string): string => {
  const was = lang.get();
  lang.set(l);
  try {
    return vocab(key as VocabKey);
  } finally {
    lang.set(was);
  }
};
const labelled = (key: string) => (["zh-CN", "en"] as Lang[]).every((l) => ![key, ""].includes(label(l, key)));

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
    // the vocabulary's other codes
    ["record statuses as their author reads them", RECORD_STATUSES, "rs_"],
    ["review decisions", reviewOutDecisionValues, "decision_"],
    ["checklist results", checklistItemResultValues, "res_"],
    ["facility kinds", FACILITY_KINDS, "k_"],
    ["protection levels", PROTECTION_LEVELS, "pl_"],
    ["unit levels", orgUnitOutLevelValues, "lv_"],
    ["station standards", stationInStandardOneOf0Values, "std_"],
    ["batch refusal reasons", BATCH_REFUSAL_REASONS, "br_"],
    ["weekly report figures", FIGURES, "fig_"],
  ];
  for (const [name, codes, prefix] of cases)
    it(`has a label in both languages: ${name}`, () => {
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.filter((c) => !labelled(`${prefix}${c}`))).toEqual([]);
    });

  it("has words in both languages: what an audit entry is about (the desk's own)", () => {
    const have = new Set(stringTables.flatMap(({ zh, en }) => Object.keys(zh).filter((k) => zh[k] && en[k])));
    expect(AUDIT_ENTITIES.length).toBeGreaterThan(0);
    expect(AUDIT_ENTITIES.filter((e) => !have.has(`en_${e}`))).toEqual([]);
  });

  it("has words in both languages: error codes (the app's general sentence, or the desk's own)", () => {
    const have = new Set(stringTables.flatMap(({ zh, en }) => Object.keys(zh).filter((k) => zh[k] && en[k])));
    expect(ERROR_CODES.filter((c) => !says(c) && !have.has(`ec_${c}`))).toEqual([]);
  });
});
