"""The demo district of product.md: 1 district, 3 streets, 6 communities, 8 memorial facilities,
30 visit subjects and five users. Names, numbers and people are fictional."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.passwords import hash_password
from api.plausible import id_number_check_digit
from scripts.demo_stations import set_up_stations
from storage.models import OrgUnit, User
from storage.queries import facilities, org_units, subjects, users

DEMO_USERS = [  # username, display name, role, unit key
    ("worker1", "李明（网格员）", "field_worker", "c1"),
    ("worker2", "王芳（网格员）", "field_worker", "c3"),
    ("super1", "赵建国（站长）", "supervisor", "s1"),
    ("super2", "陈秀英（站长）", "supervisor", "s2"),
    ("admin", "区局信息科", "admin", "d"),
]
STREETS = [("s1", "青云街道退役军人服务站"), ("s2", "龙泉街道退役军人服务站"), ("s3", "白沙镇退役军人服务站")]
COMMUNITIES = [
    ("c1", "s1", "青云社区服务站"),
    ("c2", "s1", "松柏社区服务站"),
    ("c3", "s2", "龙泉社区服务站"),
    ("c4", "s2", "桃源村服务站"),
    ("c5", "s3", "白沙村服务站"),
    ("c6", "s3", "石门村服务站"),
]
# name, kind, protection level, unit, lat, lon, days since last patrol (None: never), caretaker
FACILITIES = [
    ("青山区革命烈士陵园", "cemetery", "provincial", "s1", 26.5923, 106.7132, 12, "区烈士陵园管理所 周志强"),
    ("青云山红军烈士纪念碑", "monument", "county", "c1", 26.6011, 106.7218, 45, "青云社区 刘德华"),
    ("松柏岭零散烈士墓（杨志远烈士）", "scattered_grave", "unrated", "c2", 26.6154, 106.7350, 200, "松柏社区 张伟"),
    ("龙泉抗战烈士纪念亭", "monument", "county", "s2", 26.5702, 106.6904, 20, "龙泉街道 孙丽"),
    ("桃源村零散烈士墓群", "scattered_grave", "unrated", "c4", 26.5520, 106.6712, None, "桃源村委会 何勇"),
    ("白沙镇革命烈士纪念馆", "memorial_hall", "city", "s3", 26.5301, 106.7555, 8, "白沙镇文化站 林静"),
    ("石门村烈士纪念碑", "monument", "unrated", "c6", 26.5188, 106.7702, 95, "石门村委会 郭强"),
    ("龙泉社区烈士英名墙", "monument", "county", "c3", 26.5755, 106.6988, 31, "龙泉社区 马红"),
]
CATEGORIES = [
    "martyr_family",
    "martyr_family",
    "martyr_family",
    "duty_death_family",
    "illness_death_family",
    "disabled_veteran",
    "demobilized_rural",
    "ill_returned",
    "combat_veteran",
    "hardship_veteran",
    "other_veteran",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["桂兰", "秀英", "建华", "国强", "德明", "玉珍", "春生", "淑芬", "志刚", "秋菊", "永福", "凤英", "海波", "兰英"]


# The mark of a demo installation: a comment on the database, set by scripts/dev in the same
# transaction as the demo district, only in a data folder it created itself. pg_dump leaves
# database comments out, so a restored installation is never a demo.
DEMO_MARK = "xunfang demo: made by scripts/dev in a data folder it created; holds no real data"


async def is_demo(session: AsyncSession) -> bool:
    mark = await session.scalar(
        text("select shobj_description(oid, 'pg_database') from pg_database where datname = current_database()")
    )
    return mark == DEMO_MARK


async def has_users(session: AsyncSession) -> bool:
    return await session.scalar(select(User.id).limit(1)) is not None


async def mark_demo(session: AsyncSession) -> None:
    await session.execute(
        text(f"""
        DO $$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), '{DEMO_MARK}'); END $$
    """)
    )


def _id_number(rng: random.Random) -> str:
    """A made-up identity number that passes the forms' check (GB 11643 check digit)."""
    first17 = (
        f"5201{rng.randint(10, 99)}19{rng.randint(30, 70)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(100, 999)}"
    )
    rng.choice("0123456789X")  # was the (random) check digit: still drawn, so the rest of the demo is unchanged
    return first17 + id_number_check_digit(first17)


async def set_demo_password(session: AsyncSession, password: str) -> None:
    names = [u[0] for u in DEMO_USERS]
    await session.execute(update(User).where(User.username.in_(names)).values(password_hash=hash_password(password)))


async def load_demo(session: AsyncSession, password: str) -> None:
    rng = random.Random(20261124)  # the same district every time
    now = datetime.now(timezone.utc)
    units: dict[str, OrgUnit] = {
        "d": await org_units.create_unit(session, name="青山区退役军人服务中心", parent_id=None)
    }
    for key, name in STREETS:
        units[key] = await org_units.create_unit(session, name=name, parent_id=units["d"].id)
    for key, parent, name in COMMUNITIES:
        units[key] = await org_units.create_unit(session, name=name, parent_id=units[parent].id)

    password_hash = hash_password(password)
    people: dict[str, User] = {}
    for username, display, role, unit in DEMO_USERS:
        people[username] = await users.create_user(
            session,
            username=username,
            display_name=display,
            password_hash=password_hash,
            role=role,
            org_unit_id=units[unit].id,
        )

    await set_up_stations(session, units, people)

    for name, kind, level, unit, lat, lon, days, caretaker in FACILITIES:
        await facilities.create_facility(
            session,
            values=dict(
                name=name,
                kind=kind,
                protection_level=level,
                org_unit_id=units[unit].id,
                lat=lat,
                lon=lon,
                address=f"{units[unit].name}辖区",
                caretaker=caretaker,
                patrol_interval_days=180 if kind == "scattered_grave" else 30,
                last_patrol_at=now - timedelta(days=days) if days is not None else None,
                created_at=now - timedelta(days=400),
            ),
        )

    communities = [k for k, _, _ in COMMUNITIES]
    for i in range(30):
        unit_key = communities[i % len(communities)]
        base = next(f for f in FACILITIES if f[3] in (unit_key, "s1"))
        contact = people["worker1"] if unit_key in ("c1",) else people["worker2"] if unit_key == "c3" else None
        await subjects.create_subject(
            session,
            values=dict(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                category=CATEGORIES[i % len(CATEGORIES)],
                org_unit_id=units[unit_key].id,
                address=f"{units[unit_key].name[:-3]}{rng.randint(1, 40)}组{rng.randint(1, 99)}号",
                lat=base[4] + rng.uniform(-0.01, 0.01),
                lon=base[5] + rng.uniform(-0.01, 0.01),
                phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                id_number=_id_number(rng),
                contact_user_id=contact.id if contact else None,
                visit_interval_days=90,
                created_at=now - timedelta(days=400),
                last_visit_at=now - timedelta(days=rng.choice([5, 20, 40, 70, 100, 130, 200])),
            ),
        )
