"""The browser's defences, on every response: a strict Content-Security-Policy, no framing, no
sniffing, no referrer, geolocation and camera for the app only, HSTS over TLS, and no caching of
personal data under /api/v1.

A header a handler set itself wins (a photo is served with `Content-Security-Policy: sandbox`
and its own Cache-Control)."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from api.map_config import map_config

API = "/api/v1/"
HSTS = "max-age=31536000; includeSubDomains"
# Leaflet's default when XUNFANG_MAP_SUBDOMAINS is empty (pwa/src/supervisor/map.tsx).
DEFAULT_SUBDOMAINS = "abc"
HOST = re.compile(r"^(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def tile_sources(tile_url: str | None, subdomains: str) -> list[str]:
    """The origins the map tiles come from, as CSP sources: a template's {s} is expanded with
    each subdomain; anything that is not a plain host is left out (the map then shows its grid)."""
    if not tile_url:
        return []
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https"):
        return []
    hosts = (
        [parts.netloc.replace("{s}", s) for s in (subdomains or DEFAULT_SUBDOMAINS)]
        if "{s}" in parts.netloc
        else [parts.netloc]
    )
    return sorted({f"{parts.scheme}://{h}" for h in hosts if HOST.match(h)})


@cache
def policy() -> str:
    """The CSP of the app: its own scripts only (no inline script, no eval), pictures from itself,
    blob: previews of photos not yet sent and the tile hosts, and nothing may frame it."""
    cfg = map_config()
    tiles = " ".join(tile_sources(cfg.tile_url, cfg.subdomains))
    extra = f" {tiles}" if tiles else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob:{extra}",
            f"connect-src 'self'{extra}",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _over_tls(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    # Behind a TLS-terminating proxy. Trusting the header from anyone is harmless here: browsers
    # ignore HSTS received over plain HTTP, so a forged header cannot pin anyone to TLS.
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


async def security_headers(message: Message, scope: Scope) -> None:
    """Litestar before_send hook: runs for every response, errors and unknown paths included."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    defaults = {
        "Content-Security-Policy": policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if _over_tls(scope):
        defaults["Strict-Transport-Security"] = HSTS
    if scope.get("path", "").startswith(API):
        defaults["Cache-Control"] = "no-store"  # names, numbers, positions: never kept by a cache
    for name, value in defaults.items():
        if name not in headers:
            headers[name] = value
