"""GET /reports/coverage and GET /reports/facility-map: what supervisors report upward.

`from` and `to` are dates (YYYY-MM-DD, China time; `to` inclusive) or RFC 3339 times (`to`
exclusive); by default the current month so far; both within api/dates.py's range."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal, cast

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from api.dates import CHINA, check_day, check_time
from api.deps import CurrentUser, DbSession
from storage.errors import Invalid
from storage.queries import org_units, reports
from storage.queries.reports import Coverage
from storage.vocabulary import SubjectCategory, UnitLevel

MAX_SPAN = timedelta(days=3660)
PeriodEdge = Annotated[str | None, QueryParameter(name="from", max_length=40)]
PeriodEnd = Annotated[str | None, QueryParameter(max_length=40)]


class FacilityFigures(msgspec.Struct):
    total: int
    due: int
    patrolled: int
    overdue: int
    unpatrolled: int = 0  # due in the period and not patrolled in it (the dashboard's "逾期未巡查")


class SubjectFigures(msgspec.Struct):
    category: SubjectCategory | Literal["all"]  # "all": the unit's total over every category
    total: int
    due: int
    visited: int
    overdue: int


class TaskFigures(msgspec.Struct):
    open: int
    fixed: int
    overdue: int
    open_age_days: dict[str, int]


class UnitCoverage(msgspec.Struct):
    org_unit_id: uuid.UUID
    name: str
    level: UnitLevel
    facilities: FacilityFigures
    patrols_by_status: dict[str, int]
    subjects: list[SubjectFigures]
    subjects_total: SubjectFigures
    visits_by_type: dict[str, int]
    cash_yuan: float
    goods_visits: int
    tasks: TaskFigures
    stations: dict[str, int] | None = None  # {"total", "inspected"}: stations with an inspection in the period
    inspections_by_status: dict[str, int] | None = None


class CoverageOut(msgspec.Struct):
    org_unit_id: uuid.UUID
    period_from: datetime
    period_to: datetime
    total: UnitCoverage
    units: list[UnitCoverage]


class FacilityDot(msgspec.Struct):
    id: uuid.UUID
    name: str
    lat: float
    lon: float
    geofence_m: int
    org_unit_id: uuid.UUID
    last_patrol_at: datetime | None
    overdue: bool
    open_tasks: int
    patrolled_in_period: bool
    status: Literal["overdue", "open_task", "ok"]


class FacilityMapOut(msgspec.Struct):
    items: list[FacilityDot]


def _edge(value: str | None, field: str, *, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        at = (
            datetime.combine(date.fromisoformat(value), time(), CHINA)
            if len(value) == 10
            else (datetime.fromisoformat(value.replace("Z", "+00:00")))
        )
    except ValueError as exc:
        raise Invalid(f"{field} must be a date (2026-11-01) or a time with an offset", field=field) from exc
    if len(value) == 10:
        return datetime.combine(check_day(at.date(), field) + timedelta(days=1 if end else 0), time(), CHINA)
    if at.tzinfo is None:
        raise Invalid(f"{field} needs a UTC offset, e.g. 2026-11-01T00:00:00+08:00", field=field)
    return check_time(at, field)


def period(from_: str | None, to: str | None) -> tuple[datetime, datetime]:
    """The period asked for, checked: from before to, at most ten years."""
    now = datetime.now(CHINA)
    since = _edge(from_, "from", end=False) or datetime.combine(now.date().replace(day=1), time(), CHINA)
    until = _edge(to, "to", end=True) or now
    if since >= until:
        raise Invalid("from must be before to", field="from")
    if until - since > MAX_SPAN:
        raise Invalid("a period may be at most ten years long", field="to")
    return since, until


def _subject(category: str, row: dict[str, int]) -> SubjectFigures:
    # the categories stored (subjects.category is written only through SubjectCategory) or "all"
    return SubjectFigures(category=cast(SubjectCategory, category), **row)


def _unit(unit_id: uuid.UUID, name: str, level: UnitLevel, c: Coverage) -> UnitCoverage:
    totals = {k: sum(r[k] for r in c.subjects_by_category.values()) for k in ("total", "due", "visited", "overdue")}
    return UnitCoverage(
        org_unit_id=unit_id,
        name=name,
        level=level,
        facilities=FacilityFigures(**c.facilities),
        patrols_by_status=dict(c.patrols_by_status),
        subjects=[_subject(k, v) for k, v in sorted(c.subjects_by_category.items())],
        subjects_total=_subject("all", totals),
        visits_by_type=dict(c.visits_by_type),
        cash_yuan=float(c.cash_yuan),
        goods_visits=c.goods_visits,
        tasks=TaskFigures(
            open=c.tasks["open"],
            fixed=c.tasks["fixed"],
            overdue=c.tasks["overdue"],
            open_age_days=dict(c.open_task_age),
        ),
        stations=dict(c.stations),
        inspections_by_status=dict(c.inspections_by_status),
    )


async def report_unit(db_session: DbSession, user: CurrentUser, org_unit_id: uuid.UUID | None):
    """Reports are for supervisors and admins, on their own unit unless they name one in scope."""
    user.require("supervisor", "admin")
    return await org_units.get_unit(db_session, unit_id=org_unit_id or user.org_unit_id, scope_path=user.scope_path)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/coverage", operation_id="GetCoverage")
    async def get_coverage(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        from_: PeriodEdge = None,
        to: PeriodEnd = None,
    ) -> CoverageOut:
        since, until = period(from_, to)
        unit = await report_unit(db_session, user, org_unit_id)
        shown, by_group, total = await reports.coverage(db_session, unit=unit, since=since, until=until)
        return CoverageOut(
            org_unit_id=unit.id,
            period_from=since,
            period_to=until,
            total=_unit(unit.id, unit.name, unit.level, total),
            units=[
                _unit(u.id, u.name if u.id != unit.id else f"{u.name}（本级）", u.level, by_group[u.id]) for u in shown
            ],
        )

    @get("/facility-map", operation_id="GetFacilityMap")
    async def get_facility_map(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        from_: PeriodEdge = None,
        to: PeriodEnd = None,
    ) -> FacilityMapOut:
        since, until = period(from_, to)
        unit = await report_unit(db_session, user, org_unit_id)
        rows = await reports.facility_map(db_session, unit=unit, since=since, until=until)
        return FacilityMapOut(
            items=[
                FacilityDot(
                    id=r.id,
                    name=r.name,
                    lat=r.lat,
                    lon=r.lon,
                    geofence_m=r.geofence_m,
                    org_unit_id=r.org_unit_id,
                    last_patrol_at=r.last_patrol_at,
                    overdue=bool(r.overdue),
                    open_tasks=r.open_tasks or 0,
                    patrolled_in_period=bool(r.patrolled),
                    status="overdue" if r.overdue else "open_task" if r.open_tasks else "ok",
                )
                for r in rows
            ]
        )
