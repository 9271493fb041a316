"""What the caller has to do today: GET /me/due (api-v1.md "Base map and today's route").

Facilities due a patrol and people due a visit, by the end of today in China time (overdue ones
included), in the caller's unit and below; nearest first when the phone says where it is
(`near=lat,lon`), else the longest overdue first. Campaign items (专项行动) join the same list
with `kind` "campaign" once campaigns exist."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, time, timedelta, timezone
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from api.deps import CurrentUser, DbSession
from api.reports import CHINA
from api.types import Point
from storage.queries import due

Near = Annotated[str | None, QueryParameter(max_length=64, description="the phone's position, lat,lon (WGS-84)")]
DueLimit = Annotated[int, QueryParameter(ge=1, le=500, description="at most this many items, 200 by default")]


class DueItem(msgspec.Struct):
    kind: Literal["facility", "subject"]
    id: uuid.UUID
    name: str
    detail: str  # a facility's kind, a subject's category
    address: str
    location: Point | None
    org_unit_id: uuid.UUID
    next_due_at: datetime
    overdue: bool
    distance_m: int | None  # from `near`; null without `near` or when the place has no position


class DueOut(msgspec.Struct):
    items: list[DueItem]
    near: Point | None
    until: datetime  # due before this moment (the end of today, China time)


def parse_near(near: str | None) -> tuple[float, float] | None:
    """'26.58,106.71' -> (26.58, 106.71); anything else is a 400 naming `near`."""
    if near is None or near == "":
        return None
    parts = near.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationException(
            "near must be lat,lon in degrees, such as 26.58,106.71",
            extra=[{"key": "near", "message": "not a position"}],
        )
    return lat, lon


def end_of_today(now: datetime) -> datetime:
    today = now.astimezone(CHINA).date()
    return datetime.combine(today + timedelta(days=1), time(), CHINA)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["me"]

    @get("/due", operation_id="GetMyDue")
    async def get_due(
        self, user: CurrentUser, db_session: DbSession, near: Near = None, limit: DueLimit = 200
    ) -> DueOut:
        here = parse_near(near)
        now = datetime.now(timezone.utc)
        until = end_of_today(now)
        rows = await due.due_items(db_session, scope_path=user.scope_path, until=until, near=here, limit=limit)
        items = [
            DueItem(
                kind=r.kind,  # type: ignore[arg-type]  # the query's literal
                id=r.id,
                name=r.name,
                detail=r.detail,
                address=r.address,
                location=Point(lat=r.lat, lon=r.lon) if r.lat is not None and r.lon is not None else None,
                org_unit_id=r.org_unit_id,
                next_due_at=r.next_due_at,
                overdue=r.next_due_at < now,
                distance_m=round(r.distance_m) if r.distance_m is not None else None,
            )
            for r in rows
        ]
        return DueOut(items=items, near=Point(lat=here[0], lon=here[1]) if here else None, until=until)
