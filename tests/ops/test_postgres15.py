"""Go-live on the bureau's own PostgreSQL: Debian's PostgreSQL 15 (a second cluster on a free
loopback port, started and stopped here), prepared with README's recipe (`scripts/admin
print-db-setup`), two roles. A backup of the embedded PostgreSQL 18 restores into an empty
PostgreSQL 15 database and an empty bucket, and one made on 15 (scripts/admin create-admin, a
record with photos) restores into another: every row and every photo byte the same, the API's
role with exactly the rights the migrations give it, and the API works on the result."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from api.settings import Settings
from scripts.stack import ROOT, Postgres
from scripts.system import libpq, plain_url
from storage.db import make_engine
from storage.models import OrgUnit
from tests.api.test_backup_restore import app_rights, run_script, send_patrol
from tests.api.test_patrols import SITE
from tests.builders import PASSWORD, add_facility, add_user, login, make_district

PG15 = Path("/usr/lib/postgresql/15/bin")


def debian_postgres_15() -> Path:
    """Debian's PostgreSQL 15, installed when missing (as root); else the run fails saying how."""
    if not (PG15 / "initdb").exists():
        if os.geteuid() == 0 and shutil.which("apt-get"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)  # noqa: S607
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "postgresql-15", "postgresql-client-15"],  # noqa: S607
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        if not (PG15 / "initdb").exists():
            pytest.fail(
                "this test needs Debian's PostgreSQL 15: sudo apt-get install postgresql-15 postgresql-client-15"
            )
    return PG15


