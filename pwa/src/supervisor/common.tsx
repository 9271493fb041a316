// Pieces every supervisor screen uses: server calls, the wide layout, photos and their viewer,
// flags in plain words, and small formatting helpers.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, request, token, type Flag, type OrgUnit, type Page, type PhotoOut as Photo } from "../api";
import { describeError } from "../errors";
import { lang, paren, useLang } from "../i18n";
import { codeLabel } from "../vocabulary-i18n";
import { templateLabel } from "../stations";
import { useKeydown } from "../ui/keys";
import { label, t, type Key } from "./i18n";
import "./sv.css";

export type Query = Record<string, string | number | undefined | null>;
export const get = async <R,>(path: string, query?: Query) => (await request<R>("GET", path, { query })).data;
export const post = async <R,>(path: string, json?: unknown) =>
  (await request<R>("POST", path, { json: json ?? {} })).data;

/** A server error's finer `code` (the schema's ErrorCode) in the user's language: the desk's own
 *  sentence where it has one (ec_<code> in ./i18n), else null (describeError's general words for the
 *  status then). `value` is what the sentence quotes (an import row's column, name or line). */
export function serverSentence(code: string | undefined, value = "", detail = ""): string | null {
  const key = `ec_${code}`;
  if (code && t(key as Key, { v: value }) !== key) return t(key as Key, { v: value });
  return lang.get() === "en" && detail ? detail : null; // English readers may read the server's own sentence
}

/** A rule the server names (`rule`, with its `limit`) in the user's language; null when unknown. */
export function ruleText(rule: string | null | undefined, limit?: number | null): string | null {
  if (!rule) return null;
  const key = `rule_${rule}`;
  const said = label("rule_", rule);
  return said === rule ? null : t(key as Key, { n: limit ?? "" });
}

/** What a field is called on the screen ("location.lat" -> 纬度). */
export const fieldName = (field: string | null | undefined): string => {
  if (!field) return "";
  for (const k of [field, field.split(".").pop() ?? "", field.split(/[.[]/)[0]])
    if (label("f_", k) !== k) return label("f_", k);
  return field;
};

/** Every error shown on a supervisor or admin screen goes through here: never the server's
 *  English, a code or an id on a Chinese screen. */
export function errText(e: unknown): string {
  // The field and the rule the server names, said in the user's language ("电话：11 位手机号…").
  const rule = e instanceof ApiError ? ruleText(e.rule, e.limit) : null;
  if (rule && e instanceof ApiError) return e.field ? t("err_field", { f: fieldName(e.field), m: rule }) : rule;
  // The desk's own sentences where it knows the server's; otherwise the app's one describeError.
  const known = e instanceof ApiError && e.status !== 0 ? serverSentence(e.code, "", e.detail) : null;
  if (known && e instanceof ApiError)
    return e.field && known !== e.detail ? t("err_field", { f: fieldName(e.field), m: known }) : known;
  return describeError(e);
}

/** Widen the app shell (phone-sized by default) while a supervisor screen is open. */
export function useWide(): void {
  useEffect(() => {
    const app = document.getElementById("app");
    app?.classList.add("sv-wide");
    // On a phone a table scrolls sideways inside its own box (sv.css): it takes the keyboard's
    // focus so that it can be scrolled without a pointer too.
    const focusable = () =>
      app?.querySelectorAll(".sv-table:not([tabindex])").forEach((e) => e.setAttribute("tabindex", "0"));
    focusable();
    const watch = new MutationObserver(focusable);
    if (app) watch.observe(app, { childList: true, subtree: true });
    return () => {
      watch.disconnect();
      app?.classList.remove("sv-wide");
    };
  }, []);
}

/** Load once per `deps`; returns [data, error, reload]. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string | null, () => void] {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e) => live && setError(errText(e)),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return [data, error, () => setN((x) => x + 1)];
}

export function Failed({ error, retry }: { error: string; retry?: () => void }) {
  return (
    <p class="error" role="alert">
      {t("failed", { detail: error })}{" "}
      {retry && (
        <button class="btn btn-small" onClick={retry}>
          {t("retry")}
        </button>
      )}
    </p>
  );
}

export const day = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleDateString(lang.get(), { year: "numeric", month: "2-digit", day: "2-digit" }) : "";
export const when = (iso: string | null | undefined) =>
  iso
    ? new Date(iso).toLocaleString(lang.get(), {
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
      })
    : "";
/** A checklist item as people know it: from the cached templates, else the server's label (an
 * item a later version retired), else the built-in table. */
export const itemLabel = (code: string, serverLabel?: string) =>
  code === "follow_up" ? t("followUp") : (templateLabel(code) ?? serverLabel ?? codeLabel("item_", code));

export function StatusBadge({ status }: { status: string }) {
  const cls = { open: "overdue", fixed: "submitted", accepted: "approved", cancelled: "" }[status] ?? status;
  return (
    <span class={`badge ${cls}`} data-status={status}>
      {label("st_", status)}
    </span>
  );
}

/** A server sentence without the ids in it: a person reads "another record", never a UUID. */
const noIds = (s: string) =>
  s.replace(/ in record [0-9a-f-]{36}/g, " in another record").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "…");

