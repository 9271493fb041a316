"""scripts/backup and scripts/restore: records with photos are backed up while the system runs,
restored into a fresh data folder, and the API started on it finds every record, review, task,
audit entry, user and photo byte for byte. A second backup copies only the new objects; a restore
never goes into a folder that holds data."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from scripts.backup import backup
from scripts.restore import Backup, check_database_empty, grant_app_role, restore_database
from scripts.stack import ROOT, Stack
from scripts.system import open_system, plain_url
from tests.api.test_patrols import SITE, patrol_body
from tests.api.test_photos import unique, upload
from tests.builders import add_facility, login, make_district

LINKS = ("url", "thumb_url", "review_url")  # signed with a time in them; the paths are compared


def run_script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / name), *args], env=env, capture_output=True, text=True, timeout=300)


def without_links(value):
    """A JSON value with every signed link cut to its path."""
    if isinstance(value, dict):
        return {k: (v.split("?")[0] if k in LINKS else without_links(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value


async def send_patrol(client, worker, facility, jpeg: bytes, photos: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    record_id, photo_ids = uuid.uuid4(), [uuid.uuid4() for _ in range(photos)]
    for photo_id in photo_ids:
        response = await upload(client, worker, unique(jpeg), photo_id=photo_id, record_id=record_id)
        assert response.status_code == 201, response.text
    body = patrol_body(facility, photo_ids=[str(p) for p in photo_ids])
    assert (await client.put(f"/api/v1/patrols/{record_id}", json=body, headers=worker)).status_code == 201
    return record_id, photo_ids


async def everything(client, records: list[uuid.UUID], photo_ids: list[uuid.UUID]) -> dict:
    """All a bureau would look for, as the API shows it to the admin."""
    admin = await login(client, "admin")
    seen: dict = {"patrols": {}, "photos": {}}
    for record_id in records:
        response = await client.get(f"/api/v1/patrols/{record_id}", headers=admin)
        assert response.status_code == 200, response.text
        seen["patrols"][str(record_id)] = without_links(response.json())
    for name, path in [("tasks", "/api/v1/tasks"), ("audit", "/api/v1/audit-log"), ("users", "/api/v1/users")]:
        response = await client.get(path, headers=admin)
        assert response.status_code == 200, response.text
        seen[name] = without_links(response.json())
    for photo_id in photo_ids:
        for size in ("", "/thumb", "/review"):
            response = await client.get(f"/api/v1/photos/{photo_id}{size}", headers=admin)
            assert response.status_code == 200, response.text
            seen["photos"][f"{photo_id}{size}"] = response.content
    return seen


@pytest.fixture
def script_env(stack) -> dict[str, str]:
    """The environment the scripts see: this run's PostgreSQL and MinIO as external services."""
    return {**os.environ}


async def test_backup_then_restore_into_a_fresh_data_folder_finds_everything(
    client, db, photos, settings: Settings, script_env, tmp_path
):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker, supervisor = await login(client, "worker1"), await login(client, "super1")
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    approved, approved_photos = await send_patrol(client, worker, facility, jpeg, photos=2)
    returned, returned_photos = await send_patrol(client, worker, facility, jpeg, photos=1)
    for record_id, decision in [(approved, "approve"), (returned, "return")]:
        review = await client.post(
            f"/api/v1/patrols/{record_id}/review", headers=supervisor, json={"decision": decision, "comment": "已核"}
        )
        assert review.status_code in (200, 201), review.text
    records, photo_ids = [approved, returned], approved_photos + returned_photos
    before = await everything(client, records, photo_ids)
    assert before["tasks"]["items"] and before["audit"]["items"]

    backup = tmp_path / "backup"
    made = run_script("backup", str(backup), env=script_env)
    assert made.returncode == 0, made.stderr + made.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["tables"]["photos"] == 3 and manifest["database"]["tables"]["patrols"] == 2
    assert manifest["objects"]["copied"] == manifest["objects"]["count"] >= 9  # originals, thumbs, reviews

    target = {k: v for k, v in script_env.items() if k not in ("DATABASE_URL",) and not k.startswith("MINIO_")}
    restored = tmp_path / "fresh-data"
    target["XUNFANG_DATA"] = str(restored)
    done = run_script("restore", str(backup), env=target)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "restored into" in done.stdout

    again = run_script("restore", str(backup), env=target)
    assert again.returncode == 1
    assert "refusing to restore" in again.stderr and "already holds data" in again.stderr

    stack = Stack(restored, throwaway=True)
    try:
        env = stack.start()
        app = create_app(
            msgspec.structs.replace(
                settings,
                database_url=env["DATABASE_URL"],
                minio_endpoint=env["MINIO_ENDPOINT"],
                minio_access_key=env["MINIO_ACCESS_KEY"],
                minio_secret_key=env["MINIO_SECRET_KEY"],
            )
        )
        async with AsyncTestClient(app, raise_server_exceptions=False) as fresh_client:
            after = await everything(fresh_client, records, photo_ids)
    finally:
        stack.stop()
    # Reading logs in the admin, an audit entry of its own: the restored log holds the old one whole.
    last = max(entry["id"] for entry in before["audit"]["items"])
    after["audit"]["items"] = [entry for entry in after["audit"]["items"] if entry["id"] <= last]
    assert after == before

    # A day later: one more record; the next backup into the same folder copies only its objects.
    known = set((backup / "objects.sha256").read_text().splitlines())
    await send_patrol(client, worker, facility, jpeg, photos=1)
    second = run_script("backup", str(backup), env=script_env)
    assert second.returncode == 0, second.stderr + second.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    new = set((backup / "objects.sha256").read_text().splitlines()) - known
    assert len(new) == manifest["objects"]["copied"] == 2  # its original and its thumbnail
    assert manifest["objects"]["count"] == len(known) + 2
    assert manifest["database"]["tables"]["patrols"] == 3


