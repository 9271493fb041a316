"""The weekly station report (服务站周报): figures per unit and week, and the heads' remarks.

Records are summed from their tallies (storage/queries/tallies.py), sites and tasks with one
GROUP BY each, scoped by path: the database sends one small row per unit, never a record. Figures
of a unit's own rows are then added up the tree in Python, so one pass gives every unit of the
subtree (the PDF has a table per level). Definitions
match /reports/coverage (storage/queries/reports.py) for the same days: a patrol or inspection is
done when it is not returned; visits count once complete and not returned."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Executable, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, NotFound
from storage.models import Facility, OrgUnit, Patrol, Subject, Task, User, Visit, WeeklyFigures, WeeklyReport
from storage.queries.common import in_scope, kept_under_lock
from storage.queries.reports import COUNTED
from storage.queries.tallies import tallies


@dataclass
class Figures:
    patrols_done: int = 0
    patrols_due: int = 0
    facilities_overdue: int = 0
    visits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    subjects_overdue: int = 0
    cash_yuan: Decimal = Decimal("0")
    goods: int = 0
    inspections_done: int = 0
    tasks_opened: int = 0
    tasks_closed: int = 0
    tasks_overdue: int = 0
    flagged_records: int = 0

    def add(self, other: Figures) -> None:
        for name, value in vars(other).items():
            if name == "visits":
                for kind, n in value.items():
                    self.visits[kind] += n
            else:
                setattr(self, name, getattr(self, name) + value)


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).all())


async def own_figures(
    session: AsyncSession, *, scope_path: str, since: datetime, until: datetime, at: datetime
) -> dict[uuid.UUID, Figures]:
    """Each unit's own figures (not its subtree's) for [since, until); states such as overdue are
    taken at `at` (the week's end, or now for the week under way)."""
    own: dict[uuid.UUID, Figures] = defaultdict(Figures)
    # Patrols and inspections done (not returned); visits once counted, by type, with cash and
    # goods; flagged records of every kind and status.
    for t in await tallies(session, scope_path=scope_path, since=since, until=until):
        f = own[t.org_unit_id]
        f.flagged_records += t.flagged
        if t.kind == "patrol" and t.status != "returned":
            f.patrols_done += t.n
        elif t.kind == "inspection" and t.status != "returned":
            f.inspections_done += t.n
        elif t.kind == "visit" and t.status in COUNTED:
            if t.n:
                f.visits[t.visit_type] += t.n
            f.cash_yuan += t.cash
            f.goods += t.goods

    # Facilities: due as in the coverage report; overdue when the last approved patrol before `at`
    # (or the day the facility was added) plus its interval is before `at`.
    def last_patrol(before: datetime) -> Any:
        return (
            select(func.max(Patrol.started_at))
            .where(Patrol.facility_id == Facility.id, Patrol.status == "approved", Patrol.started_at < before)
            .correlate(Facility)
            .scalar_subquery()
        )

    interval = func.make_interval(0, 0, 0, Facility.patrol_interval_days)
    query: Executable  # each query below has its own row shape
    query = (
        select(
            Facility.org_unit_id,
            func.count().filter(func.coalesce(last_patrol(since), Facility.created_at) + interval < until),
            func.count().filter(func.coalesce(last_patrol(at), Facility.created_at) + interval < at),
        )
        .where(in_scope(Facility.org_unit_id, scope_path), Facility.created_at < until)
        .group_by(Facility.org_unit_id)
    )
    for unit_id, due, overdue in await _rows(session, query):
        own[unit_id].patrols_due += due
        own[unit_id].facilities_overdue += overdue

    last_visit = (
        select(func.max(Visit.visited_at))
        .where(Visit.subject_id == Subject.id, Visit.status.in_(COUNTED), Visit.visited_at < at)
        .correlate(Subject)
        .scalar_subquery()
    )
    overdue = func.coalesce(last_visit, Subject.created_at) + func.make_interval(0, 0, 0, Subject.visit_interval_days)
    query = (
        select(Subject.org_unit_id, func.count().filter(overdue < at))
        .where(in_scope(Subject.org_unit_id, scope_path), Subject.created_at < until)
        .group_by(Subject.org_unit_id)
    )
    for unit_id, n in await _rows(session, query):
        own[unit_id].subjects_overdue += n

    # Tasks: opened in the week (and not withdrawn), accepted in the week, and overdue at `at`
    # (open then: not yet fixed, past its deadline).
    live = Task.status != "cancelled"
    query = (
        select(
            Task.org_unit_id,
            func.count().filter(and_(live, Task.opened_at >= since, Task.opened_at < until)),
            func.count().filter(and_(Task.accepted_at >= since, Task.accepted_at < until)),
            func.count().filter(
                and_(
                    live,
                    Task.opened_at < at,
                    Task.due_at < at,
                    or_(Task.fixed_at.is_(None), Task.fixed_at >= at),
                    or_(Task.accepted_at.is_(None), Task.accepted_at >= at),
                )
            ),
        )
        .where(
            in_scope(Task.org_unit_id, scope_path),
            or_(
                Task.status.in_(("open", "fixed")),
                Task.opened_at >= since,
                Task.accepted_at >= since,
                Task.fixed_at >= since,
            ),
        )
        .group_by(Task.org_unit_id)
    )
    for unit_id, opened, closed, late in await _rows(session, query):
        own[unit_id].tasks_opened += opened
        own[unit_id].tasks_closed += closed
        own[unit_id].tasks_overdue += late
    return own


def _to_json(f: Figures) -> dict[str, Any]:
    return {**vars(f), "visits": dict(f.visits), "cash_yuan": str(f.cash_yuan)}


def _from_json(raw: dict[str, Any]) -> Figures:
    return Figures(**{**raw, "visits": defaultdict(int, raw["visits"]), "cash_yuan": Decimal(raw["cash_yuan"])})


async def week_figures(
    session: AsyncSession, *, units: Sequence[OrgUnit], scope_path: str, since: datetime, until: datetime, now: datetime
) -> dict[uuid.UUID, Figures]:
    """Own figures of each unit for the week [since, until). A week that is over is computed once and
    kept in weekly_figures (dropped by triggers when a record of it or of an earlier week changes),
    so last week's report costs the same at a million records as at ten thousand; the week under
    way is always computed."""
    if until > now:
        return await own_figures(session, scope_path=scope_path, since=since, until=until, at=now)
    ids = [u.id for u in units]
    kept = await _kept(session, ids, since.date())
    if kept is not None:
        return kept
    async with kept_under_lock(session, "weekly_figures") as locked:  # see migration b8e4f6a31d72
        kept = await _kept(locked, ids, since.date())  # another report may have stored them meanwhile
        if kept is not None:
            return kept
        own = await own_figures(locked, scope_path=scope_path, since=since, until=until, at=until)
        rows = [
            {"org_unit_id": unit_id, "week_start": since.date(), "figures": _to_json(own.get(unit_id) or Figures())}
            for unit_id in ids
        ]
        await locked.execute(insert(WeeklyFigures).values(rows).on_conflict_do_nothing())
    return {unit_id: own.get(unit_id) or Figures() for unit_id in ids}


async def _kept(session: AsyncSession, ids: list[uuid.UUID], monday: date) -> dict[uuid.UUID, Figures] | None:
    """The kept figures of the week of `monday` for all of `ids`, or None when any is missing."""
    kept = {
        row.org_unit_id: row.figures
        for row in (
            await session.scalars(
                select(WeeklyFigures).where(WeeklyFigures.week_start == monday, WeeklyFigures.org_unit_id.in_(ids))
            )
        ).all()
    }
    return {unit_id: _from_json(raw) for unit_id, raw in kept.items()} if len(kept) == len(ids) else None


def fold(units: Sequence[OrgUnit], own: dict[uuid.UUID, Figures]) -> dict[uuid.UUID, Figures]:
    """Each unit's figures over its subtree: a unit's own rows added to it and every ancestor."""
    ids = {u.id for u in units}
    total: dict[uuid.UUID, Figures] = {u.id: Figures() for u in units}
    path_of = {u.id: u.path for u in units}
    for unit_id, figures in own.items():
        for part in path_of.get(unit_id, "").strip("/").split("/"):
            if part and uuid.UUID(part) in ids:
                total[uuid.UUID(part)].add(figures)
    return total


async def subtree(session: AsyncSession, *, unit: OrgUnit) -> Sequence[OrgUnit]:
    return (
        await session.scalars(
            select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True)).order_by(OrgUnit.path)
        )
    ).all()


