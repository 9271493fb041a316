// One patrol or visit as a reviewer sees it: flags in plain words, a map of where the record and
// each photo were taken against the site and its geofence, the photos, the checklist or the
// visit's details, the tasks it raised, past reviews, and the decision (approve, or return with a
// comment; never on one's own record).
import { useEffect, useRef, useState } from "preact/hooks";
import { colon, lang, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import type { Params } from "../router";
import type {
  InspectionOut,
  Page,
  PatrolOut,
  PhotoOut,
  RecordKind,
  RecordOut as AnyRecord,
  ReturnReason,
  Review,
  Task,
  VisitOut,
} from "../api";
import { facilities, session, subjects } from "../session";
import { units } from "../stations";
import { useValue } from "../store";
import {
  Failed,
  Flags,
  StatusBadge,
  Thumbs,
  Viewer,
  day,
  errText,
  get,
  itemLabel,
  post,
  useLoad,
  useWide,
  when,
} from "./common";
import { label, t } from "./i18n";
import { ShapesMap, type Shape } from "./map";

/** A record of any kind as the desk reads it: what every kind carries, and each kind's own fields
 *  (optional here, the generated types say which kind has which). */
export type RecordOut = AnyRecord & Partial<PatrolOut> & Partial<VisitOut> & Partial<InspectionOut>;

export type Kind = RecordKind;
export type Decide = (decision: Review["decision"], comment: string) => Promise<void>;

function Where({ record, kind }: { record: RecordOut; kind: Kind }) {
  const fs = useValue(facilities);
  const ss = useValue(subjects);
  const us = useValue(units);
  const station = us.find((u) => u.id === record.org_unit_id)?.station;
  const site =
    kind === "patrol"
      ? fs.find((f) => f.id === record.facility_id)
      : kind === "inspection"
        ? station?.location
          ? { location: station.location, geofence_m: station.geofence_m }
          : undefined
        : ss.find((s) => s.id === record.subject_id);
  const shapes: Shape[] = [];
  const at = site && "location" in site && site.location ? site.location : null;
  const fence = (site as { geofence_m?: number } | undefined)?.geofence_m ?? (kind === "patrol" ? 200 : 300);
  if (at) {
    shapes.push({
      lat: at.lat,
      lon: at.lon,
      radius_m: fence,
      color: "#0a4a9e",
      label: `${t("site")} · ${t("geofence", { m: fence })}`,
      id: "geofence",
    });
    shapes.push({
      lat: at.lat,
      lon: at.lon,
      color: "#0a4a9e",
      label: record.facility_name || record.subject_name || t("site"),
      id: "site",
      dot: 8,
    });
  }
  const loc = record.location;
  if (loc) {
    if (loc.accuracy_m)
      shapes.push({
        lat: loc.lat,
        lon: loc.lon,
        radius_m: loc.accuracy_m,
        color: "#8b1a1a",
        label: t("recordPos", { a: Math.round(loc.accuracy_m) }),
      });
    shapes.push({
      lat: loc.lat,
      lon: loc.lon,
      color: "#8b1a1a",
      id: "record",
      label: loc.accuracy_m != null ? t("recordPos", { a: Math.round(loc.accuracy_m) }) : t("recordPosNoAcc"),
    });
  }
  (record.photos ?? []).forEach((p, i) => {
    if (p.capture.lat != null && p.capture.lon != null)
      shapes.push({
        lat: p.capture.lat,
        lon: p.capture.lon,
        color: "#f2a900",
        label: t("photoPos", { n: i + 1 }),
        id: `photo-${i + 1}`,
        dot: 6,
      });
    const e = p.exif_location;
    if (e)
      shapes.push({
        lat: e.lat,
        lon: e.lon,
        color: "#7d3c98",
        label: t("photoExif", { n: i + 1 }),
        dot: 5,
        fit: !at || Math.abs(e.lat - at.lat) + Math.abs(e.lon - at.lon) < 0.2,
      }); // far away: named in the flags, not zoomed out to
  });
  return (
    <section>
      <h2>{t("map")}</h2>
      {!loc && (
        <p class="notice danger" data-testid="no-position">
          {t("noPosition")}
        </p>
      )}
      <ShapesMap shapes={shapes} height={300} />
      <p class="small sv-legend">
        <span style="color:#0a4a9e">● {t("site")}</span>{" "}
        {loc && (
          <span style="color:#8b1a1a">
            ● {loc.accuracy_m != null ? t("recordPos", { a: Math.round(loc.accuracy_m) }) : t("recordPosNoAcc")}
          </span>
        )}{" "}
        <span style="color:#8a5d00">● {t("photoPos", { n: "" })}</span>
      </p>
    </section>
  );
}

function Details({ record, kind, open }: { record: RecordOut; kind: Kind; open: (photoId: string) => void }) {
  if (kind !== "visit") {
    const byId = new Map((record.photos ?? []).map((p) => [p.id, p]));
    return (
      <section>
        <h2>{t("checklist")}</h2>
        <table class="sv-table" data-testid="checklist">
          <thead>
            <tr>
              <th>{t("checklist")}</th>
              <th>{t("status")}</th>
              <th>{t("notes")}</th>
              <th>{t("issuePhotos")}</th>
            </tr>
          </thead>
          <tbody>
            {(record.checklist ?? []).map((c) => (
              <tr class={c.result === "issue" ? "issue" : ""} data-testid="checklist-row" data-item={c.item}>
                <th>{itemLabel(c.item)}</th>
                <td>
                  <span class={`badge ${c.result === "issue" ? "issue" : c.result === "ok" ? "ok" : ""}`}>
                    {label("res_", c.result)}
                  </span>
                </td>
                <td>{c.note}</td>
                <td>
                  {/* The photos that show this item, beside it, not only in the strip above. */}
                  <div class="sv-issue-photos">
                    {(c.photo_ids ?? []).map((id) => {
                      const p = byId.get(id);
                      const n = record.photo_ids.indexOf(id) + 1;
                      return p ? (
                        <button
                          type="button"
                          data-testid="issue-photo"
                          title={`${t("photos")} ${n}`}
                          onClick={() => open(id)}
                        >
                          <img src={p.thumb_url} alt={`${itemLabel(c.item)} · ${t("photos")} ${n}`} loading="lazy" />
                        </button>
                      ) : (
                        <span class="muted small">
                          {t("photos")} {n} · {vocab("st_incomplete")}
                        </span>
                      );
                    })}
                    {c.result === "issue" && !(c.photo_ids ?? []).length && (
                      <span class="error small">{t("noIssuePhoto")}</span>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {record.notes && (
          <p>
            <strong>
              {t("notes")}
              {colon()}
            </strong>
            {record.notes}
          </p>
        )}
      </section>
    );
  }
  const a = record.assistance;
  return (
    <section>
      <table class="sv-table" data-testid="visit-details">
        <tbody>
          <tr>
            <th>{t("type")}</th>
            <td>{label("vt_", record.visit_type ?? "")}</td>
          </tr>
          <tr>
            <th>{t("summary")}</th>
            <td>{record.summary}</td>
          </tr>
          <tr>
            <th>{t("needs")}</th>
            <td>{record.needs}</td>
          </tr>
          <tr>
            <th>{t("cash")}</th>
            <td>{t("yuan", { n: a?.cash_yuan ?? 0 })}</td>
          </tr>
          <tr>
            <th>{t("goods")}</th>
            <td>{a?.goods}</td>
          </tr>
          <tr>
            <th>{t("followUp")}</th>
            <td>{record.follow_up_needed ? t("yes") : t("no")}</td>
          </tr>
          {record.award && (
            <tr>
              <th>{t("award")}</th>
              <td>
                {record.award.grade} {record.award.co_deliverer}
              </td>
            </tr>
          )}
          {record.no_photo_reason && (
            <tr>
              <th>{t("photos")}</th>
              <td>{t("noPhotoReason", { r: record.no_photo_reason })}</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

/** (photo number, other record id) of each reused_photo flag; the id is in the server's sentence. */
function reusedPairs(record: RecordOut): [number, string][] {
  const out: [number, string][] = [];
  for (const f of record.flags) {
    const m =
      f.code === "reused_photo" ? /photo (\d+) is already evidence in record ([0-9a-f-]{36})/.exec(f.detail) : null;
    if (m) out.push([Number(m[1]), m[2]]);
  }
  return out;
}

/** The reused picture beside the other record's, with a link to that record. */
function Reused({ n, photo, otherId }: { n: number; photo: PhotoOut | undefined; otherId: string }) {
  const [other] = useLoad(async () => {
    for (const kind of ["patrol", "visit"] satisfies Kind[]) {
      try {
        return { kind, record: await loadRecord(kind, otherId) };
      } catch {
        /* the other kind */
      }
    }
    return null;
  }, [otherId]);
  const theirs = other?.record.photos ?? [];
  return (
    <div class="card" data-testid="reused" data-other={otherId}>
      <strong>
        {t("reusedWith")} · {t("photoNo", { n })}
      </strong>{" "}
      {other && (
        <a href={`#/review/${other.kind}/${otherId}`} data-testid="reused-link">
          {t("openOther")}
          {colon()}
          {other.kind === "patrol" ? other.record.facility_name : other.record.subject_name} ·{" "}
          {other.record.author.display_name} ·{" "}
          {when(other.kind === "patrol" ? other.record.started_at : other.record.visited_at)}
        </a>
      )}
      <div class="sv-reuse">
        <figure>
          {photo && (
            <img src={photo.review_url || photo.thumb_url} alt={`${t("reusedThis")} · ${t("photoNo", { n })}`} />
          )}
          <figcaption>
            {t("reusedThis")} · {t("photoNo", { n })}
          </figcaption>
        </figure>
        <figure>
          {theirs[0] && <img src={theirs[0].review_url || theirs[0].thumb_url} alt={t("reusedOther")} />}
          <figcaption>
            {t("reusedOther")}
            {theirs.length > 1 ? ` · ${t("photoN", { n: theirs.length })}` : ""}
          </figcaption>
        </figure>
      </div>
    </div>
  );
}

let reasonsOnce: Promise<ReturnReason[]> | null = null;
/** The ready-made return comments (an admin edits them), fetched once a session. */
const returnReasons = () =>
  (reasonsOnce ??= get<ReturnReason[]>("/return-reasons").catch(() => {
    reasonsOnce = null;
    return [];
  }));

/** What a confirmation names: the place, the author and the time. */
export const recordTitle = (kind: Kind, record: RecordOut): string =>
  `${kind === "patrol" ? record.facility_name : kind === "inspection" ? record.org_unit_name : record.subject_name} · ${record.author.display_name} · ${when(kind === "visit" ? record.visited_at : record.started_at)}`;

/** The decision bar. Approving asks first (`confirming`, which the queue's a key sets too) and
 *  names the record; `returning` opens the comment box (the r key), with ready-made reasons. */
export function Decision({
  status,
  own,
  onDecide,
  returning,
  setReturning,
  confirming,
  setConfirming,
  what,
}: {
  status: string;
  own: boolean;
  onDecide: Decide;
  returning: boolean;
  setReturning: (v: boolean) => void;
  confirming: boolean;
  setConfirming: (v: boolean) => void;
  what: string;
}) {
  useLang();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const [reasons] = useLoad(() => (returning ? returnReasons() : Promise.resolve([])), [returning]);
  useEffect(() => {
    if (returning) box.current?.focus();
  }, [returning]);
  useEffect(() => {
    if (confirming) yes.current?.focus();
  }, [confirming]);
  if (status !== "submitted" && status !== "incomplete") return null;
  // The server refuses (and audits) a review of one's own record: say so instead of offering it.
  if (own)
    return (
      <p class="notice" data-testid="own-record">
        {t("ownRecord")}
      </p>
    );
  const run = async (decision: Exclude<Review["decision"], "reopen">) => {
    if (decision === "return" && !comment.trim()) {
      setError(t("commentNeeded"));
      box.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onDecide(decision, comment.trim());
      setComment("");
      setReturning(false);
      setConfirming(false);
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const pick = (r: ReturnReason) => {
    const text = lang.get() === "en" ? r.text.en : r.text.zh;
    setComment((c) => (c.trim() ? `${c.trim()}${lang.get() === "en" ? "; " : "；"}${text}` : text));
    box.current?.focus();
  };
  return (
    <div class="sv-decide" data-testid="decision">
      {returning && (reasons ?? []).length > 0 && (
        <div class="sv-reasons" role="group" aria-label={t("quickReasons")} data-testid="return-reasons">
          <span class="small muted">
            {t("quickReasons")}
            {colon()}
          </span>
          {reasons!.map((r) => (
            <button
              type="button"
              class="btn btn-small"
              data-testid="return-reason"
              data-code={r.code}
              onClick={() => pick(r)}
            >
              {lang.get() === "en" ? r.text.en : r.text.zh}
            </button>
          ))}
        </div>
      )}
      {returning && (
        <textarea
          ref={box}
          data-testid="return-comment"
          placeholder={t("returnComment")}
          aria-label={t("returnComment")}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void run("return");
            if (e.key === "Escape") setReturning(false);
          }}
        />
      )}
      {confirming && !returning && (
        <div
          class="sv-confirm-box"
          role="alertdialog"
          aria-labelledby="approve-q"
          aria-describedby="approve-what"
          data-testid="approve-confirm"
        >
          <p>
            <strong id="approve-q">{t("confirmApprove")}</strong>
            <br />
            <span id="approve-what" data-testid="approve-what">
              {what}
            </span>
          </p>
          <div class="row">
            <button
              ref={yes}
              class="btn btn-primary"
              data-testid="approve-yes"
              disabled={busy}
              onClick={() => void run("approve")}
            >
              {t("confirmYes")}
            </button>
            <button class="btn" data-testid="approve-no" onClick={() => setConfirming(false)}>
              {t("cancel")}
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!confirming && (
        <div class="row">
          {!returning && (
            <button
              class="btn btn-primary"
              data-testid="approve"
              disabled={busy || status === "incomplete"}
              onClick={() => {
                setError(null);
                setConfirming(true);
              }}
            >
              {t("approve")}
            </button>
          )}
          {!returning && (
            <button class="btn btn-danger" data-testid="return" disabled={busy} onClick={() => setReturning(true)}>
              {t("returnIt")}
            </button>
          )}
          {returning && (
            <button class="btn btn-danger" data-testid="send-return" disabled={busy} onClick={() => void run("return")}>
              {t("sendReturn")}
            </button>
          )}
          {returning && (
            <button class="btn" onClick={() => setReturning(false)}>
              {t("cancel")}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

const REOPEN_MS = 24 * 3600_000;

/** Take an approval back within 24 hours, with a reason (the approver, or a supervisor above:
 *  the server decides and says so). */
function Reopen({ record, onDecide }: { record: RecordOut; onDecide: Decide }) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const last = [...(record.reviews ?? [])].reverse().find((r) => r.decision === "approve");
  if (record.status !== "approved" || !last || isOwn(record)) return null;
  const until = new Date(new Date(last.at).getTime() + REOPEN_MS);
  if (until.getTime() < Date.now()) return null;
  const send = async () => {
    if (!comment.trim()) {
      setError(t("reopenRecordNeeds"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onDecide("reopen", comment.trim());
      setOpen(false);
      setComment("");
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sv-decide" data-testid="reopen-record">
      <p class="small muted">{t("reopenRecordHint", { until: when(until.toISOString()) })}</p>
      {open && (
        <textarea
          data-testid="reopen-record-comment"
          aria-label={t("reopenRecordReason")}
          placeholder={t("reopenRecordReason")}
          value={comment}
          onInput={(e) => {
            setComment(e.currentTarget.value);
            setError(null);
          }}
          onKeyDown={(e) => e.stopPropagation()}
        />
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        {!open && (
          <button class="btn" data-testid="reopen-record-open" onClick={() => setOpen(true)}>
            {t("reopenRecord")}
          </button>
        )}
        {open && (
          <button class="btn btn-danger" data-testid="reopen-record-send" disabled={busy} onClick={() => void send()}>
            {t("sendReopenRecord")}
          </button>
        )}
        {open && (
          <button class="btn" onClick={() => setOpen(false)}>
            {t("cancel")}
          </button>
        )}
      </div>
    </div>
  );
}

export const isOwn = (record: RecordOut) => session.get()?.user.id === record.author.id;

/** The rectification and follow-up tasks this record raised, each a link to its page. */
function RaisedTasks({ recordId }: { recordId: string }) {
  const [page] = useLoad(() => get<Page<Task>>("/tasks", { record_id: recordId, limit: 50 }), [recordId]);
  if (!page?.items.length) return null;
  return (
    <section data-testid="raised-tasks">
      <h2>
        {t("raisedTasks")} ({page.items.length})
      </h2>
      <ul class="sv-raised">
        {page.items.map((task) => (
          <li data-testid="raised-task" data-id={task.id}>
            <a href={`#/tasks/${task.id}`}>{itemLabel(task.item, task.item_label)}</a>{" "}
            <StatusBadge status={task.status} /> {task.overdue && <span class="badge overdue">{t("overdue")}</span>}
            <span class="muted small">
              {" "}
              · {t("assignedTo")}
              {colon()}
              {task.assignee_name || t("noOwner")} · {t("due", { d: day(task.due_at) })}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function RecordView({
  kind,
  record,
  onDecide,
  returning,
  setReturning,
  confirming,
  setConfirming,
}: {
  kind: Kind;
  record: RecordOut;
  onDecide: Decide;
  returning: boolean;
  setReturning: (v: boolean) => void;
  confirming: boolean;
  setConfirming: (v: boolean) => void;
}) {
  useLang();
  const [viewing, setViewing] = useState<number | null>(null);
  const photos = record.photos ?? [];
  const openId = (id: string) => {
    const i = photos.findIndex((p) => p.id === id);
    if (i >= 0) setViewing(i);
  };
  return (
    <article class="sv-record" data-testid="record" data-id={record.id}>
      <header class="sv-record-head">
        <div>
          <h1>
            {kind === "patrol"
              ? record.facility_name
              : kind === "inspection"
                ? record.org_unit_name
                : record.subject_name}
          </h1>
          <p class="muted">
            {kind === "visit"
              ? `${vocab("kind_visit")} · ${label("vt_", record.visit_type ?? "")}`
              : vocab(`kind_${kind}`)}{" "}
            · {record.author.display_name} · {when(kind === "visit" ? record.visited_at : record.started_at)}
          </p>
        </div>
        <span class={`badge ${record.status}`} data-testid="record-status">
          {label("st_", record.status)}
        </span>
      </header>
      <Decision
        status={record.status}
        own={isOwn(record)}
        onDecide={onDecide}
        returning={returning}
        setReturning={setReturning}
        confirming={confirming}
        setConfirming={setConfirming}
        what={recordTitle(kind, record)}
      />
      <Reopen record={record} onDecide={onDecide} />
      <section>
        <h2>{t("flags")}</h2>
        <Flags flags={record.flags} />
        {reusedPairs(record).map(([n, other]) => (
          <Reused n={n} photo={photos[n - 1]} otherId={other} />
        ))}
      </section>
      <div class="sv-two">
        <section>
          <h2>
            {t("photos")} ({photos.length})
          </h2>
          <Thumbs photos={photos} onOpen={setViewing} />
          {record.no_photo_reason && <p class="muted">{t("noPhotoReason", { r: record.no_photo_reason })}</p>}
        </section>
        <Where record={record} kind={kind} />
      </div>
      <Details record={record} kind={kind} open={openId} />
      <RaisedTasks recordId={record.id} />
      {(record.reviews ?? []).length > 0 && (
        <section>
          <h2>{t("reviews")}</h2>
          <ul class="sv-reviews">
            {record.reviews!.map((r) => (
              <li data-testid="review-entry" data-decision={r.decision}>
                <span
                  class={`badge ${r.decision === "approve" ? "approved" : r.decision === "reopen" ? "submitted" : "returned"}`}
                >
                  {r.decision === "approve"
                    ? label("st_", "approved")
                    : r.decision === "reopen"
                      ? vocab("rv_reopen")
                      : label("st_", "returned")}
                </span>{" "}
                {r.reviewer.display_name} · {when(r.at)} {r.comment && <q>{r.comment}</q>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {viewing != null && <Viewer photos={photos} start={viewing} onClose={() => setViewing(null)} />}
    </article>
  );
}

export const loadRecord = (kind: Kind, id: string) => get<RecordOut>(`/${kind}s/${id}`);
export const review = (kind: Kind, id: string, decision: Review["decision"], comment: string) =>
  post<RecordOut>(`/${kind}s/${id}/review`, { decision, comment });

/** The route /review/:kind/:id: one record on its own page. */
export default function RecordPage({ params }: { params: Params }) {
  useWide();
  const kind = params.kind as Kind;
  const [record, error, reload] = useLoad(() => loadRecord(kind, params.id), [kind, params.id]);
  const [returning, setReturning] = useState(false);
  const [confirming, setConfirming] = useState(false);
  if (error) return <Failed error={error} retry={reload} />;
  if (!record) return <p>{t("loading")}</p>;
  return (
    <RecordView
      kind={kind}
      record={record}
      returning={returning}
      setReturning={setReturning}
      confirming={confirming}
      setConfirming={setConfirming}
      onDecide={async (d, c) => {
        await review(kind, record.id, d, c);
        reload();
      }}
    />
  );
}
