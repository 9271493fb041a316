"""Coverage report (覆盖情况): per unit and period, computed with GROUP BY in the database.

Each query groups by the record's org unit (and category, type or status); no record row comes
to Python, only one small row per unit and group. The units of the subtree are then folded into
the requested unit's children, each child standing for its own subtree."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Facility, OrgUnit, Patrol, Subject, Task, Visit
from storage.queries import facilities as facility_queries
from storage.queries import subjects as subject_queries
from storage.queries.common import in_scope
from storage.queries.tallies import tallies

COUNTED = ("submitted", "approved")  # a record counts once it is complete and not returned
AGE_BUCKETS = ((7, "0-7"), (15, "8-15"), (30, "16-30"), (None, "31+"))


def _zero_subject() -> dict[str, int]:
    return {"total": 0, "due": 0, "visited": 0, "overdue": 0}


@dataclass
class Coverage:
    """Figures for one unit's subtree."""

    facilities: dict[str, int] = field(default_factory=lambda: {"total": 0, "due": 0, "patrolled": 0, "overdue": 0,
                                                                                "unpatrolled": 0})
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
    days = func.extract("epoch", func.now() - opened_at) / 86400
    whens = [(days <= limit, label) for limit, label in AGE_BUCKETS if limit is not None]
    return case(*whens, else_=AGE_BUCKETS[-1][1])


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).all())


async def coverage(
    session: AsyncSession, *, unit: OrgUnit, since: datetime, until: datetime,
) -> tuple[list[OrgUnit], dict[uuid.UUID, Coverage], Coverage]:
    """The unit's direct children (with the unit itself first when it holds records of its own),
    each child's figures over its subtree, and the total for the whole unit."""
    units = (await session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True)).order_by(OrgUnit.path))).all()
    group_of: dict[uuid.UUID, uuid.UUID] = {}
    for u in units:
        rest = u.path[len(unit.path):].strip("/")
        group_of[u.id] = uuid.UUID(rest.split("/")[0]) if rest else unit.id
    by_group: dict[uuid.UUID, Coverage] = defaultdict(Coverage)
    total = Coverage()
    scope = unit.path

    def targets(unit_id: uuid.UUID) -> tuple[Coverage, Coverage]:
        return by_group[group_of.get(unit_id, unit.id)], total

    # Facilities: due in the period when the last approved patrol before it (or the day the
    # facility was added) plus its interval falls before the period's end.
    last_before = (select(func.max(Patrol.started_at)).where(
        Patrol.facility_id == Facility.id, Patrol.status == "approved", Patrol.started_at < since)
        .correlate(Facility).scalar_subquery())
    due_at = func.coalesce(last_before, Facility.created_at) + func.make_interval(0, 0, 0, Facility.patrol_interval_days)
    patrolled = exists().where(Patrol.facility_id == Facility.id, Patrol.started_at >= since,
                               Patrol.started_at < until, Patrol.status.in_(COUNTED))
    query: Any = select(
        Facility.org_unit_id, func.count(),
        func.count().filter(due_at < until),
        func.count().filter(patrolled),
        func.count().filter(facility_queries.next_due_at() < func.now()),
        # Due in the period and not patrolled in it: never contradicts "patrolled / due".
        func.count().filter(and_(due_at < until, ~patrolled)),
    ).where(in_scope(Facility.org_unit_id, scope), Facility.created_at < until).group_by(Facility.org_unit_id)
    for unit_id, n, due, done, late, missed in await _rows(session, query):
        for c in targets(unit_id):
            for key, value in (("total", n), ("due", due), ("patrolled", done), ("overdue", late),
                               ("unpatrolled", missed)):
                c.facilities[key] += value

    # Subjects by category: due when the last visit before the period plus the interval falls in it.
    last_visit = (select(func.max(Visit.visited_at)).where(
        Visit.subject_id == Subject.id, Visit.status.in_(COUNTED), Visit.visited_at < since)
        .correlate(Subject).scalar_subquery())
    due_at = func.coalesce(last_visit, Subject.created_at) + func.make_interval(0, 0, 0, Subject.visit_interval_days)
    visited = exists().where(Visit.subject_id == Subject.id, Visit.visited_at >= since, Visit.visited_at < until,
                             Visit.status.in_(COUNTED))
    query = select(
        Subject.org_unit_id, Subject.category, func.count(), func.count().filter(due_at < until),
        func.count().filter(visited), func.count().filter(subject_queries.next_due_at() < func.now()),
    ).where(in_scope(Subject.org_unit_id, scope), Subject.created_at < until).group_by(
        Subject.org_unit_id, Subject.category)
    for unit_id, category, n, due, done, late in await _rows(session, query):
        for c in targets(unit_id):
            row = c.subjects_by_category[category]
            for key, value in (("total", n), ("due", due), ("visited", done), ("overdue", late)):
                row[key] += value

    bucket = _age_bucket(Task.opened_at)
    query = (select(Task.org_unit_id, Task.status, bucket, func.count(),
                    func.count().filter(and_(Task.status == "open", Task.due_at < func.now())))
             .where(in_scope(Task.org_unit_id, scope), Task.status.in_(("open", "fixed")))
             .group_by(Task.org_unit_id, Task.status, bucket))
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


async def facility_map(session: AsyncSession, *, unit: OrgUnit, since: datetime, until: datetime) -> list[Any]:
    """Each facility in the subtree with what colours it on the map: overdue, open tasks, patrolled."""
    open_tasks = (select(func.count()).where(Task.facility_id == Facility.id, Task.status == "open")
                  .correlate(Facility).scalar_subquery())
    patrolled = exists().where(Patrol.facility_id == Facility.id, Patrol.started_at >= since,
                               Patrol.started_at < until, Patrol.status.in_(COUNTED))
    query = select(
        Facility.id, Facility.name, Facility.lat, Facility.lon, Facility.geofence_m, Facility.org_unit_id,
        Facility.last_patrol_at, (facility_queries.next_due_at() < func.now()).label("overdue"),
        open_tasks.label("open_tasks"), patrolled.label("patrolled"),
    ).where(in_scope(Facility.org_unit_id, unit.path)).order_by(Facility.name).limit(5000)
    return await _rows(session, query)
