// Languages: Simplified Chinese by default, English selectable. Strings live in one module per
// area (src/shell-i18n.ts, src/field/i18n.ts, src/supervisor/i18n.ts; the labels of the server's
// codes, which both screens show, in src/vocabulary-i18n.ts), each made with defineStrings(zh, en):
// the English table must have every key of the Chinese one.
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
export const listSep = (): string => (lang.get() === "en" ? ", " : "、");
export const paren = (x: string): string => (lang.get() === "en" ? `(${x})` : `（${x}）`);

const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A moment on the phone's clock as people write it: "12月7日 22:55", "Dec 7, 22:55"; another
 * year is named ("2025年12月7日 22:55", "Dec 7, 2025, 22:55"). The field screens' one formatter. */
export function formatTime(iso: string | number | undefined | null, now = new Date()): string {
  if (iso == null || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const year = d.getFullYear() !== now.getFullYear() ? d.getFullYear() : null;
  if (lang.get() === "en") return `${MONTHS_EN[d.getMonth()]} ${d.getDate()}, ${year ? `${year}, ` : ""}${hm}`;
  return `${year ? `${year}年` : ""}${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
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
