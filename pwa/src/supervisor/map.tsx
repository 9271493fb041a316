// Maps of where things were: Leaflet with the configured tile source, or a blank grid when none is
// configured or the tiles cannot be reached. Positions are stored in WGS-84 and shifted to GCJ-02
// for display only when the tiles are in GCJ-02 (高德 and most Chinese providers).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { forDisplay, type Datum } from "./gcj02";
import { get } from "./common";
import { t } from "./i18n";

export interface MapConfig { tile_url: string | null; datum: Datum; attribution: string; max_zoom: number; subdomains: string }
let config: Promise<MapConfig> | null = null;
const mapConfig = () =>
  (config ??= get<MapConfig>("/map-config").catch(() => ({ tile_url: null, datum: "wgs84", attribution: "", max_zoom: 18, subdomains: "" } as MapConfig)));

export interface Shape {
  lat: number; lon: number; label: string; color: string;
  radius_m?: number; // a circle on the ground (geofence, accuracy); otherwise a dot
  dot?: number; // dot radius in pixels
  id?: string;
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
      g.beginPath(); g.moveTo(p, 0); g.lineTo(p, size.y); g.stroke();
      g.beginPath(); g.moveTo(0, p); g.lineTo(size.x, p); g.stroke();
    }
    g.strokeStyle = "#b8b8b0";
    g.strokeRect(0, 0, size.x, size.y);
    void coords;
    return tile;
  },
});

export function ShapesMap({ shapes, height = 320, testid = "map" }: { shapes: Shape[]; height?: number; testid?: string }) {
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
        const tiles = L.tileLayer(cfg.tile_url, { attribution: cfg.attribution, maxZoom: cfg.max_zoom, subdomains: cfg.subdomains || "abc" });
        tiles.on("tileerror", () => {
          if (++errors === 3 && map) { map.removeLayer(tiles); grid.addTo(map); setBlank(true); }
        });
        tiles.addTo(map);
      } else {
        grid.addTo(map);
        setBlank(true);
      }
      const layer = L.featureGroup().addTo(map);
      for (const s of shapes) {
        const at = forDisplay(s.lat, s.lon, cfg.datum);
        const mark = s.radius_m
          ? L.circle(at, { radius: s.radius_m, color: s.color, weight: 2, fillOpacity: 0.08, dashArray: "6 4" })
          : L.circleMarker(at, { radius: s.dot ?? 7, color: "#000", weight: 2, fillColor: s.color, fillOpacity: 0.95 });
        mark.bindTooltip(s.label);
        mark.addTo(layer);
        const el = (mark as unknown as { getElement?: () => Element | undefined }).getElement?.();
        if (el && s.id) el.setAttribute("data-shape", s.id);
      }
      const bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.25), { maxZoom: 17 });
      else map.setView([35, 105], 4);
    });
    return () => { live = false; map?.remove(); };
  }, [JSON.stringify(shapes)]);
  return (
    <div class="sv-map-wrap">
      <div ref={box} class="sv-map" style={{ height: `${height}px` }} data-testid={testid} data-shapes={shapes.length} />
      {blank && <p class="small muted" data-testid="blank-map">{t("noTiles")}</p>}
    </div>
  );
}
