"""Builders for test data: a small district, users in it, facilities and subjects, logins."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from api.passwords import hash_password
from storage.checklists import PATROL_CODES
from storage.models import OrgUnit, User
from storage.queries import facilities, org_units, subjects, users

PASSWORD = "correct horse battery"


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@dataclass
class District:
    """One district, two streets, one community under each, and a user of each role."""

    district: OrgUnit
    street1: OrgUnit
    street2: OrgUnit
    community1: OrgUnit
    community2: OrgUnit
    users: dict[str, User] = field(default_factory=dict)


async def add_user(db: AsyncSession, username: str, role: str, unit: OrgUnit) -> User:
    return await users.create_user(
        db,
        username=username,
        display_name=username.title(),
        password_hash=_password_hash(),
        role=role,
        org_unit_id=unit.id,
    )


async def make_district(db: AsyncSession) -> District:
    district = await org_units.create_unit(db, name="示范区", parent_id=None)
    street1 = await org_units.create_unit(db, name="东街道", parent_id=district.id)
    street2 = await org_units.create_unit(db, name="西街道", parent_id=district.id)
    community1 = await org_units.create_unit(db, name="东一社区", parent_id=street1.id)
    community2 = await org_units.create_unit(db, name="西一社区", parent_id=street2.id)
    d = District(district, street1, street2, community1, community2)
    for name, role, unit in [
        ("worker1", "field_worker", community1),
        ("worker2", "field_worker", community2),
        ("super1", "supervisor", street1),
        ("super2", "supervisor", street2),
        ("admin", "admin", district),
    ]:
        d.users[name] = await add_user(db, name, role, unit)
    await db.commit()
    return d


async def add_facility(
    db: AsyncSession, unit: OrgUnit, *, name: str = "烈士陵园", lat: float = 26.58, lon: float = 106.71, **values
) -> uuid.UUID:
    facility = await facilities.create_facility(
        db,
        values=dict(
            name=name, kind="cemetery", protection_level="county", lat=lat, lon=lon, org_unit_id=unit.id, **values
        ),
    )
    await db.commit()
    return facility.id


async def add_subject(
    db: AsyncSession,
    unit: OrgUnit,
    *,
    name: str = "张桂兰",
    lat: float | None = 26.59,
    lon: float | None = 106.72,
    **values,
) -> uuid.UUID:
    values.setdefault("phone", "13812345678")
    values.setdefault("id_number", "520102195001011234")
    values.setdefault("category", "martyr_family")
    subject = await subjects.create_subject(db, values=dict(name=name, lat=lat, lon=lon, org_unit_id=unit.id, **values))
    await db.commit()
    return subject.id


async def login(client: AsyncTestClient, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- Records inserted directly (supervisor workspace tests) ---------------------------------

CHECKLIST_ITEMS = PATROL_CODES


async def add_patrol(
    db: AsyncSession,
    unit: OrgUnit,
    author: User,
    facility_id: uuid.UUID,
    *,
    issues: dict[str, str] | None = None,
    status: str = "submitted",
    flags: list | None = None,
    started_at=None,
    record_id: uuid.UUID | None = None,
    photo_ids: list | None = None,
):
    """A patrol row as the record handlers would store it; `issues` maps checklist item -> note."""
    from datetime import datetime, timedelta, timezone

    from storage.models import Patrol

    issues = issues or {}
    started_at = started_at or datetime.now(timezone.utc) - timedelta(hours=2)
    patrol = Patrol(
        id=record_id or uuid.uuid4(),
        org_unit_id=unit.id,
        author_id=author.id,
        facility_id=facility_id,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=40),
        lat=26.5801,
        lon=106.7101,
        accuracy_m=12.0,
        location_captured_at=started_at,
        checklist=[
            {"item": i, "result": "issue" if i in issues else "ok", "note": issues.get(i, "")} for i in CHECKLIST_ITEMS
        ],
        notes="",
        photo_ids=photo_ids or [],
        status=status,
        flags=flags or [],
        body_hash="0" * 64,
    )
    db.add(patrol)
    await db.flush()
    return patrol


async def add_visit(
    db: AsyncSession,
    unit: OrgUnit,
    author: User,
    subject_id: uuid.UUID,
    *,
    follow_up: bool = False,
    status: str = "submitted",
    visit_type: str = "routine",
    flags: list | None = None,
    visited_at=None,
    cash_yuan=0,
    goods: str = "",
    record_id: uuid.UUID | None = None,
):
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    from storage.models import Visit

    visited_at = visited_at or datetime.now(timezone.utc) - timedelta(hours=1)
    visit = Visit(
        id=record_id or uuid.uuid4(),
        org_unit_id=unit.id,
        author_id=author.id,
        subject_id=subject_id,
        visit_type=visit_type,
        visited_at=visited_at,
        lat=26.59,
        lon=106.72,
        accuracy_m=20.0,
        summary="老人身体尚可",
        needs="屋顶漏雨，需要维修" if follow_up else "",
        cash_yuan=Decimal(cash_yuan),
        goods=goods,
        follow_up_needed=follow_up,
        photo_ids=[],
        no_photo_reason="本人不愿拍照",
        status=status,
        flags=flags or [],
        body_hash="0" * 64,
    )
    db.add(visit)
    await db.flush()
    return visit
