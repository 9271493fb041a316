"""The weekly station report (服务站周报): GET /reports/weekly and PUT /reports/weekly/{unit}/{week};
api/weekly_print.py prints it for the weekly video meeting.

Weeks are ISO weeks in China time (Monday 00:00 +08:00 to the next Monday). Figures are drafted
by the server from the records (storage/queries/weekly.py); the station head adds remarks and
submits. Each unit is shown beside the week before, with the figures that got worse named."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated

import msgspec
from litestar import Controller, get, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.dates import check_day
from api.deps import CurrentUser, DbSession, Principal, record_audit
from api.reports import CHINA
from api.stations import works_in
from api.types import In, Text
from storage.errors import Invalid, NotFound
from storage.models import OrgUnit
from storage.queries import org_units, weekly
from storage.queries.weekly import Figures
from storage.vocabulary import UnitLevel

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
Week = Annotated[str | None, QueryParameter(max_length=8, description="ISO week, e.g. 2026-W48 (China time)")]
# Figures where more is worse, and where fewer is worse; the rest are not judged.
MORE_IS_WORSE = ("facilities_overdue", "subjects_overdue", "tasks_overdue", "flagged_records")
FEWER_IS_WORSE = ("patrols_done", "inspections_done", "tasks_closed", "visits_total")


class WeeklyFigures(msgspec.Struct):
    patrols_done: int
    patrols_due: int
    facilities_overdue: int
    visits: dict[str, int]
    visits_total: int
    subjects_overdue: int
    cash_yuan: float
    goods: int
    inspections_done: int
    tasks_opened: int
    tasks_closed: int
    tasks_overdue: int
    flagged_records: int


class WeeklyUnit(msgspec.Struct):
    org_unit_id: uuid.UUID
    name: str
    level: UnitLevel
    parent_id: uuid.UUID | None
    figures: WeeklyFigures
    previous: WeeklyFigures
    worse: list[str]  # names of figures worse than the week before
    remarks: str
    remarks_by: str | None
    submitted_at: datetime | None


class WeeklyOut(msgspec.Struct):
    week: str
    from_: date = msgspec.field(name="from")
    to: date
    units: list[WeeklyUnit] = msgspec.field(default_factory=list)


class RemarksIn(In):
    remarks: Text
    submit: bool = False


class RemarksOut(msgspec.Struct):
    org_unit_id: uuid.UUID
    week: str
    remarks: str
    remarks_by: str | None
    submitted_at: datetime | None


def week_bounds(week: str | None) -> tuple[str, datetime, datetime]:
    """The week's name and its [Monday, next Monday) in China time; the current week by default."""
    if week is None:
        year, number, _ = datetime.now(CHINA).isocalendar()
        week = f"{year}-W{number:02d}"
    match = WEEK.match(week)
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1) if match else None
    except ValueError:
        monday = None
    if monday is None:
        raise Invalid("week must be an ISO week such as 2026-W48", field="week")
    check_day(monday, "week")
    since = datetime.combine(monday, time(), CHINA)
    if since > datetime.now(CHINA):
        raise Invalid("that week has not begun", field="week")
    return week, since, since + timedelta(days=7)


def previous_week(since: datetime) -> str:
    year, number, _ = (since - timedelta(days=7)).isocalendar()
    return f"{year}-W{number:02d}"


def figures_out(f: Figures) -> WeeklyFigures:
    return WeeklyFigures(
        patrols_done=f.patrols_done,
        patrols_due=f.patrols_due,
        facilities_overdue=f.facilities_overdue,
        visits=dict(f.visits),
        visits_total=sum(f.visits.values()),
        subjects_overdue=f.subjects_overdue,
        cash_yuan=float(f.cash_yuan),
        goods=f.goods,
        inspections_done=f.inspections_done,
        tasks_opened=f.tasks_opened,
        tasks_closed=f.tasks_closed,
        tasks_overdue=f.tasks_overdue,
        flagged_records=f.flagged_records,
    )


def worse(now: WeeklyFigures, before: WeeklyFigures) -> list[str]:
    return [n for n in MORE_IS_WORSE if getattr(now, n) > getattr(before, n)] + [
        n for n in FEWER_IS_WORSE if getattr(now, n) < getattr(before, n)
    ]


