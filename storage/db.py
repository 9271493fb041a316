"""Engine construction and migrations; the app's sessions come from advanced-alchemy's plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


async def commit_early(session: AsyncSession, why: str) -> None:
    """A commit inside a request, before its end. Every request is committed once, at the edge
    (api/deps.py's provide_db_session), after its handler returns; this is the named exception, for
    what must not wait for that: a lock released early so that others do not wait out the whole
    request, or an audit entry that must stay although the request ends in an error that rolls back
    the rest. `why` says which, to the reader (tests/api/test_commit_edge.py finds no other commit)."""
    del why
    await session.commit()


def asyncpg_url(url: str) -> str:
    """postgresql://, postgres:// or postgresql+<driver>:// as this driver's URL (operators copy
    libpq's form from their database's documentation)."""
    scheme, sep, rest = url.partition("://")
    if sep and (scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+")):
        return f"postgresql+asyncpg://{rest}"
    return url


def make_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 30.0) -> AsyncEngine:
    url = asyncpg_url(url)
    # pool_timeout: how long a caller waits for a connection before sqlalchemy's TimeoutError.
    # hide_parameters: errors and logs never quote the values (names, numbers, positions).
    # JSON columns (checklists, flags, audit details) through msgspec: several times faster than json.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=pool_timeout,
        hide_parameters=True,
        json_serializer=_json_text,
        json_deserializer=msgspec.json.decode,
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A connection the server closed (a restart, an administrator's kill) is replaced, not handed
    out. SQLAlchemy's pool_pre_ping would ask the server instead: three round trips (BEGIN, ping,
    ROLLBACK) on every checkout, a third of a record PUT's. A connection that breaks silently
    still fails its request with a 503 and is then discarded with the rest of the pool."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the database closed this connection")


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["url"] = url
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to head; safe to run on every start and from several processes."""
    async with engine.begin() as conn:
        # One migrator at a time, e.g. when dev server and a worker start together.
        await conn.exec_driver_sql("select pg_advisory_xact_lock(7305020)")

        def upgrade(sync_conn) -> None:
            config = alembic_config(str(engine.url))
            config.attributes["connection"] = sync_conn
            command.upgrade(config, "head")

        await conn.run_sync(upgrade)


async def migrate_url(url: str) -> None:
    """Migrate through a short-lived connection, e.g. as the schema's owner while the app itself
    connects as a role that may only read and write rows."""
    engine = make_engine(url, pool_size=1)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
