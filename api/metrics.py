"""GET /metrics: Prometheus text for an admin's token, nobody else (401 without one, 403 for
other roles)."""

from __future__ import annotations

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler

from api import observe
from api.deps import CurrentUser, DbSession
from storage.queries import ops


def exact_path(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Only /metrics itself: `/metrics/` would pass a proxy's `location = /metrics` guard."""
    if connection.scope.get("raw_path", b"/metrics") != b"/metrics":  # (its path is normalized)
        raise NotFoundException()


@get("/metrics", guards=[exact_path], tags=["operations"], operation_id="GetMetrics", include_in_schema=False)
async def get_metrics(user: CurrentUser, db_session: DbSession) -> Response[bytes]:
    user.require("admin")
    incomplete = await ops.incomplete_records(db_session)
    extra = (
        "# HELP xunfang_records_incomplete records still waiting for photos\n"
        "# TYPE xunfang_records_incomplete gauge\n"
        + "".join(f'xunfang_records_incomplete{{kind="{k}"}} {n}\n' for k, n in incomplete.items())
    )
    body, media_type = observe.exposition(extra)
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})