APP_RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")


async def app_rights(url: str, role: str) -> dict[str, set[str]]:
    """What `role` may do to each table of the database at `url`."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("select tablename from pg_tables where schemaname = 'public' order by 1")
        ]
        return {
            t: {
                right
                for right in APP_RIGHTS
                if await conn.fetchval("select has_table_privilege($1, $2, $3)", role, f"public.{t}", right)
            }
            for t in tables
        }
    finally:
        await conn.close()


def assert_private(folder: Path) -> None:
    """Every folder 0700 and every file 0600: a backup holds every person's data."""
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


async def test_a_backup_is_private_and_a_restore_gives_the_api_role_the_migrations_rights(
    client, db, photos, script_env, tmp_path, stack
):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await send_patrol(client, await login(client, "worker1"), facility, (photos / "gps_DSCN0010.jpg").read_bytes(), 1)
    backup = tmp_path / "backup"
    backup.mkdir(mode=0o755)  # an earlier backup's folder, made open: the next run closes it
    (backup / "manifest.json").write_text("{}")
    (backup / "manifest.json").chmod(0o644)
    made = run_script("backup", str(backup), env=script_env)
    assert made.returncode == 0, made.stderr + made.stdout
    assert_private(backup)

    target = {k: v for k, v in script_env.items() if k != "DATABASE_URL" and not k.startswith("MINIO_")}
    target["XUNFANG_DATA"] = str(tmp_path / "restored")
    done = run_script("restore", str(backup), env=target)
    assert done.returncode == 0, done.stderr + done.stdout
    restored = Stack(tmp_path / "restored", throwaway=True)
    try:
        restored.start()
        assert restored.postgres is not None
        after = await app_rights(restored.postgres.owner_url, "xunfang_app")
    finally:
        restored.stop()
    before = await app_rights(os.environ["DATABASE_MIGRATION_URL"], "xunfang_app")
    assert after == before
    assert after["audit_log"] == {"SELECT", "INSERT"} and after["alembic_version"] == {"SELECT"}
    assert after["patrols"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}


async def test_no_command_line_carries_a_database_password(client, db, photos, tmp_path, stack, monkeypatch):
    """pg_dump, pg_restore and psql get the password in a 0600 passfile; /proc/<pid>/cmdline, which
    every local user reads, never holds it."""
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await send_patrol(client, await login(client, "worker1"), facility, (photos / "gps_DSCN0010.jpg").read_bytes(), 1)
    launched: list[tuple[list[str], dict]] = []
    real = subprocess.Popen

    class Recorded(real):  # type: ignore[misc,valid-type]
        def __init__(self, args, *rest, **options):
            env = options.get("env") or {}
            passfile = env.get("PGPASSFILE")
            launched.append(
                ([str(a) for a in args], {"passfile_mode": passfile and stat.S_IMODE(Path(passfile).stat().st_mode)})
            )
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    out = tmp_path / "backup"
    umask = os.umask(0o022)
    try:

        def backup_and_restore() -> None:
            with open_system() as system:
                backup(system, out)
            copy = asyncio.run(empty_database_like(stack, system, "xunfang_copy"))
            target = dataclasses.replace(system, database_url=copy)
            restore_database(target, Backup(out), asyncio.run(check_database_empty(target)))
            asyncio.run(grant_app_role(target))

        await asyncio.to_thread(backup_and_restore)
    finally:
        os.umask(umask)
        await drop_database(stack, "xunfang_copy")
    tools = {
        Path(args[0]).name: info
        for args, info in launched
        if Path(args[0]).name in ("pg_dump", "pg_restore", "psql") and "--version" not in args
    }
    assert set(tools) == {"pg_dump", "pg_restore", "psql"}
    assert tools["pg_dump"]["passfile_mode"] == tools["psql"]["passfile_mode"] == 0o600
    assert stack.postgres is not None
    for password in stack.postgres.passwords.values():
        assert not any(password in " ".join(args) for args, _ in launched)


