"""Coverage report (覆盖情况): per unit and period, computed with GROUP BY in the database.

Each query groups by the record's org unit (and category, type or status); no record row comes
to Python, only one small row per unit and group. Records are summed from their tallies
(storage/queries/tallies.py); a whole-day period's site figures are kept (site_figures). The
units of the subtree are then folded into the requested unit's children, each child standing for
its own subtree."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Facility, OrgUnit, Patrol, SiteFigures, Subject, Task, Visit
from storage.queries import facilities as facility_queries
from storage.queries import subjects as subject_queries
from storage.queries.common import in_scope, kept_under_lock
from storage.queries.tallies import is_midnight, tallies

COUNTED = ("submitted", "approved")  # a record counts once it is complete and not returned
AGE_BUCKETS = ((7, "0-7"), (15, "8-15"), (30, "16-30"), (None, "31+"))
KEEP_FOR = timedelta(days=7)  # kept site figures not asked for again in this long are dropped


def _zero_subject() -> dict[str, int]:
    return {"total": 0, "due": 0, "visited": 0, "overdue": 0}


@dataclass
class Coverage:
    """Figures for one unit's subtree."""

    facilities: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "due": 0, "patrolled": 0, "overdue": 0, "unpatrolled": 0}
    )
    patrols_by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    subjects_by_category: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_zero_subject))
    visits_by_type: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cash_yuan: Decimal = Decimal("0")
    goods_visits: int = 0
    tasks: dict[str, int] = field(default_factory=lambda: {"open": 0, "fixed": 0, "overdue": 0})
    open_task_age: dict[str, int] = field(default_factory=lambda: {label: 0 for _, label in AGE_BUCKETS})
    # Stations (street and community units) and how many had a counted inspection in the period.
    stations: dict[str, int] = field(default_factory=lambda: {"total": 0, "inspected": 0})
    inspections_by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _age_bucket(opened_at: Any) -> Any:
    """Opened at most `limit` days (of 86,400 s) before the transaction's now(): compared with a
    time, not as a day count worked out per row; the same buckets, at a fraction of the cost over
    many open tasks."""
    whens = [
        (opened_at >= func.now() - timedelta(days=limit), label) for limit, label in AGE_BUCKETS if limit is not None
    ]
    return case(*whens, else_=AGE_BUCKETS[-1][1])


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).all())


