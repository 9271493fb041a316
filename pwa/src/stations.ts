// Checklist templates and the stations of the user's scope, cached on the phone for offline use.
// A record is filled against the template version the phone had: its id travels as template_id,
// and the server checks the items against that version, however many versions came since.
import { getAll, request, type Bilingual, type ChecklistTemplate, type OrgUnit, type StationStandard } from "./api";
import type { components } from "./api-schema";
import { cacheGet, cachePut } from "./db";
import { lang } from "./i18n";
import { value } from "./store";

export const templates = value<ChecklistTemplate[]>([]);
export const units = value<OrgUnit[]>([]);

/** A label or hint in the language in use (English falls back to Chinese when left empty). */
export const pick = (b: Bilingual | undefined) => (b ? (lang.get() === "en" && b.en ? b.en : b.zh) : "");

/** The cached copies, at start and after a login, whatever the network. */
export async function restoreStations(userId: string): Promise<void> {
  templates.set((await cacheGet<ChecklistTemplate[]>(`templates:${userId}`)) ?? []);
  units.set((await cacheGet<OrgUnit[]>(`units:${userId}`)) ?? []);
}

/** Fetch the active templates and the units in scope of `userId` when online; keep the cached
 * ones otherwise. `isCurrent` says whether that user is still logged in (nothing is kept after a
 * logout). */
export async function refreshStations(userId: string, isCurrent: () => boolean): Promise<void> {
  const [list, tree] = await Promise.all([
    getAll<ChecklistTemplate>("/checklist-templates"),
    request<components["schemas"]["OrgUnitPage"]>("GET", "/org-units").then((r) => r.data.items),
  ]);
  if (!isCurrent()) return;
  await cachePut(`templates:${userId}`, list);
  await cachePut(`units:${userId}`, tree);
  if (!isCurrent()) return;
  templates.set(list);
  units.set(tree);
}

/** The active patrol template for a facility kind: one naming the kind before the one for all kinds. */
export function patrolTemplate(kind: string | undefined): ChecklistTemplate | undefined {
  const patrol = templates.get().filter((t) => t.kind === "patrol" && t.active);
  return (
    patrol.find((t) => kind && t.applies_to.facility_kinds?.includes(kind)) ??
    patrol.find((t) => !t.applies_to.facility_kinds?.length)
  );
}

export function inspectionTemplate(standard: StationStandard | null | undefined): ChecklistTemplate | undefined {
  return templates.get().find((t) => t.kind === "inspection" && t.active && t.applies_to.standard === standard);
}

/** Stations strictly below the user's own unit: the ones they may inspect. */
export function stationsBelow(all: OrgUnit[], ownUnitId: string | undefined): OrgUnit[] {
  const byId = new Map(all.map((u) => [u.id, u]));
  const below = (u: OrgUnit): boolean => {
    for (let p = u.parent_id; p; p = byId.get(p)?.parent_id ?? null) if (p === ownUnitId) return true;
    return false;
  };
  return all.filter((u) => u.station && u.id !== ownUnitId && below(u));
}

/** An item's label from the cached templates (newest version first), for codes an admin added. */
export function templateLabel(code: string): string | undefined {
  for (const t of [...templates.get()].sort((a, b) => b.version - a.version)) {
    const item = t.items.find((i) => i.code === code);
    if (item) return pick(item.label);
  }
  return undefined;
}
