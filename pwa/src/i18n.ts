// Languages: Simplified Chinese by default, English selectable. Strings live in one module per
// area (src/shell-i18n.ts, src/field/i18n.ts, src/supervisor/i18n.ts), each made with
// defineStrings(zh, en): the English table must have every key of the Chinese one.
import { value, useValue } from "./store";

export type Lang = "zh-CN" | "en";
export const LANGS: Lang[] = ["zh-CN", "en"];
const KEY = "xunfang.lang";

function initial(): Lang {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    /* storage unavailable */
  }
  return "zh-CN";
}

export const lang = value<Lang>(initial());

export function setLang(l: Lang): void {
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* ignore */
  }
  document.documentElement.lang = l;
  lang.set(l);
}

type Params = Record<string, string | number>;
export type T<K extends string> = (key: K, params?: Params) => string;

/** Every table defined so far, for the test that reads them all side by side. */
export const stringTables: { zh: Record<string, string>; en: Record<string, string> }[] = [];

/** Makes a translate function for one area; `{name}` in a string is replaced from params. */
export function defineStrings<Z extends Record<string, string>>(
  zh: Z,
  en: { [K in keyof Z]: string },
): T<Extract<keyof Z, string>> {
  stringTables.push({ zh, en });
  return (key, params) => {
    let s: string = (lang.get() === "en" ? en[key] : zh[key]) ?? String(key);
    if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
}

/** Re-render the calling component when the language changes. */
export function useLang(): Lang {
  return useValue(lang);
}

/** Punctuation between a label and its text: full-width in Chinese, ": " in English. */
export const colon = (): string => (lang.get() === "en" ? ": " : "：");
export const paren = (x: string): string => (lang.get() === "en" ? `(${x})` : `（${x}）`);

export function formatTime(iso: string | number | undefined | null): string {
  if (iso == null || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(lang.get(), { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** A day without the time: "12/15" in both languages' own order. */
export function formatDate(iso: string | number | undefined | null): string {
  if (iso == null || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleDateString(lang.get(), { month: "2-digit", day: "2-digit" });
}

export function formatBytes(n: number): string {
  // A no-break space: "548 KB" never wraps between the number and its unit.
  if (n < 1024) return `${n}\u00a0B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)}\u00a0KB`;
  return `${(n / 1024 / 1024).toFixed(1)}\u00a0MB`;
}
