"""Home visits (走访慰问): PUT/GET /visits/{id}, GET /visits, POST /visits/{id}/review (the
handlers of one record are api/records/routes.py's, built from `VISIT`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from api import records
from api.deps import CurrentUser, DbSession, Principal
from api.evidence import Position, Site
from api.records import AuthorOut, AwareTime, kinds
from api.records.routes import Filters, RecordController
from api.types import Fix, In, PhotoIds, Text, as_stored, stored
from storage.errors import Invalid
from storage.models import Subject, Visit
from storage.queries import records as record_queries
from storage.queries import subjects, tasks
from storage.queries.tasks import TaskRules
from storage.record_tables import VISITS
from storage.vocabulary import AWARD_VISIT_TYPE, AwardGrade, RecordStatus, VisitType

Status = RecordStatus
Yuan = Annotated[float, msgspec.Meta(ge=0, le=10_000_000)]


class Assistance(In):
    cash_yuan: Yuan = 0
    goods: Text = ""


class Award(In):
    """送喜报: the award delivered, and who delivered it with the station (e.g. 人武部)."""

    grade: AwardGrade
    co_deliverer: Text = ""


class VisitIn(In):
    subject_id: uuid.UUID
    visit_type: VisitType
    visited_at: AwareTime
    location: Fix | None = None
    summary: Text = ""
    needs: Text = ""
    assistance: Assistance = msgspec.field(default_factory=Assistance)
    follow_up_needed: bool = False
    photo_ids: PhotoIds = []
    no_photo_reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    award: Award | None = None


class VisitOut(records.RecordOut, kw_only=True):
    subject_id: uuid.UUID
    subject_name: str
    visit_type: VisitType
    visited_at: datetime
    summary: str
    needs: str
    assistance: Assistance
    follow_up_needed: bool
    no_photo_reason: str | None
    award: Award | None


class VisitPage(msgspec.Struct):
    items: list[VisitOut]
    next_cursor: str | None


def check_visit(data: VisitIn) -> None:
    records.check_times(("visited_at", data.visited_at))
    records.check_photo_ids(data.photo_ids)
    if data.award is not None and data.visit_type != AWARD_VISIT_TYPE:
        raise Invalid(f"an award is recorded only on a {AWARD_VISIT_TYPE} (送喜报) visit", field="award")


def home_site(subject: Subject) -> Site:
    home = Position(subject.lat, subject.lon) if subject.lat is not None and subject.lon is not None else None
    return Site(position=home, geofence_m=subject.geofence_m, noun_zh="住址")


async def site_of(db_session: DbSession, visit: Visit) -> Site:
    return home_site(await subjects.get_subject(db_session, subject_id=visit.subject_id, scope_path="/"))


def visit_out(r: Visit, author: AuthorOut, subject_name: str) -> VisitOut:
    return VisitOut(
        subject_id=r.subject_id,
        subject_name=subject_name,
        visit_type=r.visit_type,
        visited_at=r.visited_at,
        summary=r.summary,
        needs=r.needs,
        assistance=stored(Assistance, cash_yuan=float(r.cash_yuan), goods=r.goods),
        follow_up_needed=r.follow_up_needed,
        no_photo_reason=r.no_photo_reason,
        award=as_stored(r.award, Award) if r.award else None,
        **records.record_fields(r, author),
    )


async def visits_out(db_session: DbSession, rows: list[Visit]) -> list[VisitOut]:
    authors = await record_queries.users_by_id(db_session, ids=[r.author_id for r in rows])
    names = await subjects.names_by_id(db_session, ids=[r.subject_id for r in rows])
    return [visit_out(r, records.author_out(authors[r.author_id]), names.get(r.subject_id, "")) for r in rows]


async def _sync_tasks(db_session: AsyncSession, visit: Visit, new: bool, rules: TaskRules) -> None:
    await tasks.sync_tasks_for_visit(db_session, visit=visit, new=new, rules=rules)


async def _mark(db_session: AsyncSession, visit: Visit) -> None:
    await subjects.mark_visited(db_session, subject_id=visit.subject_id, at=visit.visited_at)


async def _recount(db_session: AsyncSession, visit: Visit) -> None:
    await subjects.recount_visited(db_session, subject_id=visit.subject_id, at=visit.visited_at)


async def prepare(db_session: AsyncSession, user: Principal, data: VisitIn) -> tuple[dict[str, Any], Site]:
    check_visit(data)
    subject = await subjects.get_subject(db_session, subject_id=data.subject_id, scope_path=user.scope_path)
    values = dict(
        subject_id=subject.id,
        org_unit_id=subject.org_unit_id,
        visit_type=data.visit_type,
        visited_at=data.visited_at,
        summary=data.summary,
        needs=data.needs,
        cash_yuan=round(data.assistance.cash_yuan, 2),
        goods=data.assistance.goods,
        follow_up_needed=data.follow_up_needed,
        photo_ids=data.photo_ids,
        no_photo_reason=data.no_photo_reason,
        award=msgspec.to_builtins(data.award) if data.award else None,
        **records.location_columns(data.location),
    )
    return values, home_site(subject)


VISIT = kinds.register(
    kinds.Kind(
        table=VISITS,
        data=VisitIn,
        out=VisitOut,
        prepare=prepare,
        site_of=site_of,
        answer=visits_out,
        sync_tasks=_sync_tasks,
        on_approve=_mark,
        on_reopen=_recount,
        fix_needs_photo=False,
    )
)


class VisitController(RecordController[VisitIn, VisitOut]):
    path = "/api/v1/visits"
    tags = ["visits"]
    kind = VISIT

    @get(operation_id="ListVisits")
    async def list_visits(
        self,
        user: CurrentUser,
        db_session: DbSession,
        filters: Filters,
        subject_id: FromQuery[uuid.UUID | None] = None,
    ) -> VisitPage:
        items, next_cursor = await self.page(db_session, user, filters, site_id=subject_id)
        return VisitPage(items=items, next_cursor=next_cursor)
