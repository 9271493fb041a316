"""Core-service benchmarks (issue 3), each against a floor measured in the same run:

- photo ingest: PUT of a full-size phone photo through the API vs MinIO put + Pillow draft thumbnail;
- record PUT throughput with 8 concurrent clients vs raw asyncpg inserts of the same rows;
- list page latency (p50, p95) at 10k and at 1M patrols.

Run alone: .venv/bin/python -m scripts.bench.api_bench   (scripts/bench/run runs them all)."""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import struct
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from minio import Minio
from PIL import Image

from api.settings import Settings
from scripts.bench.harness import floor_ingest, login, percentile, report, running_stack, seed_demo, serving

PHOTOS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "photos"
CLIENTS = 8


def unique_jpeg(data: bytes, n: int) -> bytes:
    """The same picture with a distinct COM segment, so each upload is new bytes (no dedup)."""
    tag = f"bench {n} {uuid.uuid4()}".encode()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + data[2:]


def bench_photo_ingest(base: str, headers: dict[str, str], settings: Settings, fixture: str, runs: int = 12) -> None:
    original = (PHOTOS / fixture).read_bytes()
    api_ms = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for n in range(runs):
            body = unique_jpeg(original, n)
            started = time.perf_counter()
            response = client.put(
                f"/api/v1/photos/{uuid.uuid4()}",
                params={"record_id": str(uuid.uuid4())},
                content=body,
                headers={"Content-Type": "image/jpeg"},
            )
            api_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.text
    minio = Minio(
        settings.minio_endpoint,
        access_key=settings.minio_access_key,
        secret_key=settings.minio_secret_key,
        secure=False,
    )
    floor_ms = []
    for n in range(runs):
        body = unique_jpeg(original, 1000 + n)
        started = time.perf_counter()
        floor_ingest(minio, settings.minio_bucket, body)
        floor_ms.append((time.perf_counter() - started) * 1000)
    mp = Image.open(io.BytesIO(original)).size
    report(
        f"photo_ingest_{mp[0] * mp[1] / 1e6:.0f}mp_median", statistics.median(api_ms), "ms", statistics.median(floor_ms)
    )


def patrol_body(facility_id: str, lat: float, lon: float, template_id: str | None = None) -> dict:
    now = datetime.now(timezone.utc)
    return {
        "facility_id": facility_id,
        "started_at": (now - timedelta(minutes=30)).isoformat(),
        "ended_at": now.isoformat(),
        "location": {"lat": lat, "lon": lon, "accuracy_m": 12},
        "checklist": [{"item": "cleanliness", "result": "ok"}, {"item": "greenery", "result": "ok"}],
        "notes": "bench",
        "photo_ids": [],
        **({"template_id": template_id} if template_id else {}),
    }


def patrol_template(base: str, headers: dict[str, str]) -> str:
    """The active patrol checklist's id: phones name the version they filled against."""
    return httpx.get(f"{base}/api/v1/checklist-templates", params={"kind": "patrol"}, headers=headers).json()["items"][
        0
    ]["id"]


async def put_rate(base: str, path: str, headers: dict[str, str], body: dict, total: int) -> float:
    """Record PUTs per second with CLIENTS clients, each PUT a new id, after a warm-up. The client
    is aiohttp (a compiled parser): a fifth of httpx's CPU per request, which on these two shared
    cores would otherwise be taken from the server being measured."""

    async def client_loop(client: aiohttp.ClientSession, count: int) -> None:
        for _ in range(count):
            async with client.put(f"{path}/{uuid.uuid4()}", json=body) as response:
                assert response.status == 201, await response.text()

    async with aiohttp.ClientSession(
        base, headers=headers, timeout=aiohttp.ClientTimeout(total=60), connector=aiohttp.TCPConnector(limit=CLIENTS)
    ) as client:
        await asyncio.gather(*(client_loop(client, 4) for _ in range(CLIENTS)))  # warm every process
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client, total // CLIENTS) for _ in range(CLIENTS)))
        return total / (time.perf_counter() - started)


