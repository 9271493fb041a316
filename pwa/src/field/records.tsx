// My records: patrols, visits and station inspections I sent, all together or by kind, with
// their status, the evidence flags the server raised and the number of items with an issue; a
// returned patrol or visit shows the supervisor's comment and can be corrected and sent again
// (same id, PUT again). A record sent again and not yet answered shows as waiting.
import { useEffect, useState } from "preact/hooks";
import {
  api,
  ApiError,
  RECORD_KINDS,
  type Flag,
  type InspectionOut,
  type PatrolOut,
  type RecordKind,
  type VisitOut,
} from "../api";
import { cacheGet, cachePut } from "../db";
import { describeError } from "../errors";
import { colon, formatTime, lang, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import * as outbox from "../outbox";
import type { Params } from "../router";
import { facilities, session, subjects } from "../session";
import { templateLabel } from "../stations";
import { useValue } from "../store";
import { ft } from "../ui/i18n";
import { t, tk } from "./i18n";
import { lastReturn, withReviews } from "./load-record";
import { useThumbs } from "../ui/form-parts";

type Kind = RecordKind;
type Rec = (PatrolOut | VisitOut | InspectionOut) & { kind: Kind };
const LOAD = { patrol: api.patrols, visit: api.visits, inspection: api.inspections };
const ONE = { patrol: api.patrol, visit: api.visit, inspection: api.inspection };
/** An item of a checklist as people know it: the cached templates' label, else the built-in one. */
const itemName = (code: string) => templateLabel(code) ?? tk(`item_${code}`);

export default function Records({ params }: { params: Params }) {
  useLang();
  return params.id ? <Detail kind={params.kind as Kind} id={params.id} /> : <List />;
}

function title(r: Rec): string {
  if (r.kind === "inspection") return (r as InspectionOut).org_unit_name || vocab("kind_inspection");
  if (r.kind === "patrol") {
    const p = r as PatrolOut;
    return facilities.get().find((f) => f.id === p.facility_id)?.name ?? (p.facility_name || vocab("kind_patrol"));
  }
  const v = r as VisitOut;
  const name = subjects.get().find((s) => s.id === v.subject_id)?.name ?? (v.subject_name || vocab("kind_visit"));
  return `${name} · ${tk(`vt_${v.visit_type}`)}`;
}
const when = (r: Rec) =>
  r.kind === "visit" ? (r as VisitOut).visited_at : (r as PatrolOut | InspectionOut).started_at;

type Tab = Kind | "all";
const KINDS = RECORD_KINDS;

async function loadKind(kind: Kind, userId: string): Promise<Rec[]> {
  const rows = (await LOAD[kind]({ author_id: userId })).items as Rec[];
  return (kind === "inspection" ? rows : await withReviews(kind, rows)).map((r) => ({ ...r, kind }) as Rec);
}

/** Items of the checklist marked as an issue (patrols and inspections). */
const issueCount = (r: Rec) =>
  r.kind === "visit"
    ? 0
    : ((r as PatrolOut | InspectionOut).checklist ?? []).filter((c) => c.result === "issue").length;

function List() {
  const s = useValue(session);
  const version = useValue(outbox.outboxVersion);
  const [tab, setTab] = useState<Tab>("all");
  const [rows, setRows] = useState<Rec[] | null>(null);
  const [offline, setOffline] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [waiting, setWaiting] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!s) return;
    let live = true;
    const kinds = tab === "all" ? KINDS : [tab];
    const key = (k: Kind) => `records:${s.user.id}:${k}`;
    const merge = (lists: Rec[][]) => lists.flat().sort((a, b) => Date.parse(when(b)) - Date.parse(when(a)));
    void Promise.all(kinds.map((k) => cacheGet<Rec[]>(key(k)).then((c) => c ?? []))).then(
      (c) => live && c.some((l) => l.length) && setRows((r) => r ?? merge(c)),
    );
    Promise.all(
      kinds.map(async (k) => {
        const list = await loadKind(k, s.user.id);
        if (session.get()?.user.id === s.user.id) await cachePut(key(k), list); // not after a logout
        return list;
      }),
    ).then(
      (lists) => {
        if (live) {
          setRows(merge(lists));
          setOffline(false);
        }
      },
      (e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 0) setOffline(true);
        else setError(describeError(e));
        setRows((r) => r ?? []);
      },
    );
    return () => {
      live = false;
    };
  }, [s, tab]);
  useEffect(() => {
    if (!s) return;
    let live = true;
    void outbox
      .list(s.user.id)
      .then(
        (items) =>
          live && setWaiting(new Set(items.filter((i) => i.kind !== "photo" && i.state !== "sent").map((i) => i.id))),
      );
    return () => {
      live = false;
    };
  }, [s, version]);
  const tabs: Tab[] = ["all", ...KINDS];
  const tabName = {
    all: t("recordsAll"),
    patrol: t("patrols"),
    visit: t("visits"),
    inspection: t("recordsInspections"),
  };
  return (
    <div data-testid="records-screen">
      <h1>{t("recordsTitle")}</h1>
      <div class="seg" role="group" aria-label={t("recordsTitle")} style="margin-bottom:12px">
        {tabs.map((k) => (
          <button
            type="button"
            class="na"
            aria-pressed={tab === k}
            data-testid={`records-tab-${k}`}
            onClick={() => {
              setRows(null);
              setTab(k);
            }}
          >
            {tabName[k]}
          </button>
        ))}
      </div>
      {offline && (
        <p class="notice" data-testid="records-offline">
          {rows?.length ? t("recordsOffline") : t("recordsOfflineEmpty")}
        </p>
      )}
      {error && <p class="error">{t("loadFailed", { detail: error })}</p>}
      {rows && !rows.length && !offline && !error && <p>{t("recordsEmpty")}</p>}
      <ul class="list">
        {rows?.map((r) => {
          const again = waiting.has(r.id);
          const status = again ? "waiting" : r.status;
          const ret = r.status === "returned" && !again ? lastReturn(r.reviews) : undefined;
          const issues = issueCount(r);
          const flags = r.flags ?? [];
          return (
            <li key={`${r.kind}:${r.id}`}>
              <a
                class="item"
                href={`#/records/${r.kind}/${r.id}`}
                data-testid="record-item"
                data-id={r.id}
                data-kind={r.kind}
                data-status={r.status}
                data-issues={issues}
                data-flags={flags.length}
              >
                <span class="main">
                  <span class="name">{title(r)}</span>
                  <span class="sub">
                    {tab === "all" && <span class="tag kind">{tk(`kind_${r.kind}`)}</span>}
                    {formatTime(when(r))}
                  </span>
                  {(issues > 0 || flags.length > 0) && (
                    <span class="sub" data-testid="record-tags">
                      {issues > 0 && (
                        <span class="tag issue">{t(issues === 1 ? "recordIssue" : "recordIssues", { n: issues })}</span>
                      )}
                      {flags.map((f) => (
                        <span class="tag flag" data-flag={f.code}>
                          {tk(`fl_${f.code}`, t("flags"))}
                        </span>
                      ))}
                    </span>
                  )}
                  {ret && <span class="sub error">{t("returnedComment", { c: ret.comment })}</span>}
                </span>
                <span class="side">
                  <span class={`badge ${status}`}>{again ? t("recordResent") : tk(`rs_${r.status}`)}</span>
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Detail({ kind, id }: { kind: Kind; id: string }) {
  const [rec, setRec] = useState<Rec | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [localChange, setLocalChange] = useState(false);
  useEffect(() => {
    ONE[kind](id).then(
      (r) => setRec({ ...r, kind } as Rec),
      async (e) => {
        // Offline: the copy of "my records" on the phone has it, as of the last connection.
        const cached = await cacheGet<Rec[]>(`records:${session.get()?.user.id}:${kind}`).catch(() => undefined);
        const found = cached?.find((r) => r.id === id);
        if (found) {
          setRec(found);
          setStale(true);
        } else setError(describeError(e));
      },
    );
    void outbox.get(id).then((i) => setLocalChange(!!i && i.state !== "sent"));
  }, [kind, id]);
  if (error) return <p class="error">{t("loadFailed", { detail: error })}</p>;
  if (!rec) return <p>…</p>;
  const ret = rec.status === "returned" ? lastReturn(rec.reviews) : undefined;
  const visit = kind === "visit" ? (rec as VisitOut) : null;
  const photoIds = rec.photos?.length ? rec.photos.map((p) => p.id) : (rec.photo_ids ?? []);
  return (
    <div data-testid="record-detail" data-id={rec.id} data-status={rec.status}>
      <h1>{title(rec)}</h1>
      {stale && <p class="notice">{t("loadOffline")}</p>}
      <p>
        <span class={`badge ${rec.status}`}>{tk(`rs_${rec.status}`)}</span>{" "}
        <span class="muted">{formatTime(when(rec))}</span>
      </p>
      {ret && (
        <div class="card issue" data-testid="return-comment">
          <strong>{t("returnedComment", { c: ret.comment })}</strong>
          {!localChange && kind !== "inspection" && (
            <p style="margin:10px 0 0">
              <a class="btn btn-primary btn-block" data-testid="record-edit" href={`#/${kind}/${id}/edit`}>
                {t("editResend")}
              </a>
            </p>
          )}
        </div>
      )}
      {localChange && <p class="notice">{t("notSentYet")}</p>}
      {kind !== "visit" && (
        <ul class="list" style="margin-bottom:12px">
          {(rec as PatrolOut | InspectionOut).checklist.map((c) => (
            <li class="row checkrow">
              <span>
                {itemName(c.item)}
                {c.note ? `${colon()}${c.note}` : ""}
              </span>
              <span class={`badge ${c.result}`}>{vocab(`res_${c.result}`)}</span>
            </li>
          ))}
        </ul>
      )}
      {kind !== "visit" && (rec as PatrolOut | InspectionOut).notes && (
        <p>
          <strong>
            {t("notes")}
            {colon()}
          </strong>
          {(rec as PatrolOut | InspectionOut).notes}
        </p>
      )}
      {visit && (
        <dl class="facts" data-testid="visit-facts">
          <dt>{t("summary").replace(/（必填）|\s*\(required\)/, "")}</dt>
          <dd>{visit.summary}</dd>
          {visit.needs && (
            <>
              <dt>{t("needs")}</dt>
              <dd>{visit.needs}</dd>
            </>
          )}
          {visit.assistance?.cash_yuan > 0 && (
            <>
              <dt>{t("cash")}</dt>
              <dd>{t("cashGiven", { n: visit.assistance.cash_yuan.toLocaleString(lang.get()) })}</dd>
            </>
          )}
          {visit.assistance?.goods && (
            <>
              <dt>{t("goods")}</dt>
              <dd>{visit.assistance.goods}</dd>
            </>
          )}
          {visit.follow_up_needed && (
            <>
              <dt>{t("followUp")}</dt>
              <dd>{t("yes")}</dd>
            </>
          )}
          {visit.award && (
            <>
              <dt>{t("awardGrade")}</dt>
              <dd>
                {tk(`award_${visit.award.grade}`)}
                {visit.award.co_deliverer ? ` · ${visit.award.co_deliverer}` : ""}
              </dd>
            </>
          )}
          {visit.no_photo_reason && (
            <>
              <dt>{t("noPhotoReason")}</dt>
              <dd>{visit.no_photo_reason}</dd>
            </>
          )}
        </dl>
      )}
      <h2>
        {t("photos")} <span class="muted small">{ft("photoCount", { n: photoIds.length })}</span>
      </h2>
      {photoIds.length ? <Thumbs ids={photoIds} /> : <p class="muted">{t("noPhotos")}</p>}
      {!!rec.flags?.length && (
        <>
          <h2>{t("flags")}</h2>
          <ul class="list" data-testid="record-flags">
            {rec.flags.map((f: Flag & { detail_zh?: string }) => (
              <li class="card" style="margin:0" data-flag={f.code}>
                <strong>{tk(`fl_${f.code}`, t("flags"))}</strong>
                {/* The server's Chinese sentence names the photo; in English the shared explanation. */}
                <div class="small">{lang.get() === "en" || !f.detail_zh ? tk(`fx_${f.code}`, "") : f.detail_zh}</div>
              </li>
            ))}
          </ul>
        </>
      )}
      {!!rec.reviews?.length && (
        <>
          <h2>{t("reviews")}</h2>
          <ul class="list">
            {rec.reviews.map((r) => (
              <li class="card" style="margin:0">
                <strong>{tk(`decision_${r.decision}`)}</strong> <span class="muted small">{formatTime(r.at)}</span>
                <div>{r.comment}</div>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Thumbs({ ids }: { ids: string[] }) {
  const urls = useThumbs(ids);
  return (
    <div class="photos">
      {ids.map((id) => (
        <div class="photo">
          {urls[id] ? (
            <img src={urls[id]} alt={ft("kind_photo")} />
          ) : (
            <div class="busy">{urls[id] === "" ? ft("photoOffline") : ft("processing")}</div>
          )}
        </div>
      ))}
    </div>
  );
}