async def coverage(
    session: AsyncSession,
    *,
    unit: OrgUnit,
    since: datetime,
    until: datetime,
) -> tuple[list[OrgUnit], dict[uuid.UUID, Coverage], Coverage]:
    """The unit's direct children (with the unit itself first when it holds records of its own),
    each child's figures over its subtree, and the total for the whole unit."""
    units = (
        await session.scalars(
            select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True)).order_by(OrgUnit.path)
        )
    ).all()
    group_of: dict[uuid.UUID, uuid.UUID] = {}
    for u in units:
        rest = u.path[len(unit.path) :].strip("/")
        group_of[u.id] = uuid.UUID(rest.split("/")[0]) if rest else unit.id
    by_group: dict[uuid.UUID, Coverage] = defaultdict(Coverage)
    total = Coverage()
    scope = unit.path

    def targets(unit_id: uuid.UUID) -> tuple[Coverage, Coverage]:
        return by_group[group_of.get(unit_id, unit.id)], total

    for unit_id, figures in (
        await site_figures(session, unit_ids=[u.id for u in units], since=since, until=until)
    ).items():
        for category, row in figures["subjects"].items():
            for c in targets(unit_id):
                for key, value in row.items():
                    c.subjects_by_category[category][key] += value
        if figures["facilities"]["total"]:
            for c in targets(unit_id):
                for key, value in figures["facilities"].items():
                    c.facilities[key] += value
    # Overdue now, from the last approved patrol or counted visit kept on each site.
    query: Any = (
        select(Facility.org_unit_id, func.count().filter(facility_queries.next_due_at() < func.now()))
        .where(in_scope(Facility.org_unit_id, scope), Facility.created_at < until)
        .group_by(Facility.org_unit_id)
    )
    for unit_id, late in await _rows(session, query):
        for c in targets(unit_id):
            c.facilities["overdue"] += late
    query = (
        select(Subject.org_unit_id, Subject.category, func.count().filter(subject_queries.next_due_at() < func.now()))
        .where(in_scope(Subject.org_unit_id, scope), Subject.created_at < until)
        .group_by(Subject.org_unit_id, Subject.category)
    )
    for unit_id, category, late in await _rows(session, query):
        for c in targets(unit_id):
            c.subjects_by_category[category]["overdue"] += late

    bucket = _age_bucket(Task.opened_at)
    query = (
        select(
            Task.org_unit_id,
            Task.status,
            bucket,
            func.count(),
            func.count().filter(and_(Task.status == "open", Task.due_at < func.now())),
        )
        .where(in_scope(Task.org_unit_id, scope), Task.status.in_(("open", "fixed")))
        .group_by(Task.org_unit_id, Task.status, bucket)
    )
    for unit_id, status, age, n, late in await _rows(session, query):
        for c in targets(unit_id):
            c.tasks[status] += n
            c.tasks["overdue"] += late
            if status == "open":
                c.open_task_age[age] += n

    # Patrols and inspections by status; visits once counted, by type, with cash and goods.
    inspected: set[uuid.UUID] = set()
    for t in await tallies(session, scope_path=scope, since=since, until=until):
        if not t.n or (t.kind == "visit" and t.status not in COUNTED):
            continue  # no such records (a unit's row appears only for what it holds)
        if t.kind == "inspection" and t.status in COUNTED:
            inspected.add(t.org_unit_id)
        for c in targets(t.org_unit_id):
            if t.kind == "patrol":
                c.patrols_by_status[t.status] += t.n
            elif t.kind == "inspection":
                c.inspections_by_status[t.status] += t.n
            else:
                c.visits_by_type[t.visit_type] += t.n
                c.cash_yuan += t.cash
                c.goods_visits += t.goods
    for u in units:
        if u.level == "district":
            continue
        # The asked unit's own station counts in the total, and in its own row only when it has one.
        for c in targets(u.id) if u.id != unit.id or unit.id in by_group else (total,):
            c.stations["total"] += 1
            c.stations["inspected"] += u.id in inspected

    shown = sorted((u for u in units if u.parent_id == unit.id), key=lambda u: u.name)
    if unit.id in by_group:
        shown.insert(0, unit)
    return shown, by_group, total


