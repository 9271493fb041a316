"""Real PostgreSQL and MinIO for the whole run, started here and stopped at the end.

The schema is migrated once; every test starts from empty tables and builds what it needs with
tests/builders.py."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api import observe
from api.app import create_app
from api.settings import Settings
from scripts.stack import Stack, throwaway_stack
from storage.checklists import default_template_rows
from storage.db import make_engine, migrate
from storage.models import ChecklistTemplate, ReturnReason
from storage.queries import return_reasons

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "photos"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with throwaway_stack("xunfang-test-") as stack:
        yield stack


@pytest.fixture(scope="session")
def settings(stack: Stack) -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The schema owner's: tests arrange and inspect rows with it; the app connects as its own
    role (settings.database_url), which may only read and write rows."""
    engine = make_engine(settings.migration_url, pool_size=4)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
async def empty_tables(request: pytest.FixtureRequest) -> None:
    """Each test starts from an empty database (unit tests of pure rules need none)."""
    if "engine" not in request.fixturenames and "db" not in request.fixturenames:
        return
    await empty_database(request.getfixturevalue("engine"))


async def empty_database(engine: AsyncEngine) -> None:
    # A live server may still be finishing a request from the previous test's closed browser. If
    # its transaction and the TRUNCATE lock tables in opposite orders, PostgreSQL breaks the
    # deadlock by aborting one; when that is ours, the other commits and the next try wipes it too.
    for attempt in range(5):
        try:
            await _truncate_all(engine)
            return
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 4:
                raise


async def _truncate_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "select string_agg(quote_ident(tablename), ', ') from pg_tables "
                    "where schemaname = 'public' and tablename <> 'alembic_version'"
                )
            )
        ).scalar_one()
        # The audit log refuses TRUNCATE (its trigger) even from its owner. Only tests lift that,
        # inside this transaction: nobody else ever sees the trigger disabled.
        await conn.execute(text("alter table audit_log disable trigger user"))
        await conn.execute(text(f"truncate {tables} restart identity cascade"))
        await conn.execute(text("alter table audit_log enable trigger user"))
        # The default checklist templates are reference data the migration loads: put them back.
        await conn.execute(insert(ChecklistTemplate), default_template_rows())
        await conn.execute(insert(ReturnReason), return_reasons.default_rows())  # so are the return reasons


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging data and checking what was stored; commit to make it visible."""
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Litestar:
    app = create_app(settings)
    app.debug = True
    return app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def photos() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared photo fixtures are missing at {FIXTURES}")
    return FIXTURES


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """The JSON log lines the app writes while the test runs."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    observe.configure_logging(stream)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the test's own client, not the server
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
