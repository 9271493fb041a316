"""Local access: other users of the machine read nothing, and the API's database role can change
rows but not the schema, so it cannot turn the audit log's append-only guard off."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.settings import Settings
from scripts.stack import PG_APP, PG_OWNER, Postgres, Stack, _open_path_for, _pg_user, free_port, private_dir
from storage.db import alembic_config, make_engine, migrate_url


def dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_local_connection_without_the_right_password_is_refused(stack: Stack):
    pg = stack.postgres
    assert pg is not None
    for role in ("postgres", PG_OWNER, PG_APP):
        for host in ("127.0.0.1", str(pg.data_dir)):  # TCP and the unix socket
            with pytest.raises((asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InterfaceError)):
                await asyncpg.connect(host=host, port=pg.port, user=role, database="xunfang")
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(host=host, port=pg.port, user=role, password="guess", database="xunfang")


async def test_the_api_role_reads_and_appends_but_cannot_touch_the_audit_logs_guard(settings: Settings, engine):
    assert settings.database_url != settings.migration_url
    conn = await asyncpg.connect(dsn(settings.database_url))
    try:
        await conn.execute("insert into audit_log (action) values ('test')")
        assert await conn.fetchval("select count(*) from audit_log") == 1
        for statement in (
            "drop trigger audit_log_append_only on audit_log",
            "drop trigger audit_log_no_truncate on audit_log",
            "alter table audit_log disable trigger user",
            "drop function audit_log_append_only() cascade",
            "truncate audit_log",
            "update audit_log set action = 'changed'",
            "delete from audit_log",
            "update alembic_version set version_num = 'mine'",
            "create table mine (id int)",
            "alter table users add column mine int",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_truncate_of_the_audit_log_is_refused_even_for_its_owner(engine: AsyncEngine):
    async with engine.begin() as conn:
        await conn.execute(text("insert into audit_log (action) values ('test')"))
    with pytest.raises(Exception, match="audit_log is append-only"):
        async with engine.begin() as conn:
            await conn.execute(text("truncate audit_log"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from audit_log"))).scalar_one() == 1


def test_data_folders_and_credential_files_are_this_users_only(stack: Stack):
    assert stack.postgres is not None and stack.minio is not None
    # The data folder itself: 0700, or 0710 with postgres's system user's group when run as root
    # (postgres refuses to run as root, so it runs as its own user and must pass through).
    assert mode(stack.data_dir) == (0o710 if stack.postgres.user else 0o700)
    assert mode(stack.postgres.data_dir) == 0o700
    assert mode(stack.minio.data_dir) == 0o700
    assert mode(stack.postgres.credentials_file) == 0o600
    assert mode(stack.data_dir / "minio.credentials.json") == 0o600
    # What MinIO writes (its config, and objects) is its user's only, even inside the folder.
    written = [p for p in stack.minio.data_dir.rglob("*")]
    assert written and [p for p in written if mode(p) & 0o077] == []


def test_external_databases_migrate_with_the_one_url_they_have():
    settings = Settings(
        database_url="postgresql+asyncpg://u@db/x", minio_endpoint="m", minio_access_key="a", minio_secret_key="s"
    )
    assert settings.migration_url == settings.database_url


async def test_a_data_folder_made_before_passwords_is_upgraded_on_start(tmp_path: Path):
    """scripts/dev made `initdb --auth=trust` folders, with the schema owned by the superuser."""
    data = private_dir(tmp_path / "data")
    old = Postgres(data / "postgres", fast_and_loose=True)
    old.user = _pg_user()
    private_dir(old.data_dir)
    if old.user:
        _open_path_for(old.user, old.data_dir)
    old._run("initdb", "-D", str(old.data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
    new = Postgres(old.data_dir, fast_and_loose=True)
    try:
        old.port = free_port()
        old._run(
            "pg_ctl",
            "-D",
            str(old.data_dir),
            "-l",
            str(old.data_dir / "server.log"),
            "-o",
            f"-h 127.0.0.1 -p {old.port} -k {old.data_dir}",
            "-w",
            "start",
        )
        old._run("createdb", "-h", "127.0.0.1", "-p", str(old.port), "-U", "postgres", "xunfang")
        superuser = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{old.port}/xunfang", pool_size=1)
        async with superuser.begin() as conn:

            def upgrade(sync) -> None:
                config = alembic_config("")
                config.attributes["connection"] = sync
                command.upgrade(config, "b3c264aed3f3")

            await conn.run_sync(upgrade)
            await conn.execute(text("insert into audit_log (action) values ('before')"))
        await superuser.dispose()
        old._run("pg_ctl", "-D", str(old.data_dir), "-m", "fast", "-w", "stop")

        new.port = old.port
        new.start()
        with pytest.raises((asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InterfaceError)):
            await asyncpg.connect(host="127.0.0.1", port=new.port, user="postgres", database="xunfang")
        await migrate_url(new.owner_url)
        app = await asyncpg.connect(dsn(new.url))
        try:
            assert await app.fetchval("select count(*) from audit_log") == 1
            await app.execute("insert into audit_log (action) values ('after')")
            for statement in (
                "truncate audit_log",
                "drop trigger audit_log_append_only on audit_log",
                "delete from audit_log",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await app.execute(statement)
            owners = await app.fetch(
                "select distinct pg_get_userbyid(relowner) as owner from pg_class "
                "where relnamespace = 'public'::regnamespace"
            )
            assert [r["owner"] for r in owners] == [PG_OWNER]
        finally:
            await app.close()
        assert mode(new.credentials_file) == 0o600
    finally:
        old.stop()  # the same folder, stopped as its system user
