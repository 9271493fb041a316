"""Figures kept for reports (weekly_figures, site_figures) are never older than what they count."""

import asyncio
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.models import SiteFigures, Subject
from storage.queries import reports, weekly
from tests.builders import add_subject, add_visit, make_district

CHINA = timezone(timedelta(hours=8))


def last_monday() -> datetime:
    today = datetime.now(CHINA).date()
    return datetime.combine(today - timedelta(days=today.weekday() + 7), time(), CHINA)


async def written_while_computing(engine, db, compute):
    """A late visit of last week is stored but not yet committed while `compute` runs: what it
    keeps must count the visit (the visit's trigger ran before anything was kept)."""
    d = await make_district(db)
    subject = await add_subject(db, d.community1, created_at=last_monday() - timedelta(days=30))
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def computed():
        async with sessions() as session:
            figures = await compute(session, d)
            await session.commit()
            return figures

    async with sessions() as writer:
        await add_visit(writer, d.community1, d.users["worker1"], subject, visited_at=last_monday() + timedelta(days=2))
        computing = asyncio.create_task(computed())
        await asyncio.sleep(0.5)  # the report runs while the visit is not yet committed
        await writer.commit()
    await computing
    return await computed()


async def test_a_record_written_while_a_past_week_is_computed_is_in_the_kept_weekly_figures(engine, db):
    async def visits(session, d):
        units = await weekly.subtree(session, unit=d.community1)
        own = await weekly.week_figures(
            session,
            units=units,
            scope_path=d.community1.path,
            since=last_monday(),
            until=last_monday() + timedelta(days=7),
            now=datetime.now(timezone.utc),
        )
        return sum(own[d.community1.id].visits.values())

    assert await written_while_computing(engine, db, visits) == 1


async def test_a_record_written_while_site_figures_are_computed_is_in_the_kept_site_figures(engine, db):
    async def visited(session, d):
        figures = await reports.site_figures(
            session, unit_ids=[d.community1.id], since=last_monday(), until=last_monday() + timedelta(days=7)
        )
        return figures[d.community1.id]["subjects"]["martyr_family"]["visited"]

    assert await written_while_computing(engine, db, visited) == 1


async def test_site_figures_of_whole_days_are_kept_until_a_record_or_a_site_of_the_unit_changes(db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, created_at=last_monday() - timedelta(days=30))
    since, until = last_monday(), last_monday() + timedelta(days=7)
    kept = select(func.count()).select_from(SiteFigures)

    async def visited(unit_ids, since=since, until=until) -> int:
        figures = await reports.site_figures(db, unit_ids=unit_ids, since=since, until=until)
        await db.commit()
        return sum(r["visited"] for f in figures.values() for r in f["subjects"].values())

    both = [d.community1.id, d.community2.id]
    assert await visited(both) == 0 and await db.scalar(kept) == 2
    # A times-of-day period is computed, not kept.
    assert await visited(both, since=since + timedelta(hours=9)) == 0 and await db.scalar(kept) == 2

    await add_visit(db, d.community1, d.users["worker1"], subject, visited_at=since + timedelta(days=1))
    await db.commit()
    assert await db.scalar(kept) == 1  # community 1's figures went, community 2's stay
    assert await visited(both) == 1 and await db.scalar(kept) == 2

    await add_visit(db, d.community1, d.users["worker1"], subject, visited_at=until + timedelta(days=1))
    await db.commit()
    assert await db.scalar(kept) == 2  # a visit after the period's end changes nothing in it

    await db.execute(update(Subject).where(Subject.id == subject).values(org_unit_id=d.community2.id))
    await db.commit()
    assert await db.scalar(kept) == 0  # a site moved: every unit's figures go
    assert await visited([d.community2.id]) == 1
