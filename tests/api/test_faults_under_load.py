"""Faults under load: while phones stream photos and records in, PostgreSQL is restarted and MinIO
stopped and started. Every request answers 2xx, or 503 with Retry-After; the API recovers by
itself; after the phones' retries nothing acknowledged is missing and nothing is duplicated."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import func, select

from scripts.bench.harness import serving
from storage.models import AuditEntry, Patrol, Photo, Task, TaskRecord
from tests.api.test_patrols import SITE, patrol_body
from tests.api.test_photos import unique
from tests.builders import PASSWORD, add_facility, make_district

PHONES = 3
RECORDS_EACH = 3  # at least; each phone keeps sending until the faults are over
MAX_ATTEMPTS = 60


class Phone:
    """One phone's outbox: each request is sent until it is acknowledged, waiting on a 503."""

    def __init__(self, client, headers) -> None:
        self.client, self.headers = client, headers
        self.answers: list[tuple[int, str | None]] = []
        self.acknowledged: dict[uuid.UUID, dict[uuid.UUID, bytes]] = {}  # record -> photo -> bytes

    async def send(self, method: str, url: str, **kwargs):
        for _ in range(MAX_ATTEMPTS):
            try:
                response = await self.client.request(
                    method, url, headers=self.headers | kwargs.pop("extra", {}), **kwargs
                )
            except Exception as exc:  # the connection itself failed: no answer at all
                raise AssertionError(f"{method} {url} got no answer: {exc!r}") from exc
            self.answers.append((response.status_code, response.headers.get("retry-after")))
            if response.status_code != 503:
                return response
            await asyncio.sleep(0.3)  # a phone waits Retry-After; the test does not wait that long
        raise AssertionError(f"{method} {url} still 503 after {MAX_ATTEMPTS} attempts: the API did not recover")

    async def work(self, facility: uuid.UUID, jpeg: bytes, faults_over: asyncio.Event) -> None:
        while not faults_over.is_set() or len(self.acknowledged) < RECORDS_EACH:
            record_id, photo_id, data = uuid.uuid4(), uuid.uuid4(), unique(jpeg)
            photo = await self.send(
                "PUT",
                f"/api/v1/photos/{photo_id}",
                params={"record_id": str(record_id)},
                content=data,
                extra={"Content-Type": "image/jpeg"},
            )
            assert photo.status_code in (200, 201), photo.text
            body = patrol_body(facility, photo_ids=[str(photo_id)])
            record = await self.send("PUT", f"/api/v1/patrols/{record_id}", json=body)
            assert record.status_code in (200, 201), record.text
            self.acknowledged[record_id] = {photo_id: data}


async def chaos(stack, faults_over: asyncio.Event) -> None:
    await asyncio.sleep(0.5)
    await asyncio.to_thread(stack.postgres.stop)
    await asyncio.sleep(1.5)
    await asyncio.to_thread(stack.postgres.start)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(stack.minio.stop)
    await asyncio.sleep(1.5)
    await asyncio.to_thread(stack.minio.start)
    await asyncio.sleep(0.5)
    faults_over.set()


async def test_restarts_of_postgres_and_minio_under_load_lose_and_duplicate_nothing(stack, engine, db, photos):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await db.close()
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    # The API in its own process, as deployed: phones send at once and a hung request shows.
    with serving() as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await under_load(stack, client, db, facility, jpeg)


async def under_load(stack, client: httpx.AsyncClient, db, facility: uuid.UUID, jpeg: bytes) -> None:
    login = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
    worker = {"Authorization": f"Bearer {login.json()['access_token']}"}
    phones = [Phone(client, worker) for _ in range(PHONES)]

    faults_over = asyncio.Event()
    # The chaos always runs to its end, so the suite's PostgreSQL and MinIO are up again whatever
    # a phone met; then the first failure, if any, fails the test.
    outcomes = await asyncio.gather(
        chaos(stack, faults_over),
        *(phone.work(facility, jpeg, faults_over) for phone in phones),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome

    answers = [a for phone in phones for a in phone.answers]
    assert all(200 <= status < 300 or (status == 503 and (after or "").isdigit()) for status, after in answers), sorted(
        {a for a in answers if not 200 <= a[0] < 300}
    )
    assert any(status == 503 for status, _ in answers), "the faults were felt while requests streamed in"
    assert (await client.get("/api/v1/health")).status_code == 200  # recovered by itself

    acknowledged = {r: p for phone in phones for r, p in phone.acknowledged.items()}
    assert len(acknowledged) >= PHONES * RECORDS_EACH
    headers = phones[0].headers
    for record_id, sent in acknowledged.items():
        record = await client.get(f"/api/v1/patrols/{record_id}", headers=headers)
        assert record.status_code == 200, record.text
        assert [p["id"] for p in record.json()["photos"]] == [str(p) for p in sent]
        for photo_id, data in sent.items():
            assert (await client.get(f"/api/v1/photos/{photo_id}", headers=headers)).content == data
    assert await db.scalar(select(func.count()).select_from(Patrol)) == len(acknowledged)
    assert await db.scalar(select(func.count()).select_from(Photo)) == len(acknowledged)
    # One problem (the same site and item on every patrol): one task, and each record a sighting of it.
    assert await db.scalar(select(func.count()).select_from(Task)) == 1
    assert await db.scalar(select(func.count()).select_from(TaskRecord)) == len(acknowledged)
    uploads = (
        await db.execute(
            select(AuditEntry.entity_id, func.count())
            .where(AuditEntry.action == "photo_upload")
            .group_by(AuditEntry.entity_id)
        )
    ).all()
    assert len(uploads) == len(acknowledged) and all(n == 1 for _, n in uploads)
