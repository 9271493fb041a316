"""GET /org-units (the caller's subtree); POST /org-units (admin)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody

from api.deps import CurrentUser, DbSession, record_audit
from api.types import In, UnitName
from storage.queries import org_units


class OrgUnitOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    level: str
    parent_id: uuid.UUID | None


class OrgUnitIn(In):
    name: UnitName
    parent_id: uuid.UUID  # districts are made at set-up; the API adds stations below


class OrgUnitPage(msgspec.Struct):
    items: list[OrgUnitOut]
    next_cursor: str | None = None


def _out(unit) -> OrgUnitOut:
    return OrgUnitOut(id=unit.id, name=unit.name, level=unit.level, parent_id=unit.parent_id)


class OrgUnitController(Controller):
    path = "/api/v1/org-units"
    tags = ["org units"]

    @get(operation_id="ListOrgUnits")
    async def list_org_units(self, user: CurrentUser, db_session: DbSession) -> OrgUnitPage:
        units = await org_units.list_units(db_session, scope_path=user.scope_path)
        return OrgUnitPage(items=[_out(u) for u in units])

    @post(operation_id="CreateOrgUnit", request_max_body_size=16_384)
    async def create_org_unit(self, data: JSONBody[OrgUnitIn], user: CurrentUser, db_session: DbSession) -> OrgUnitOut:
        user.require("admin")
        await org_units.get_unit(db_session, unit_id=data.parent_id, scope_path=user.scope_path)
        unit = await org_units.create_unit(db_session, name=data.name, parent_id=data.parent_id)
        await record_audit(db_session, user, "org_unit_create", entity="org_unit", entity_id=unit.id,
                           org_unit_id=unit.id, name=unit.name)
        return _out(unit)
