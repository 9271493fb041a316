"""GET /map-config: where the supervisor maps get their tiles, if anywhere.

Set XUNFANG_MAP_TILE_URL (e.g. a 天地图 or 高德 template with {z}/{x}/{y}) and XUNFANG_MAP_DATUM
(`wgs84`, the default, for 天地图's CGCS2000 and most others; `gcj02` for 高德 and other Chinese
providers that draw in GCJ-02, so the PWA shifts positions for display). Without a tile URL the
maps draw sites, positions and geofences on a blank grid: nothing is fetched from anywhere."""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

import msgspec
from litestar import get

from api.deps import CurrentUser
from api.settings import ConfigurationError


class MapConfigOut(msgspec.Struct):
    tile_url: str | None
    datum: Literal["wgs84", "gcj02"]
    attribution: str
    max_zoom: int
    subdomains: str


@cache
def map_config() -> MapConfigOut:
    env = os.environ
    datum = env.get("XUNFANG_MAP_DATUM", "wgs84").lower()
    zoom = env.get("XUNFANG_MAP_MAX_ZOOM", "18")
    if not zoom.strip().isdigit():
        raise ConfigurationError(f"XUNFANG_MAP_MAX_ZOOM is {zoom!r}: set it to a whole number of zoom levels (e.g. 18)")
    return MapConfigOut(
        tile_url=env.get("XUNFANG_MAP_TILE_URL") or None,
        datum="gcj02" if datum == "gcj02" else "wgs84",
        attribution=env.get("XUNFANG_MAP_ATTRIBUTION", ""),
        max_zoom=int(zoom),
        subdomains=env.get("XUNFANG_MAP_SUBDOMAINS", ""),
    )


@get("/api/v1/map-config", operation_id="GetMapConfig", tags=["reports"])
async def get_map_config(user: CurrentUser) -> MapConfigOut:
    return map_config()
