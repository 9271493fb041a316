"""Record tallies: always what a fresh GROUP BY over the records gives, and cheap for writers."""

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.checklists import FOUR_HAVES_V1
from storage.models import Inspection, Patrol, Visit
from storage.queries.tallies import tallies, whole_days
from tests.builders import add_facility, add_patrol, add_subject, add_visit, make_district

CHINA = timezone(timedelta(hours=8))

# The specification, written here apart from the migration's view: per unit, UTC+8 day, kind,
# status and visit type, the records, their cash and goods (visits) and those with a flag.
FRESH = text("""
    select org_unit_id, (at at time zone interval '+08:00')::date as day, kind, status, visit_type,
           count(*) as n, sum(cash) as cash, sum(goods) as goods, sum(flagged) as flagged
    from (select org_unit_id, started_at as at, 'patrol' as kind, status, '' as visit_type, 0 as cash,
                 0 as goods, (jsonb_array_length(flags) > 0)::int as flagged from patrols
          union all
          select org_unit_id, visited_at, 'visit', status, visit_type, cash_yuan, (goods <> '')::int,
                 (jsonb_array_length(flags) > 0)::int from visits
          union all
          select org_unit_id, started_at, 'inspection', status, '', 0, 0, (jsonb_array_length(flags) > 0)::int
          from inspections) records
    group by 1, 2, 3, 4, 5""")
KEPT = text("""
    select org_unit_id, day, kind, status, visit_type, sum(n), sum(cash), sum(goods), sum(flagged)
    from record_tallies group by 1, 2, 3, 4, 5
    having sum(n) <> 0 or sum(cash) <> 0 or sum(goods) <> 0 or sum(flagged) <> 0""")


async def assert_tallies_match(db) -> None:
    """The tallies (keys whose records all left sum to zero and are left out) equal FRESH."""
    fresh = {tuple(r[:5]): tuple(r[5:]) for r in (await db.execute(FRESH)).all()}
    kept = {tuple(r[:5]): tuple(r[5:]) for r in (await db.execute(KEPT)).all()}
    assert kept == fresh


async def test_tallies_follow_inserts_status_changes_moves_and_deletes(db):
    d = await make_district(db)
    worker = d.users["worker1"]
    facility = await add_facility(db, d.community1)
    subject = await add_subject(db, d.community1)
    noon = datetime(2026, 11, 20, 12, tzinfo=CHINA)
    patrol = await add_patrol(db, d.community1, worker, facility, started_at=noon)
    await add_patrol(
        db, d.community1, worker, facility, started_at=noon, status="approved", flags=[{"code": "far_from_site"}]
    )
    visit = await add_visit(
        db, d.community1, worker, subject, visit_type="holiday", cash_yuan=500, goods="米", visited_at=noon
    )
    await add_visit(db, d.community1, worker, subject, visited_at=noon)
    db.add(
        Inspection(
            id=uuid.uuid4(),
            org_unit_id=d.community1.id,
            template_id=FOUR_HAVES_V1,
            author_id=d.users["super1"].id,
            started_at=noon,
            ended_at=noon + timedelta(minutes=40),
            checklist=[],
            status="submitted",
            body_hash="0" * 64,
        )
    )
    await db.commit()
    await assert_tallies_match(db)

    changes = [
        update(Patrol).where(Patrol.id == patrol.id).values(status="returned"),  # reviewed
        update(Patrol).where(Patrol.id == patrol.id).values(status="submitted", flags=[{"code": "x"}]),  # resent
        update(Patrol).where(Patrol.id == patrol.id).values(org_unit_id=d.community2.id),  # moved
        # 23:30 China time is the next UTC+8 day: the visit moves a day, and its cash and goods change.
        update(Visit)
        .where(Visit.id == visit.id)
        .values(visited_at=noon + timedelta(hours=11, minutes=30), cash_yuan=200, goods=""),
        update(Visit).where(Visit.id == visit.id).values(status="approved", visit_type="routine"),
        update(Visit).where(Visit.id == visit.id).values(summary="只改了摘要"),  # nothing tallied changes
        update(Inspection).values(status="approved"),
        delete(Patrol).where(Patrol.id == patrol.id),
        delete(Visit),
    ]
    for change in changes:
        await db.execute(change)
        await db.commit()
        await assert_tallies_match(db)


async def test_a_period_with_part_days_sums_the_tallies_and_the_raw_records_at_its_edges(db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    start = datetime(2026, 11, 10, 0, tzinfo=CHINA)
    for hours in range(0, 24 * 6, 5):  # every five hours over six days
        await add_patrol(
            db,
            d.community1,
            d.users["worker1"],
            facility,
            started_at=start + timedelta(hours=hours),
            status="approved" if hours % 2 else "submitted",
        )
    await db.commit()
    since, until = start + timedelta(hours=7, minutes=30), start + timedelta(days=4, hours=15)
    assert whole_days(since, until) == (since.date() + timedelta(days=1), until.date())
    got = {t.status: t.n for t in await tallies(db, scope_path=d.district.path, since=since, until=until)}
    expected = await db.execute(
        text("select status, count(*) from patrols where started_at >= :a and started_at < :b group by 1"),
        {"a": since, "b": until},
    )
    assert got == dict(expected.all())
    assert whole_days(since, since + timedelta(hours=5)) is None  # within one day: all raw


async def test_concurrent_writers_of_one_unit_and_day_do_not_wait_for_each_other(engine, db):
    """Two open transactions add patrols of the same unit, day and status: the second does not
    wait for the first to commit (the trigger skips a row another writer holds)."""
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    await add_patrol(db, d.community1, d.users["worker1"], facility)  # the key's row exists, unlocked
    await db.commit()
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as first, sessions() as second:
        await add_patrol(first, d.community1, d.users["worker1"], facility)  # holds the key's row
        await second.execute(text("set local lock_timeout = '2s'"))
        await asyncio.wait_for(add_patrol(second, d.community1, d.users["worker1"], facility), 5)
        await second.commit()
        await first.commit()
    await assert_tallies_match(db)
