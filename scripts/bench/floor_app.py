"""The framework floor for record PUT: a minimal Litestar app whose one handler decodes the JSON
body and does one INSERT through a raw asyncpg pool; no auth, no rules, no audit."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from litestar import Litestar, Request, put


@put("/floor/{record_id:uuid}", status_code=201)
async def put_record(record_id: uuid.UUID, data: dict, request: Request) -> dict:
    state = request.app.state
    facility, unit, author = state.ids
    async with state.pool.acquire() as conn:
        await conn.execute(
            "insert into patrols (id, facility_id, org_unit_id, author_id, started_at, ended_at, lat, lon, "
            "accuracy_m, checklist, notes, status, flags, body_hash) values "
            "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, 'submitted', '[]', 'x')",
            record_id,
            facility,
            unit,
            author,
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["ended_at"]),
            data["location"]["lat"],
            data["location"]["lon"],
            data["location"]["accuracy_m"],
            json.dumps(data["checklist"]),
            data["notes"],
        )
    return {"id": str(record_id), "status": "submitted"}


@asynccontextmanager
async def lifespan(app: Litestar):
    dsn = os.environ["DATABASE_URL"].replace("+asyncpg", "")
    app.state.pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
    row = await app.state.pool.fetchrow(
        "select f.id, f.org_unit_id, u.id from facilities f, users u where u.username = 'worker1' limit 1"
    )
    app.state.ids = tuple(row)
    yield
    await app.state.pool.close()


def create() -> Litestar:
    return Litestar([put_record], lifespan=[lifespan])
