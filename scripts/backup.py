"""scripts/backup DIR: a consistent copy of an installation while it runs.

DIR gets
  database/<time>.dump   pg_dump (custom format) of one snapshot; older dumps are kept
  objects/<key>          every object of the bucket; objects already in DIR are not copied again
                         (keys are content addressed: originals/<sha256>, thumbs/…, review/…)
  objects.sha256         sha256 and key of every object, as `sha256sum -c` reads it
  manifest.json          this backup: the dump, its checksum and the row count of every table
                         (from the dump's own snapshot), object count, bytes, and what was copied

Consistency: the dump is taken first. The API writes a photo's objects before its row, so every
row in the dump has its objects in the bucket by then, and the objects copied after it are a
superset (an extra object is an orphan, see scripts/reconcile)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import asyncpg

from scripts.stack import _pg_bin
from scripts.system import System, data_folder, external_database, open_system

MANIFEST = "manifest.json"
CHECKSUMS = "objects.sha256"
COPY_THREADS = 8


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def object_path(out: Path, key: str) -> Path:
    """Where a key lives in DIR; a key that would leave objects/ is refused."""
    root = (out / "objects").resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise ValueError(f"refusing the object key {key!r}: it points outside the backup")
    return path


def read_checksums(out: Path) -> dict[str, str]:
    """key -> sha256 from objects.sha256."""
    path = out / CHECKSUMS
    if not path.exists():
        return {}
    pairs = (line.split("  ", 1) for line in path.read_text().splitlines() if line)
    return {key.removeprefix("objects/"): digest for digest, key in pairs}


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = await conn.fetch("select tablename from pg_tables where schemaname = 'public' order by tablename")
    # Table names come from pg_tables, quoted: nothing a person typed.
    return {r["tablename"]: await conn.fetchval(f'select count(*) from public."{r["tablename"]}"')  # noqa: S608
            for r in tables}


async def dump_database(system: System, out: Path, stamp: str) -> dict[str, object]:
    """pg_dump of one exported snapshot, and the row counts of that same snapshot."""
    folder = out / "database"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stamp}.dump"
    conn = await asyncpg.connect(system.libpq_url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("select pg_export_snapshot()")
            counts = await table_counts(conn)
            process = await asyncio.create_subprocess_exec(
                str(_pg_bin() / "pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                f"--file={target}.tmp", f"--dbname={system.libpq_url}",
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = await process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"error: pg_dump failed: {output.decode(errors='replace')[-2000:]}")
    finally:
        await conn.close()
    os.replace(f"{target}.tmp", target)
    return {"file": f"database/{target.name}", "bytes": target.stat().st_size, "sha256": sha256_file(target),
            "tables": counts}


def copy_objects(system: System, out: Path) -> dict[str, object]:
    """Every object not yet in DIR (same key and size), with its checksum; the rest are kept."""
    s3 = system.s3()
    known = read_checksums(out)
    listed = {o.object_name: o.size for o in s3.list_objects(system.bucket, recursive=True)}
    missing = [key for key, size in listed.items()
               if key not in known or not object_path(out, key).exists()
               or object_path(out, key).stat().st_size != size]

    def fetch(key: str) -> tuple[str, str, int]:
        path = object_path(out, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        s3.fget_object(system.bucket, key, str(tmp))
        digest = sha256_file(tmp)
        if key.startswith("originals/") and digest != key.removeprefix("originals/"):
            raise SystemExit(f"error: {key} in the store does not hold the bytes its name promises")
        os.replace(tmp, path)
        return key, digest, path.stat().st_size

    copied_bytes = 0
    with ThreadPoolExecutor(COPY_THREADS) as pool:
        for key, digest, size in pool.map(fetch, missing):
            known[key] = digest
            copied_bytes += size
    kept = {key: known[key] for key in sorted(listed)}
    lines = "".join(f"{digest}  objects/{key}\n" for key, digest in kept.items())
    write_atomically(out / CHECKSUMS, lines)
    return {"count": len(kept), "bytes": sum(listed.values()), "copied": len(missing),
            "copied_bytes": copied_bytes, "checksums": CHECKSUMS,
            "checksums_sha256": hashlib.sha256(lines.encode()).hexdigest()}


def backup(system: System, out: Path) -> dict[str, Any]:
    """The manifest, as written to manifest.json (JSON: its readers index into it)."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    database = asyncio.run(dump_database(system, out, stamp))
    objects = copy_objects(system, out)
    manifest = {"format": 1, "created_at": stamp, "bucket": system.bucket, "database": database,
                "objects": objects, "seconds": round(time.monotonic() - started, 3)}
    write_atomically(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: scripts/backup DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        print(f"error: {out} holds other files and no {MANIFEST}; back up into an empty folder or an "
              "earlier backup", file=sys.stderr)
        return 1
    data = data_folder()
    if not external_database() and not (data / "postgres" / "PG_VERSION").exists():
        print(f"error: there is no installation to back up in {data} (no postgres folder); set XUNFANG_DATA "
              "to its data folder, or DATABASE_URL and MINIO_* to its services", file=sys.stderr)
        return 1
    with open_system(data) as system:
        manifest = backup(system, out)
    rows = sum(manifest["database"]["tables"].values())
    objects = manifest["objects"]
    print(f"backup in {out}: {rows} rows in {len(manifest['database']['tables'])} tables, "
          f"{objects['count']} objects ({objects['bytes']} bytes), {objects['copied']} copied now "
          f"({objects['copied_bytes']} bytes), {manifest['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