async def empty_database_like(stack: Stack, system, name: str) -> str:
    """A new empty database owned by the same owner, as the recipe makes one."""
    conn = await asyncpg.connect(superuser_url(stack))
    try:
        await conn.execute(f"drop database if exists {name}")
        await conn.execute(f"create database {name} owner xunfang")
    finally:
        await conn.close()
    return system.database_url.rsplit("/", 1)[0] + f"/{name}"


def superuser_url(stack: Stack) -> str:
    assert stack.postgres is not None
    return stack.postgres.superuser_url


async def drop_database(stack: Stack, name: str) -> None:
    conn = await asyncpg.connect(superuser_url(stack))
    try:
        await conn.execute(f"drop database if exists {name} with (force)")
    finally:
        await conn.close()


def tampered(backup: Path, into: Path, change) -> Path:
    shutil.copytree(backup, into, symlinks=True)
    change(into)
    return into


def set_manifest(folder: Path, edit) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


def add_line(folder: Path, line: str) -> None:
    """An extra line in objects.sha256, and the manifest's checksum of the list made to agree."""
    listing = folder / "objects.sha256"
    listing.write_text(listing.read_text() + line + "\n")
    digest = hashlib.sha256(listing.read_bytes()).hexdigest()
    set_manifest(folder, lambda m: m["objects"].update(checksums_sha256=digest))


async def test_restore_checks_every_path_and_checksum_before_it_touches_anything(
    client, db, photos, script_env, tmp_path
):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await send_patrol(client, await login(client, "worker1"), facility, (photos / "gps_DSCN0010.jpg").read_bytes(), 1)
    good = tmp_path / "backup"
    made = run_script("backup", str(good), env=script_env)
    assert made.returncode == 0, made.stderr + made.stdout
    outside = tmp_path / "outside"
    outside.mkdir()
    dump = next((good / "database").iterdir())
    shutil.copy(dump, outside / "elsewhere.dump")
    original = next(
        line.split("  objects/")[1]
        for line in (good / "objects.sha256").read_text().splitlines()
        if "originals/" in line
    )
    (outside / "secret").write_bytes(b"not a photo")
    secret_sha = hashlib.sha256(b"not a photo").hexdigest()

    def redirect_original(folder: Path) -> None:
        path = folder / "objects" / original
        path.unlink()
        path.symlink_to(outside / "secret")

    def objects_folder_elsewhere(folder: Path) -> None:
        shutil.copytree(folder / "objects", outside / "objects")
        shutil.rmtree(folder / "objects")
        (folder / "objects").symlink_to(outside / "objects")

    def flip_a_byte(folder: Path) -> None:
        path = folder / "objects" / original
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF
        path.write_bytes(bytes(data))

    cases = {
        "an absolute dump path": (
            lambda f: set_manifest(f, lambda m: m["database"].update(file=str(outside / "elsewhere.dump"))),
            "not in database/",
        ),
        "a dump path that climbs out": (
            lambda f: set_manifest(f, lambda m: m["database"].update(file="database/../../outside/elsewhere.dump")),
            "not a plain path",
        ),
        "an object key with ..": (
            lambda f: add_line(f, f"{secret_sha}  objects/../../outside/secret"),
            "not a plain path",
        ),
        "an object symlinked out of objects/": (redirect_original, "symbolic link"),
        "objects/ itself a symlink": (objects_folder_elsewhere, "symbolic link"),
        "an object that changed": (flip_a_byte, "does not match its checksum"),
        "a manifest that is not one": (lambda f: (f / "manifest.json").write_text("[1, 2"), "not a manifest"),
    }
    for number, (case, (change, says)) in enumerate(cases.items()):
        folder = tampered(good, tmp_path / f"case{number}", change)
        target = {k: v for k, v in script_env.items() if k != "DATABASE_URL" and not k.startswith("MINIO_")}
        target["XUNFANG_DATA"] = str(tmp_path / f"data{number}")
        done = run_script("restore", str(folder), env=target)
        assert done.returncode == 1, (case, done.stdout, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr, (case, done.stderr)
        assert done.stderr.strip().startswith("error:"), (case, done.stderr)
        assert not (tmp_path / f"data{number}").exists(), f"{case}: nothing may be started or written"
