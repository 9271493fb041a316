"""GET /api/v1/health: is the service and each part it stands on reachable?"""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from sqlalchemy import text

from api.errors import unavailable_headers
from storage.object_store import ObjectStore


class HealthOut(msgspec.Struct):
    status: str
    database: str
    storage: str


async def _database(state: State) -> str:
    try:
        async with state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("select 1")), 3)
        return "ok"
    except Exception:  # any failure means "not reachable" to the caller
        return "unreachable"


async def _storage(store: ObjectStore) -> str:
    try:
        await asyncio.wait_for(store.ping(), 5)
        return "ok"
    except Exception:
        return "unreachable"


@get(
    "/api/v1/health",
    tags=["health"],
    operation_id="GetHealth",
    security=[],
    responses={503: ResponseSpec(HealthOut, description="the named part cannot be reached")},
)
async def get_health(state: State) -> Response[HealthOut]:
    database, storage = await asyncio.gather(_database(state), _storage(state.store))
    ok = database == "ok" and storage == "ok"
    body = HealthOut(status="ok" if ok else "degraded", database=database, storage=storage)
    status = 200 if ok else 503
    return Response(body, status_code=status, headers=unavailable_headers(status))
