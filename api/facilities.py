"""Memorial facilities: GET/POST /facilities, GET/PATCH /facilities/{id}."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.deps import AppSettings, CurrentUser, DbSession, record_audit
from api.plausible import check_values
from api.types import In, Limit, Name, Place, Point, Text
from storage.models import Facility
from storage.queries import facilities, org_units
from storage.vocabulary import FacilityKind, ProtectionLevel

Kind = FacilityKind
Days = Annotated[int, msgspec.Meta(ge=1, le=3660)]
Geofence = Annotated[int, msgspec.Meta(ge=10, le=50_000)]


class FacilityIn(In):
    name: Name
    kind: Kind
    protection_level: ProtectionLevel
    location: Place
    org_unit_id: uuid.UUID
    address: Text = ""
    geofence_m: Geofence | None = None  # None: the facility geofence of the evidence rules
    patrol_interval_days: Days = 30
    caretaker: Text = ""
    protection_boundary: Text = ""


class FacilityPatch(In):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    protection_level: ProtectionLevel | msgspec.UnsetType = msgspec.UNSET
    location: Place | msgspec.UnsetType = msgspec.UNSET
    org_unit_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    address: Text | msgspec.UnsetType = msgspec.UNSET
    geofence_m: Geofence | msgspec.UnsetType = msgspec.UNSET
    patrol_interval_days: Days | msgspec.UnsetType = msgspec.UNSET
    caretaker: Text | msgspec.UnsetType = msgspec.UNSET
    protection_boundary: Text | msgspec.UnsetType = msgspec.UNSET


class FacilityOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: Kind
    protection_level: ProtectionLevel
    address: str
    location: Point
    geofence_m: int
    org_unit_id: uuid.UUID
    patrol_interval_days: int
    last_patrol_at: datetime | None
    next_due_at: datetime
    overdue: bool
    caretaker: str
    protection_boundary: str


class FacilityPage(msgspec.Struct):
    items: list[FacilityOut]
    next_cursor: str | None


def facility_out(f: Facility) -> FacilityOut:
    due = (f.last_patrol_at or f.created_at) + timedelta(days=f.patrol_interval_days)
    return FacilityOut(
        id=f.id,
        name=f.name,
        kind=f.kind,
        protection_level=f.protection_level,
        address=f.address,
        location=Point(lat=f.lat, lon=f.lon),
        geofence_m=f.geofence_m,
        org_unit_id=f.org_unit_id,
        patrol_interval_days=f.patrol_interval_days,
        last_patrol_at=f.last_patrol_at,
        next_due_at=due,
        overdue=due < datetime.now(timezone.utc),
        caretaker=f.caretaker,
        protection_boundary=f.protection_boundary,
    )


def _columns(data: FacilityIn | FacilityPatch) -> dict[str, Any]:
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "geofence_m" in values and values["geofence_m"] is None:
        del values["geofence_m"]  # the rules' default: the caller decides
    if "location" in values:
        point = values.pop("location")
        values.update(lat=point.lat, lon=point.lon)
    return values


class FacilityController(Controller):
    path = "/api/v1/facilities"
    tags = ["facilities"]

    @get(operation_id="ListFacilities")
    async def list_facilities(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        overdue: FromQuery[bool | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 200,
    ) -> FacilityPage:
        rows, next_cursor = await facilities.list_facilities(
            db_session, scope_path=user.scope_path, org_unit_id=org_unit_id, overdue=overdue, cursor=cursor, limit=limit
        )
        return FacilityPage(items=[facility_out(f) for f in rows], next_cursor=next_cursor)

    @post(operation_id="CreateFacility")
    async def create_facility(
        self, data: JSONBody[FacilityIn], user: CurrentUser, db_session: DbSession, settings: AppSettings
    ) -> FacilityOut:
        user.require("supervisor", "admin")
        await org_units.get_unit(db_session, unit_id=data.org_unit_id, scope_path=user.scope_path)
        values = _columns(data)
        check_values(values)
        values["geofence_m"] = data.geofence_m or settings.evidence.facility_geofence_m
        facility = await facilities.create_facility(db_session, values=values)
        await record_audit(
            db_session,
            user,
            "facility_create",
            entity="facility",
            entity_id=facility.id,
            org_unit_id=facility.org_unit_id,
            name=facility.name,
        )
        return facility_out(facility)

    @get("/{facility_id:uuid}", operation_id="GetFacility")
    async def get_facility(
        self, facility_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession
    ) -> FacilityOut:
        return facility_out(
            await facilities.get_facility(db_session, facility_id=facility_id, scope_path=user.scope_path)
        )

    @patch("/{facility_id:uuid}", operation_id="UpdateFacility")
    async def update_facility(
        self, facility_id: FromPath[uuid.UUID], data: JSONBody[FacilityPatch], user: CurrentUser, db_session: DbSession
    ) -> FacilityOut:
        user.require("supervisor", "admin")
        facility = await facilities.get_facility(db_session, facility_id=facility_id, scope_path=user.scope_path)
        values = _columns(data)
        check_values(values)
        if "org_unit_id" in values:
            await org_units.get_unit(db_session, unit_id=values["org_unit_id"], scope_path=user.scope_path)
        changes = {k: [str(getattr(facility, k)), str(v)] for k, v in values.items() if getattr(facility, k) != v}
        facility = await facilities.update_facility(db_session, facility=facility, values=values)
        await record_audit(
            db_session,
            user,
            "facility_update",
            entity="facility",
            entity_id=facility.id,
            org_unit_id=facility.org_unit_id,
            changed=sorted(values),
            changes=changes or None,
        )
        return facility_out(facility)
