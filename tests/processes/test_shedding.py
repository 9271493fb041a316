"""A process whose database connections are all busy answers 503 + Retry-After after its short
wait (XUNFANG_DB_WAIT_S), never a hang or a 500, and goes on once they are free."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from tests.builders import PASSWORD, make_district
from tests.processes.conftest import serve


@pytest.fixture(scope="module")
def one_connection(stack, engine, secret) -> Iterator[str]:
    yield from serve(1, secret, env={"XUNFANG_DB_POOL_SIZE": "1", "XUNFANG_DB_WAIT_S": "0.3"})


async def test_a_request_that_cannot_get_a_database_connection_in_time_is_shed(one_connection, engine, db, photos):
    await make_district(db)
    record_id = uuid.uuid4()
    async with httpx.AsyncClient(base_url=one_connection, timeout=60) as http:
        login = await http.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
        worker = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = (await http.get("/api/v1/me", headers=worker)).json()["id"]
        # Two uploads to one record wait, each keeping one of the two connections (1 + 1 overflow)
        # of the process, behind the claim of the record id that we are making and not committing.
        async with engine.connect() as holder, holder.begin():
            await holder.execute(
                text("insert into record_claims (record_id, owner_id) values (:id, :owner)"),
                {"id": record_id, "owner": me},
            )
            uploads = [
                asyncio.ensure_future(
                    http.put(
                        f"/api/v1/photos/{uuid.uuid4()}",
                        params={"record_id": str(record_id)},
                        content=(photos / name).read_bytes(),
                        headers={**worker, "Content-Type": "image/jpeg"},
                    )
                )
                for name in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg")
            ]
            async with engine.connect() as watcher:
                for _ in range(600):
                    waiting = await watcher.scalar(text("select count(*) from pg_locks where not granted"))
                    if waiting == 2:
                        break
                    await asyncio.sleep(0.05)
            assert waiting == 2
            for path in ("/api/v1/me", "/api/v1/facilities"):
                shed = await http.get(path, headers=worker)
                assert shed.status_code == 503, shed.text
                assert 1 <= int(shed.headers["retry-after"]) <= 60
        assert [r.status_code for r in await asyncio.gather(*uploads)] == [201, 201]  # then all goes on
        assert (await http.get("/api/v1/facilities", headers=worker)).status_code == 200
