"""Builders for test data: a small district, users in it, facilities and subjects, logins."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from api.passwords import hash_password
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
    return await users.create_user(db, username=username, display_name=username.title(),
                                   password_hash=_password_hash(), role=role, org_unit_id=unit.id)


async def make_district(db: AsyncSession) -> District:
    district = await org_units.create_unit(db, name="示范区", parent_id=None)
    street1 = await org_units.create_unit(db, name="东街道", parent_id=district.id)
    street2 = await org_units.create_unit(db, name="西街道", parent_id=district.id)
    community1 = await org_units.create_unit(db, name="东一社区", parent_id=street1.id)
    community2 = await org_units.create_unit(db, name="西一社区", parent_id=street2.id)
    d = District(district, street1, street2, community1, community2)
    for name, role, unit in [
        ("worker1", "field_worker", community1), ("worker2", "field_worker", community2),
        ("super1", "supervisor", street1), ("super2", "supervisor", street2), ("admin", "admin", district),
    ]:
        d.users[name] = await add_user(db, name, role, unit)
    await db.commit()
    return d


async def add_facility(db: AsyncSession, unit: OrgUnit, *, name: str = "烈士陵园", lat: float = 26.58,
                       lon: float = 106.71, **values) -> uuid.UUID:
    facility = await facilities.create_facility(db, values=dict(
        name=name, kind="cemetery", protection_level="county", lat=lat, lon=lon, org_unit_id=unit.id,
        **values))
    await db.commit()
    return facility.id


async def add_subject(db: AsyncSession, unit: OrgUnit, *, name: str = "张桂兰", lat: float | None = 26.59,
                      lon: float | None = 106.72, **values) -> uuid.UUID:
    values.setdefault("phone", "13812345678")
    values.setdefault("id_number", "520102195001011234")
    subject = await subjects.create_subject(db, values=dict(
        name=name, category="martyr_family", lat=lat, lon=lon, org_unit_id=unit.id, **values))
    await db.commit()
    return subject.id


async def login(client: AsyncTestClient, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