async def bench_record_throughput(base: str, headers: dict[str, str], database_url: str, total: int = 800) -> None:
    facilities = httpx.get(f"{base}/api/v1/facilities", headers=headers).json()["items"]
    f = facilities[0]
    body = patrol_body(f["id"], f["location"]["lat"], f["location"]["lon"], patrol_template(base, headers))

    api_rate = await put_rate(base, "/api/v1/patrols", headers, body, total)

    dsn = database_url.replace("+asyncpg", "")
    conn = await asyncpg.connect(dsn)
    author, unit = await conn.fetchrow("select author_id, org_unit_id from patrols limit 1")
    await conn.close()
    row = (
        uuid.UUID(f["id"]),
        unit,
        author,
        datetime.fromisoformat(body["started_at"]),
        datetime.fromisoformat(body["ended_at"]),
        json.dumps(body["checklist"]),
    )
    insert = (
        "insert into patrols (id, facility_id, org_unit_id, author_id, started_at, ended_at, lat, lon, "
        "accuracy_m, checklist, notes, status, flags, body_hash) values "
        "($1, $2, $3, $4, $5, $6, 26.6, 106.7, 12, $7::jsonb, 'bench', 'submitted', '[]', 'x')"
    )
    pool = await asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS)

    async def raw_client(count: int) -> None:
        for _ in range(count):
            async with pool.acquire() as c:
                await c.execute(insert, uuid.uuid4(), *row)

    started = time.perf_counter()
    await asyncio.gather(*(raw_client(total // CLIENTS) for _ in range(CLIENTS)))
    raw_rate = total / (time.perf_counter() - started)
    await pool.close()
    report("record_put_throughput_8_clients", api_rate, "records/s", raw_rate, "records/s raw asyncpg inserts")


async def fill_patrols(database_url: str, target: int) -> None:
    """Bulk rows straight into the table (benchmark data, not a code path under test)."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    have = await conn.fetchval("select count(*) from patrols")
    if have < target:
        await conn.execute(f"""
            insert into patrols (id, facility_id, org_unit_id, author_id, started_at, ended_at, lat, lon, accuracy_m,
                                 checklist, notes, status, flags, body_hash)
            select gen_random_uuid(), f.id, f.org_unit_id, u.id, t, t + interval '30 minutes', f.lat, f.lon, 15,
                   '[{{"item":"cleanliness","result":"ok"}}]'::jsonb, '',
                   (array['submitted','approved','returned','incomplete'])[1 + (g % 4)],
                   case when g % 7 = 0 then '[{{"code":"no_location","detail":"x"}}]'::jsonb else '[]'::jsonb end,
                   'x'
            from generate_series(1, {target - have}) g
            cross join lateral (select now() - (g * interval '37 seconds') as t) ts
            cross join lateral (select * from facilities order by id offset (g % 8) limit 1) f
            cross join lateral (select id from users where username = 'worker1') u""")
        await conn.execute("analyze patrols")
    await conn.close()


def page_latencies(base: str, headers: dict[str, str], samples: int = 60) -> list[float]:
    """First pages and deeper pages by following cursors, and a filtered list."""
    timings: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        client.get("/api/v1/patrols", params={"limit": 50})  # warm up
        cursor = None
        for n in range(samples):
            params: dict[str, Any] = {"limit": 50}
            if n % 3 == 1 and cursor:
                params["cursor"] = cursor
            if n % 3 == 2:
                params["status"] = "approved"
            started = time.perf_counter()
            response = client.get("/api/v1/patrols", params=params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            cursor = response.json()["next_cursor"] or cursor
    return timings


async def main() -> int:
    with running_stack():
        settings = Settings.from_env()
        await seed_demo(settings.migration_url)
        with serving() as base:
            worker = login(base, "worker1")
            admin = login(base, "admin")
            for fixture in ("hdr_iphone_hdr_YES.jpg", "corrupted.jpg"):
                bench_photo_ingest(base, worker, settings, fixture)
            await bench_record_throughput(base, worker, settings.migration_url)
            await fill_patrols(settings.migration_url, 10_000)
            small = page_latencies(base, admin)
            await fill_patrols(settings.migration_url, 1_000_000)
            large = page_latencies(base, admin)
            report("list_page_p50_at_1m", percentile(large, 0.5), "ms", percentile(small, 0.5), "ms at 10k")
            report("list_page_p95_at_1m", percentile(large, 0.95), "ms", percentile(small, 0.95), "ms at 10k")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
