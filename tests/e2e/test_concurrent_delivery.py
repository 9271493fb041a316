"""Deliveries of the same record racing each other over real connections (two tabs, or a retry
overtaking its original on a flaky link) make one record, and every one of them is answered 2xx."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select

from storage.models import Patrol
from tests.builders import PASSWORD, add_facility, make_district


async def test_eight_simultaneous_deliveries_of_one_patrol_make_one_record(live_server, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    now = datetime.now(timezone.utc)
    body = {
        "facility_id": str(facility),
        "started_at": (now - timedelta(minutes=30)).isoformat(),
        "ended_at": now.isoformat(),
        "checklist": [{"item": "cleanliness", "result": "ok"}],
        "photo_ids": [],
    }
    async with httpx.AsyncClient(base_url=f"{live_server.url}/api/v1", timeout=30) as client:
        token = (await client.post("/auth/login", json={"username": "worker1", "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for _ in range(10):
            patrol_id = uuid.uuid4()
            answers = await asyncio.gather(
                *(client.put(f"/patrols/{patrol_id}", json=body, headers=headers) for _ in range(8))
            )
            assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert await db.scalar(select(func.count()).select_from(Patrol)) == 10


async def test_a_photo_racing_its_record_leaves_the_record_submitted_with_it(live_server, db, photos):
    """The phone's outbox sends photos first, but a retry can overtake: the photo and the record
    then commit at once, and whichever is second must see the first (the id's claim orders them)."""
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    now = datetime.now(timezone.utc)
    async with httpx.AsyncClient(base_url=f"{live_server.url}/api/v1", timeout=30) as client:
        token = (await client.post("/auth/login", json={"username": "worker1", "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        records = []
        for n in range(12):
            record_id, photo_id = uuid.uuid4(), uuid.uuid4()
            body = {
                "facility_id": str(facility),
                "started_at": (now - timedelta(minutes=30)).isoformat(),
                "ended_at": now.isoformat(),
                "checklist": [{"item": "cleanliness", "result": "ok"}],
                "photo_ids": [str(photo_id)],
            }
            tagged = jpeg[:2] + b"\xff\xfe\x00\x08race" + bytes([n, 0]) + jpeg[2:]  # new bytes each time
            answers = await asyncio.gather(
                client.put(
                    f"/photos/{photo_id}",
                    params={"record_id": str(record_id)},
                    content=tagged,
                    headers={**headers, "Content-Type": "image/jpeg"},
                ),
                client.put(f"/patrols/{record_id}", json=body, headers=headers),
            )
            assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
            records.append(record_id)
        statuses = [(await client.get(f"/patrols/{r}", headers=headers)).json()["status"] for r in records]
    assert statuses == ["submitted"] * len(records)
