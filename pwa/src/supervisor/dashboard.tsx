// Coverage dashboard: a unit and a period; figures per unit, hand-drawn SVG bars, a map of the
// facilities coloured by status, and the ledger exports (XLSX and CSV).
import { useState } from "preact/hooks";
import type { OrgUnit, Page } from "../api";
import type { components } from "../api-schema";
import { useLang } from "../i18n";
import { session } from "../session";
import { units as cachedUnits } from "../stations";
import { useValue } from "../store";
import { Failed, download, errText, get, presetPeriod, useLoad, useWide } from "./common";
import { label, t } from "./i18n";
import { ShapesMap, type Shape } from "./map";

/** The service stations with a known position, beside the facilities (a demonstration station marked ★). */
function stationShapes(all: OrgUnit[]): Shape[] {
  return all
    .filter((u) => u.station?.location)
    .map((u) => ({
      lat: u.station!.location!.lat,
      lon: u.station!.location!.lon,
      color: "#6a1b9a",
      dot: 6,
      id: `station-${u.id}`,
      label: `${u.station!.demonstration ? "★ " : ""}${u.name}`,
    }));
}

type Schemas = components["schemas"];
type Coverage = Schemas["CoverageOut"];
type FacilityFigures = Schemas["FacilityFigures"];
type FacilityMap = Schemas["FacilityMapOut"];

/** Due in the period and not patrolled in it: the one "overdue" beside "patrolled / due", so the
 *  two never contradict each other (the as-of-now figure counts only approved patrols). */
const missed = (f: FacilityFigures) => f.unpatrolled ?? Math.max(0, f.due - (f.patrolled ?? 0));

const COLORS = { overdue: "#b00020", open_task: "#e07b00", ok: "#0b6b2f" };