# --- remarks ---------------------------------------------------------------------------------


async def remarks_for(
    session: AsyncSession, *, unit_ids: Sequence[uuid.UUID], week: str
) -> dict[uuid.UUID, tuple[WeeklyReport, str]]:
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(WeeklyReport, func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == WeeklyReport.remarks_by_id)
        .where(WeeklyReport.org_unit_id.in_(set(unit_ids)), WeeklyReport.week == week)
    )
    return {r.org_unit_id: (r, name) for r, name in rows}


async def save_remarks(
    session: AsyncSession, *, unit_id: uuid.UUID, week: str, remarks: str, by: uuid.UUID, submit: bool, now: datetime
) -> WeeklyReport:
    """Remarks may change until submitted; once submitted they are final. The same submission
    arriving again (a phone's outbox resending after a lost answer) is answered with the stored
    report, changing nothing."""
    await session.execute(
        insert(WeeklyReport)
        .values(org_unit_id=unit_id, week=week)
        .on_conflict_do_nothing(index_elements=["org_unit_id", "week"])
    )
    report = await session.scalar(
        select(WeeklyReport).where(WeeklyReport.org_unit_id == unit_id, WeeklyReport.week == week).with_for_update()
    )
    if report is None:  # made just above if missing; reports are never deleted
        raise NotFound("weekly report")
    if report.submitted_at is not None:
        if submit and report.remarks == remarks:
            return report
        raise Conflict("this week's report was submitted; its remarks are final")
    report.remarks, report.remarks_by_id, report.updated_at = remarks, by, now
    if submit:
        report.submitted_at = now
    await session.flush()
    return report
