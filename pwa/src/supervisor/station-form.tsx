// A station's details (服务站信息): address, position (picked on the map or typed), head, standard,
// demonstration and geofence, edited by an admin or a supervisor of a unit above it
// (PATCH /org-units/{id} {station}); read-only for everyone else. Only changed fields are sent.
import { useEffect, useState } from "preact/hooks";
import { STATION_STANDARDS, request, type OrgUnit, type Page, type Schemas, type UserAdmin } from "../api";
import { colon, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { refreshScope, session } from "../session";
import { stationsBelow, units } from "../stations";
import { useValue } from "../store";
import { errText, get, useLoad } from "./common";
import { t } from "./i18n";
import type { ShapesMap as MapView } from "./map";

/** The unit and every unit below it. */
function subtree(all: OrgUnit[], root: string): Set<string> {
  const out = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const u of all)
      if (u.parent_id && out.has(u.parent_id) && !out.has(u.id)) {
        out.add(u.id);
        grew = true;
      }
  }
  return out;
}

export function StationForm({ unit }: { unit: OrgUnit }) {
  useLang();
  const me = useValue(session)?.user;
  const all = useValue(units);
  const s = unit.station!;
  const may =
    me?.role === "admin" ||
    (me?.role === "supervisor" && stationsBelow(all, me.org_unit_id).some((u) => u.id === unit.id));
  const [people] = useLoad(
    () =>
      may ? get<Page<UserAdmin>>("/users", { active: "true" }) : Promise.resolve({ items: [], next_cursor: null }),
    [may],
  );
  const start = {
    address: s.address,
    lat: s.location ? String(s.location.lat) : "",
    lon: s.location ? String(s.location.lon) : "",
    head_user_id: s.head_user_id ?? "",
    standard: s.standard ?? "",
    demonstration: s.demonstration,
    geofence_m: String(s.geofence_m),
  };
  const [f, setF] = useState(start);
  const [msg, setMsg] = useState<{ ok: boolean; text: string; field?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // Leaflet comes with the map, when the card is drawn (it needs a document to load at all).
  const [ShapesMap, setMap] = useState<typeof MapView | null>(null);
  useEffect(() => {
    void import("./map").then((m) => setMap(() => m.ShapesMap));
  }, []);
  const below = subtree(all, unit.id);
  const heads = (people?.items ?? []).filter((p) => below.has(p.org_unit_id));
  const set = (k: keyof typeof start, v: string | boolean) => setF({ ...f, [k]: v });
  const save = async (e: Event) => {
    e.preventDefault();
    const station: Record<string, unknown> = {};
    if (f.address !== start.address) station.address = f.address;
    if (f.lat !== start.lat || f.lon !== start.lon)
      station.location = f.lat.trim() || f.lon.trim() ? { lat: Number(f.lat), lon: Number(f.lon) } : null;
    if (f.head_user_id !== start.head_user_id) station.head_user_id = f.head_user_id || null;
    if (f.standard !== start.standard) station.standard = f.standard || null;
    if (f.demonstration !== start.demonstration) station.demonstration = f.demonstration;
    if (f.geofence_m !== start.geofence_m) station.geofence_m = Number(f.geofence_m);
    if (!Object.keys(station).length) {
      setMsg({ ok: true, text: t("noChange") });
      return;
    }
    setBusy(true);
    setMsg(null);
    try {
      await request("PATCH", `/org-units/${unit.id}`, { json: { station } satisfies Schemas["OrgUnitPatch"] });
      setMsg({ ok: true, text: t("stationSaved") });
      void refreshScope().catch(() => undefined);
    } catch (x) {
      setMsg({ ok: false, text: errText(x), field: (x as { field?: string }).field });
    } finally {
      setBusy(false);
    }
  };
  const lat = Number(f.lat),
    lon = Number(f.lon);
  const placed = f.lat.trim() !== "" && f.lon.trim() !== "" && Number.isFinite(lat) && Number.isFinite(lon);
  const bad = (k: string) => (msg && !msg.ok && msg.field?.includes(k)) || undefined;
  return (
    <section class="card" data-testid="station-card">
      <h2>
        {t("stationDetails")}
        {colon()}
        {unit.name} {s.demonstration && <span class="badge approved">{t("demonstration")}</span>}
      </h2>
      <form class="stack" onSubmit={save} data-testid="station-form">
        <div class="sv-form">
          <label>
            {t("address")}
            <input
              type="text"
              data-testid="station-address"
              value={f.address}
              disabled={!may}
              aria-invalid={bad("address")}
              onInput={(e) => set("address", e.currentTarget.value)}
            />
          </label>
          <label>
            {t("lat")}
            <input
              type="number"
              step="any"
              data-testid="station-lat"
              value={f.lat}
              disabled={!may}
              aria-invalid={bad("location")}
              onInput={(e) => set("lat", e.currentTarget.value)}
            />
            <span class="small muted">{t("latLonHint")}</span>
          </label>
          <label>
            {t("lon")}
            <input
              type="number"
              step="any"
              data-testid="station-lon"
              value={f.lon}
              disabled={!may}
              aria-invalid={bad("location")}
              onInput={(e) => set("lon", e.currentTarget.value)}
            />
          </label>
          <label>
            {t("stationHead")}
            <select
              data-testid="station-head"
              value={f.head_user_id}
              disabled={!may}
              onChange={(e) => set("head_user_id", e.currentTarget.value)}
            >
              <option value="">{t("noHead")}</option>
              {heads.map((p) => (
                <option value={p.id}>
                  {p.display_name} · {p.username}
                </option>
              ))}
              {f.head_user_id && !heads.some((p) => p.id === f.head_user_id) && (
                <option value={f.head_user_id}>{t("stationHead")}</option>
              )}
            </select>
          </label>
          <label>
            {t("stationStandard")}
            <select
              data-testid="station-standard"
              value={f.standard}
              disabled={!may}
              onChange={(e) => set("standard", e.currentTarget.value)}
            >
              {["", ...STATION_STANDARDS].map((v) => (
                <option value={v}>{vocab(v ? (`std_${v}` as "std_none") : "std_none")}</option>
              ))}
            </select>
          </label>
          <label>
            {t("geofenceM")}
            <input
              type="number"
              min={10}
              max={5000}
              data-testid="station-geofence"
              value={f.geofence_m}
              disabled={!may}
              aria-invalid={bad("geofence_m")}
              onInput={(e) => set("geofence_m", e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              data-testid="station-demo"
              checked={f.demonstration}
              disabled={!may}
              onChange={(e) => set("demonstration", e.currentTarget.checked)}
            />
            {t("demonstration")}
          </label>
        </div>
        {may && <p class="small muted">{t("pickOnMap")}</p>}
        {ShapesMap && (
          <ShapesMap
            height={240}
            testid="station-map"
            onPick={may ? (la, lo) => setF((x) => ({ ...x, lat: String(la), lon: String(lo) })) : undefined}
            shapes={
              placed
                ? [
                    { lat, lon, label: unit.name, color: "#1565c0" },
                    { lat, lon, label: unit.name, color: "#1565c0", radius_m: Number(f.geofence_m) || 0 },
                  ]
                : []
            }
          />
        )}
        {msg && (
          <p
            class={msg.ok ? "notice ok-notice" : "notice danger"}
            role={msg.ok ? "status" : "alert"}
            data-testid="station-message"
          >
            {msg.text}
          </p>
        )}
        {may && (
          <div class="row">
            <button class="btn btn-primary" type="submit" data-testid="station-save" disabled={busy}>
              {t("save")}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