/** Flags grouped by kind: what the kind means in plain words, then each of the server's findings. */
export function Flags({ flags }: { flags: Flag[] }) {
  const l = useLang();
  if (!flags.length)
    return (
      <p class="muted small" data-testid="no-flags">
        {t("noFlags")}
      </p>
    );
  const groups = new Map<string, Flag[]>();
  for (const f of flags) groups.set(f.code, [...(groups.get(f.code) ?? []), f]);
  return (
    <ul class="sv-flags" data-testid="flags">
      {[...groups].map(([code, list]) => (
        <li data-flag={code}>
          <strong>
            {label("fl_", code)}
            {list.length > 1 ? ` ×${list.length}` : ""}
          </strong>
          {label("fx_", code) !== code && <span class="small">{label("fx_", code)}</span>}
          <ul>
            {list.map((f) => (
              <li>{(l === "en" ? noIds(f.detail) : f.detail_zh || noIds(f.detail)) || ""}</li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

export function Thumbs({ photos, onOpen }: { photos: Photo[]; onOpen: (i: number) => void }) {
  if (!photos.length) return <p class="muted">{t("noPhotos")}</p>;
  return (
    <div class="sv-thumbs">
      {photos.map((p, i) => (
        <button type="button" class="sv-thumb" data-testid="thumb" onClick={() => onOpen(i)} title={`${i + 1}`}>
          <img src={p.thumb_url} alt={`${t("photos")} ${i + 1}`} loading="lazy" />
          <span class="n">{i + 1}</span>
        </button>
      ))}
    </div>
  );
}

/** Full-screen viewer: review-size image, zoom with buttons, wheel or +/-, drag to pan, the
 *  original bytes on demand, arrow keys between photos, Esc to close. */
export function Viewer({ photos, start, onClose }: { photos: Photo[]; start: number; onClose: () => void }) {
  useLang();
  const [i, setI] = useState(start);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState([0, 0]);
  const [original, setOriginal] = useState(false);
  const drag = useRef<[number, number] | null>(null);
  const p = photos[i];
  const move = (d: number) => {
    setI((i + d + photos.length) % photos.length);
    setZoom(1);
    setPan([0, 0]);
    setOriginal(false);
  };
  useKeydown((e) => {
    e.stopPropagation();
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowRight") move(1);
    else if (e.key === "ArrowLeft") move(-1);
    else if (e.key === "+" || e.key === "=") setZoom((z) => Math.min(z * 1.5, 8));
    else if (e.key === "-") setZoom((z) => Math.max(z / 1.5, 1));
  }, true);
  const src = original ? p.url : p.review_url || p.thumb_url;
  return (
    <div
      class="sv-viewer"
      role="dialog"
      aria-modal="true"
      aria-label={t("photoViewer", { n: i + 1, of: photos.length })}
      data-testid="viewer"
      onWheel={(e) => {
        e.preventDefault();
        setZoom((z) => Math.min(Math.max(z * (e.deltaY < 0 ? 1.25 : 0.8), 1), 8));
      }}
    >
      <div class="sv-viewer-bar">
        <span>
          {i + 1} / {photos.length} ·{" "}
          {p.taken_at
            ? t("takenAt", { t: when(p.taken_at) })
            : p.capture.captured_at
              ? t("capturedAt", { t: when(p.capture.captured_at) })
              : ""}
        </span>
        <span class="grow" />
        {photos.length > 1 && (
          <button class="btn btn-small" onClick={() => move(-1)}>
            {t("prev")}
          </button>
        )}
        {photos.length > 1 && (
          <button class="btn btn-small" onClick={() => move(1)}>
            {t("next")}
          </button>
        )}
        <button class="btn btn-small" data-testid="zoom-in" onClick={() => setZoom((z) => Math.min(z * 1.5, 8))}>
          {t("zoomIn")}
        </button>
        <button
          class="btn btn-small"
          onClick={() => {
            setZoom((z) => Math.max(z / 1.5, 1));
            setPan([0, 0]);
          }}
        >
          {t("zoomOut")}
        </button>
        <button class="btn btn-small" data-testid="original" aria-pressed={original} onClick={() => setOriginal(true)}>
          {t("original")}
        </button>
        <button class="btn btn-small btn-primary" data-testid="viewer-close" onClick={onClose}>
          {t("close")}
        </button>
      </div>
      <div
        class="sv-viewer-stage"
        onPointerDown={(e) => {
          drag.current = [e.clientX - pan[0], e.clientY - pan[1]];
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          if (drag.current && zoom > 1) setPan([e.clientX - drag.current[0], e.clientY - drag.current[1]]);
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
      >
        <img
          src={src}
          alt=""
          draggable={false}
          data-zoom={zoom.toFixed(2)}
          style={{ transform: `translate(${pan[0]}px, ${pan[1]}px) scale(${zoom})` }}
        />
      </div>
    </div>
  );
}

/** A blob download with the bearer token (a plain link cannot send it); the name comes from
 *  the server's Content-Disposition (filename*, RFC 5987). */
export async function download(path: string, query: Query): Promise<void> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v != null && v !== "") q.set(k, String(v));
  const res = await fetch(`/api/v1${path}?${q}`, { headers: { Authorization: `Bearer ${token.get()}` } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.detail ?? res.statusText);
  }
  const cd = res.headers.get("content-disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="([^"]+)"/i.exec(cd);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : path.split("/").pop()!;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Period presets in China time, as dates for the report and export endpoints. */
export function presetPeriod(preset: string): { from: string; to: string } {
  const now = new Date(Date.now() + 8 * 3600_000); // UTC fields of this are China time
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const today = iso(now);
  if (preset === "lastMonth")
    return { from: iso(new Date(Date.UTC(y, m - 1, 1))), to: iso(new Date(Date.UTC(y, m, 0))) };
  if (preset === "thisQuarter") return { from: iso(new Date(Date.UTC(y, m - (m % 3), 1))), to: today };
  if (preset === "thisYear") return { from: `${y}-01-01`, to: today };
  return { from: iso(new Date(Date.UTC(y, m, 1))), to: today };
}

/** Units in tree order, each with its depth: parents before their children, names in order. */
export function unitTree(units: OrgUnit[]): { unit: OrgUnit; depth: number }[] {
  const ids = new Set(units.map((u) => u.id));
  const kids = new Map<string | null, OrgUnit[]>();
  for (const u of units) {
    const p = u.parent_id && ids.has(u.parent_id) ? u.parent_id : null; // the top of one's scope
    kids.set(p, [...(kids.get(p) ?? []), u]);
  }
  const out: { unit: OrgUnit; depth: number }[] = [];
  const walk = (p: string | null, depth: number) => {
    for (const u of (kids.get(p) ?? []).sort((a, b) => a.name.localeCompare(b.name, "zh-CN"))) {
      out.push({ unit: u, depth });
      walk(u.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** <option>s of a unit picker that show the hierarchy: indented, with the level in words. */
export function UnitOptions({ units, only }: { units: OrgUnit[]; only?: (u: OrgUnit) => boolean }) {
  return (
    <>
      {unitTree(units)
        .filter(({ unit }) => !only || only(unit))
        .map(({ unit, depth }) => (
          <option value={unit.id}>
            {"\u3000".repeat(depth)}
            {depth ? "└ " : ""}
            {unit.name}
            {lang.get() === "en" ? " " : ""}
            {paren(label("lvs_", unit.level))}
          </option>
        ))}
    </>
  );
}

export const loadUnits = async (): Promise<OrgUnit[]> => {
  const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
  return Array.isArray(u) ? u : u.items;
};
