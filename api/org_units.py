"""GET /org-units (the caller's subtree); POST /org-units (admin); PATCH /org-units/{id}: its name
(admin) and its station (api/stations.py)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from api.deps import CurrentUser, DbSession, record_audit
from api.plausible import check_name
from api.stations import OrgUnitPatch, StationOut, check_may_edit, station_out, station_values
from api.types import In, UnitName
from storage.errors import Invalid
from storage.queries import org_units
from storage.vocabulary import UnitLevel


class OrgUnitOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    level: UnitLevel
    parent_id: uuid.UUID | None
    station: StationOut | None = None  # null for a district (api/stations.py)


class OrgUnitIn(In):
    name: UnitName
    parent_id: uuid.UUID  # districts are made at set-up; the API adds stations below


class OrgUnitPage(msgspec.Struct):
    items: list[OrgUnitOut]
    next_cursor: str | None = None


def unit_out(unit) -> OrgUnitOut:
    return OrgUnitOut(id=unit.id, name=unit.name, level=unit.level, parent_id=unit.parent_id, station=station_out(unit))


class OrgUnitController(Controller):
    path = "/api/v1/org-units"
    tags = ["org units"]

    @get(operation_id="ListOrgUnits")
    async def list_org_units(self, user: CurrentUser, db_session: DbSession) -> OrgUnitPage:
        units = await org_units.list_units(db_session, scope_path=user.scope_path)
        return OrgUnitPage(items=[unit_out(u) for u in units])

    @post(operation_id="CreateOrgUnit", request_max_body_size=16_384)
    async def create_org_unit(self, data: JSONBody[OrgUnitIn], user: CurrentUser, db_session: DbSession) -> OrgUnitOut:
        user.require("admin")
        await org_units.get_unit(db_session, unit_id=data.parent_id, scope_path=user.scope_path)
        check_name(data.name)
        unit = await org_units.create_unit(db_session, name=data.name, parent_id=data.parent_id)
        await record_audit(
            db_session,
            user,
            "org_unit_create",
            entity="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            name=unit.name,
        )
        return unit_out(unit)

    @get("/{unit_id:uuid}", operation_id="GetOrgUnit")
    async def get_org_unit(self, unit_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession) -> OrgUnitOut:
        return unit_out(await org_units.get_unit(db_session, unit_id=unit_id, scope_path=user.scope_path))

    @patch("/{unit_id:uuid}", operation_id="PatchOrgUnit", request_max_body_size=16_384)
    async def patch_org_unit(
        self, unit_id: FromPath[uuid.UUID], data: JSONBody[OrgUnitPatch], user: CurrentUser, db_session: DbSession
    ) -> OrgUnitOut:
        """The unit's name, by an admin; its station, by an admin or a supervisor of a unit above it."""
        unit = await org_units.get_unit(db_session, unit_id=unit_id, scope_path=user.scope_path)
        if data.name is msgspec.UNSET and data.station is msgspec.UNSET:
            raise Invalid("send name, station or both", field="name")
        if data.name is not msgspec.UNSET:
            user.require("admin")
            check_name(data.name)
            old_name = unit.name
            await org_units.update_unit(db_session, unit=unit, values={"name": data.name})
            await record_audit(
                db_session,
                user,
                "org_unit_rename",
                entity="org_unit",
                entity_id=unit.id,
                org_unit_id=unit.id,
                changes={"name": [old_name, unit.name]},
            )
        if data.station is not msgspec.UNSET:
            check_may_edit(user, unit)
            values = await station_values(db_session, unit, data.station)
            await org_units.update_unit(db_session, unit=unit, values=values)
            await record_audit(
                db_session,
                user,
                "station_update",
                entity="org_unit",
                entity_id=unit.id,
                org_unit_id=unit.id,
                fields=sorted(values),
            )
        return unit_out(unit)
