"""Field records for the demo district, sent through the real API (validation, photo pipeline,
evidence flags, tasks) as the phones would send them, then some reviewed by the supervisors."""

from __future__ import annotations

import io
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from storage.checklists import PATROL_CODES
from storage.vocabulary import AWARD_VISIT_TYPE, VisitType

SHARED_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "photos"


def scene(seed: int) -> bytes:
    """A stand-in photo when the shared fixtures are not beside us: sky, a ridge line and a grey
    monument, laid out differently for each seed so no two look alike to the perceptual hash."""
    rng = random.Random(seed)
    img = Image.new("RGB", (1600, 1200), (rng.randint(90, 200), rng.randint(140, 210), rng.randint(200, 250)))
    draw = ImageDraw.Draw(img)
    ridge = [(x, rng.randint(350, 950)) for x in range(0, 1601, 200)]
    draw.polygon([*ridge, (1600, 1200), (0, 1200)], fill=(rng.randint(30, 90), rng.randint(90, 160), 50))
    for _ in range(rng.randint(2, 5)):  # monuments, steps, trees
        x, y = rng.randint(0, 1400), rng.randint(200, 900)
        w, h = rng.randint(60, 300), rng.randint(80, 500)
        shade = rng.randint(70, 220)
        draw.rectangle([x, y, x + w, y + h], fill=(shade, shade, shade - 10), outline=(40, 40, 40), width=5)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def photo_bytes(name: str | None, seed: int) -> bytes:
    if name and (SHARED_PHOTOS / name).exists():
        return (SHARED_PHOTOS / name).read_bytes()
    return scene(seed)


async def _login(client: Any, username: str, password: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _photos(
    client: Any,
    headers: dict[str, str],
    record_id: uuid.UUID,
    shots: list[tuple[str | None, int]],
    at: datetime,
    where: tuple[float, float] | None,
) -> list[str]:
    ids = []
    for name, seed in shots:
        photo_id = uuid.uuid4()
        params = {"record_id": str(record_id), "captured_at": at.isoformat()}
        if where:
            params.update(lat=str(where[0]), lon=str(where[1]), accuracy_m="8")
        response = await client.put(
            f"/api/v1/photos/{photo_id}",
            params=params,
            content=photo_bytes(name, seed),
            headers={**headers, "Content-Type": "image/jpeg"},
        )
        response.raise_for_status()
        ids.append(str(photo_id))
    return ids


def _checklist(issues: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "item": i,
            "result": "issue" if i in issues else ("na" if i == "surveillance" else "ok"),
            "note": issues.get(i, ""),
        }
        for i in PATROL_CODES
    ]


async def _patrol(
    client: Any,
    headers: dict[str, str],
    facility: dict,
    *,
    hours_ago: float,
    issues: dict[str, str],
    shots: list[tuple[str | None, int]],
    located: bool = True,
    offset: float = 0.0002,
) -> str:
    start = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    where = (facility["location"]["lat"] + offset, facility["location"]["lon"]) if located else None
    record_id = uuid.uuid4()
    photo_ids = await _photos(client, headers, record_id, shots, start + timedelta(minutes=10), where)
    body = {
        "facility_id": facility["id"],
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=35)).isoformat(),
        "location": {"lat": where[0], "lon": where[1], "accuracy_m": 12} if where else None,
        "checklist": _checklist(issues),
        "notes": "月度例行巡查",
        "photo_ids": photo_ids,
    }
    (await client.put(f"/api/v1/patrols/{record_id}", json=body, headers=headers)).raise_for_status()
    return str(record_id)


async def _visit(
    client: Any, headers: dict[str, str], subject: dict, *, hours_ago: float, visit_type: VisitType, **fields: Any
) -> str:
    at = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    home = subject["location"]
    where = (home["lat"] + 0.0003, home["lon"]) if home else None
    record_id = uuid.uuid4()
    shots = fields.pop("shots", [])
    photo_ids = await _photos(client, headers, record_id, shots, at, where) if shots else []
    body = {
        "subject_id": subject["id"],
        "visited_at": at.isoformat(),
        "location": {"lat": where[0], "lon": where[1], "accuracy_m": 20} if where else None,
        "photo_ids": photo_ids,
        "visit_type": visit_type,
        **fields,
    }
    (await client.put(f"/api/v1/visits/{record_id}", json=body, headers=headers)).raise_for_status()
    return str(record_id)


