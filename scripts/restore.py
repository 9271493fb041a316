"""scripts/restore DIR: a backup made by scripts/backup, into an empty installation.

The target is the data folder (XUNFANG_DATA, default ./data), or the external services named by
DATABASE_URL (the API's role), DATABASE_MIGRATION_URL (the schema owner, who restores) and
MINIO_*; it must be empty, so a restore never overwrites anything.

Before anything is touched, the backup is checked whole: the manifest's paths stay inside DIR (no
absolute path, no `..`, no symbolic link leading out of `database/` or `objects/`), and the dump
and every object match their checksums. After the restore the row count of every table is
compared with the manifest's, and the API's role gets exactly the rights the migrations give it.

The dump (pg_dump's custom format, written by the newest client tools) is turned into SQL by a
pg_restore that reads it, settings the target server does not know (e.g. PostgreSQL 17's
transaction_timeout on a 15) are left out, and psql runs it in one transaction: a backup of the
embedded PostgreSQL 18 restores into any supported server (13-18)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg

from scripts.backup import CHECKSUMS, COPY_THREADS, MANIFEST, inside, object_path, sha256_file, table_counts
from scripts.stack import StackError, app_grants_sql
from scripts.system import System, client_tools, data_folder, external_database, external_store, libpq, open_system

MIN_PG = 13
SETTING = re.compile(r"^SET (\w+) = ")


class Refused(Exception):
    """The target is not empty, or the backup is not whole: the message says which and why."""


class Backup:
    """A backup folder checked whole: its manifest, dump and every object with its checksum."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        path = folder / MANIFEST
        if not path.is_file():
            raise Refused(f"{folder} is not a backup: it has no {MANIFEST} (scripts/backup writes one)")
        try:
            self.manifest: dict[str, Any] = json.loads(path.read_text())
            database = self.manifest["database"]
            self.tables: dict[str, int] = dict(database["tables"])
            dump_file, dump_sha = str(database["file"]), str(database["sha256"])
            self.dump_major = int(database.get("pg_dump_major") or 18)
            self.created_at = str(self.manifest["created_at"])
            checksums_sha = self.manifest["objects"].get("checksums_sha256")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Refused(f"{path} is not a manifest scripts/backup wrote ({type(exc).__name__}: {exc})") from None
        try:
            if not dump_file.startswith("database/"):
                raise ValueError(f"{dump_file!r} is not in database/")
            self.dump = inside(folder, "database", dump_file.removeprefix("database/"))
        except ValueError as exc:
            raise Refused(f"refusing the backup: its manifest names the dump {exc}") from None
        if not self.dump.is_file() or sha256_file(self.dump) != dump_sha:
            raise Refused(f"the database dump {self.dump} is missing or does not match its checksum in {MANIFEST}")
        listing = folder / CHECKSUMS
        text = listing.read_text() if listing.is_file() and not listing.is_symlink() else ""
        if checksums_sha and hashlib.sha256(text.encode()).hexdigest() != checksums_sha:
            raise Refused(f"{CHECKSUMS} does not match its checksum in {MANIFEST}")
        self.objects: dict[str, tuple[str, Path]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            digest, sep, name = line.partition("  ")
            if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or not name.startswith("objects/"):
                raise Refused(f"{CHECKSUMS} line {number} is not `<sha256>  objects/<key>`")
            key = name.removeprefix("objects/")
            try:
                self.objects[key] = (digest, object_path(folder, key))
            except ValueError as exc:
                raise Refused(f"{CHECKSUMS} line {number}: {exc}") from None
        with ThreadPoolExecutor(COPY_THREADS) as pool:
            for key, good in zip(self.objects, pool.map(self._matches, self.objects.values()), strict=True):
                if not good:
                    raise Refused(
                        f"the backup's copy of {key} is missing or does not match its checksum in "
                        f"{CHECKSUMS}; nothing was restored"
                    )

    @staticmethod
    def _matches(item: tuple[str, Path]) -> bool:
        digest, path = item
        return path.is_file() and not path.is_symlink() and sha256_file(path) == digest


def check_data_folder(data: Path) -> None:
    if data.exists() and any(data.iterdir()):
        held = ", ".join(sorted(p.name for p in data.iterdir())[:5])
        raise Refused(
            f"refusing to restore into {data}: it already holds data ({held}), and a restore "
            "only goes into an empty data folder so nothing there is overwritten; move it away "
            "or set XUNFANG_DATA to a new folder"
        )


async def check_database_empty(system: System) -> set[str]:
    """Refuses a database with tables; returns the settings the server knows."""
    conn = await asyncpg.connect(system.libpq_url)
    try:
        tables = await conn.fetch("select tablename from pg_tables where schemaname = 'public'")
        settings = {r["name"] for r in await conn.fetch("select name from pg_settings")}
        major = conn.get_server_version().major
    finally:
        await conn.close()
    if tables:
        raise Refused(
            f"refusing to restore: the database already has {len(tables)} tables "
            f"({', '.join(sorted(r['tablename'] for r in tables)[:5])}); restore only goes into an "
            "empty database so nothing there is overwritten"
        )
    if major < MIN_PG:
        raise Refused(f"the target server is PostgreSQL {major}; Xunfang needs {MIN_PG} or newer")
    return settings


def check_bucket_empty(system: System) -> None:
    s3 = system.s3()
    if s3.bucket_exists(system.bucket) and next(iter(s3.list_objects(system.bucket, recursive=True)), None):
        raise Refused(
            f"refusing to restore: the bucket {system.bucket} already holds objects; restore only "
            "goes into an empty bucket so nothing there is overwritten"
        )


def restore_database(system: System, backup: Backup, known_settings: set[str]) -> None:
    """pg_restore turns the dump into SQL; psql runs it in one transaction. Owners and grants are
    the new installation's own (its roles need not match the old one's): granted after."""
    try:
        _, tools = client_tools(backup.dump_major)
    except StackError as exc:
        raise Refused(str(exc)) from None
    with libpq(system.database_url) as (conninfo, env), tempfile.TemporaryFile() as errors:
        reader = subprocess.Popen(
            [str(tools / "pg_restore"), "--no-owner", "--no-acl", "--file=-", str(backup.dump)],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        writer = subprocess.Popen(
            [
                str(tools / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "--single-transaction",
                "-o",
                os.devnull,
                f"--dbname={conninfo}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        assert reader.stdout and writer.stdin  # noqa: S101 - both are pipes
        in_copy = False
        try:
            for line in reader.stdout:
                # Only the script's own SET lines, never a COPY block's rows (text people typed).
                if in_copy:
                    in_copy = line != b"\\.\n"
                elif line.startswith(b"COPY "):
                    in_copy = True
                elif (found := SETTING.match(line.decode(errors="replace"))) and found.group(1) not in known_settings:
                    continue
                writer.stdin.write(line)
            writer.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error: its message is in `errors`
        reader.stdout.close()
        failed = reader.wait() != 0 or writer.wait() != 0
        errors.seek(0)
        if failed:
            raise Refused(
                f"restoring the database failed, nothing of it was kept: "
                f"{errors.read().decode(errors='replace')[-2000:]}"
            )


async def grant_app_role(system: System) -> None:
    """As after the migrations: the API's role reads and writes rows, appends to the audit log
    only, and only reads alembic_version (pg_restore --no-acl restored no grant at all)."""
    if not system.app_role:
        return
    conn = await asyncpg.connect(system.libpq_url)
    try:
        await conn.execute(app_grants_sql(system.app_role))
    finally:
        await conn.close()


def restore_objects(system: System, backup: Backup) -> tuple[int, int]:
    s3 = system.s3()
    if not s3.bucket_exists(system.bucket):
        s3.make_bucket(system.bucket)

    def put(item: tuple[str, tuple[str, Path]]) -> int:
        key, (digest, path) = item
        data = path.read_bytes()  # checked again as sent: the folder may have changed since
        if hashlib.sha256(data).hexdigest() != digest:
            raise Refused(f"the backup's copy of {key} changed during the restore")
        s3.put_object(system.bucket, key, io.BytesIO(data), len(data))
        return len(data)

    with ThreadPoolExecutor(COPY_THREADS) as pool:
        sizes = list(pool.map(put, backup.objects.items()))
    return len(sizes), sum(sizes)


async def counts_of(system: System) -> dict[str, int]:
    conn = await asyncpg.connect(system.libpq_url)
    try:
        return await table_counts(conn)
    finally:
        await conn.close()


def restore(folder: Path) -> str:
    os.umask(0o077)
    backup = Backup(folder)  # everything checked before anything is touched
    data = data_folder()
    if not (external_database() and external_store()):
        check_data_folder(data)
    try:
        with open_system(data) as system:
            known_settings = asyncio.run(check_database_empty(system))
            check_bucket_empty(system)
            restore_database(system, backup, known_settings)
            asyncio.run(grant_app_role(system))
            count, size = restore_objects(system, backup)
            counts = asyncio.run(counts_of(system))
    except StackError as exc:
        raise Refused(str(exc)) from None
    if counts != backup.tables:
        raise Refused(f"the restored row counts {counts} differ from the backup's {backup.tables}")
    where = "the external services" if external_database() and external_store() else str(data)
    return (
        f"restored into {where}: {sum(counts.values())} rows in {len(counts)} tables, {count} objects "
        f"({size} bytes), all matching the manifest of {backup.created_at}"
    )


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
