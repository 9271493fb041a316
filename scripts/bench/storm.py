"""The sync storm: K phones reconnect within a few seconds, each with a backlog of records and
photos, and drain it as the PWA does (photos first, then the record, one request at a time per
phone, retrying with backoff and honouring Retry-After) against the API served as scripts/serve
serves it (WORKERS processes). Afterwards every record is checked in PostgreSQL: 0 lost, 0
duplicated, every one `submitted` with all its photos.

Floor, in the same run: the same photos through MinIO put + Pillow draft thumbnail in-process on
the same cores (photos/s).

    scripts/bench/storm [--phones 300] [--records 2] [--photos 2] [--workers 2] [--spread 5]"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import struct
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from minio import Minio
from PIL import Image, ImageEnhance

from api.settings import Settings
from scripts import asgi
from scripts.bench.harness import floor_ingest, percentile, report, running_stack, seed_demo
from scripts.stack import free_port

PHOTOS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "photos"
SOURCES = ("mobile_jolla.jpg", "hdr_iphone_hdr_YES.jpg")
MAX_BACKOFF_S = 30.0


def phone_photos() -> list[bytes]:
    """Pictures as the PWA sends them: long side 2048 px, JPEG, ~300-800 KB; a few crops and
    exposures of two camera photos, so their pixels differ too."""
    out = []
    for name in SOURCES:
        source = Image.open(PHOTOS / name).convert("RGB")
        for n in range(4):
            w, h = source.size
            cut = source.crop((n * w // 40, n * h // 40, w - (3 - n) * w // 40, h - (3 - n) * h // 40))
            cut.thumbnail((2048, 2048))
            cut = ImageEnhance.Brightness(cut).enhance(0.85 + 0.1 * n)
            buf = io.BytesIO()
            cut.save(buf, "JPEG", quality=88)
            out.append(buf.getvalue())
    return out


def unique(jpeg: bytes) -> bytes:
    """A distinct COM segment: each upload is new bytes, as each photo a phone takes is."""
    tag = f"storm {uuid.uuid4()}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + jpeg[2:]


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    shed: int = 0  # 503s
    other_errors: dict[str, int] = field(default_factory=dict)
    records: list[uuid.UUID] = field(default_factory=list)
    photos: int = 0


async def send(client: aiohttp.ClientSession, tally: Tally, method: str, url: str, **kwargs) -> None:
    """One item until it is accepted, as the PWA's outbox does: Retry-After when the server gives
    one, else exponential backoff with jitter; the network and 5xx are passing trouble."""
    attempt = 0
    while True:
        started = time.perf_counter()
        try:
            async with client.request(method, url, **kwargs) as response:
                status, retry_after, text = response.status, response.headers.get("retry-after"), await response.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            status, retry_after = 0, None
            tally.other_errors[type(exc).__name__] = tally.other_errors.get(type(exc).__name__, 0) + 1
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if 200 <= status < 300:
            return
        if status == 503:
            tally.shed += 1
        elif status:
            tally.other_errors[str(status)] = tally.other_errors.get(str(status), 0) + 1
        if status and status < 500 and status not in (408, 429):
            raise RuntimeError(f"{method} {url.split('?')[0]} refused for good: {status} {text[:200]}")
        attempt += 1
        if retry_after and retry_after.isdigit():
            delay = int(retry_after) * (1 + 0.2 * random.random())
        else:
            delay = min(MAX_BACKOFF_S, 2**attempt) * (0.8 + 0.4 * random.random())
        await asyncio.sleep(delay)


async def phone(
    client: aiohttp.ClientSession,
    tally: Tally,
    token: str,
    facility: dict,
    jpegs: list[bytes],
    records: int,
    photos: int,
    spread_s: float,
) -> None:
    await asyncio.sleep(random.random() * spread_s)  # reconnecting within a few seconds of each other
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(records):
        record_id = uuid.uuid4()
        photo_ids = [uuid.uuid4() for _ in range(photos)]
        now = datetime.now(timezone.utc)
        lat, lon = facility["location"]["lat"], facility["location"]["lon"]
        for photo_id in photo_ids:
            await send(
                client,
                tally,
                "PUT",
                f"/api/v1/photos/{photo_id}",
                data=unique(random.choice(jpegs)),
                params={
                    "record_id": str(record_id),
                    "lat": lat,
                    "lon": lon,
                    "accuracy_m": 10,
                    "captured_at": (now - timedelta(minutes=5)).isoformat(),
                },
                headers={**auth, "Content-Type": "image/jpeg"},
            )
            tally.photos += 1
        body = {
            "facility_id": facility["id"],
            "started_at": (now - timedelta(minutes=30)).isoformat(),
            "ended_at": now.isoformat(),
            "location": {"lat": lat, "lon": lon, "accuracy_m": 10},
            "checklist": [{"item": "cleanliness", "result": "ok"}],
            "notes": "storm",
            "photo_ids": [str(p) for p in photo_ids],
            "template_id": facility["template_id"],
        }
        await send(client, tally, "PUT", f"/api/v1/patrols/{record_id}", json=body, headers=auth)
        tally.records.append(record_id)


async def tokens_and_facilities(dsn: str, base: str, phones: int) -> list[tuple[str, dict]]:
    """Phones already logged in (their tokens, issued as login does), each with a site in scope."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from storage.db import make_engine
    from storage.queries import users

    engine = make_engine(dsn, pool_size=1)
    tokens: dict[str, list[str]] = {"worker1": [], "worker2": []}
    async with async_sessionmaker(engine)() as session, session.begin():
        for n in range(phones):
            name = ("worker1", "worker2")[n % 2]
            user = await users.get_by_username(session, username=name)
            if user is None:
                raise SystemExit(f"error: there is no user {name}: the demo data is not seeded")
            tokens[name].append((await users.issue_token(session, user_id=user.id, ttl=timedelta(hours=2)))[0])
    await engine.dispose()
    out = []
    async with httpx.AsyncClient(base_url=base) as http:
        sites = {
            name: (await http.get("/api/v1/facilities", headers={"Authorization": f"Bearer {ts[0]}"})).json()["items"]
            for name, ts in tokens.items()
        }
        # Phones fill records against the checklist version they cached, and name it.
        template = (
            await http.get(
                "/api/v1/checklist-templates",
                params={"kind": "patrol"},
                headers={"Authorization": f"Bearer {tokens['worker1'][0]}"},
            )
        ).json()["items"][0]
    sites = {name: [{**site, "template_id": template["id"]} for site in s] for name, s in sites.items()}
    for name, ts in tokens.items():
        out += [(t, sites[name][i % len(sites[name])]) for i, t in enumerate(ts)]
    return out