async def load_demo_records(client: Any, password: str) -> None:
    worker1, worker2 = await _login(client, "worker1", password), await _login(client, "worker2", password)
    super1, super2 = await _login(client, "super1", password), await _login(client, "super2", password)

    async def first(path: str, headers: dict[str, str]) -> list[dict]:
        return (await client.get(path, headers=headers)).json()["items"]

    f1 = (await first("/api/v1/facilities", worker1))[0]
    f2 = (await first("/api/v1/facilities", worker2))[0]
    s1 = await first("/api/v1/subjects", worker1)
    s2 = await first("/api/v1/subjects", worker2)

    approved = await _patrol(client, worker1, f1, hours_ago=30, issues={}, shots=[(None, 1), (None, 2)])
    await _patrol(
        client,
        worker1,
        f1,
        hours_ago=3,
        issues={"structure": "碑座东侧裂缝约20厘米，需评估", "greenery": "柏树两株枯死"},
        shots=[("gps_DSCN0010.jpg", 3), (None, 4)],
    )
    await _patrol(
        client, worker1, f1, hours_ago=1, issues={"cleanliness": "祭扫后纸钱未清理"}, shots=[(None, 5)], located=False
    )
    returned = await _patrol(
        client,
        worker2,
        f2,
        hours_ago=20,
        issues={"signage": "英名墙第三排字迹脱落"},
        shots=[("mobile_jolla.jpg", 6)],
        offset=0.004,
    )
    await _patrol(client, worker2, f2, hours_ago=2, issues={}, shots=[(None, 7), (None, 8)])

    holiday = await _visit(
        client,
        worker1,
        s1[0],
        hours_ago=26,
        visit_type="holiday",
        summary="中秋慰问，老人身体尚好，子女在外务工",
        needs="希望协调修缮房屋漏雨",
        assistance={"cash_yuan": 500, "goods": "月饼一盒、大米一袋"},
        follow_up_needed=True,
        no_photo_reason="老人不愿拍照",
    )
    await _visit(
        client,
        worker1,
        s1[1],
        hours_ago=4,
        visit_type=AWARD_VISIT_TYPE,
        summary="送三等功喜报到家",
        needs="",
        assistance={"cash_yuan": 0, "goods": "喜报、慰问品"},
        award={"grade": "third_class", "co_deliverer": "区人武部"},
        shots=[(None, 9)],
    )
    await _visit(
        client,
        worker2,
        s2[0],
        hours_ago=5,
        visit_type="must_visit",
        summary="家属住院，了解困难",
        needs="申请临时救助",
        assistance={"cash_yuan": 1000, "goods": ""},
        follow_up_needed=True,
        no_photo_reason="在医院探望，不宜拍照",
    )

    # worker1 has already replanted the dead cypresses: a fix waiting for super1 to accept.
    tasks = (await client.get("/api/v1/tasks", params={"status": "open"}, headers=worker1)).json()["items"]
    greenery = next(t for t in tasks if t["item"] == "greenery")
    after = await _photos(
        client,
        worker1,
        uuid.UUID(greenery["id"]),
        [(None, 10)],
        datetime.now(timezone.utc) - timedelta(minutes=30),
        (f1["location"]["lat"] + 0.0001, f1["location"]["lon"]),
    )
    (
        await client.post(
            f"/api/v1/tasks/{greenery['id']}/fix", json={"photo_ids": after, "note": "已补种柏树两株"}, headers=worker1
        )
    ).raise_for_status()

    await client.post(
        f"/api/v1/patrols/{approved}/review", json={"decision": "approve", "comment": "情况属实"}, headers=super1
    )
    await client.post(f"/api/v1/visits/{holiday}/review", json={"decision": "approve", "comment": ""}, headers=super1)
    await client.post(
        f"/api/v1/patrols/{returned}/review",
        json={"decision": "return", "comment": "定位偏离英名墙约400米，请现场补拍并重新提交"},
        headers=super2,
    )
