"""Stations (服务站): GET /org-units/{id} with its `station`, PATCH /org-units/{id} {"station": ...}.

Street and community units are stations; a district is not (its `station` is null). An admin in
scope edits any station; a supervisor only the stations strictly below their own unit."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar.exceptions import PermissionDeniedException

from api.deps import DbSession, Principal
from api.plausible import check_point
from api.types import In, Place, Point, Text
from storage.errors import Invalid
from storage.models import OrgUnit
from storage.queries import org_units
from storage.vocabulary import StationStandard

Standard = StationStandard


class StationOut(msgspec.Struct):
    address: str
    location: Point | None
    geofence_m: int
    head_user_id: uuid.UUID | None
    standard: str | None
    demonstration: bool


class StationIn(In):
    """Only the fields sent change; `location` or `head_user_id` null clears it."""

    address: Text | msgspec.UnsetType = msgspec.UNSET
    location: Place | None | msgspec.UnsetType = msgspec.UNSET
    geofence_m: Annotated[int, msgspec.Meta(ge=10, le=5000)] | msgspec.UnsetType = msgspec.UNSET
    head_user_id: uuid.UUID | None | msgspec.UnsetType = msgspec.UNSET
    standard: Standard | None | msgspec.UnsetType = msgspec.UNSET
    demonstration: bool | msgspec.UnsetType = msgspec.UNSET


class OrgUnitPatch(In):
    station: StationIn


def station_out(unit: OrgUnit) -> StationOut | None:
    if unit.level == "district":
        return None
    location = Point(lat=unit.lat, lon=unit.lon) if unit.lat is not None and unit.lon is not None else None
    return StationOut(address=unit.address, location=location, geofence_m=unit.geofence_m,
                      head_user_id=unit.head_user_id, standard=unit.standard, demonstration=unit.demonstration)


def check_may_edit(user: Principal, unit: OrgUnit) -> None:
    """Admins anywhere in scope; supervisors for stations strictly below their own unit."""
    if user.role == "admin" or (user.role == "supervisor" and unit.path != user.scope_path):
        if unit.level == "district":
            raise Invalid("a district is not a station", field="station")
        return
    raise PermissionDeniedException("a station is edited by an admin or a supervisor of a unit above it")


async def station_values(db_session: DbSession, unit: OrgUnit, data: StationIn) -> dict:
    """The columns to change, checked (the unit is in the caller's scope and they may edit it)."""
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "location" in values:
        location = values.pop("location")
        values["lat"], values["lon"] = (location.lat, location.lon) if location else (None, None)
        check_point(values["lat"], values["lon"], field="station.location")  # the forms' rules: swapped named
    if values.get("head_user_id") is not None:
        # The head works at the station or below it.
        head = await org_units.user_in_subtree(db_session, user_id=values["head_user_id"], path=unit.path)
        if head is None:
            raise Invalid("the station head must be an active user of this station or a unit below it",
                          field="station.head_user_id")
    return values