async def readable_unit(db_session: DbSession, user: Principal, org_unit_id: uuid.UUID | None) -> OrgUnit:
    """Supervisors and admins read units in scope; a station head reads their own station, while
    they work in it (api/stations.py clears a head who moves; this holds whatever the row says)."""
    unit_id = org_unit_id or user.org_unit_id
    if user.reviews:
        return await org_units.get_unit(db_session, unit_id=unit_id, scope_path=user.scope_path)
    unit = await org_units.get_unit(db_session, unit_id=unit_id)
    if unit.head_user_id != user.id or not works_in(user, unit):
        raise NotFound("no such org unit in your scope", field="org_unit_id", code="unit_not_found")
    return unit


async def build(db_session: DbSession, unit: OrgUnit, week: str | None, *, all_levels: bool = False) -> WeeklyOut:
    """The unit then each unit directly below it (or, for the printed report, every unit below)."""
    name, since, until = week_bounds(week)
    now = datetime.now(timezone.utc)
    units = await weekly.subtree(db_session, unit=unit)
    this = weekly.fold(
        units,
        await weekly.week_figures(db_session, units=units, scope_path=unit.path, since=since, until=until, now=now),
    )
    before = weekly.fold(
        units,
        await weekly.week_figures(
            db_session, units=units, scope_path=unit.path, since=since - timedelta(days=7), until=since, now=now
        ),
    )
    shown = [unit] + sorted((u for u in units if u.parent_id == unit.id), key=lambda u: u.name)
    if all_levels:
        order = {"district": 0, "street": 1, "community": 2}
        shown = sorted(units, key=lambda u: (order[u.level], u.path.count("/"), u.name))
    remarks = await weekly.remarks_for(db_session, unit_ids=[u.id for u in shown], week=name)
    out = WeeklyOut(week=name, from_=since.date(), to=(until - timedelta(days=1)).date())
    for u in shown:
        figures, previous = figures_out(this[u.id]), figures_out(before[u.id])
        report, by = remarks.get(u.id, (None, None))
        out.units.append(
            WeeklyUnit(
                org_unit_id=u.id,
                name=u.name,
                level=u.level,
                parent_id=u.parent_id,
                figures=figures,
                previous=previous,
                worse=worse(figures, previous),
                remarks=report.remarks if report else "",
                remarks_by=by or None,
                submitted_at=report.submitted_at if report else None,
            )
        )
    return out


class WeeklyReportController(Controller):
    path = "/api/v1"
    tags = ["reports"]

    @get("/reports/weekly", operation_id="GetWeeklyReport")
    async def get_weekly(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        week: Week = None,
    ) -> WeeklyOut:
        unit = await readable_unit(db_session, user, org_unit_id)
        return await build(db_session, unit, week)

    @put(
        "/reports/weekly/{org_unit_id:uuid}/{week:str}",
        operation_id="PutWeeklyRemarks",
        status_code=200,
        request_max_body_size=16_384,
    )
    async def put_remarks(
        self,
        org_unit_id: FromPath[uuid.UUID],
        week: FromPath[str],
        data: JSONBody[RemarksIn],
        user: CurrentUser,
        db_session: DbSession,
    ) -> RemarksOut:
        """By the station's head, a supervisor whose scope covers the unit, or an admin."""
        unit = await readable_unit(db_session, user, org_unit_id)
        name, _, _ = week_bounds(week)
        report = await weekly.save_remarks(
            db_session,
            unit_id=unit.id,
            week=name,
            remarks=data.remarks.strip(),
            by=user.id,
            submit=data.submit,
            now=datetime.now(timezone.utc),
        )
        await record_audit(
            db_session,
            user,
            "weekly_remarks",
            entity="weekly_report",
            entity_id=unit.id,
            org_unit_id=unit.id,
            week=name,
            submit=data.submit,
        )
        return RemarksOut(
            org_unit_id=unit.id,
            week=name,
            remarks=report.remarks,
            remarks_by=user.display_name,
            submitted_at=report.submitted_at,
        )
