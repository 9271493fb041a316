// 本站周报 on the phone, for a field worker who heads a station: the week's figures beside last
// week's (worse ones in red), and the head's remarks, saved or submitted offline-first like a
// record: one outbox item per station and week (src/weekly.ts remarksOutboxId), sent once by the
// sync engine; the server answers a resent submission as before, so a lost answer is no failure.
import { useEffect, useState } from "preact/hooks";
import { ApiError, request, type OrgUnit } from "../api";
import { cacheGet, cachePut } from "../db";
import { describeError } from "../errors";
import { formatTime, useLang } from "../i18n";
import * as outbox from "../outbox";
import type { OutboxItem } from "../outbox";
import { session } from "../session";
import { units } from "../stations";
import { flash, online, SAVED } from "../status";
import { useValue } from "../store";
import { FIGURES, headedStations, isoWeek, remarksOutboxId, type RemarksPut, type WeeklyReport } from "../weekly";
import { t, tk } from "./i18n";

interface Cached {
  report: WeeklyReport;
  at: number;
}

export default function Weekly() {
  useLang();
  const s = useValue(session);
  const mine = headedStations(useValue(units), s?.user.id);
  const [unitId, setUnitId] = useState<string>("");
  const unit = mine.find((u) => u.id === unitId) ?? mine[0];
  const weeks = [isoWeek(), isoWeek(new Date(Date.now() - 7 * 86400_000))];
  const [week, setWeek] = useState(weeks[0]);
  if (!s) return null;
  if (!unit)
    return (
      <div data-testid="weekly-screen">
        <h1>{t("weeklyTitle")}</h1>
        <p>{t("weeklyNotHead")}</p>
      </div>
    );
  return (
    <div data-testid="weekly-screen">
      <h1>{t("weeklyTitle")}</h1>
      <div class="row" style="margin-bottom:12px">
        {mine.length > 1 && (
          <select aria-label={t("weeklyTitle")} value={unit.id} onChange={(e) => setUnitId(e.currentTarget.value)}>
            {mine.map((u) => (
              <option value={u.id}>{u.name}</option>
            ))}
          </select>
        )}
        <div class="seg" role="group" aria-label={t("weeklyWeek")}>
          {weeks.map((w, i) => (
            <button
              type="button"
              class="na"
              aria-pressed={week === w}
              data-testid={`weekly-week-${i}`}
              onClick={() => setWeek(w)}
            >
              {i === 0 ? t("weeklyThis") : t("weeklyLast")}
            </button>
          ))}
        </div>
      </div>
      <Report key={`${unit.id}:${week}`} unit={unit} week={week} userId={s.user.id} />
    </div>
  );
}

