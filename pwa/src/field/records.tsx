// My records: patrols and visits I sent, with their status; a returned one shows the
// supervisor's comment and can be corrected and sent again (same id, PUT again).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Flag, type PatrolOut, type Review, type VisitOut } from "../api";
import { cacheGet, cachePut } from "../db";
import { formatTime, useLang } from "../i18n";
import * as outbox from "../outbox";
import type { Params } from "../router";
import { facilities, session, subjects } from "../session";
import { useValue } from "../store";
import { t, tk } from "./i18n";

type Kind = "patrol" | "visit";
type Rec = (PatrolOut | VisitOut) & { kind: Kind };

export default function Records({ params }: { params: Params }) {
  useLang();
  return params.id ? <Detail kind={params.kind as Kind} id={params.id} /> : <List />;
}

function title(r: Rec): string {
  if (r.kind === "patrol") {
    const p = r as PatrolOut;
    return facilities.get().find((f) => f.id === p.facility_id)?.name ?? p.facility?.name ?? t("kind_patrol");
  }
  const v = r as VisitOut;
  const name = subjects.get().find((s) => s.id === v.subject_id)?.name ?? v.subject?.name ?? t("kind_visit");
  return `${name} · ${tk(`vt_${v.visit_type}`)}`;
}
const when = (r: Rec) => (r.kind === "patrol" ? (r as PatrolOut).started_at : (r as VisitOut).visited_at);
const lastReturn = (reviews?: Review[]) => [...(reviews ?? [])].reverse().find((x) => x.decision === "return");

function List() {
  const s = useValue(session);
  const [tab, setTab] = useState<Kind>("patrol");
  const [rows, setRows] = useState<Rec[] | null>(null);
  const [offline, setOffline] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!s) return;
    const key = `records:${s.user.id}:${tab}`;
    let live = true;
    void cacheGet<Rec[]>(key).then((cached) => live && cached && setRows((r) => r ?? cached));
    const q = { author_id: s.user.id };
    (tab === "patrol" ? api.patrols(q) : api.visits(q)).then(
      async (page) => {
        const list = page.items.map((r) => ({ ...r, kind: tab }) as Rec);
        if (session.get()?.user.id === s.user.id) await cachePut(key, list); // not after a logout
        if (live) { setRows(list); setOffline(false); }
      },
      (e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 0) setOffline(true);
        else setError(e instanceof ApiError ? e.detail : String(e));
        setRows((r) => r ?? []);
      },
    );
    return () => { live = false; };
  }, [s, tab]);
  return (
    <div data-testid="records-screen">
      <h1>{t("recordsTitle")}</h1>
      <div class="seg" role="tablist" style="margin-bottom:12px">
        {(["patrol", "visit"] as Kind[]).map((k) => (
          <button type="button" role="tab" class="na" aria-pressed={tab === k} data-testid={`records-tab-${k}`}
            onClick={() => { setRows(null); setTab(k); }}>{k === "patrol" ? t("patrols") : t("visits")}</button>
        ))}
      </div>
      {offline && <p class="notice">{t("recordsOffline")}</p>}
      {error && <p class="error">{t("loadFailed", { detail: error })}</p>}
      {rows && !rows.length && <p>{t("recordsEmpty")}</p>}
      <ul class="list">
        {rows?.map((r) => {
          const ret = r.status === "returned" ? lastReturn(r.reviews) : undefined;
          return (
            <li key={r.id}><a class="item" href={`#/records/${r.kind}/${r.id}`} data-testid="record-item" data-id={r.id} data-status={r.status}>
              <span class="main"><span class="name">{title(r)}</span>
                <span class="sub">{formatTime(when(r))}</span>
                {ret && <span class="sub error">{t("returnedComment", { c: ret.comment })}</span>}
              </span>
              <span class="side"><span class={`badge ${r.status}`}>{tk(`rs_${r.status}`)}</span></span>
            </a></li>
          );
        })}
      </ul>
    </div>
  );
}

function Detail({ kind, id }: { kind: Kind; id: string }) {
  const [rec, setRec] = useState<Rec | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [localChange, setLocalChange] = useState(false);
  useEffect(() => {
    (kind === "patrol" ? api.patrol(id) : api.visit(id)).then((r) => setRec({ ...r, kind }), (e) => setError(e instanceof ApiError ? e.detail : String(e)));
    void outbox.get(id).then((i) => setLocalChange(!!i && i.state !== "sent"));
  }, [kind, id]);
  if (error) return <p class="error">{t("loadFailed", { detail: error })}</p>;
  if (!rec) return <p>…</p>;
  const ret = rec.status === "returned" ? lastReturn(rec.reviews) : undefined;
  return (
    <div data-testid="record-detail" data-id={rec.id} data-status={rec.status}>
      <h1>{title(rec)}</h1>
      <p><span class={`badge ${rec.status}`}>{tk(`rs_${rec.status}`)}</span> <span class="muted">{formatTime(when(rec))}</span></p>
      {ret && (
        <div class="card issue" data-testid="return-comment">
          <strong>{t("returnedComment", { c: ret.comment })}</strong>
          {!localChange && (
            <p style="margin:10px 0 0"><a class="btn btn-primary btn-block" data-testid="record-edit" href={`#/${kind}/${id}/edit`}>{t("editResend")}</a></p>
          )}
        </div>
      )}
      {localChange && <p class="notice">{t("notSentYet")}</p>}
      {kind === "patrol" && (
        <ul class="list" style="margin-bottom:12px">
          {(rec as PatrolOut).checklist.map((c) => (
            <li class="row" style="justify-content:space-between;border-bottom:1px solid var(--line-soft);padding:6px 0">
              <span>{tk(`item_${c.item}`)}{c.note ? `：${c.note}` : ""}</span><span class={`badge ${c.result === "issue" ? "issue" : "ok"}`}>{tk(c.result)}</span>
            </li>
          ))}
        </ul>
      )}
      {kind === "visit" && <p>{(rec as VisitOut).summary}</p>}
      <Thumbs ids={(rec.photos ?? []).map((p) => p.id)} />
      {!!rec.flags?.length && (<><h2>{t("flags")}</h2><ul>{rec.flags.map((f: Flag) => <li data-flag={f.code}>{f.detail || f.code}</li>)}</ul></>)}
      {!!rec.reviews?.length && (
        <><h2>{t("reviews")}</h2>
          <ul class="list">{rec.reviews.map((r) => (
            <li class="card" style="margin:0"><strong>{tk(`decision_${r.decision}`)}</strong> <span class="muted small">{formatTime(r.at ?? r.created_at ?? "")}</span><div>{r.comment}</div></li>
          ))}</ul></>
      )}
    </div>
  );
}

/** Thumbnails need the bearer token, so they are fetched and shown from object URLs. */
function Thumbs({ ids }: { ids: string[] }) {
  const [urls, setUrls] = useState<string[]>([]);
  useEffect(() => {
    let made: string[] = [];
    const token = session.get()?.token;
    void Promise.all(ids.map((id) => fetch(api.thumbUrl(id), { headers: { Authorization: `Bearer ${token}` } })
      .then((r) => (r.ok ? r.blob() : null)).catch(() => null))).then((blobs) => {
      made = blobs.filter((b): b is Blob => !!b).map((b) => URL.createObjectURL(b));
      setUrls(made);
    });
    return () => made.forEach((u) => URL.revokeObjectURL(u));
  }, [ids.join()]);
  if (!ids.length) return null;
  return <div class="photos">{urls.map((u) => <div class="photo"><img src={u} alt="" /></div>)}</div>;
}
