// Stations and the weekly station report (服务站周报): every unit side by side with the week before,
// figures that got worse highlighted, the heads' remarks (written and submitted here), the PDF and
// XLSX for the weekly video meeting, and the unit's station details and latest inspections.
import { useState } from "preact/hooks";
import { defineStrings, useLang } from "../i18n";
import { request, type InspectionOut, type Page, type Schemas } from "../api";
import { session } from "../session";
import { useValue } from "../store";
import { units } from "../stations";
import { vocab } from "../vocabulary-i18n";
import { FIGURES, isoWeek, type WeeklyReport, type WeeklyRow } from "../weekly";
import { Failed, StatusBadge, download, errText, get, useLoad, useWide, when } from "./common";
import { StationForm } from "./station-form";

const t = defineStrings(
  {
    title: "服务站周报",
    week: "周次",
    thisWeek: "（本周）",
    lastWeek: "（上周）",
    unit: "单位",
    remarks: "站长备注",
    pdf: "打印 PDF",
    xlsx: "导出 XLSX",
    save: "保存草稿",
    submit: "提交",
    submitted: "已提交 {at}",
    by: "填报：{name}",
    legend: "每格为“本周 / 上周”，红色为较上周变差",
    station: "服务站信息",
    address: "地址",
    standard: "标准",
    demo: "示范站",
    inspections: "最近督导",
    noInspections: "暂无督导记录",
    range: "{from} 至 {to}",
    failed: "出错了：{detail}",
  },
  {
    title: "Weekly station report",
    week: "Week",
    thisWeek: " (this week)",
    lastWeek: " (last week)",
    unit: "Unit",
    remarks: "Head's remarks",
    pdf: "Print PDF",
    xlsx: "Export XLSX",
    save: "Save draft",
    submit: "Submit",
    submitted: "Submitted {at}",
    by: "By {name}",
    legend: "Each cell is this week / last week; red: worse than last week",
    station: "Station",
    address: "Address",
    standard: "Standard",
    demo: "Demonstration",
    inspections: "Latest inspections",
    noInspections: "No inspections yet",
    range: "{from} to {to}",
    failed: "Failed: {detail}",
  },
);