function Report({ unit, week, userId }: { unit: OrgUnit; week: string; userId: string }) {
  const on = useValue(online);
  const version = useValue(outbox.outboxVersion);
  const key = `weekly:${userId}:${unit.id}:${week}`;
  const [cached, setCached] = useState<Cached | null>(null);
  const [fresh, setFresh] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<OutboxItem | undefined>(undefined);
  // What is on the phone first, then the server's answer when there is a connection; again after
  // the outbox moves (the remarks just went).
  useEffect(() => {
    let live = true;
    void cacheGet<Cached>(key).then((c) => live && c && setCached((x) => x ?? c));
    void outbox.get(remarksOutboxId(unit.id, week)).then((i) => live && setQueued(i));
    if (on) {
      request<WeeklyReport>("GET", "/reports/weekly", { query: { org_unit_id: unit.id, week } }).then(
        async ({ data }) => {
          const c = { report: data, at: Date.now() };
          if (session.get()?.user.id === userId) await cachePut(key, c);
          if (live) {
            setCached(c);
            setFresh(true);
            setError(null);
          }
        },
        (e) => live && !(e instanceof ApiError && e.status === 0) && setError(describeError(e)),
      );
    }
    return () => {
      live = false;
    };
  }, [key, on, version]);
  const report = cached?.report;
  const row = report?.units.find((u) => u.org_unit_id === unit.id);
  return (
    <>
      <p class="muted small" style="margin-top:0">
        <strong>{unit.name}</strong> · {report ? t("weeklyRange", { from: report.from, to: report.to }) : week}
      </p>
      {error && <p class="error">{t("loadFailed", { detail: error })}</p>}
      {!fresh && cached && (
        <p class="notice" data-testid="weekly-offline">
          {t("weeklyOffline", { at: formatTime(cached.at) })}
        </p>
      )}
      {!cached && !on && (
        <p class="notice" data-testid="weekly-offline">
          {t("weeklyOfflineEmpty")}
        </p>
      )}
      {row && (
        <table class="figures" data-testid="weekly-figures">
          <thead>
            <tr>
              <th>{t("weeklyFigure")}</th>
              <th>{t("weeklyThis")}</th>
              <th>{t("weeklyLast")}</th>
            </tr>
          </thead>
          <tbody>
            {FIGURES.map((f) => {
              const worse = row.worse.includes(f);
              return (
                <tr data-testid={`fig-${f}`} data-worse={worse ? "1" : undefined} class={worse ? "worse" : undefined}>
                  <th scope="row">{tk(`fig_${f}`)}</th>
                  <td>{row.figures[f]}</td>
                  <td class="muted">{row.previous[f]}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {row && row.worse.length > 0 && <p class="small error">{t("weeklyWorse")}</p>}
      <Remarks unit={unit} week={week} userId={userId} server={row ?? null} queued={queued} />
    </>
  );
}

function Remarks({
  unit,
  week,
  userId,
  server,
  queued,
}: {
  unit: OrgUnit;
  week: string;
  userId: string;
  server: WeeklyReport["units"][number] | null;
  queued: OutboxItem | undefined;
}) {
  const pendingBody = queued && queued.state !== "sent" ? (queued.body as RemarksPut) : undefined;
  const [text, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const shown = text ?? pendingBody?.remarks ?? server?.remarks ?? "";
  const submitted = server?.submitted_at ?? null;
  const submitWaits = pendingBody?.submit === true;
  const save = async (submit: boolean) => {
    if (!shown.trim()) {
      setProblem(t("weeklyEmptyRemarks"));
      return;
    }
    if (submit && !confirm(t("weeklySubmitConfirm"))) return;
    setProblem(null);
    const body: RemarksPut = { org_unit_id: unit.id, week, remarks: shown, submit };
    await outbox.enqueue({
      kind: "weekly",
      id: remarksOutboxId(unit.id, week),
      userId,
      body,
      label: `${t("kind_weekly")} · ${unit.name} · ${week}`,
    });
    setText(null);
    flash.set(SAVED);
    window.dispatchEvent(new Event("xunfang-sync"));
  };
  if (submitted) {
    return (
      <section class="card" data-testid="weekly-remarks" data-state="submitted">
        <h2 style="margin-top:0">{t("weeklyRemarks")}</h2>
        <p class="badge approved" data-testid="weekly-submitted">
          {t("weeklySubmitted", { at: formatTime(submitted) })}
        </p>
        <p data-testid="weekly-remarks-text" style="white-space:pre-wrap">
          {server?.remarks}
        </p>
        {server?.remarks_by && <p class="small muted">{t("weeklyBy", { name: server.remarks_by })}</p>}
      </section>
    );
  }
  return (
    <section
      class="card"
      data-testid="weekly-remarks"
      data-state={submitWaits ? "queued" : pendingBody ? "draft-queued" : "open"}
    >
      <label class="field">
        <span class="label">{t("weeklyRemarks")}</span>
        <textarea
          data-testid="weekly-remarks-input"
          rows={5}
          placeholder={t("weeklyRemarksHint")}
          value={shown}
          disabled={submitWaits}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      {submitWaits && (
        <p class="notice" data-testid="weekly-queued">
          {t("weeklySubmitQueued")}
        </p>
      )}
      {!submitWaits && pendingBody && text === null && <p class="small muted">{t("weeklyDraftQueued")}</p>}
      {queued?.state === "failed" && queued.lastError && (
        <p class="error" data-testid="weekly-error">
          {describeError(queued.lastError)}
        </p>
      )}
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {!submitWaits && (
        <div class="row">
          <button type="button" class="btn" data-testid="weekly-save" onClick={() => void save(false)}>
            {t("weeklySave")}
          </button>
          <button type="button" class="btn btn-primary" data-testid="weekly-submit" onClick={() => void save(true)}>
            {t("weeklySubmit")}
          </button>
        </div>
      )}
    </section>
  );
}