/** Horizontal bars: label, value, and an optional "of" total drawn as the empty track. */
function Bars({ rows, testid }: { rows: { label: string; value: number; of?: number }[]; testid?: string }) {
  const max = Math.max(1, ...rows.map((r) => r.of ?? r.value));
  const h = 28;
  if (!rows.length)
    return (
      <p class="muted small" data-testid={testid}>
        {t("none")}
      </p>
    );
  return (
    <svg
      class="sv-bars"
      viewBox={`0 0 320 ${rows.length * h + 4}`}
      role="img"
      data-testid={testid}
      width="100%"
      aria-label={rows.map((r) => `${r.label} ${r.of != null ? `${r.value}/${r.of}` : r.value}`).join("; ")}
    >
      {rows.map((r, i) => {
        const y = i * h + 2;
        return (
          <g>
            <text x="0" y={y + 18} font-size="14">
              {r.label}
            </text>
            {r.of != null && (
              <rect x="120" y={y + 4} width={(150 * r.of) / max} height="18" fill="#eee" stroke="#999" />
            )}
            <rect x="120" y={y + 4} width={(150 * r.value) / max} height="18" fill="#8b1a1a" />
            <text x={120 + (150 * (r.of ?? r.value)) / max + 5} y={y + 18} font-size="14">
              {r.of != null ? `${r.value}/${r.of}` : r.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Card({ title, children, testid }: { title: string; children: preact.ComponentChildren; testid?: string }) {
  return (
    <section class="card sv-card" data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export default function Dashboard() {
  useWide();
  useLang();
  const s = useValue(session);
  const [preset, setPreset] = useState("thisMonth");
  const [period, setPeriod] = useState(presetPeriod("thisMonth"));
  const [unit, setUnit] = useState(s?.user.org_unit_id ?? "");
  const [busy, setBusy] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [units] = useLoad(async () => {
    const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
    return Array.isArray(u) ? u : u.items;
  }, []);
  const q = { org_unit_id: unit, from: period.from, to: period.to };
  const [cov, error, reload] = useLoad(() => get<Coverage>("/reports/coverage", q), [JSON.stringify(q)]);
  const [dots] = useLoad(() => get<FacilityMap>("/reports/facility-map", q), [JSON.stringify(q)]);
  const stations = useValue(cachedUnits);
  const exp = async (name: string) => {
    setBusy(name);
    setExportError(null);
    try {
      await download(`/exports/${name}`, q);
    } catch (e) {
      setExportError(errText(e));
    } finally {
      setBusy(null);
    }
  };
  const tot = cov?.total;
  return (
    <div class="sv" data-testid="dashboard">
      <h1>{t("dashboard")}</h1>
      <div class="sv-filters">
        <label class="sv-filter">
          <span>{t("unit")}</span>
          <select data-testid="dash-unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
            {(units ?? []).map((u) => (
              <option value={u.id}>{u.name}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("period")}</span>
          <select
            data-testid="dash-period"
            value={preset}
            onChange={(e) => {
              setPreset(e.currentTarget.value);
              if (e.currentTarget.value !== "custom") setPeriod(presetPeriod(e.currentTarget.value));
            }}
          >
            {["thisMonth", "lastMonth", "thisQuarter", "thisYear"].map((p) => (
              <option value={p}>{t(p as "thisMonth")}</option>
            ))}
            <option value="custom">{t("from")}…</option>
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("from")}</span>
          <input
            type="date"
            value={period.from}
            onChange={(e) => {
              setPreset("custom");
              setPeriod({ ...period, from: e.currentTarget.value });
            }}
          />
        </label>
        <label class="sv-filter">
          <span>{t("to")}</span>
          <input
            type="date"
            value={period.to}
            onChange={(e) => {
              setPreset("custom");
              setPeriod({ ...period, to: e.currentTarget.value });
            }}
          />
        </label>
      </div>
      {error && <Failed error={error} retry={reload} />}
      {tot && (
        <div class="sv-cards" data-testid="coverage">
          <Card title={t("facilities")} testid="card-facilities">
            <p class="sv-big">
              {tot.facilities.patrolled ?? 0}
              <small> / {tot.facilities.due}</small>
            </p>
            <p>{t("patrolled", { a: tot.facilities.patrolled ?? 0, b: tot.facilities.due })}</p>
            <p class={missed(tot.facilities) ? "error" : ""} data-testid="unpatrolled">
              {t("unpatrolledFacilities", { n: missed(tot.facilities) })}
            </p>
            <p class="small muted">{t("coverageRule")}</p>
          </Card>
          <Card title={t("subjects")} testid="card-subjects">
            <p class="sv-big">
              {tot.subjects_total.visited ?? 0}
              <small> / {tot.subjects_total.due}</small>
            </p>
            <Bars
              rows={tot.subjects.map((c) => ({
                label: label("cat_", c.category ?? ""),
                value: c.visited ?? 0,
                of: c.due,
              }))}
            />
          </Card>
          <Card title={t("visitsByType")} testid="card-visits">
            <Bars
              testid="visits-chart"
              rows={Object.entries(tot.visits_by_type).map(([k, v]) => ({ label: label("vt_", k), value: v }))}
            />
          </Card>
          <Card title={t("assistance")} testid="card-assistance">
            <p class="sv-big">{t("yuan", { n: tot.cash_yuan.toLocaleString() })}</p>
            <p>{t("goodsVisits", { n: tot.goods_visits })}</p>
          </Card>
          <Card title={t("openTasks")} testid="card-tasks">
            <p class="sv-big">
              {tot.tasks.open}
              <small>
                {" "}
                · {t("overdue")} {tot.tasks.overdue}
              </small>
            </p>
            <p class="small">{t("taskAge")}</p>
            <Bars
              testid="task-age"
              rows={Object.entries(tot.tasks.open_age_days).map(([k, v]) => ({ label: k, value: v }))}
            />
          </Card>
          <Card title={t("exports")} testid="card-exports">
            {["patrols", "visits"].map((k) => (
              <p class="row">
                <span class="grow">{k === "patrols" ? t("exportPatrols") : t("exportVisits")}</span>
                {["xlsx", "csv"].map((fmt) => (
                  <button
                    class="btn btn-small"
                    data-testid={`export-${k}-${fmt}`}
                    disabled={!!busy}
                    onClick={() => void exp(`${k}.${fmt}`)}
                  >
                    {busy === `${k}.${fmt}` ? t("downloading") : fmt.toUpperCase()}
                  </button>
                ))}
              </p>
            ))}
            {exportError && <p class="error">{exportError}</p>}
          </Card>
        </div>
      )}
      {cov && cov.units.length > 0 && (
        <section>
          <h2>{t("perUnit")}</h2>
          <table class="sv-table" data-testid="per-unit">
            <thead>
              <tr>
                <th>{t("unit")}</th>
                <th>{t("facilities")}</th>
                <th>{t("subjects")}</th>
                <th>{t("visitsByType")}</th>
                <th>{t("cash")}</th>
                <th>{t("openTasks")}</th>
              </tr>
            </thead>
            <tbody>
              {cov.units.map((u) => (
                <tr>
                  <th>{u.name}</th>
                  <td>
                    {t("patrolled", { a: u.facilities.patrolled ?? 0, b: u.facilities.due })}
                    {missed(u.facilities) > 0 && (
                      <>
                        {" "}
                        <span class="badge overdue">{t("unpatrolledFacilities", { n: missed(u.facilities) })}</span>
                      </>
                    )}
                  </td>
                  <td>{t("visited", { a: u.subjects_total.visited ?? 0, b: u.subjects_total.due })}</td>
                  <td>{Object.values(u.visits_by_type).reduce((a, b) => a + b, 0)}</td>
                  <td>{t("yuan", { n: u.cash_yuan.toLocaleString() })}</td>
                  <td>
                    {u.tasks.open}
                    {u.tasks.overdue > 0 && (
                      <span class="badge overdue">
                        {t("overdue")} {u.tasks.overdue}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {dots && (
        <section>
          <h2>{t("facilityMap")}</h2>
          <ShapesMap
            testid="facility-map"
            height={380}
            labels={dots.items.length <= 40}
            shapes={dots.items
              .map((d): Shape => ({
                lat: d.lat,
                lon: d.lon,
                color: COLORS[d.status],
                label: `${d.name}${d.status === "ok" ? "" : " · "}${d.status === "overdue" ? t("overdue") : d.status === "open_task" ? `${t("openTasks")} ${d.open_tasks}` : "✓"}`,
                id: d.id,
                dot: 8,
              }))
              .concat(stationShapes(stations))}
          />
        </section>
      )}
    </div>
  );
}
