// The review queue: records awaiting a decision on the left (filters above), the selected one on
// the right. Keys: j/k next/previous, a approve, r return (type the reason, Ctrl+Enter sends).
import { useEffect, useState } from "preact/hooks";
import { FLAG_CODES, QUEUE_TYPES, type OrgUnit, type Page, type QueueItem } from "../api";
import { t as ft } from "../field/i18n";
import { useLang } from "../i18n";
import { query } from "../router";
import { facilities, subjects } from "../session";
import { useValue } from "../store";
import { Failed, errText, get, useLoad, useWide, when } from "./common";
import { label, t } from "./i18n";
import { RecordView, isOwn, loadRecord, review, type RecordOut } from "./record";
import { refreshCounts } from "./desk";

type Item = QueueItem;
// The filters' codes are the schema's: a record kind, then the visit types.
const FLAGS = FLAG_CODES;
const TYPES = QUEUE_TYPES;

function Filters({ f, set, units }: { f: Record<string, string>; set: (k: string, v: string) => void; units: OrgUnit[] }) {
  const fs = useValue(facilities);
  const ss = useValue(subjects);
  const sel = (k: string, name: string, options: [string, string][]) => (
    <label class="sv-filter"><span>{name}</span>
      <select data-testid={`filter-${k}`} value={f[k] ?? ""} onChange={(e) => set(k, e.currentTarget.value)}>
        <option value="">{t("all")}</option>
        {options.map(([v, l]) => <option value={v}>{l}</option>)}
      </select>
    </label>
  );
  return (
    <div class="sv-filters">
      <label class="sv-filter"><span>{t("sort")}</span>
        <select data-testid="filter-sort" value={f.sort ?? "newest"} onChange={(e) => set("sort", e.currentTarget.value)}>
          <option value="newest">{t("newest")}</option><option value="most_flagged">{t("mostFlagged")}</option>
        </select>
      </label>
      {sel("status", t("status"), ["submitted", "incomplete", "returned", "approved"].map((s) => [s, label("st_", s)]))}
      {sel("type", t("type"), TYPES.map((v) => [v, v === "patrol" || v === "visit" ? t(v) : v === "inspection" ? ft("kind_inspection") : label("vt_", v)]))}
      {sel("flag", t("flag"), FLAGS.map((v) => [v, label("fl_", v)]))}
      {sel("org_unit_id", t("unit"), units.map((u) => [u.id, u.name]))}
      {sel("facility_id", t("facilities"), fs.map((x) => [x.id, x.name]))}
      {sel("subject_id", t("subjects"), ss.map((x) => [x.id, x.name]))}
      <label class="sv-filter"><span>{t("from")}</span><input type="date" value={f.from ?? ""} onChange={(e) => set("from", e.currentTarget.value)} /></label>
      <label class="sv-filter"><span>{t("to")}</span><input type="date" value={f.to ?? ""} onChange={(e) => set("to", e.currentTarget.value)} /></label>
    </div>
  );
}

const toTime = (d: string | undefined, end: boolean) =>
  d ? new Date(`${d}T00:00:00+08:00`).getTime() + (end ? 86400_000 : 0) : undefined;

export default function Queue() {
  useWide();
  useLang();
  const [f, setF] = useState<Record<string, string>>(() => ({ status: "submitted", sort: "newest", ...query() }));
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [sel, setSel] = useState(0);
  const [record, setRecord] = useState<RecordOut | null>(null);
  const [returning, setReturning] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);

  const params = (more: Record<string, string | null> = {}) => {
    const { from, to, ...rest } = f;
    const since = toTime(from, false), until = toTime(to, true);
    return { ...rest, from: since ? new Date(since).toISOString() : undefined, to: until ? new Date(until).toISOString() : undefined, limit: 50, ...more };
  };
  const load = async (more = false) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<Page<Item>>("/review-queue", params(more && cursor ? { cursor } : {}));
      setItems(more ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor);
      if (!more) setSel(0);
    } catch (e) { setError(errText(e)); } finally { setLoading(false); }
  };
  useEffect(() => { void load(); }, [JSON.stringify(f)]);

  const current = items[sel];
  useEffect(() => {
    setRecord(null);
    setReturning(false);
    if (!current) return;
    let live = true;
    loadRecord(current.kind, current.id).then((r) => live && setRecord(r), (e) => live && setError(errText(e)));
    return () => { live = false; };
  }, [current?.id]);

  const decide = async (decision: "approve" | "return", comment: string) => {
    if (!current) return;
    await review(current.kind, current.id, decision, comment);
    void refreshCounts();
    setDone(t("decided", { what: `${current.place_name} · ${label("st_", decision === "approve" ? "approved" : "returned")}` }));
    const rest = items.filter((i) => i.id !== current.id);
    setItems(rest);
    setSel(Math.min(sel, Math.max(rest.length - 1, 0)));
  };

  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement)?.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "j") setSel((s) => Math.min(s + 1, items.length - 1));
      else if (e.key === "k") setSel((s) => Math.max(s - 1, 0));
      else if (e.key === "a" && record && record.status === "submitted" && !isOwn(record)) void decide("approve", "").catch((x) => setError(errText(x)));
      else if (e.key === "r" && record && !isOwn(record)) { e.preventDefault(); setReturning(true); }
      else return;
      setDone(null);
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  });
  useEffect(() => { document.querySelector(`[data-row="${sel}"]`)?.scrollIntoView({ block: "nearest" }); }, [sel]);

  return (
    <div class="sv" data-testid="review-queue">
      <div class="screen-title"><h1 class="grow">{t("reviewQueue")}</h1><span class="small muted">{t("keys")}</span></div>
      <Filters f={f} set={(k, v) => setF({ ...f, [k]: v })} units={units ?? []} />
      {done && <div class="notice ok-notice" role="status" data-testid="decided">{done}</div>}
      {error && <Failed error={error} retry={() => void load()} />}
      <div class="sv-split">
        <div class="sv-list">
          {!loading && !items.length && <p class="muted" data-testid="queue-empty">{t("none")}</p>}
          <ul class="list">
            {items.map((i, n) => (
              <li>
                <button class={`item sv-row${n === sel ? " selected" : ""}`} data-row={n} data-testid="queue-item" data-id={i.id}
                  aria-pressed={n === sel} onClick={() => { setSel(n); setDone(null); }}>
                  <span class="main">
                    <span class="name">{i.place_name}</span>
                    <span class="sub">{i.kind === "patrol" ? t("patrol") : i.kind === "inspection" ? ft("kind_inspection") : label("vt_", i.type)} · {i.author_name} · {i.org_unit_name}</span>
                    <span class="sub">{when(i.at)} · {t("photoN", { n: i.photo_count })}</span>
                  </span>
                  <span class="side">
                    {i.flags.length > 0 && <span class="badge issue" data-testid="flag-count">⚑ {i.flags.length}</span>}
                    <br /><span class={`badge ${i.status}`}>{label("st_", i.status)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {cursor && <button class="btn btn-block" onClick={() => void load(true)}>{t("more")}</button>}
          {loading && <p>{t("loading")}</p>}
        </div>
        <div class="sv-detail">
          {current && record && record.id === current.id
            ? <RecordView kind={current.kind} record={record} onDecide={decide} returning={returning} setReturning={setReturning} />
            : <p class="muted">{current ? t("loading") : t("pickRecord")}</p>}
        </div>
      </div>
    </div>
  );
}
