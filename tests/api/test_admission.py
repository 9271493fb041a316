"""Admission control: a full process answers 503 with a Retry-After the phone honours, at once and
never a hang or a 500, and stores nothing for the request it turned away."""

from __future__ import annotations

import uuid

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from api.app import create_app
from storage.models import Photo
from tests.builders import login, make_district


def _shed(response) -> None:
    assert response.status_code == 503, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.json()["detail"]


async def test_a_request_that_waited_too_long_for_a_place_is_shed(settings, engine, db):
    await make_district(db)
    app = create_app(msgspec.structs.replace(settings, max_inflight=2, queue_wait_s=0.2))
    async with AsyncTestClient(app) as client:
        worker = await login(client, "worker1")
        gate = app.state.gates.requests
        assert await gate.acquire() and await gate.acquire()  # two requests in flight
        try:
            _shed(await client.get("/api/v1/me", headers=worker))
            assert (await client.get("/api/v1/health")).status_code == 200  # probes still get through
        finally:
            gate.release(), gate.release()
        assert (await client.get("/api/v1/me", headers=worker)).status_code == 200


async def test_a_photo_beyond_the_decoding_bound_is_shed_and_nothing_is_stored(settings, engine, db, photos):
    await make_district(db)
    app = create_app(msgspec.structs.replace(settings, photo_ingests=1, photo_wait_s=0.2))
    body = (photos / "gps_DSCN0010.jpg").read_bytes()
    photo_id, record_id = uuid.uuid4(), uuid.uuid4()
    async with AsyncTestClient(app) as client:
        worker = await login(client, "worker1")

        def put():
            return client.put(
                f"/api/v1/photos/{photo_id}",
                params={"record_id": str(record_id), "lat": 26.5, "lon": 106.7},
                content=body,
                headers={**worker, "Content-Type": "image/jpeg"},
            )

        gate = app.state.gates.photos
        assert await gate.acquire()  # another photo is being decoded
        try:
            _shed(await put())
            assert await db.scalar(select(func.count()).select_from(Photo)) == 0
        finally:
            gate.release()
        assert (await put()).status_code == 201
