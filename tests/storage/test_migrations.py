"""The Alembic migrations and the models describe the same schema, and run down and up again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import alembic_config
from storage.models import Base


async def test_the_migrated_database_matches_the_models(engine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == []


async def test_migrations_downgrade_to_base_and_upgrade_again(engine):
    async with engine.begin() as conn:

        def cycle(sync) -> None:
            config = alembic_config(str(engine.url))
            config.attributes["connection"] = sync
            command.downgrade(config, "base")
            command.upgrade(config, "head")

        await conn.run_sync(cycle)
