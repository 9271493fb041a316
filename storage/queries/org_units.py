"""The service network: district, street and community units as a tree with materialised paths."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid, NotFound
from storage.models import OrgUnit, User

CHILD_LEVEL = {None: "district", "district": "street", "street": "community"}
# Each level's station standard: 七个一 for a street station, 四有 for a community one.
STANDARD = {"street": "seven_ones", "community": "four_haves"}


async def list_units(session: AsyncSession, *, scope_path: str) -> Sequence[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.path.startswith(scope_path, autoescape=True)).order_by(OrgUnit.path)
    return (await session.scalars(query)).all()


async def get_unit(session: AsyncSession, *, unit_id: uuid.UUID, scope_path: str | None = None) -> OrgUnit:
    query = select(OrgUnit).where(OrgUnit.id == unit_id)
    if scope_path is not None:
        query = query.where(OrgUnit.path.startswith(scope_path, autoescape=True))
    unit = await session.scalar(query)
    if unit is None:
        raise NotFound("no such org unit in your scope", field="org_unit_id", code="unit_not_found")
    return unit


async def create_unit(
    session: AsyncSession,
    *,
    name: str,
    parent_id: uuid.UUID | None,
    unit_id: uuid.UUID | None = None,
) -> OrgUnit:
    """The level follows from the parent: district at the root, then street, then community."""
    parent = await get_unit(session, unit_id=parent_id) if parent_id else None
    level = CHILD_LEVEL.get(parent.level if parent else None)
    if level is None:
        raise Invalid("a community station cannot have units below it", field="parent_id")
    unit_id = unit_id or uuid.uuid4()
    path = f"{parent.path if parent else '/'}{unit_id}/"
    unit = OrgUnit(id=unit_id, name=name, level=level, parent_id=parent_id, path=path, standard=STANDARD.get(level))
    session.add(unit)
    await session.flush()
    return unit


async def update_unit(session: AsyncSession, *, unit: OrgUnit, values: dict) -> OrgUnit:
    for name, value in values.items():
        setattr(unit, name, value)
    await session.flush()
    return unit


async def user_in_subtree(session: AsyncSession, *, user_id: uuid.UUID, path: str) -> User | None:
    """The active user, if their unit is the one at `path` or below it."""
    return await session.scalar(
        select(User)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.id == user_id, User.is_active, OrgUnit.path.startswith(path, autoescape=True))
    )


async def units_headed_by(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[OrgUnit]:
    return (await session.scalars(select(OrgUnit).where(OrgUnit.head_user_id == user_id).order_by(OrgUnit.path))).all()


async def names_by_id(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(set(ids))))
    return {row_id: name for row_id, name in rows}
