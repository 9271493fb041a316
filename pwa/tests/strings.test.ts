// The Chinese and English tables side by side: the same placeholders in both, and English text
// punctuated as English (a full-width colon or bracket there is a string copied and half-translated).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { stringTables } from "../src/i18n";

const SRC = join(__dirname, "..", "src");
// Every module that defines a table: found in the sources, so a new screen cannot be missed.
const modules = (readdirSync(SRC, { recursive: true }) as string[]).filter(
  (f) => /\.tsx?$/.test(f) && /defineStrings\(\s*\{/.test(readFileSync(join(SRC, f), "utf8")),
);

beforeAll(async () => {
  // The screens read the address bar and listen to the window when they load: give them both.
  vi.stubGlobal("location", { hash: "", href: "http://localhost/", origin: "http://localhost" });
  vi.stubGlobal("window", { addEventListener: () => undefined });
  const loaders = import.meta.glob("../src/**/*.{ts,tsx}");
  for (const f of modules) await loaders[`../src/${f.split("\\").join("/")}`]();
});

const placeholders = (s: string) =>
  [...s.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join();
const FULL_WIDTH = /[：（），。；！？、]/;

describe("string tables", () => {
  it("are all loaded", () => {
    expect(modules.length).toBeGreaterThanOrEqual(9);
    expect(stringTables.length).toBeGreaterThanOrEqual(modules.length);
  });

  it("give each English string the placeholders of its Chinese one", () => {
    const wrong = stringTables.flatMap(({ zh, en }) =>
      Object.keys(zh)
        .filter((k) => placeholders(zh[k]) !== placeholders(en[k] ?? ""))
        .map((k) => `${k}: ${zh[k]} | ${en[k]}`),
    );
    expect(wrong).toEqual([]);
  });

  it("punctuate English as English", () => {
    const wrong = stringTables.flatMap(({ en }) =>
      Object.entries(en)
        .filter(([, v]) => FULL_WIDTH.test(v))
        .map(([k, v]) => `${k}: ${v}`),
    );
    expect(wrong).toEqual([]);
  });
});