@pytest.fixture(scope="module")
def pg15(tmp_path_factory) -> Iterator[Postgres]:
    cluster = Postgres(
        tmp_path_factory.mktemp("pg15") / "cluster", bin_dir=debian_postgres_15(), bootstrap=False, fast_and_loose=True
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def recipe(cluster: Postgres, folder: Path, database: str) -> tuple[str, str]:
    """README's recipe, as printed by scripts/admin, run by the superuser; the (API, owner) URLs."""
    urls = folder / f"{database}.env"
    printed = subprocess.run(
        [
            str(ROOT / "scripts" / "admin"),
            "print-db-setup",
            "--host",
            "127.0.0.1",
            "--port",
            str(cluster.port),
            "--database",
            database,
            "--owner",
            database,
            "--app",
            f"{database}_app",
            "--urls",
            str(urls),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert oct(urls.stat().st_mode & 0o777) == "0o600"
    with libpq(cluster.superuser_url) as (conninfo, env):
        subprocess.run(
            [str(PG15 / "psql"), "-X", "-q", f"--dbname={conninfo}"],
            input=printed.stdout,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    values = dict(line.split("=", 1) for line in urls.read_text().splitlines())
    assert values["DATABASE_URL"].startswith("postgresql://")  # libpq's form, as operators write it
    return values["DATABASE_URL"], values["DATABASE_MIGRATION_URL"]


def services(app_url: str, owner_url: str, bucket: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_MIGRATION_URL")}
    return {
        **env,
        "DATABASE_URL": app_url,
        "DATABASE_MIGRATION_URL": owner_url,
        "MINIO_BUCKET": bucket,
        "XUNFANG_DATA": str(folder / "unused-data"),
    }


async def rows(owner_url: str) -> dict[str, list[str]]:
    """Every row of every table, as JSON, in order."""
    conn = await asyncpg.connect(plain_url(owner_url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("select tablename from pg_tables where schemaname = 'public' order by 1")
        ]
        return {
            t: [r[0] for r in await conn.fetch(f'select to_jsonb(t)::text from public."{t}" t order by 1')]  # noqa: S608
            for t in tables
        }
    finally:
        await conn.close()


def objects(settings: Settings, bucket: str) -> dict[str, bytes]:
    from minio import Minio

    s3 = Minio(
        settings.minio_endpoint,
        access_key=settings.minio_access_key,
        secret_key=settings.minio_secret_key,
        secure=False,
    )
    found = {}
    for item in s3.list_objects(bucket, recursive=True):
        response = s3.get_object(bucket, item.object_name)
        try:
            found[item.object_name] = response.read()
        finally:
            response.close()
            response.release_conn()
    return found


async def assert_same(source: tuple[str, str, str], target: tuple[str, str, str], settings: Settings) -> None:
    """(owner URL, API role, bucket) of both sides: rows, photo bytes and the API role's rights."""
    (source_owner, source_app, source_bucket), (target_owner, target_app, target_bucket) = source, target
    before, after = await rows(source_owner), await rows(target_owner)
    assert after == before
    assert sum(len(v) for v in after.values()) > 10 and after["photos"]
    assert objects(settings, target_bucket) == objects(settings, source_bucket)
    rights = await app_rights(target_owner, target_app)
    assert rights == await app_rights(source_owner, source_app)
    assert rights["audit_log"] == {"SELECT", "INSERT"} and rights["alembic_version"] == {"SELECT"}


async def test_a_backup_of_the_embedded_postgresql_18_restores_into_postgresql_15(
    client, db, photos, settings: Settings, pg15, tmp_path
):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    record, photo_ids = await send_patrol(client, worker, facility, (photos / "gps_DSCN0010.jpg").read_bytes(), 2)
    review = await client.post(
        f"/api/v1/patrols/{record}/review",
        headers=await login(client, "super1"),
        json={"decision": "approve", "comment": "已核"},
    )
    assert review.status_code in (200, 201), review.text
    backup = tmp_path / "backup"
    made = run_script("backup", str(backup), env=dict(os.environ))
    assert made.returncode == 0, made.stderr + made.stdout

    app_url, owner_url = recipe(pg15, tmp_path, "bureau_c")
    bucket = f"restored-{uuid.uuid4().hex[:8]}"
    done = run_script("restore", str(backup), env=services(app_url, owner_url, bucket, tmp_path))
    assert done.returncode == 0, done.stderr + done.stdout
    await assert_same(
        (os.environ["DATABASE_MIGRATION_URL"], "xunfang_app", settings.minio_bucket),
        (owner_url, "bureau_c_app", bucket),
        settings,
    )

    # The API on PostgreSQL 15, as its own role: the record and its photos, byte for byte.
    restored = create_app(
        msgspec.structs.replace(settings, database_url=app_url, database_migration_url=owner_url, minio_bucket=bucket)
    )
    async with AsyncTestClient(restored) as fresh:
        admin = await login(fresh, "admin")
        assert (await fresh.get(f"/api/v1/patrols/{record}", headers=admin)).json()["status"] == "approved"
        old_admin = await login(client, "admin")
        for photo_id in photo_ids:
            old = await client.get(f"/api/v1/photos/{photo_id}", headers=old_admin)
            new = await fresh.get(f"/api/v1/photos/{photo_id}", headers=admin)
            assert new.status_code == 200 and new.content == old.content


async def test_the_production_walk_on_postgresql_15(settings: Settings, photos, pg15, tmp_path):
    """README's recipe, scripts/admin create-admin with libpq URLs, a record with photos through the
    API's own role, scripts/backup (PostgreSQL 15's own pg_dump), scripts/restore into a second
    empty database and bucket."""
    app_url, owner_url = recipe(pg15, tmp_path, "bureau_a")
    bucket = f"bureau-a-{uuid.uuid4().hex[:8]}"
    env = services(app_url, owner_url, bucket, tmp_path)
    made = subprocess.run(
        [str(ROOT / "scripts" / "admin"), "create-admin", "zhangsan", "--district", "青山区退役军人事务局"],
        env={**env, "XUNFANG_ADMIN_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr + made.stdout
    engine = make_engine(owner_url, pool_size=1)  # arranging the district as its admin would in the app
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            from sqlalchemy import select

            district = await session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
            assert district is not None
            await add_user(session, "worker1", "field_worker", district)
            facility = await add_facility(session, district, lat=SITE[0], lon=SITE[1])
            await session.commit()
    finally:
        await engine.dispose()
    app = create_app(
        msgspec.structs.replace(settings, database_url=app_url, database_migration_url=owner_url, minio_bucket=bucket)
    )
    async with AsyncTestClient(app) as client:
        await send_patrol(
            client, await login(client, "worker1"), facility, (photos / "gps_DSCN0010.jpg").read_bytes(), 2
        )
    backup = tmp_path / "backup"
    done = run_script("backup", str(backup), env=env)
    assert done.returncode == 0, done.stderr + done.stdout

    app_b, owner_b = recipe(pg15, tmp_path, "bureau_b")
    bucket_b = f"bureau-b-{uuid.uuid4().hex[:8]}"
    done = run_script("restore", str(backup), env=services(app_b, owner_b, bucket_b, tmp_path))
    assert done.returncode == 0, done.stderr + done.stdout
    await assert_same((owner_url, "bureau_a_app", bucket), (owner_b, "bureau_b_app", bucket_b), settings)


def test_readme_prints_the_recipe_scripts_admin_prints():
    """README's SQL is the recipe, statement for statement (passwords aside)."""
    from scripts.admin import db_setup_sql
    from tests.ops.test_nginx import readme_block

    def statements(sql: str) -> list[str]:
        lines = [line.split("--")[0].strip() for line in sql.splitlines()]
        text = " ".join(line for line in lines if line and not line.startswith("\\set"))
        text = re.sub(r"PASSWORD '[^']*'", "PASSWORD '…'", text)
        return [" ".join(s.split()) for s in re.split(r";|(?=\\connect)", text) if s.strip()]

    printed = db_setup_sql(database="xunfang", owner="xunfang", app="xunfang_app", owner_password="x", app_password="y")
    assert statements(readme_block("sql")) == statements(printed)
