"""Serves the built PWA (pwa/dist) at /, with the app shell for client-side routes.

Caching: the shell, the service worker and the manifest are revalidated on every request (or an
update would never arrive); files under /assets carry their content hash in their name, so they
are cached for a year as immutable."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Response
from litestar.static_files import create_static_files_router

from api.security import PUBLIC_OPT

NO_BUILD = """<!doctype html><meta charset="utf-8"><title>巡访 Xunfang</title>
<p>PWA 尚未构建 / The PWA is not built yet: run <code>scripts/dev</code>.</p>"""

REVALIDATE = {"Cache-Control": "no-cache"}
TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".css": "text/css",
    ".json": "application/json",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
}


def _file(path: Path, headers: dict[str, str]) -> File:
    media_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(path, filename=path.name, media_type=media_type, content_disposition_type="inline", headers=headers)


def pwa_router(dist: Path) -> Router:
    @get("/", include_in_schema=False, sync_to_thread=False)
    def shell() -> Response:
        index = dist / "index.html"
        if not index.exists():
            return Response(NO_BUILD, media_type="text/html")
        return _file(index, REVALIDATE)

    @get("/{name:str}", include_in_schema=False, sync_to_thread=False)
    def top_file(name: FromPath[str]) -> File:
        path = dist / name
        if name.startswith(".") or "/" in name or not path.is_file():
            raise NotFoundException(f"no file {name}")
        revalidate = name in ("sw.js", "manifest.webmanifest", "index.html") or name.startswith("workbox-")
        return _file(path, REVALIDATE if revalidate else {"Cache-Control": "public, max-age=86400"})

    assets = create_static_files_router(
        path="/assets",
        directories=[dist / "assets"],
        include_in_schema=False,
        # Vite names every asset after its content hash: a new build means new names.
        cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
        send_as_attachment=False,
        name="assets",
    )
    # The app shell must load without a token: it is what shows the login screen.
    return Router(path="/", route_handlers=[shell, top_file, assets], include_in_schema=False, opt={PUBLIC_OPT: True})
