"""Serves the built PWA (pwa/dist) at /, with the app shell for client-side routes."""

from __future__ import annotations

from pathlib import Path

from litestar import Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Response
from litestar.static_files import create_static_files_router

NO_BUILD = """<!doctype html><meta charset="utf-8"><title>巡访 Xunfang</title>
<p>PWA 尚未构建 / The PWA is not built yet: run <code>scripts/dev</code>.</p>"""


def pwa_router(dist: Path) -> Router:
    # The service worker and the shell must be revalidated, or an update would never arrive.
    revalidate = {"Cache-Control": "no-cache"}

    @get("/", include_in_schema=False, sync_to_thread=False)
    def shell() -> Response:
        index = dist / "index.html"
        if not index.exists():
            return Response(NO_BUILD, media_type="text/html")
        return File(index, content_disposition_type="inline", headers=revalidate)  # type: ignore[return-value]

    @get("/{name:str}", include_in_schema=False, sync_to_thread=False)
    def top_file(name: FromPath[str]) -> File:
        path = dist / name
        if not path.is_file() or name.startswith("."):
            raise NotFoundException(f"no file {name}")
        headers = revalidate if name in ("sw.js", "manifest.webmanifest", "index.html") or name.startswith(
            "workbox-") else {"Cache-Control": "public, max-age=3600"}
        return File(path, content_disposition_type="inline", headers=headers)

    assets = create_static_files_router(
        path="/assets", directories=[dist / "assets"], include_in_schema=False,
        cache_control=None, send_as_attachment=False, name="assets",
    )
    return Router(path="/", route_handlers=[shell, top_file, assets], include_in_schema=False)
