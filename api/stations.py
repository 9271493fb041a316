"""Stations (服务站): GET /org-units/{id} with its `station`, PATCH /org-units/{id} {"station": ...}.

Street and community units are stations; a district is not (its `station` is null). An admin in
scope edits any station; a supervisor only the stations strictly below their own unit.

A station's head is an active user of the station or a unit below it: named so, and kept so
(`release_heads`: a head moved elsewhere or disabled is no longer head, with an audit entry), and
the head's rights (the weekly report) are checked against where the head works now."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar.exceptions import PermissionDeniedException

from api.deps import DbSession, Principal, record_audit
from api.plausible import check_point
from api.types import In, Place, Point, Text, UnitName
from storage.errors import Invalid
from storage.models import OrgUnit, User
from storage.queries import org_units
from storage.vocabulary import StationStandard

Standard = StationStandard


class StationOut(msgspec.Struct):
    address: str
    location: Point | None
    geofence_m: int
    head_user_id: uuid.UUID | None
    standard: Standard | None
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
    """`name` renames the unit (admins only); `station` changes its station's fields."""

    name: UnitName | msgspec.UnsetType = msgspec.UNSET
    station: StationIn | msgspec.UnsetType = msgspec.UNSET


def station_out(unit: OrgUnit) -> StationOut | None:
    if unit.level == "district":
        return None
    location = Point(lat=unit.lat, lon=unit.lon) if unit.lat is not None and unit.lon is not None else None
    return StationOut(
        address=unit.address,
        location=location,
        geofence_m=unit.geofence_m,
        head_user_id=unit.head_user_id,
        standard=unit.standard,
        demonstration=unit.demonstration,
    )


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
            raise Invalid(
                "the station head must be an active user of this station or a unit below it",
                field="station.head_user_id",
            )
    return values


def works_in(user: Principal, unit: OrgUnit) -> bool:
    """The user's own unit is `unit` or below it."""
    return user.scope_path.startswith(unit.path)


async def release_heads(db_session: DbSession, actor: Principal, target: User, target_path: str) -> None:
    """After `target` moved to the unit at `target_path` (or was disabled): every station they
    head but no longer work in (or all, when disabled) loses its head, each with an audit entry
    the station's supervisors see in the log."""
    for unit in await org_units.units_headed_by(db_session, user_id=target.id):
        if target.is_active and target_path.startswith(unit.path):
            continue
        await org_units.update_unit(db_session, unit=unit, values={"head_user_id": None})
        await record_audit(
            db_session,
            actor,
            "station_head_cleared",
            entity="org_unit",
            entity_id=unit.id,
            org_unit_id=unit.id,
            head_user_id=str(target.id),
            head_username=target.username,
            reason="disabled" if not target.is_active else "moved",
        )
