"""Memorial-facility patrols: PUT/GET /patrols/{id}, GET /patrols, POST /patrols/{id}/review
(the handlers of one record are api/records/routes.py's, built from `PATROL`)."""

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
from api.templates import check_checklist
from api.types import Fix, In, PhotoIds, Text, as_stored
from storage.errors import Invalid
from storage.models import Facility, Inspection, Patrol
from storage.queries import facilities, tasks
from storage.queries import records as record_queries
from storage.queries import templates as template_queries
from storage.queries.tasks import TaskRules
from storage.record_tables import PATROLS
from storage.vocabulary import ItemResult, RecordStatus

# The codes a patrol may use are those of its checklist template version (api/templates.py).
ItemCode = Annotated[str, msgspec.Meta(max_length=32)]
Status = RecordStatus


class ChecklistItem(In):
    item: ItemCode
    result: ItemResult
    note: Text = ""
    photo_ids: PhotoIds = []  # extension: which of the record's photos show this item


class ChecklistRecordIn(In, kw_only=True):
    """A record that walks a checklist template: patrols and station inspections."""

    started_at: AwareTime
    ended_at: AwareTime
    checklist: Annotated[list[ChecklistItem], msgspec.Meta(max_length=50)]
    location: Fix | None = None
    notes: Text = ""
    photo_ids: PhotoIds = []
    # Without it: the active template of the site (a facility's kind, a station's standard).
    template_id: uuid.UUID | None = None


class PatrolIn(ChecklistRecordIn, kw_only=True):
    facility_id: uuid.UUID


class ChecklistRecordOut(records.RecordOut, kw_only=True):
    """A record that walks a checklist template: patrols and station inspections."""

    template_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    checklist: list[ChecklistItem]
    notes: str


def checklist_fields(r: Patrol | Inspection, author: AuthorOut) -> dict[str, Any]:
    return dict(
        records.record_fields(r, author),
        template_id=r.template_id,
        started_at=r.started_at,
        ended_at=r.ended_at,
        checklist=as_stored(r.checklist, list[ChecklistItem]),
        notes=r.notes,
    )


class PatrolOut(ChecklistRecordOut, kw_only=True):
    facility_id: uuid.UUID
    facility_name: str


class PatrolPage(msgspec.Struct):
    items: list[PatrolOut]
    next_cursor: str | None


def check_checklist_record(data: ChecklistRecordIn) -> None:
    records.check_times(("started_at", data.started_at), ("ended_at", data.ended_at))
    if data.ended_at < data.started_at:
        raise Invalid("ended_at is before started_at", field="ended_at")
    records.check_photo_ids(data.photo_ids)
    records.check_checklist_items(data.checklist, data.photo_ids)


def checklist_values(data: ChecklistRecordIn, template: template_queries.Version) -> dict[str, Any]:
    """The columns a checklist record stores from its body, once its template is known."""
    check_checklist(template, data.checklist)
    return dict(
        template_id=template.id,
        started_at=data.started_at,
        ended_at=data.ended_at,
        checklist=msgspec.to_builtins(data.checklist),
        notes=data.notes,
        photo_ids=data.photo_ids,
        **records.location_columns(data.location),
    )


def facility_site(facility: Facility) -> Site:
    return Site(position=Position(facility.lat, facility.lon), geofence_m=facility.geofence_m, noun_zh="设施")


async def site_of(db_session: DbSession, patrol: Patrol) -> Site:
    return facility_site(await facilities.get_facility(db_session, facility_id=patrol.facility_id, scope_path="/"))


def patrol_out(r: Patrol, author: AuthorOut, facility_name: str) -> PatrolOut:
    return PatrolOut(facility_id=r.facility_id, facility_name=facility_name, **checklist_fields(r, author))


async def patrols_out(db_session: DbSession, rows: list[Patrol]) -> list[PatrolOut]:
    authors = await record_queries.users_by_id(db_session, ids=[r.author_id for r in rows])
    names = await facilities.names_by_id(db_session, ids=[r.facility_id for r in rows])
    return [patrol_out(r, records.author_out(authors[r.author_id]), names.get(r.facility_id, "")) for r in rows]


async def _sync_tasks(db_session: AsyncSession, patrol: Patrol, new: bool, rules: TaskRules) -> None:
    await tasks.sync_tasks_for_patrol(db_session, patrol=patrol, new=new, rules=rules)


async def _mark(db_session: AsyncSession, patrol: Patrol) -> None:
    await facilities.mark_patrolled(db_session, facility_id=patrol.facility_id, at=patrol.started_at)


async def _recount(db_session: AsyncSession, patrol: Patrol) -> None:
    await facilities.recount_patrolled(db_session, facility_id=patrol.facility_id, at=patrol.started_at)


async def prepare(db_session: AsyncSession, user: Principal, data: PatrolIn) -> tuple[dict[str, Any], Site]:
    check_checklist_record(data)
    facility = await facilities.get_facility(db_session, facility_id=data.facility_id, scope_path=user.scope_path)
    template = await template_queries.template_for_record(
        db_session, kind="patrol", template_id=data.template_id, facility_kind=facility.kind
    )
    values = dict(facility_id=facility.id, org_unit_id=facility.org_unit_id, **checklist_values(data, template))
    return values, facility_site(facility)


PATROL = kinds.register(
    kinds.Kind(
        table=PATROLS,
        data=PatrolIn,
        out=PatrolOut,
        prepare=prepare,
        site_of=site_of,
        answer=patrols_out,
        sync_tasks=_sync_tasks,
        on_approve=_mark,
        on_reopen=_recount,
    )
)


class PatrolController(RecordController[PatrolIn, PatrolOut]):
    path = "/api/v1/patrols"
    tags = ["patrols"]
    kind = PATROL

    @get(operation_id="ListPatrols")
    async def list_patrols(
        self,
        user: CurrentUser,
        db_session: DbSession,
        filters: Filters,
        facility_id: FromQuery[uuid.UUID | None] = None,
    ) -> PatrolPage:
        items, next_cursor = await self.page(db_session, user, filters, site_id=facility_id)
        return PatrolPage(items=items, next_cursor=next_cursor)