async def _site_figures(
    session: AsyncSession, *, unit_ids: list[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """Each unit's own facilities {total, due, patrolled, unpatrolled} and subjects by category
    {total, due, visited} for [since, until) (a site counts once it was added before the end)."""
    out: dict[uuid.UUID, dict[str, Any]] = {
        u: {"facilities": {"total": 0, "due": 0, "patrolled": 0, "unpatrolled": 0}, "subjects": {}} for u in unit_ids
    }
    # Facilities: due in the period when the last approved patrol before it (or the day the
    # facility was added) plus its interval falls before the period's end.
    last_before = (
        select(func.max(Patrol.started_at))
        .where(Patrol.facility_id == Facility.id, Patrol.status == "approved", Patrol.started_at < since)
        .correlate(Facility)
        .scalar_subquery()
    )
    due_at = func.coalesce(last_before, Facility.created_at) + func.make_interval(
        0, 0, 0, Facility.patrol_interval_days
    )
    patrolled = exists().where(
        Patrol.facility_id == Facility.id,
        Patrol.started_at >= since,
        Patrol.started_at < until,
        Patrol.status.in_(COUNTED),
    )
    query: Any = (
        select(
            Facility.org_unit_id,
            func.count(),
            func.count().filter(due_at < until),
            func.count().filter(patrolled),
            # Due in the period and not patrolled in it: never contradicts "patrolled / due".
            func.count().filter(and_(due_at < until, ~patrolled)),
        )
        .where(Facility.org_unit_id.in_(unit_ids), Facility.created_at < until)
        .group_by(Facility.org_unit_id)
    )
    for unit_id, n, due, done, missed in await _rows(session, query):
        out[unit_id]["facilities"] = {"total": n, "due": due, "patrolled": done, "unpatrolled": missed}

    # Subjects by category: due when the last visit before the period plus the interval falls in it.
    last_visit = (
        select(func.max(Visit.visited_at))
        .where(Visit.subject_id == Subject.id, Visit.status.in_(COUNTED), Visit.visited_at < since)
        .correlate(Subject)
        .scalar_subquery()
    )
    due_at = func.coalesce(last_visit, Subject.created_at) + func.make_interval(0, 0, 0, Subject.visit_interval_days)
    visited = exists().where(
        Visit.subject_id == Subject.id, Visit.visited_at >= since, Visit.visited_at < until, Visit.status.in_(COUNTED)
    )
    query = (
        select(
            Subject.org_unit_id,
            Subject.category,
            func.count(),
            func.count().filter(due_at < until),
            func.count().filter(visited),
        )
        .where(Subject.org_unit_id.in_(unit_ids), Subject.created_at < until)
        .group_by(Subject.org_unit_id, Subject.category)
    )
    for unit_id, category, n, due, done in await _rows(session, query):
        out[unit_id]["subjects"][category] = {"total": n, "due": due, "visited": done}
    return out


async def site_figures(
    session: AsyncSession, *, unit_ids: list[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """_site_figures of each unit. Those of a period of whole China days (as the dashboard asks)
    are kept in site_figures until a record of the unit's sites or a site changes, so a report
    asked again costs a read rather than two index probes per site; periods with times of day
    are computed each time (they rarely repeat)."""
    if not (is_midnight(since) and is_midnight(until)):
        return await _site_figures(session, unit_ids=unit_ids, since=since, until=until)

    async def kept(s: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        return dict(
            (
                await s.execute(
                    select(SiteFigures.org_unit_id, SiteFigures.figures).where(
                        SiteFigures.since == since, SiteFigures.until == until, SiteFigures.org_unit_id.in_(ids)
                    )
                )
            ).all()
        )

    out = await kept(session, unit_ids)
    missing = [u for u in unit_ids if u not in out]
    if missing:
        async with kept_under_lock(session, "site_figures") as locked:  # see migration c5f1a9d8e243
            out |= await kept(locked, missing)  # another report may have stored them meanwhile
            missing = [u for u in missing if u not in out]
            if missing:
                fresh = await _site_figures(locked, unit_ids=missing, since=since, until=until)
                await locked.execute(
                    insert(SiteFigures)
                    .values(
                        [{"org_unit_id": u, "since": since, "until": until, "figures": f} for u, f in fresh.items()]
                    )
                    .on_conflict_do_nothing()
                )
                # Figures computed over a week ago go (and are computed again if asked): the table
                # stays the size of what is asked lately.
                await locked.execute(delete(SiteFigures).where(SiteFigures.computed_at < func.now() - KEEP_FOR))
                out |= fresh
    return out


async def facility_map(session: AsyncSession, *, unit: OrgUnit, since: datetime, until: datetime) -> list[Any]:
    """Each facility in the subtree with what colours it on the map: overdue, open tasks, patrolled."""
    open_tasks = (
        select(func.count())
        .where(Task.facility_id == Facility.id, Task.status == "open")
        .correlate(Facility)
        .scalar_subquery()
    )
    patrolled = exists().where(
        Patrol.facility_id == Facility.id,
        Patrol.started_at >= since,
        Patrol.started_at < until,
        Patrol.status.in_(COUNTED),
    )
    query = (
        select(
            Facility.id,
            Facility.name,
            Facility.lat,
            Facility.lon,
            Facility.geofence_m,
            Facility.org_unit_id,
            Facility.last_patrol_at,
            (facility_queries.next_due_at() < func.now()).label("overdue"),
            open_tasks.label("open_tasks"),
            patrolled.label("patrolled"),
        )
        .where(in_scope(Facility.org_unit_id, unit.path))
        .order_by(Facility.name)
        .limit(5000)
    )
    return await _rows(session, query)
