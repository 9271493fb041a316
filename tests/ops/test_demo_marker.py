"""The demo never touches a real installation: scripts/dev loads the demo district only into an
empty database in a data folder it created, and marks that database as a demo; a database with
users of its own, or one restored from a backup (of a demo or not), gets no demo user and no demo
password."""

from __future__ import annotations

import os

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from scripts.demo import is_demo
from scripts.run_dev import prepare
from scripts.stack import Stack
from storage.db import make_engine
from storage.models import OrgUnit, User
from tests.api.test_backup_restore import run_script
from tests.builders import make_district

DEMO_DISTRICT = "青山区退役军人服务中心"


async def demo_state(url: str) -> tuple[bool, int, int]:
    """(marked as a demo, users, units named like the demo district)."""
    engine = make_engine(url, pool_size=1)
    try:
        async with async_sessionmaker(engine)() as session:
            return (
                await is_demo(session),
                await session.scalar(select(func.count()).select_from(User)) or 0,
                await session.scalar(select(func.count()).where(OrgUnit.name == DEMO_DISTRICT)) or 0,
            )
    finally:
        await engine.dispose()


async def unmark(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("DO $$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_database()); END $$")
            )
    finally:
        await engine.dispose()


async def test_a_production_database_gets_no_demo_even_in_a_new_folder(db, engine):
    owner = os.environ["DATABASE_MIGRATION_URL"]
    await make_district(db)  # a bureau's own users (its admin is not even called admin elsewhere)
    before = await demo_state(owner)
    for new_folder in (False, True):
        assert await prepare(owner, new_folder=new_folder) is None
    assert await demo_state(owner) == before and before[0] is False and before[2] == 0


async def test_the_demo_loads_once_into_a_new_folder_and_a_restore_of_it_is_no_demo(engine, tmp_path):
    owner = os.environ["DATABASE_MIGRATION_URL"]
    try:
        assert await prepare(owner, new_folder=False) is None  # empty, but not a folder scripts/dev made
        assert (await demo_state(owner))[1] == 0
        assert await prepare(owner, new_folder=True) == "xunfang-demo"
        marked, users, districts = await demo_state(owner)
        assert marked and users == 5 and districts == 1
        assert await prepare(owner, new_folder=False) == "xunfang-demo"  # started again: the same demo
        assert await demo_state(owner) == (True, 5, 1)

        backup = tmp_path / "backup"
        made = run_script("backup", str(backup), env=dict(os.environ))
        assert made.returncode == 0, made.stderr + made.stdout
        target = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("MINIO_")}
        target["XUNFANG_DATA"] = str(tmp_path / "restored")
        done = run_script("restore", str(backup), env=target)
        assert done.returncode == 0, done.stderr + done.stdout
    finally:
        await unmark(owner)
    restored = Stack(tmp_path / "restored", throwaway=True)
    try:
        restored.start()
        assert restored.postgres is not None
        url = restored.postgres.owner_url
        assert await demo_state(url) == (False, 5, 1)  # the rows came back, the mark did not
        assert await prepare(url, new_folder=False) is None
    finally:
        restored.stop()
