"""Durability benchmarks (issue 10):

- scripts/backup of 10k photos (an original and a thumbnail each, with their rows): time and bytes
  the first time, then after 100 more photos (baseline: the first backup);
- scripts/restore of that backup into a fresh data folder (baseline: the first backup's time);
- photo upload p95 through the API on the 4-node erasure-coded MinIO vs the single node.

The 10k photos go straight into the store and the table (the API's ingest is api_bench's); the
uploads for the p95 go through the API. Run alone: .venv/bin/python -m scripts.bench.durability_bench"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx

from api.settings import Settings
from scripts.backup import backup
from scripts.bench.api_bench import PHOTOS, unique_jpeg
from scripts.bench.harness import login, percentile, report, running_stack, seed_demo, serving
from scripts.stack import ROOT, MinioCluster
from scripts.system import System

PHOTO_COUNT = int(os.environ.get("XUNFANG_BENCH_PHOTOS", 10_000))
MORE = 100
UPLOADS = 40


def add_photos(settings: Settings, system: System, count: int) -> None:
    """`count` photos as the API leaves them: originals/<sha256>, thumbs/<sha256>.jpg and a row."""
    s3 = system.s3()
    jpeg = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()
    thumb = (PHOTOS / "Canon_40D.jpg").read_bytes()

    def put(n: int) -> tuple[str, int]:
        data = unique_jpeg(jpeg, n)
        sha = hashlib.sha256(data).hexdigest()
        s3.put_object(system.bucket, f"originals/{sha}", io.BytesIO(data), len(data), content_type="image/jpeg")
        s3.put_object(system.bucket, f"thumbs/{sha}.jpg", io.BytesIO(thumb), len(thumb), content_type="image/jpeg")
        return sha, len(data)

    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(put, range(count)))

    async def rows() -> None:
        conn = await asyncpg.connect(system.libpq_url)
        try:
            user = await conn.fetchrow("select id, org_unit_id from users where role = 'field_worker' limit 1")
            await conn.executemany(
                "insert into photos (id, record_id, uploader_id, org_unit_id, sha256, content_type, bytes, width,"
                " height, phash, phash_b0, phash_b1, phash_b2, phash_b3)"
                " values ($1, $2, $3, $4, $5, 'image/jpeg', $6, 640, 480, 0, 0, 0, 0, 0)",
                [(uuid.uuid4(), uuid.uuid4(), user["id"], user["org_unit_id"], sha, size) for sha, size in stored],
            )
        finally:
            await conn.close()

    asyncio.run(rows())


def bench_backup_and_restore(settings: Settings, system: System) -> None:
    add_photos(settings, system, PHOTO_COUNT)
    with tempfile.TemporaryDirectory(prefix="xunfang-bench-backup-") as tmp:
        out = Path(tmp) / "backup"
        started = time.perf_counter()
        first = backup(system, out)
        first_s = time.perf_counter() - started
        add_photos(settings, system, MORE)
        started = time.perf_counter()
        second = backup(system, out)
        second_s = time.perf_counter() - started
        report("backup_10k_photos_first_s", first_s, "s", first_s)
        report(
            "backup_10k_photos_first_copied_mb",
            first["objects"]["copied_bytes"] / 1e6,
            "MB",
            first["objects"]["bytes"] / 1e6,
        )
        report("backup_after_100_more_s", second_s, "s", first_s)
        report(
            "backup_after_100_more_copied_mb",
            second["objects"]["copied_bytes"] / 1e6,
            "MB",
            first["objects"]["copied_bytes"] / 1e6,
        )

        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("MINIO_")}
        env["XUNFANG_DATA"] = str(Path(tmp) / "fresh-data")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scripts.restore", str(out)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        restore_s = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"restore failed: {done.stderr}")
        report("restore_10k_photos_s", restore_s, "s", first_s)


def upload_p95(base: str) -> float:
    headers = login(base, "worker1")
    jpeg = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()
    record_id, samples = uuid.uuid4(), []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for n in range(UPLOADS):
            if n % 10 == 0:
                record_id = uuid.uuid4()  # a record holds at most 12 photos
            data = unique_jpeg(jpeg, n)
            started = time.perf_counter()
            response = client.put(
                f"/api/v1/photos/{uuid.uuid4()}",
                params={"record_id": str(record_id)},
                content=data,
                headers={"Content-Type": "image/jpeg"},
            )
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.text
    return percentile(samples, 0.95)


def main() -> int:
    with running_stack():
        settings = Settings.from_env()
        asyncio.run(seed_demo(settings.migration_url))
        system = System(
            database_url=settings.migration_url,
            endpoint=settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            bucket=settings.minio_bucket,
            secure=False,
        )
        with serving() as base:
            single = upload_p95(base)
        with tempfile.TemporaryDirectory(prefix="xunfang-bench-cluster-") as tmp:
            cluster = MinioCluster(Path(tmp) / "minio-nodes", nodes=4)
            saved = {k: os.environ[k] for k in ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY")}
            try:
                cluster.start()
                os.environ.update(
                    MINIO_ENDPOINT=cluster.endpoint,
                    MINIO_ACCESS_KEY=cluster.access_key,
                    MINIO_SECRET_KEY=cluster.secret_key,
                )
                with serving() as base:
                    distributed = upload_p95(base)
            finally:
                os.environ.update(saved)
                cluster.stop()
        report("photo_upload_p95_4_node_store_ms", distributed, "ms", single)
        bench_backup_and_restore(settings, system)
    return 0


if __name__ == "__main__":
    sys.exit(main())