async def verify(dsn: str, records: list[uuid.UUID], photos_each: int) -> tuple[int, int, int]:
    """(lost, duplicated, not submitted with all photos) according to PostgreSQL."""
    conn = await asyncpg.connect(dsn.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "select p.id, p.status, (select count(*) from photos f where f.record_id = p.id) as photos "
            "from patrols p where p.notes = 'storm'"
        )
    finally:
        await conn.close()
    stored = {r["id"]: r for r in rows}
    lost = len(set(records) - set(stored))
    duplicated = len(rows) - len(set(stored)) + len(set(stored) - set(records))
    unfinished = sum(1 for r in rows if r["status"] != "submitted" or r["photos"] != photos_each)
    return lost, duplicated, unfinished


def floor_photos_per_s(settings: Settings, jpegs: list[bytes], count: int, threads: int) -> float:
    """MinIO put + Pillow draft thumbnail, in this process on `threads` threads."""
    minio = Minio(
        settings.minio_endpoint,
        access_key=settings.minio_access_key,
        secret_key=settings.minio_secret_key,
        secure=False,
    )

    def one(n: int) -> None:
        floor_ingest(minio, settings.minio_bucket, unique(jpegs[n % len(jpegs)]))

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(8)))  # warm up
        started = time.perf_counter()
        list(pool.map(one, range(count)))
        return count / (time.perf_counter() - started)


