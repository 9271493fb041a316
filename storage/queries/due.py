"""What is due for the caller today (GET /me/due): facilities due a patrol and subjects due a
visit in a scope, by the end of a given moment, nearest first when a position is given.

Campaign items (专项行动) will join as a third SELECT of the same columns, with kind "campaign"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Facility, Subject
from storage.queries import facilities, subjects
from storage.queries.common import in_scope

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class DueRow:
    kind: str  # "facility" or "subject"
    id: uuid.UUID
    name: str
    detail: str  # a facility's kind, a subject's category
    address: str
    lat: float | None
    lon: float | None
    org_unit_id: uuid.UUID
    next_due_at: datetime
    distance_m: float | None


def distance_m(lat: Any, lon: Any, near: tuple[float, float]) -> ColumnElement[float]:
    """Great-circle distance (haversine) in metres from `near`; NULL when the row has no position."""
    here_lat, here_lon = near
    h = func.power(func.sin(func.radians(lat - here_lat) / 2), 2) + func.cos(
        func.radians(literal(here_lat))
    ) * func.cos(func.radians(lat)) * func.power(func.sin(func.radians(lon - here_lon) / 2), 2)
    # LEAST ignores NULLs (it would make a place without a position 20,000 km away): ask first.
    return case(
        (lat.is_(None) | lon.is_(None), null()),
        else_=2 * EARTH_RADIUS_M * func.asin(func.least(literal(1.0), func.sqrt(h))),
    )


def _sites(
    model: type[Facility] | type[Subject],
    kind: str,
    detail: Any,
    due: Any,
    scope_path: str,
    until: datetime,
    near: tuple[float, float] | None,
) -> Select:
    """The sites of one kind in the scope due by `until`: a facility (its kind told) or a subject (its category)."""
    return select(
        literal(kind).label("kind"),
        model.id.label("id"),
        model.name.label("name"),
        detail.label("detail"),
        model.address.label("address"),
        cast(model.lat, Float).label("lat"),
        cast(model.lon, Float).label("lon"),
        model.org_unit_id.label("org_unit_id"),
        due.label("next_due_at"),
        (distance_m(model.lat, model.lon, near) if near else cast(null(), Float)).label("distance_m"),
    ).where(in_scope(model.org_unit_id, scope_path), due < until)


async def due_items(
    session: AsyncSession, *, scope_path: str, until: datetime, near: tuple[float, float] | None, limit: int
) -> Sequence[DueRow]:
    """Facilities and subjects in the scope whose next patrol or visit falls before `until`: nearest
    first with `near` (those without a position last), else the longest overdue first."""
    both = union_all(
        _sites(Facility, "facility", Facility.kind, facilities.next_due_at(), scope_path, until, near),
        _sites(Subject, "subject", Subject.category, subjects.next_due_at(), scope_path, until, near),
    ).subquery()
    order = ([both.c.distance_m.asc().nulls_last()] if near else []) + [both.c.next_due_at.asc(), both.c.id.asc()]
    rows = await session.execute(select(both).order_by(*order).limit(limit))
    return [DueRow(**row._mapping) for row in rows]
