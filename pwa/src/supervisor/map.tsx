// Maps of where things were: Leaflet with the configured tile source, or a blank grid when none is
// configured or the tiles cannot be reached. Positions are stored in WGS-84 and shifted to GCJ-02
// for display only when the tiles are in GCJ-02 (高德 and most Chinese providers).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef, useState } from "preact/hooks";
import type { components } from "../api-schema";
import { forDisplay, fromDisplay } from "./gcj02";
import { get } from "./common";
import { t } from "./i18n";

/** GET /map-config: the tile source and its datum. */
export type MapConfig = components["schemas"]["MapConfigOut"];
let config: Promise<MapConfig> | null = null;
const mapConfig = () =>
  (config ??= get<MapConfig>("/map-config").catch(
    () => ({ tile_url: null, datum: "wgs84", attribution: "", max_zoom: 18, subdomains: "" }) as MapConfig,
  ));

export interface Shape {
  lat: number;
  lon: number;
  label: string;
  color: string;
  radius_m?: number; // a circle on the ground (geofence, accuracy); otherwise a dot
  dot?: number; // dot radius in pixels
  id?: string;
  fit?: boolean; // false: drawn, but the view does not stretch to it (an EXIF position abroad)
}

/** Canvas tiles with a light grid: something to read distances against when there are no tiles. */
const Grid = L.GridLayer.extend({
  createTile(coords: L.Coords) {
    const tile = document.createElement("canvas");
    const size = (this as L.GridLayer).getTileSize();
    tile.width = size.x;
    tile.height = size.y;
    const g = tile.getContext("2d")!;
    g.fillStyle = "#f7f7f4";
    g.fillRect(0, 0, size.x, size.y);
    g.strokeStyle = "#d5d5cf";
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const p = (i * size.x) / 4;
      g.beginPath();
      g.moveTo(p, 0);
      g.lineTo(p, size.y);
      g.stroke();
      g.beginPath();
      g.moveTo(0, p);
      g.lineTo(size.x, p);
      g.stroke();
    }
    g.strokeStyle = "#b8b8b0";
    g.strokeRect(0, 0, size.x, size.y);
    void coords;
    return tile;
  },
});

/** Leaflet puts a string tooltip into the page as HTML; names are typed by people, so they go in
 * as a text node inside an element, never as markup. */
export function textLabel(text: string): HTMLElement {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

export function ShapesMap({
  shapes,
  height = 320,
  testid = "map",
  labels = false,
  onPick,
}: {
  shapes: Shape[];
  height?: number;
  testid?: string;
  labels?: boolean;
  onPick?: (lat: number, lon: number) => void; // a click on the map picks a WGS-84 position
}) {
  const box = useRef<HTMLDivElement>(null);
  const [blank, setBlank] = useState(false);
  useEffect(() => {
    if (!box.current) return;
    let map: L.Map | null = null;
    let live = true;
    void mapConfig().then((cfg) => {
      if (!live || !box.current) return;
      map = L.map(box.current, { zoomControl: true, attributionControl: !!cfg.attribution, maxZoom: cfg.max_zoom });
      const grid = new (Grid as unknown as new (o: L.GridLayerOptions) => L.GridLayer)({ maxZoom: cfg.max_zoom });
      if (cfg.tile_url) {
        let errors = 0;
        const tiles = L.tileLayer(cfg.tile_url, {
          attribution: cfg.attribution,
          maxZoom: cfg.max_zoom,
          subdomains: cfg.subdomains || "abc",
        });
        tiles.on("tileerror", () => {
          if (++errors === 3 && map) {
            map.removeLayer(tiles);
            grid.addTo(map);
            setBlank(true);
          }
        });
        tiles.addTo(map);
      } else {
        grid.addTo(map);
        setBlank(true);
      }
      // The view first (vector layers need it), from the points and the circles' reach.
      const bounds = L.latLngBounds([]);
      for (const sh of shapes.filter((x) => x.fit !== false)) {
        const [lat, lon] = forDisplay(sh.lat, sh.lon, cfg.datum);
        const dLat = (sh.radius_m ?? 0) / 111_320;
        const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 0.01);
        bounds.extend([lat - dLat, lon - dLon]).extend([lat + dLat, lon + dLon]);
      }
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.2), { maxZoom: 17 });
      else map.setView([35, 105], 4);
      if (onPick) {
        map.on("click", (e: L.LeafletMouseEvent) => {
          const [lat, lon] = fromDisplay(e.latlng.lat, e.latlng.lng, cfg.datum);
          onPick(Math.round(lat * 1e6) / 1e6, Math.round(lon * 1e6) / 1e6);
        });
      }
      for (const sh of shapes) {
        const at = forDisplay(sh.lat, sh.lon, cfg.datum);
        const mark = sh.radius_m
          ? L.circle(at, { radius: sh.radius_m, color: sh.color, weight: 2, fillOpacity: 0.08, dashArray: "6 4" })
          : L.circleMarker(at, {
              radius: sh.dot ?? 7,
              color: "#000",
              weight: 2,
              fillColor: sh.color,
              fillOpacity: 0.95,
            });
        mark
          .bindTooltip(
            textLabel(sh.label),
            labels && !sh.radius_m ? { permanent: true, direction: "right", offset: [8, 0] } : {},
          )
          .addTo(map);
        if (sh.id) (mark as L.Path).getElement()?.setAttribute("data-shape", sh.id);
      }
    });
    return () => {
      live = false;
      map?.remove();
    };
  }, [JSON.stringify(shapes)]);
  return (
    <div class="sv-map-wrap">
      <div
        ref={box}
        class="sv-map"
        style={{ height: `${height}px` }}
        data-testid={testid}
        data-shapes={shapes.length}
      />
      {blank && (
        <p class="small sv-map-note" role="note" data-testid="blank-map">
          {t("noTilesAdmin")}
        </p>
      )}
    </div>
  );
}
