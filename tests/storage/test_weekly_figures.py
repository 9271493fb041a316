"""A past week's kept figures are never older than the records they count."""

import asyncio
from datetime import datetime, time, timedelta, timezone

from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.queries import weekly
from tests.builders import add_subject, add_visit, make_district

CHINA = timezone(timedelta(hours=8))


async def test_a_record_written_while_a_past_week_is_computed_is_in_the_kept_figures(engine, db):
    """A late visit of last week is stored but not yet committed when a report computes last week:
    the report waits for it (the kept figures must not miss it, and its delete of the kept figures
    ran before they were stored)."""
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    monday = datetime.combine(datetime.now(CHINA).date() - timedelta(days=datetime.now(CHINA).weekday() + 7),
                              time(), CHINA)
    units = await weekly.subtree(db, unit=d.community1)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def figures():
        async with sessions() as session, session.begin():
            own = await weekly.week_figures(session, units=units, scope_path=d.community1.path, since=monday,
                                            until=monday + timedelta(days=7), now=datetime.now(timezone.utc))
        return sum(own[d.community1.id].visits.values())

    async with sessions() as writer:
        await add_visit(writer, d.community1, d.users["worker1"], subject, visited_at=monday + timedelta(days=2))
        computing = asyncio.create_task(figures())
        await asyncio.sleep(0.5)  # the report runs while the visit is not yet committed
        await writer.commit()
    await computing
    assert await figures() == 1  # what is kept counts the visit
