"""scripts/backup DIR: a consistent copy of an installation while it runs.

DIR gets
  database/<time>.dump   pg_dump (custom format) of one snapshot; older dumps are kept
  objects/<key>          every object of the bucket; objects already in DIR are not copied again
                         (keys are content addressed: originals/<sha256>, thumbs/…, review/…)
  objects.sha256         sha256 and key of every object, as `sha256sum -c` reads it
  manifest.json          this backup: the dump, its checksum and the row count of every table
                         (from the dump's own snapshot), object count, bytes, and what was copied

Every folder in DIR is 0700 and every file 0600 (they hold every person's data). The dump is
made by the client tools of the server's major version (or a newer one), its password in a passfile,
never on a command line.

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

from scripts.stack import StackError
from scripts.system import System, client_tools, data_folder, external_database, libpq, open_system

MANIFEST = "manifest.json"
CHECKSUMS = "objects.sha256"
COPY_THREADS = 8


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inside(out: Path, folder: str, relative: str) -> Path:
    """DIR/folder/relative, refused (ValueError) when it is absolute, climbs out with `..`, or a
    symlink (of the file or of a folder on the way, `folder` itself included) leads elsewhere."""
    base = out.resolve() / folder
    path = base / relative
    if Path(relative).is_absolute() or ".." in Path(relative).parts or not relative:
        raise ValueError(f"{relative!r} is not a plain path inside {folder}/")
    if path.resolve() != path or base.resolve() != base:
        raise ValueError(f"{folder}/{relative} leads outside {folder}/ (a symbolic link)")
    return path


def object_path(out: Path, key: str) -> Path:
    """Where a key lives in DIR; a key that would leave objects/ is refused."""
    try:
        return inside(out, "objects", key)
    except ValueError as exc:
        raise ValueError(f"refusing the object key {key!r}: {exc}") from None


def private_tree(out: Path) -> None:
    """Close DIR and everything in it to other users (also a backup made before this rule)."""
    for folder, dirs, files in os.walk(out):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            if not path.is_symlink() and path.stat().st_mode & 0o077:
                path.chmod(0o700 if path.is_dir() else 0o600)
    out.chmod(0o700)


def read_checksums(out: Path) -> dict[str, str]:
    """key -> sha256 from objects.sha256."""
    path = out / CHECKSUMS
    if not path.exists():
        return {}
    pairs = (line.split("  ", 1) for line in path.read_text().splitlines() if line)
    return {key.removeprefix("objects/"): digest for digest, key in pairs}


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = await conn.fetch("select tablename from pg_tables where schemaname = 'public' order by tablename")
    # Table names come from pg_tables, quoted: nothing a person typed.
    return {
        r["tablename"]: await conn.fetchval(f'select count(*) from public."{r["tablename"]}"')  # noqa: S608
        for r in tables
    }


async def dump_database(system: System, out: Path, stamp: str) -> dict[str, object]:
    """pg_dump of one exported snapshot, and the row counts of that same snapshot."""
    folder = out / "database"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stamp}.dump"
    conn = await asyncpg.connect(system.libpq_url)
    try:
        server_major = conn.get_server_version().major
        try:
            dump_major, tools = client_tools(server_major)
        except StackError as exc:
            raise SystemExit(f"error: {exc}") from None
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("select pg_export_snapshot()")
            counts = await table_counts(conn)
            with libpq(system.database_url) as (conninfo, env):
                process = await asyncio.create_subprocess_exec(
                    str(tools / "pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}.tmp",
                    f"--dbname={conninfo}",
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                output, _ = await process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"error: pg_dump failed: {output.decode(errors='replace')[-2000:]}")
    finally:
        await conn.close()
    os.replace(f"{target}.tmp", target)
    return {
        "file": f"database/{target.name}",
        "bytes": target.stat().st_size,
        "sha256": sha256_file(target),
        "tables": counts,
        "server_major": server_major,
        "pg_dump_major": dump_major,
    }


def copy_objects(system: System, out: Path) -> dict[str, object]:
    """Every object not yet in DIR (same key and size), with its checksum; the rest are kept."""
    s3 = system.s3()
    known = read_checksums(out)
    listed = {o.object_name: o.size for o in s3.list_objects(system.bucket, recursive=True)}
    missing = [
        key
        for key, size in listed.items()
        if key not in known or not object_path(out, key).exists() or object_path(out, key).stat().st_size != size
    ]

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
    return {
        "count": len(kept),
        "bytes": sum(listed.values()),
        "copied": len(missing),
        "copied_bytes": copied_bytes,
        "checksums": CHECKSUMS,
        "checksums_sha256": hashlib.sha256(lines.encode()).hexdigest(),
    }


def backup(system: System, out: Path) -> dict[str, Any]:
    """The manifest, as written to manifest.json (JSON: its readers index into it)."""
    os.umask(0o077)  # every folder and file made from here on is this user's only
    out.mkdir(parents=True, exist_ok=True)
    private_tree(out)
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    database = asyncio.run(dump_database(system, out, stamp))
    objects = copy_objects(system, out)
    manifest = {
        "format": 1,
        "created_at": stamp,
        "bucket": system.bucket,
        "database": database,
        "objects": objects,
        "seconds": round(time.monotonic() - started, 3),
    }
    write_atomically(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: scripts/backup DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        print(
            f"error: {out} holds other files and no {MANIFEST}; back up into an empty folder or an earlier backup",
            file=sys.stderr,
        )
        return 1
    data = data_folder()
    if not external_database() and not (data / "postgres" / "PG_VERSION").exists():
        print(
            f"error: there is no installation to back up in {data} (no postgres folder); set XUNFANG_DATA "
            "to its data folder, or DATABASE_URL and MINIO_* to its services",
            file=sys.stderr,
        )
        return 1
    try:
        with open_system(data) as system:
            manifest = backup(system, out)
    except (ValueError, StackError) as exc:  # e.g. an object key that would leave objects/
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = sum(manifest["database"]["tables"].values())
    objects = manifest["objects"]
    print(
        f"backup in {out}: {rows} rows in {len(manifest['database']['tables'])} tables, "
        f"{objects['count']} objects ({objects['bytes']} bytes), {objects['copied']} copied now "
        f"({objects['copied_bytes']} bytes), {manifest['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
