"""Station inspections (服务站督导, "回头看"): PUT/GET /inspections/{id}, GET /inspections,
POST /inspections/{id}/review. The same machinery as patrols (api/records/); what is particular
here: the site is the station, the checklist is its standard's template, and inspection is done
from above (the station lies strictly below the inspector's unit)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import get
from litestar.exceptions import PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from api import records
from api.deps import CurrentUser, DbSession, Principal
from api.evidence import Position, Site
from api.patrols import (
    ChecklistRecordIn,
    ChecklistRecordOut,
    check_checklist_record,
    checklist_fields,
    checklist_values,
)
from api.records import AuthorOut, kinds
from api.records.routes import Filters, RecordController
from storage.errors import Invalid
from storage.models import Inspection, OrgUnit
from storage.queries import org_units, tasks, templates
from storage.queries import records as record_queries
from storage.queries.tasks import TaskRules
from storage.record_tables import INSPECTIONS


class InspectionIn(ChecklistRecordIn, kw_only=True):
    org_unit_id: uuid.UUID  # the station inspected


class InspectionOut(ChecklistRecordOut, kw_only=True):
    org_unit_name: str


class InspectionPage(msgspec.Struct):
    items: list[InspectionOut]
    next_cursor: str | None


def station_site(station: OrgUnit) -> Site:
    position = Position(station.lat, station.lon) if station.lat is not None and station.lon is not None else None
    return Site(position=position, geofence_m=station.geofence_m, noun_zh="服务站")


async def site_of(db_session: DbSession, inspection: Inspection) -> Site:
    return station_site(await org_units.get_unit(db_session, unit_id=inspection.org_unit_id))


def check_from_above(user: Principal, station: OrgUnit) -> None:
    if station.path == user.scope_path:
        raise PermissionDeniedException("a station cannot inspect itself: inspection is done by a unit above it")


def inspection_out(r: Inspection, author: AuthorOut, unit_name: str) -> InspectionOut:
    return InspectionOut(org_unit_name=unit_name, **checklist_fields(r, author))


async def inspections_out(db_session: DbSession, rows: list[Inspection]) -> list[InspectionOut]:
    authors = await record_queries.users_by_id(db_session, ids=[r.author_id for r in rows])
    names = await org_units.names_by_id(db_session, ids=[r.org_unit_id for r in rows])
    return [inspection_out(r, records.author_out(authors[r.author_id]), names.get(r.org_unit_id, "")) for r in rows]


async def _sync_tasks(db_session: AsyncSession, inspection: Inspection, new: bool, rules: TaskRules) -> None:
    await tasks.sync_tasks_for_inspection(db_session, inspection=inspection, new=new, rules=rules)


async def prepare(db_session: AsyncSession, user: Principal, data: InspectionIn) -> tuple[dict[str, Any], Site]:
    check_checklist_record(data)
    station = await org_units.get_unit(db_session, unit_id=data.org_unit_id, scope_path=user.scope_path)
    check_from_above(user, station)
    template = await templates.template_for_record(
        db_session, kind="inspection", template_id=data.template_id, standard=station.standard
    )
    if template.applies_to.get("standard") != station.standard:
        raise Invalid("template_id is not the checklist of this station's standard", field="template_id")
    return dict(org_unit_id=station.id, **checklist_values(data, template)), station_site(station)


async def refuse_own_station(db_session: AsyncSession, user: Principal, inspection: Inspection) -> kinds.Refusal | None:
    """A station's own people do not judge its inspection: the review, too, comes from above."""
    station = await org_units.get_unit(db_session, unit_id=inspection.org_unit_id)
    if station.path == user.scope_path:
        return kinds.Refusal("own_station", "an inspection of your own station is reviewed by a unit above it")
    return None


# An approved inspection moves no site's clock.
INSPECTION = kinds.register(
    kinds.Kind(
        table=INSPECTIONS,
        data=InspectionIn,
        out=InspectionOut,
        prepare=prepare,
        site_of=site_of,
        answer=inspections_out,
        sync_tasks=_sync_tasks,
        refuse_review=refuse_own_station,
    )
)


class InspectionController(RecordController[InspectionIn, InspectionOut]):
    path = "/api/v1/inspections"
    tags = ["inspections"]
    kind = INSPECTION

    @get(operation_id="ListInspections")
    async def list_inspections(
        self,
        user: CurrentUser,
        db_session: DbSession,
        filters: Filters,
    ) -> InspectionPage:
        items, next_cursor = await self.page(db_session, user, filters)
        return InspectionPage(items=items, next_cursor=next_cursor)
