"""The object store goes away and comes back: a photo upload is a 503 that stores no row, health
names storage, and the same upload succeeds once MinIO is up again."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from sqlalchemy import func, select

from storage.models import Photo
from tests.api.test_photos import unique, upload
from tests.builders import login, make_district


async def test_photo_upload_while_minio_is_down_is_503_and_the_retry_is_201(stack, client, db, photos):
    await make_district(db)
    headers = await login(client, "worker1")
    data, photo_id, record_id = unique((photos / "gps_DSCN0010.jpg").read_bytes()), uuid.uuid4(), uuid.uuid4()

    await asyncio.to_thread(stack.minio.stop)
    try:
        started = time.monotonic()
        down = await upload(client, headers, data, photo_id=photo_id, record_id=record_id)
        took = time.monotonic() - started
        assert down.status_code == 503, down.text
        assert "store" in down.json()["detail"]
        assert down.headers["retry-after"].isdigit(), "every 503 says when to retry"
        assert took < 10, f"the upload hung for {took:.1f} s instead of failing fast"
        assert await db.scalar(select(func.count()).select_from(Photo)) == 0
        health = await client.get("/api/v1/health")
        assert health.status_code == 503 and health.headers["retry-after"].isdigit()
        assert health.json()["storage"] != "ok" and health.json()["database"] == "ok"
    finally:
        await asyncio.to_thread(stack.minio.start)  # same port: the app's client reconnects

    again = await upload(client, headers, data, photo_id=photo_id, record_id=record_id)
    assert again.status_code == 201, again.text
    assert (await client.get(again.json()["thumb_url"])).status_code == 200
    assert (await client.get("/api/v1/health")).json() == {"status": "ok", "database": "ok", "storage": "ok"}


async def test_the_api_starting_before_its_store_waits_for_it_instead_of_failing(stack, settings, engine):
    """A bureau's server boots the API and MinIO together: a store still starting (or a cluster
    briefly unwritable) when the API starts is waited for, not a failed start."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    await asyncio.to_thread(stack.minio.stop)
    # A thread of its own: the test client starts the app blocking this event loop.
    comes_back = threading.Timer(2.0, stack.minio.start)
    comes_back.start()
    try:
        async with AsyncTestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert not comes_back.is_alive(), "the API started before its store was there"
            assert (await client.get("/api/v1/health")).status_code == 200
    finally:
        comes_back.join()