type Row = WeeklyRow;
type Report = WeeklyReport;
export default function Stations() {
  useLang();
  useWide();
  const me = useValue(session)?.user;
  const all = useValue(units);
  const [unitId, setUnitId] = useState(me?.org_unit_id ?? "");
  const [week, setWeek] = useState(() => isoWeek(new Date(Date.now() - 7 * 86400_000)));
  const [report, error, reload] = useLoad(
    () => get<Report>("/reports/weekly", { org_unit_id: unitId, week }),
    [unitId, week],
  );
  const [inspections] = useLoad(
    () => get<Page<InspectionOut>>("/inspections", { org_unit_id: unitId, limit: 10 }),
    [unitId],
  );
  const [fileError, setFileError] = useState<string | null>(null);
  const unit = all.find((u) => u.id === unitId);
  const file = (ext: string) =>
    download(`/exports/weekly.${ext}`, { org_unit_id: unitId, week }).catch((e) => setFileError(errText(e)));
  const weeks = [
    isoWeek(),
    isoWeek(new Date(Date.now() - 7 * 86400_000)),
    isoWeek(new Date(Date.now() - 14 * 86400_000)),
  ];
  return (
    <div class="sv" data-testid="stations">
      <div class="screen-title">
        <h1 class="grow">{t("title")}</h1>
        <button class="btn" data-testid="weekly-pdf" onClick={() => void file("pdf")}>
          {t("pdf")}
        </button>
        <button class="btn" data-testid="weekly-xlsx" onClick={() => void file("xlsx")}>
          {t("xlsx")}
        </button>
      </div>
      <div class="row sv-filters">
        <label>
          {t("unit")}{" "}
          <select data-testid="weekly-unit" value={unitId} onChange={(e) => setUnitId(e.currentTarget.value)}>
            {all.map((u) => (
              <option value={u.id}>{u.name}</option>
            ))}
          </select>
        </label>
        <label>
          {t("week")}{" "}
          <select data-testid="weekly-week" value={week} onChange={(e) => setWeek(e.currentTarget.value)}>
            {weeks.map((w, i) => (
              <option value={w}>
                {w}
                {i === 0 ? t("thisWeek") : i === 1 ? t("lastWeek") : ""}
              </option>
            ))}
          </select>
        </label>
        {report && (
          <span class="muted small">
            {t("range", { from: report.from, to: report.to })} · {t("legend")}
          </span>
        )}
      </div>
      {fileError && (
        <p class="error" role="alert">
          {fileError}
        </p>
      )}
      {error && <Failed error={error} retry={reload} />}
      {report && (
        <div style="overflow-x:auto">
          <table class="sv-table weekly" data-testid="weekly-table">
            <thead>
              <tr>
                <th>{t("unit")}</th>
                {FIGURES.map((f) => (
                  <th>{vocab(`fig_${f}`)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {report.units.map((r) => (
                <tr data-testid="weekly-row" data-id={r.org_unit_id}>
                  <th>
                    <a
                      href={`#/stations`}
                      onClick={(e) => {
                        e.preventDefault();
                        setUnitId(r.org_unit_id);
                      }}
                    >
                      {r.name}
                    </a>
                  </th>
                  {FIGURES.map((f) => (
                    <td
                      class={r.worse.includes(f) ? "worse" : ""}
                      data-testid={`fig-${f}`}
                      data-worse={r.worse.includes(f) ? "1" : undefined}
                      style={r.worse.includes(f) ? "color:#b00020;font-weight:700;background:#fdecea" : undefined}
                    >
                      {r.figures[f]} / <span class="muted">{r.previous[f]}</span>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report && <Remarks report={report} onSaved={reload} />}
      {unit?.station && <StationForm unit={unit} key={unit.id} />}
      <section>
        <h2>{t("inspections")}</h2>
        {!inspections?.items.length && <p class="muted">{t("noInspections")}</p>}
        <ul class="list">
          {(inspections?.items ?? []).map((i) => (
            <li>
              <a class="item" data-testid="inspection-link" href={`#/review/inspection/${i.id}`}>
                <span class="main">
                  <span class="name">{i.org_unit_name}</span>
                  <span class="sub">
                    {i.author.display_name} · {when(i.started_at)}
                  </span>
                </span>
                <StatusBadge status={i.status} />
              </a>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function Remarks({ report, onSaved }: { report: Report; onSaved: () => void }) {
  return (
    <section>
      <h2>{t("remarks")}</h2>
      {report.units.map((r) => (
        <RemarkBox row={r} week={report.week} onSaved={onSaved} />
      ))}
    </section>
  );
}

function RemarkBox({ row, week, onSaved }: { row: Row; week: string; onSaved: () => void }) {
  const [text, setText] = useState(row.remarks);
  const [error, setError] = useState<string | null>(null);
  const send = async (submit: boolean) => {
    try {
      await request("PUT", `/reports/weekly/${row.org_unit_id}/${week}`, {
        json: { remarks: text, submit } satisfies Schemas["RemarksIn"],
      });
      setError(null);
      onSaved();
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <div class="card" data-testid="remarks" data-id={row.org_unit_id}>
      <strong>{row.name}</strong>{" "}
      {row.remarks_by && <span class="muted small">{t("by", { name: row.remarks_by })}</span>}{" "}
      {row.submitted_at && <span class="badge approved">{t("submitted", { at: when(row.submitted_at) })}</span>}
      {row.submitted_at ? (
        <p data-testid="remarks-text">{row.remarks}</p>
      ) : (
        <>
          <textarea
            data-testid="remarks-input"
            aria-label={`${row.name} · ${t("remarks")}`}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <div class="row">
            <button class="btn" data-testid="remarks-save" onClick={() => void send(false)}>
              {t("save")}
            </button>
            <button class="btn btn-primary" data-testid="remarks-submit" onClick={() => void send(true)}>
              {t("submit")}
            </button>
          </div>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