async def storm(
    base: str, dsn: str, *, phones: int, records: int, photos: int, spread_s: float, jpegs: list[bytes]
) -> dict[str, Any]:
    crowd = await tokens_and_facilities(dsn, base, phones)
    tally = Tally()
    # The phones' side costs little CPU (aiohttp's parser is compiled): on these shared cores,
    # what the storm measures is the server.
    async with aiohttp.ClientSession(
        base, timeout=aiohttp.ClientTimeout(total=120, connect=30), connector=aiohttp.TCPConnector(limit=phones)
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(phone(client, tally, token, site, jpegs, records, photos, spread_s) for token, site in crowd)
        )
        drained = time.perf_counter() - started
    lost, duplicated, unfinished = await verify(dsn, tally.records, photos)
    lat = tally.latencies_ms
    return dict(
        drain_s=drained,
        records=len(tally.records),
        photos=tally.photos,
        requests=len(lat),
        p50=percentile(lat, 0.5),
        p95=percentile(lat, 0.95),
        p99=percentile(lat, 0.99),
        shed=tally.shed,
        errors=sum(tally.other_errors.values()),
        error_kinds=tally.other_errors,
        lost=lost,
        duplicated=duplicated,
        unfinished=unfinished,
        expected=phones * records,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench/storm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", "-k", type=int, default=300)
    parser.add_argument("--records", type=int, default=2, help="records in each phone's backlog")
    parser.add_argument("--photos", type=int, default=2, help="photos per record")
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--spread", type=float, default=5.0, help="seconds over which the phones reconnect")
    args = parser.parse_args(argv)
    jpegs = phone_photos()
    sizes = sorted(len(j) for j in jpegs)
    print(
        f"storm: {args.phones} phones x {args.records} records x {args.photos} photos "
        f"({sizes[0] // 1024}-{sizes[-1] // 1024} KB each), {args.workers} API processes",
        file=sys.stderr,
    )
    with running_stack():
        settings = Settings.from_env()
        asyncio.run(seed_demo(settings.migration_url))
        port = free_port()
        server = asgi.spawn(
            workers=args.workers,
            port=port,
            quiet=True,
            env={"XUNFANG_SECRET": "storm-" + "x" * 40, "PYTHONWARNINGS": "ignore"},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            asgi.wait_ready(base, server)
            figures = asyncio.run(
                storm(
                    base,
                    settings.database_url,
                    phones=args.phones,
                    records=args.records,
                    photos=args.photos,
                    spread_s=args.spread,
                    jpegs=jpegs,
                )
            )
        finally:
            asgi.stop(server)
        floor = floor_photos_per_s(settings, jpegs, count=min(figures["photos"], 240), threads=os.cpu_count() or 2)
    k = args.phones
    print(
        f"storm_{k}_phones_drain_time: {figures['drain_s']:.1f} s ({figures['records']} records, "
        f"{figures['photos']} photos, {figures['requests']} requests)",
        flush=True,
    )
    report(
        f"storm_{k}_phones_photos_per_s",
        figures["photos"] / figures["drain_s"],
        "photos/s",
        floor,
        "photos/s MinIO put + Pillow draft thumbnail in-process",
    )
    print(f"storm_{k}_phones_records_per_s: {figures['records'] / figures['drain_s']:.1f} records/s")
    for q in ("p50", "p95", "p99"):
        print(f"storm_{k}_phones_request_{q}: {figures[q]:.0f} ms")
    print(f"storm_{k}_phones_shed_503: {figures['shed']} requests (other errors: {figures['error_kinds'] or 0})")
    print(
        f"storm_{k}_phones_lost: {figures['lost']} records; duplicated: {figures['duplicated']}; "
        f"not submitted with all photos: {figures['unfinished']} (of {figures['expected']})",
        flush=True,
    )
    ok = (
        figures["lost"] == figures["duplicated"] == figures["unfinished"] == 0
        and figures["records"] == figures["expected"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
