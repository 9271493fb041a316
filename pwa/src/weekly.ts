// The weekly station report (服务站周报, api-v1.md), as both the desk and a station head's phone
// read it: the figures, ISO weeks in China time, and the one PUT that writes remarks. The field
// screen sends that PUT through the outbox (kind "weekly"); the desk sends it directly.
import { request, type OrgUnit } from "./api";
import type { components } from "./api-schema";

export const FIGURES = [
  "patrols_done",
  "patrols_due",
  "facilities_overdue",
  "visits_total",
  "subjects_overdue",
  "cash_yuan",
  "goods",
  "inspections_done",
  "tasks_opened",
  "tasks_closed",
  "tasks_overdue",
  "flagged_records",
] as const satisfies readonly (keyof components["schemas"]["WeeklyFigures"])[];
export type Figure = (typeof FIGURES)[number];
/** A unit's row of GET /reports/weekly: this week's figures beside last week's. */
export type WeeklyRow = components["schemas"]["WeeklyUnit"];
/** GET /reports/weekly; `units` is always sent (the document calls it optional: its default is empty). */
export type WeeklyReport = Required<components["schemas"]["WeeklyOut"]>;
/** The body of PUT /reports/weekly/{org_unit_id}/{week}, with where it goes (kept in the outbox). */
export type RemarksPut = components["schemas"]["RemarksIn"] & { org_unit_id: string; week: string };

/** ISO week of a date in China time, as 2026-W48. */
export function isoWeek(at = new Date()): string {
  const d = new Date(at.getTime() + 8 * 3600_000);
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3); // the week's Thursday names its year
  const jan4 = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const n = 1 + Math.round(((d.getTime() - jan4.getTime()) / 86400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return `${d.getUTCFullYear()}-W${String(n).padStart(2, "0")}`;
}

/** The outbox id of a unit's remarks for a week: one item, however often it is saved before it goes. */
export const remarksOutboxId = (unitId: string, week: string) => `weekly:${unitId}:${week}`;

export const putRemarks = (r: RemarksPut, signal?: AbortSignal) =>
  request<unknown>("PUT", `/reports/weekly/${r.org_unit_id}/${r.week}`, {
    json: { remarks: r.remarks, submit: r.submit },
    signal,
  });

/** The stations a user heads, from the units kept on the phone. */
export function headedStations(all: OrgUnit[], userId: string | undefined): OrgUnit[] {
  return userId ? all.filter((u) => u.station?.head_user_id === userId) : [];
}
