"""scripts/restore DIR: a backup made by scripts/backup, into an empty installation.

The target is the data folder (XUNFANG_DATA, default ./data), or the external services named by
DATABASE_URL and MINIO_*; it must be empty, so a restore never overwrites anything. Every file
is checked against the manifest's checksums before it is used, and the row counts of every table
against the manifest's after the restore."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg

from scripts.backup import CHECKSUMS, COPY_THREADS, MANIFEST, object_path, read_checksums, sha256_file, table_counts
from scripts.stack import _pg_bin
from scripts.system import System, data_folder, external_database, external_store, open_system


class Refused(Exception):
    """The target is not empty, or the backup is not whole: the message says which and why."""


def read_manifest(backup: Path) -> dict:
    path = backup / MANIFEST
    if not path.exists():
        raise Refused(f"{backup} is not a backup: it has no {MANIFEST} (scripts/backup writes one)")
    manifest = json.loads(path.read_text())
    dump = backup / manifest["database"]["file"]
    if not dump.exists() or sha256_file(dump) != manifest["database"]["sha256"]:
        raise Refused(f"the database dump {dump} is missing or does not match its checksum in {MANIFEST}")
    return manifest


def check_data_folder(data: Path) -> None:
    if data.exists() and any(data.iterdir()):
        held = ", ".join(sorted(p.name for p in data.iterdir())[:5])
        raise Refused(f"refusing to restore into {data}: it already holds data ({held}), and a restore "
                      "only goes into an empty data folder so nothing there is overwritten; move it away "
                      "or set XUNFANG_DATA to a new folder")


async def check_database_empty(system: System) -> None:
    conn = await asyncpg.connect(system.libpq_url)
    try:
        tables = await conn.fetch("select tablename from pg_tables where schemaname = 'public'")
    finally:
        await conn.close()
    if tables:
        raise Refused(f"refusing to restore: the database already has {len(tables)} tables "
                      f"({', '.join(sorted(r['tablename'] for r in tables)[:5])}); restore only goes into an "
                      "empty database so nothing there is overwritten")


def check_bucket_empty(system: System) -> None:
    s3 = system.s3()
    if s3.bucket_exists(system.bucket) and next(iter(s3.list_objects(system.bucket, recursive=True)), None):
        raise Refused(f"refusing to restore: the bucket {system.bucket} already holds objects; restore only "
                      "goes into an empty bucket so nothing there is overwritten")


def restore_database(system: System, dump: Path) -> None:
    # Owners and grants are the new installation's own: its roles need not match the old one's.
    result = subprocess.run(
        [str(_pg_bin() / "pg_restore"), "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
         f"--dbname={system.libpq_url}", str(dump)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise Refused(f"pg_restore failed, nothing was restored: {result.stdout[-2000:]}")


def restore_objects(system: System, backup: Path) -> tuple[int, int]:
    s3 = system.s3()
    if not s3.bucket_exists(system.bucket):
        s3.make_bucket(system.bucket)
    checksums = read_checksums(backup)

    def put(item: tuple[str, str]) -> int:
        key, digest = item
        path = object_path(backup, key)
        if not path.exists() or sha256_file(path) != digest:
            raise Refused(f"the backup's copy of {key} is missing or does not match its checksum in {CHECKSUMS}")
        s3.fput_object(system.bucket, key, str(path))
        return path.stat().st_size

    with ThreadPoolExecutor(COPY_THREADS) as pool:
        sizes = list(pool.map(put, checksums.items()))
    return len(sizes), sum(sizes)


async def counts_of(system: System) -> dict[str, int]:
    conn = await asyncpg.connect(system.libpq_url)
    try:
        return await table_counts(conn)
    finally:
        await conn.close()


def restore(backup: Path) -> str:
    manifest = read_manifest(backup)
    data = data_folder()
    if not (external_database() and external_store()):
        check_data_folder(data)
    with open_system(data) as system:
        asyncio.run(check_database_empty(system))
        check_bucket_empty(system)
        restore_database(system, backup / manifest["database"]["file"])
        count, size = restore_objects(system, backup)
        counts = asyncio.run(counts_of(system))
    if counts != manifest["database"]["tables"]:
        raise Refused(f"the restored row counts {counts} differ from the backup's {manifest['database']['tables']}")
    where = "the external services" if external_database() and external_store() else str(data)
    return (f"restored into {where}: {sum(counts.values())} rows in {len(counts)} tables, {count} objects "
            f"({size} bytes), all matching the manifest of {manifest['created_at']}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: scripts/restore DIR", file=sys.stderr)
        return 2
    try:
        print(restore(Path(argv[0])))
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
