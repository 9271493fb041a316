"""The demo's station network (product.md, Demo data): stations with addresses, positions, heads
and standards (one demonstration station), a station inspection with an open rectification task,
an approved inspection last week, and last week's report with the heads' remarks. Records go
through the real API, as phones and desks would send them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from scripts.demo_records import _login, _photos
from storage.models import OrgUnit, User

# unit key: address, lat, lon, head's username (None: no head yet), demonstration
STATIONS = {
    "s1": ("青云街道青云路18号 街道党群服务中心一楼", 26.5951, 106.7160, "super1", False),
    "s2": ("龙泉街道龙泉大道206号", 26.5731, 106.6930, "super2", False),
    "s3": ("白沙镇白沙街3号 镇政府院内", 26.5322, 106.7530, None, False),
    "c1": ("青云社区青云路57号 社区服务中心", 26.6001, 106.7201, "worker1", True),
    "c2": ("松柏社区松柏巷12号", 26.6140, 106.7332, None, False),
    "c3": ("龙泉社区泉水路9号", 26.5748, 106.6975, "worker2", False),
    "c4": ("桃源村村委会", 26.5531, 106.6725, None, False),
    "c5": ("白沙村村委会", 26.5280, 106.7602, None, False),
    "c6": ("石门村村委会", 26.5195, 106.7690, None, False),
}


async def set_up_stations(session: AsyncSession, units: dict[str, OrgUnit], people: dict[str, User]) -> None:
    for key, (address, lat, lon, head, demonstration) in STATIONS.items():
        await session.execute(
            update(OrgUnit)
            .where(OrgUnit.id == units[key].id)
            .values(
                address=address,
                lat=lat,
                lon=lon,
                geofence_m=200,
                demonstration=demonstration,
                head_user_id=people[head].id if head else None,
            )
        )


def _week(at: datetime) -> str:
    year, number, _ = (at + timedelta(hours=8)).isocalendar()
    return f"{year}-W{number:02d}"


async def _inspection(
    client: Any,
    headers: dict[str, str],
    unit: dict,
    *,
    hours_ago: float,
    template: dict,
    issues: dict[str, str],
    shot: int,
) -> str:
    record_id = uuid.uuid4()
    start = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    where = (unit["station"]["location"]["lat"] + 0.0002, unit["station"]["location"]["lon"])
    photo_ids = await _photos(
        client, headers, record_id, [(None, shot), (None, shot + 1)], start + timedelta(minutes=15), where
    )
    checklist = [
        {
            "item": i["code"],
            "result": "issue" if i["code"] in issues else "ok",
            "note": issues.get(i["code"], ""),
            "photo_ids": photo_ids[1:] if i["code"] in issues else [],
        }
        for i in template["items"]
    ]
    body = {
        "org_unit_id": unit["id"],
        "template_id": template["id"],
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=50)).isoformat(),
        "checklist": checklist,
        "location": {"lat": where[0], "lon": where[1], "accuracy_m": 10, "captured_at": start.isoformat()},
        "notes": "回头看：现场核查服务站建设情况",
        "photo_ids": photo_ids,
    }
    (await client.put(f"/api/v1/inspections/{record_id}", json=body, headers=headers)).raise_for_status()
    return str(record_id)


async def load_station_records(client: Any, password: str) -> None:
    super1, admin = await _login(client, "super1", password), await _login(client, "admin", password)
    worker1 = await _login(client, "worker1", password)
    units = {u["name"]: u for u in (await client.get("/api/v1/org-units", headers=admin)).json()["items"]}
    templates = {t["key"]: t for t in (await client.get("/api/v1/checklist-templates", headers=admin)).json()["items"]}
    qingyun, songbai = units["青云社区服务站"], units["松柏社区服务站"]
    # Today: super1 inspects the demonstration station; its ledger falls short (a task for its head).
    await _inspection(
        client,
        super1,
        qingyun,
        hours_ago=5,
        template=templates["four_haves"],
        issues={"basic_ledger": "服务对象台账未更新到本季度，缺3户走访记录"},
        shot=31,
    )
    # Last week: an inspection of 松柏社区, approved by the district.
    last = await _inspection(
        client, super1, songbai, hours_ago=24 * 7 + 2, template=templates["four_haves"], issues={}, shot=33
    )
    (
        await client.post(
            f"/api/v1/inspections/{last}/review", json={"decision": "approve", "comment": "符合“四有”"}, headers=admin
        )
    ).raise_for_status()
    week = _week(datetime.now(timezone.utc) - timedelta(days=7))
    street = units["青云街道退役军人服务站"]
    remarks = [
        (worker1, qingyun, "本周走访慰问5户，英名墙周边环境已整治；台账补录进行中。", True),
        (super1, street, "本周完成松柏社区“回头看”督导，符合“四有”标准；青云山纪念碑基座裂缝已报区局评估。", True),
    ]
    for headers, unit, text, submit in remarks:
        (
            await client.put(
                f"/api/v1/reports/weekly/{unit['id']}/{week}", json={"remarks": text, "submit": submit}, headers=headers
            )
        ).raise_for_status()
