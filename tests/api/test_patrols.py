"""Patrols: the idempotent PUT, scope, lists and pages, flags and the supervisor's review."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from storage.models import AuditEntry, Patrol
from tests.builders import add_facility, login, make_district

SITE = (26.5923, 106.7132)


def patrol_body(facility, **changes) -> dict:
    now = datetime.now(timezone.utc)
    body = {
        "facility_id": str(facility),
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "location": {
            "lat": SITE[0] + 0.0002,
            "lon": SITE[1],
            "accuracy_m": 12,
            "captured_at": (now - timedelta(minutes=30)).isoformat(),
        },
        "checklist": [
            {"item": "cleanliness", "result": "ok", "note": ""},
            {"item": "structure", "result": "issue", "note": "纪念碑基座有裂缝"},
        ],
        "notes": "例行巡查",
        "photo_ids": [],
    }
    body.update(changes)
    return body


async def setup(db, client, who="worker1"):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    return d, facility, await login(client, who)


async def test_first_put_creates_201_and_the_same_body_again_is_200(client, db):
    _, facility, headers = await setup(db, client)
    patrol_id = uuid.uuid4()
    body = patrol_body(facility)
    first = await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == str(patrol_id)
    assert await db.scalar(select(func.count()).select_from(Patrol)) == 1


async def test_a_patrol_without_photos_is_submitted_and_flagged_missing_photos(client, db):
    _, facility, headers = await setup(db, client)
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility), headers=headers)
    body = response.json()
    assert body["status"] == "submitted"
    assert {f["code"] for f in body["flags"]} == {"missing_photos"}
    assert all(f["detail"] and f["detail_zh"] for f in body["flags"])


async def test_listed_photos_not_yet_received_leave_the_patrol_incomplete(client, db):
    _, facility, headers = await setup(db, client)
    body = patrol_body(facility, photo_ids=[str(uuid.uuid4())])
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=headers)
    assert response.json()["status"] == "incomplete"


async def test_far_position_and_no_location_are_flagged_by_the_server(client, db):
    _, facility, headers = await setup(db, client)
    far = patrol_body(facility, location={"lat": SITE[0] + 0.05, "lon": SITE[1], "accuracy_m": 10})
    r1 = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=far, headers=headers)
    assert "far_from_site" in {f["code"] for f in r1.json()["flags"]}
    none = patrol_body(facility, location=None)
    r2 = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=none, headers=headers)
    assert "no_location" in {f["code"] for f in r2.json()["flags"]}


async def test_a_changed_body_after_approval_is_409_but_a_returned_patrol_may_be_resent(client, db):
    _, facility, worker = await setup(db, client)
    supervisor = await login(client, "super1")
    approved, returned = uuid.uuid4(), uuid.uuid4()
    for patrol_id in (approved, returned):
        await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    ok = await client.post(f"/api/v1/patrols/{approved}/review", json={"decision": "approve"}, headers=supervisor)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    changed = patrol_body(facility, notes="改过的")
    assert (await client.put(f"/api/v1/patrols/{approved}", json=changed, headers=worker)).status_code == 409

    back = await client.post(
        f"/api/v1/patrols/{returned}/review",
        json={"decision": "return", "comment": "请补拍裂缝照片"},
        headers=supervisor,
    )
    assert back.json()["status"] == "returned"
    resent = await client.put(f"/api/v1/patrols/{returned}", json=changed, headers=worker)
    assert resent.status_code == 200
    detail = (await client.get(f"/api/v1/patrols/{returned}", headers=worker)).json()
    assert detail["status"] == "submitted"
    assert detail["notes"] == "改过的"
    assert [r["comment"] for r in detail["reviews"]] == ["请补拍裂缝照片"]


async def test_approval_moves_the_facility_last_patrol_time(client, db):
    _, facility, worker = await setup(db, client)
    supervisor = await login(client, "super1")
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=supervisor)
    got = (await client.get(f"/api/v1/facilities/{facility}", headers=supervisor)).json()
    assert got["last_patrol_at"] is not None
    assert got["overdue"] is False


async def test_returning_needs_a_comment(client, db):
    _, facility, worker = await setup(db, client)
    supervisor = await login(client, "super1")
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    response = await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "return"}, headers=supervisor)
    assert response.status_code == 422
    assert response.json()["field"] == "comment"


async def test_a_field_worker_cannot_review(client, db):
    _, facility, worker = await setup(db, client)
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    response = await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=worker)
    assert response.status_code == 403


async def test_another_streets_supervisor_cannot_see_or_review_the_patrol(client, db):
    _, facility, worker = await setup(db, client)
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    other = await login(client, "super2")
    assert (await client.get(f"/api/v1/patrols/{patrol_id}", headers=other)).status_code == 404
    assert (
        await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=other)
    ).status_code == 404
    assert (await client.get("/api/v1/patrols", headers=other)).json()["items"] == []


async def test_a_worker_cannot_log_a_patrol_at_another_communitys_facility(client, db):
    d, _, _ = await setup(db, client)
    elsewhere = await add_facility(db, d.community2, name="西一社区纪念碑")
    worker = await login(client, "worker1")
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(elsewhere), headers=worker)
    assert response.status_code == 404
    assert await db.scalar(select(func.count()).select_from(Patrol)) == 0


async def test_another_users_id_cannot_be_overwritten(client, db):
    d, facility, worker = await setup(db, client)
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    supervisor = await login(client, "super1")
    response = await client.put(
        f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility, notes="x"), headers=supervisor
    )
    assert response.status_code == 409


async def test_pages_are_newest_first_and_follow_the_cursor(client, db):
    _, facility, worker = await setup(db, client)
    now = datetime.now(timezone.utc)
    for hours in range(5):
        start = now - timedelta(hours=hours + 1)
        body = patrol_body(facility, started_at=start.isoformat(), ended_at=(start + timedelta(minutes=20)).isoformat())
        await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=worker)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/patrols", params=params, headers=worker)).json()
        seen += [item["started_at"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5
    assert seen == sorted(seen, reverse=True)


async def test_filters_by_status_facility_and_period(client, db):
    d, facility, worker = await setup(db, client)
    other_facility = await add_facility(db, d.community1, name="另一处纪念碑")
    await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility), headers=worker)
    await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(other_facility), headers=worker)
    supervisor = await login(client, "super1")
    by_site = (
        await client.get("/api/v1/patrols", params={"facility_id": str(other_facility)}, headers=supervisor)
    ).json()["items"]
    assert [p["facility_id"] for p in by_site] == [str(other_facility)]
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    later = (await client.get("/api/v1/patrols", params={"from": future}, headers=supervisor)).json()
    assert later["items"] == []
    approved = (await client.get("/api/v1/patrols", params={"status": "approved"}, headers=supervisor)).json()
    assert approved["items"] == []


async def test_every_write_and_review_is_in_the_audit_log(client, db):
    _, facility, worker = await setup(db, client)
    supervisor = await login(client, "super1")
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=supervisor)
    actions = (await db.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(patrol_id)))).all()
    assert sorted(actions) == ["patrol_create", "patrol_review"]


async def test_a_supervisor_cannot_review_their_own_patrol_and_the_attempt_is_audited(client, db):
    _, facility, supervisor = await setup(db, client, who="super1")
    patrol_id = uuid.uuid4()
    created = await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=supervisor)
    assert created.status_code == 201, created.text
    for decision in ({"decision": "approve"}, {"decision": "return", "comment": "自己退回"}):
        own = await client.post(f"/api/v1/patrols/{patrol_id}/review", json=decision, headers=supervisor)
        assert own.status_code == 403, own.text
        assert "own" in own.json()["detail"]
    assert (await db.scalar(select(Patrol.status).where(Patrol.id == patrol_id))) == "submitted"
    tried = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "patrol_review_refused"))).all()
    assert [(e.actor_username, e.entity_id, e.detail["reason"]) for e in tried] == [
        ("super1", str(patrol_id), "own_record")
    ] * 2
    admin = await login(client, "admin")
    approved = await client.post(f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
