// The review queue: records awaiting a decision on the left (filters above), the selected one on
// the right. Keys: j/k next/previous, a approve (asks first, naming the record; Enter confirms),
// Shift+A approve at once, r return (type the reason, Ctrl+Enter sends). After a decision nothing
// is selected until j or k: no key decides on a record the user did not pick.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  FLAG_CODES,
  QUEUE_TYPES,
  isRecordKind,
  type OrgUnit,
  type Page,
  type QueueItem,
  type RecordStatus,
  type Refused,
  type Review,
} from "../api";
import { colon, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { query } from "../router";
import { useKeydown } from "../ui/keys";
import { facilities, session, subjects } from "../session";
import { useValue } from "../store";
import { ApiError } from "../api";
import { Failed, errText, get, post, useLoad, useWide, when } from "./common";
import { label, t } from "./i18n";
import { RecordView, isOwn, loadRecord, review, type RecordOut } from "./record";
import { refreshCounts } from "./desk";

type Item = QueueItem;
// The filters' codes are the schema's: a record kind, then the visit types.
const FLAGS = FLAG_CODES;
const TYPES = QUEUE_TYPES;

function Filters({
  f,
  set,
  units,
}: {
  f: Record<string, string>;
  set: (k: string, v: string) => void;
  units: OrgUnit[];
}) {
  const fs = useValue(facilities);
  const ss = useValue(subjects);
  const sel = (k: string, name: string, options: [string, string][]) => (
    <label class="sv-filter">
      <span>{name}</span>
      <select data-testid={`filter-${k}`} value={f[k] ?? ""} onChange={(e) => set(k, e.currentTarget.value)}>
        <option value="">{t("all")}</option>
        {options.map(([v, l]) => (
          <option value={v}>{l}</option>
        ))}
      </select>
    </label>
  );
  return (
    <div class="sv-filters">
      <label class="sv-filter">
        <span>{t("sort")}</span>
        <select
          data-testid="filter-sort"
          value={f.sort ?? "newest"}
          onChange={(e) => set("sort", e.currentTarget.value)}
        >
          <option value="newest">{t("newest")}</option>
          <option value="most_flagged">{t("mostFlagged")}</option>
        </select>
      </label>
      {sel(
        "status",
        t("status"),
        (["submitted", "incomplete", "returned", "approved"] satisfies RecordStatus[]).map((s) => [s, label("st_", s)]),
      )}
      {sel(
        "type",
        t("type"),
        TYPES.map((v) => [v, isRecordKind(v) ? vocab(`kind_${v}`) : label("vt_", v)]),
      )}
      {sel(
        "flag",
        t("flag"),
        FLAGS.map((v) => [v, label("fl_", v)]),
      )}
      {sel(
        "org_unit_id",
        t("unit"),
        units.map((u) => [u.id, u.name]),
      )}
      {sel(
        "facility_id",
        t("facilities"),
        fs.map((x) => [x.id, x.name]),
      )}
      {sel(
        "subject_id",
        t("subjects"),
        ss.map((x) => [x.id, x.name]),
      )}
      <label class="sv-filter">
        <span>{t("from")}</span>
        <input type="date" value={f.from ?? ""} onChange={(e) => set("from", e.currentTarget.value)} />
      </label>
      <label class="sv-filter">
        <span>{t("to")}</span>
        <input type="date" value={f.to ?? ""} onChange={(e) => set("to", e.currentTarget.value)} />
      </label>
    </div>
  );
}

const toTime = (d: string | undefined, end: boolean) =>
  d ? new Date(`${d}T00:00:00+08:00`).getTime() + (end ? 86400_000 : 0) : undefined;

/** Approve every flag-free record of the page awaiting the user's decision, after a confirmation
 *  with the count; the server approves all of them or none. */
function Batch({
  items,
  onDone,
  onRefused,
}: {
  items: Item[];
  onDone: (ids: string[], message: () => string) => void;
  onRefused: () => void;
}) {
  const me = useValue(session)?.user.id;
  const clean = items.filter((i) => i.status === "submitted" && !i.flags.length && i.author_id !== me).slice(0, 100);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<Refused[] | null>(null);
  // The batch as it was sent, to name refused records: one decided meanwhile has left the page.
  const [sent, setSent] = useState<Item[]>([]);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setRefused(null);
    setSent(clean);
    try {
      await post("/reviews/batch", { decision: "approve", records: clean.map((i) => ({ kind: i.kind, id: i.id })) });
      setAsking(false);
      const n = clean.length;
      onDone(
        clean.map((i) => i.id),
        () => t("batchDone", { n }),
      );
    } catch (e) {
      const named = e instanceof ApiError ? (e.refused ?? []) : [];
      if (named.length) {
        setRefused(named);
        onRefused();
      } else setError(errText(e));
      setAsking(false);
    } finally {
      setBusy(false);
    }
  };
  const name = (id: string) => {
    const i = sent.find((x) => x.id === id) ?? items.find((x) => x.id === id);
    return i ? `${i.place_name} · ${i.author_name} · ${when(i.at)}` : id;
  };
  return (
    <div class="sv-batch" data-testid="batch">
      {!asking && (
        <button
          class="btn"
          data-testid="batch-approve"
          disabled={!clean.length || busy}
          onClick={() => {
            setAsking(true);
            setRefused(null);
          }}
        >
          {t("batchApprove", { n: clean.length })}
        </button>
      )}
      {asking && (
        <div class="sv-confirm-box" role="alertdialog" aria-labelledby="batch-q" data-testid="batch-confirm">
          <p id="batch-q">
            <strong>{t("batchConfirm", { n: clean.length })}</strong>
          </p>
          <div class="row">
            <button class="btn btn-primary" data-testid="batch-yes" disabled={busy} onClick={() => void run()}>
              {t("batchYes")}
            </button>
            <button class="btn" onClick={() => setAsking(false)}>
              {t("cancel")}
            </button>
          </div>
        </div>
      )}
      {refused && (
        <div class="notice danger" role="alert" data-testid="batch-refused">
          <p>{t("batchRefused", { n: refused.length })}</p>
          <ul>
            {refused.map((r) => (
              <li data-id={r.id}>
                {name(r.id)}
                {colon()}
                {vocab(`br_${r.reason}`)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export default function Queue() {
  useWide();
  useLang();
  const [f, setF] = useState<Record<string, string>>(() => ({ status: "submitted", sort: "newest", ...query() }));
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // The selected row; null after a decision: the selection never moves onto a record by itself,
  // so a second key press cannot decide on a record nobody looked at. j/k go on from `near`.
  const [sel, setSel] = useState<number | null>(0);
  const [near, setNear] = useState(0);
  const [record, setRecord] = useState<RecordOut | null>(null);
  const [returning, setReturning] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<(() => string) | null>(null); // said in the language of the moment
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);

  const params = (more: Record<string, string | null> = {}) => {
    const { from, to, ...rest } = f;
    const since = toTime(from, false),
      until = toTime(to, true);
    return {
      ...rest,
      from: since ? new Date(since).toISOString() : undefined,
      to: until ? new Date(until).toISOString() : undefined,
      limit: 50,
      ...more,
    };
  };
  const load = async (more = false) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<Page<Item>>("/review-queue", params(more && cursor ? { cursor } : {}));
      setItems(more ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor);
      if (!more) setSel(0);
    } catch (e) {
      setError(errText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, [JSON.stringify(f)]);

  const current = sel == null ? undefined : items[sel];
  useEffect(() => {
    setRecord(null);
    setReturning(false);
    setConfirming(false);
    if (!current) return;
    let live = true;
    loadRecord(current.kind, current.id).then(
      (r) => live && setRecord(r),
      (e) => live && setError(errText(e)),
    );
    return () => {
      live = false;
    };
  }, [current?.id]);

  const settled = (ids: string[], message: () => string) => {
    void refreshCounts();
    setDone(() => message);
    const at = sel ?? near;
    const rest = items.filter((i) => !ids.includes(i.id));
    setItems(rest);
    setNear(Math.min(at, Math.max(rest.length - 1, 0)));
    setSel(null);
  };
  // The record whose decision is on its way: a key pressed again meanwhile sends nothing.
  const sending = useRef<string | null>(null);
  const decide = async (decision: Review["decision"], comment: string) => {
    if (!current || sending.current === current.id) return;
    sending.current = current.id;
    try {
      await review(current.kind, current.id, decision, comment);
    } finally {
      sending.current = null;
    }
    const place = current.place_name;
    settled([current.id], () =>
      decision === "reopen"
        ? t("reopened")
        : t("decided", { what: `${place} · ${label("st_", decision === "approve" ? "approved" : "returned")}` }),
    );
  };
  const approvable = () =>
    !!(current && record && record.id === current.id && record.status === "submitted" && !isOwn(record));

  useKeydown((e) => {
    const tag = (e.target as HTMLElement)?.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
    const n = items.length;
    if (e.key === "j" && n) setSel((s) => (s == null ? Math.min(near, n - 1) : Math.min(s + 1, n - 1)));
    else if (e.key === "k" && n) setSel((s) => (s == null ? Math.max(Math.min(near, n) - 1, 0) : Math.max(s - 1, 0)));
    else if (e.key === "Escape" && confirming) setConfirming(false);
    // Enter confirms (on a focused button the button's own click does it).
    else if (e.key === "Enter" && confirming && tag !== "BUTTON" && tag !== "A" && approvable())
      void decide("approve", "").catch((x) => setError(errText(x)));
    else if (e.key === "A" && e.shiftKey && approvable() && !confirming)
      void decide("approve", "").catch((x) => setError(errText(x)));
    else if (e.key === "a" && !e.shiftKey && approvable())
      setConfirming(true); // a second a changes nothing
    else if (e.key === "r" && record && !isOwn(record) && !confirming) {
      e.preventDefault();
      setReturning(true);
    } else return;
    setDone(null);
  });
  useEffect(() => {
    if (sel != null) document.querySelector(`[data-row="${sel}"]`)?.scrollIntoView({ block: "nearest" });
  }, [sel]);

  return (
    <div class="sv" data-testid="review-queue">
      <div class="screen-title">
        <h1 class="grow">{t("reviewQueue")}</h1>
        <span class="small muted sv-keys">{t("keys")}</span>
      </div>
      <Filters f={f} set={(k, v) => setF({ ...f, [k]: v })} units={units ?? []} />
      {(f.status ?? "submitted") === "submitted" && (
        <Batch items={items} onDone={settled} onRefused={() => void load()} />
      )}
      {done && (
        <div class="notice ok-notice" role="status" data-testid="decided">
          {done()}
        </div>
      )}
      {error && <Failed error={error} retry={() => void load()} />}
      <div class="sv-split">
        <div class="sv-list">
          {!loading && !items.length && (
            <p class="muted" data-testid="queue-empty">
              {t("none")}
            </p>
          )}
          <ul class="list">
            {items.map((i, n) => (
              <li>
                <button
                  class={`item sv-row${n === sel ? " selected" : ""}`}
                  data-row={n}
                  data-testid="queue-item"
                  data-id={i.id}
                  aria-pressed={n === sel}
                  onClick={() => {
                    setSel(n);
                    setDone(null);
                  }}
                >
                  <span class="main">
                    <span class="name">{i.place_name}</span>
                    <span class="sub">
                      {i.kind === "visit" ? label("vt_", i.type) : vocab(`kind_${i.kind}`)} · {i.author_name} ·{" "}
                      {i.org_unit_name}
                    </span>
                    <span class="sub">
                      {when(i.at)} · {t("photoN", { n: i.photo_count })}
                    </span>
                  </span>
                  <span class="side">
                    {i.flags.length > 0 && (
                      <span class="badge issue" data-testid="flag-count">
                        ⚑ {i.flags.length}
                      </span>
                    )}
                    <br />
                    <span class={`badge ${i.status}`}>{label("st_", i.status)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {cursor && (
            <button class="btn btn-block" onClick={() => void load(true)}>
              {t("more")}
            </button>
          )}
          {loading && <p>{t("loading")}</p>}
        </div>
        <div class="sv-detail">
          {current && record && record.id === current.id ? (
            <RecordView
              kind={current.kind}
              record={record}
              onDecide={decide}
              returning={returning}
              setReturning={setReturning}
              confirming={confirming}
              setConfirming={setConfirming}
            />
          ) : (
            <p class="muted" data-testid="no-selection">
              {current ? t("loading") : items.length ? t("pickNext") : t("pickRecord")}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
