"""Memorial facilities (烈士纪念设施) and when each is next due for a patrol."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import NotFound
from storage.models import Facility, Patrol
from storage.queries.common import in_scope, in_scope_of, keyset_page


def next_due_at() -> ColumnElement[datetime]:
    """A facility is due its interval after its last approved patrol (or after it was added)."""
    since = func.coalesce(Facility.last_patrol_at, Facility.created_at)
    return since + func.make_interval(0, 0, 0, Facility.patrol_interval_days)


async def list_facilities(
    session: AsyncSession,
    *,
    scope_path: str,
    org_unit_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[Facility], str | None]:
    query = select(Facility).where(in_scope(Facility.org_unit_id, scope_path))
    if org_unit_id:
        query = query.where(Facility.org_unit_id == org_unit_id)
    if overdue is not None:
        query = query.where((next_due_at() < func.now()) == overdue)
    return await keyset_page(
        session, query, time_col=Facility.created_at, id_col=Facility.id, cursor=cursor, limit=limit
    )


_IN_SCOPE = select(Facility).where(Facility.id == bindparam("facility_id"), in_scope_of(Facility.org_unit_id))


async def get_facility(session: AsyncSession, *, facility_id: uuid.UUID, scope_path: str) -> Facility:
    facility = await session.scalar(_IN_SCOPE, {"facility_id": facility_id, "scope_path": scope_path})
    if facility is None:
        raise NotFound("no such facility in your scope", field="facility_id")
    return facility


async def create_facility(session: AsyncSession, *, values: dict[str, Any]) -> Facility:
    facility = Facility(**values)
    session.add(facility)
    await session.flush()
    await session.refresh(facility)
    return facility


async def update_facility(session: AsyncSession, *, facility: Facility, values: dict[str, Any]) -> Facility:
    for name, value in values.items():
        setattr(facility, name, value)
    facility.updated_at = func.now()
    await session.flush()
    await session.refresh(facility)
    return facility


async def mark_patrolled(session: AsyncSession, *, facility_id: uuid.UUID, at: datetime) -> None:
    """An approved patrol moves the facility's clock forward, never back."""
    facility = await session.get(Facility, facility_id)
    if facility and (facility.last_patrol_at is None or facility.last_patrol_at < at):
        facility.last_patrol_at = at
        await session.flush()


async def recount_patrolled(session: AsyncSession, *, facility_id: uuid.UUID, at: datetime) -> None:
    """After the approval of the patrol at `at` is taken back: when it set the facility's clock,
    the clock goes back to the latest patrol still approved."""
    facility = await session.get(Facility, facility_id)
    if facility and facility.last_patrol_at == at:
        facility.last_patrol_at = await session.scalar(
            select(func.max(Patrol.started_at)).where(Patrol.facility_id == facility_id, Patrol.status == "approved")
        )
        await session.flush()


async def names_by_id(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Facility.id, Facility.name).where(Facility.id.in_(set(ids))))
    return {row_id: name for row_id, name in rows}


async def find_by_name(
    session: AsyncSession,
    *,
    keys: Sequence[tuple[str, uuid.UUID]],
    scope_path: str,
) -> dict[tuple[str, uuid.UUID], Facility]:
    """The facilities in scope named as in `keys` (name, unit): what an import updates instead of
    adding a copy."""
    if not keys:
        return {}
    names = sorted({name for name, _ in keys})
    rows = (
        await session.scalars(
            select(Facility).where(Facility.name.in_(names), in_scope(Facility.org_unit_id, scope_path))
        )
    ).all()
    wanted = set(keys)
    return {(f.name, f.org_unit_id): f for f in rows if (f.name, f.org_unit_id) in wanted}
