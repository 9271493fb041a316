"""Home visits: the idempotent PUT, photo-less visits with a reason, awards, review and scope."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from storage.models import Visit
from tests.builders import add_subject, login, make_district

HOME = (26.59, 106.72)


def visit_body(subject_id, **changes) -> dict:
    body = {
        "subject_id": str(subject_id),
        "visit_type": "holiday",
        "visited_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(),
        "location": {"lat": HOME[0] + 0.0003, "lon": HOME[1], "accuracy_m": 20},
        "summary": "春节慰问，老人身体尚好",
        "needs": "希望帮助修缮屋顶",
        "assistance": {"cash_yuan": 500, "goods": "米一袋、油一桶"},
        "follow_up_needed": True,
        "photo_ids": [],
        "no_photo_reason": "老人不愿拍照",
        "award": None,
    }
    body.update(changes)
    return body


async def setup(db, client):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, lat=HOME[0], lon=HOME[1])
    return d, subject, await login(client, "worker1")


async def test_a_visit_is_created_once_and_resending_is_200(client, db):
    _, subject, worker = await setup(db, client)
    visit_id = uuid.uuid4()
    first = await client.put(f"/api/v1/visits/{visit_id}", json=visit_body(subject), headers=worker)
    assert first.status_code == 201, first.text
    assert first.json()["assistance"] == {"cash_yuan": 500.0, "goods": "米一袋、油一桶"}
    again = await client.put(f"/api/v1/visits/{visit_id}", json=visit_body(subject), headers=worker)
    assert again.status_code == 200
    assert await db.scalar(select(func.count()).select_from(Visit)) == 1


async def test_a_visit_without_photo_but_with_a_reason_is_not_flagged(client, db):
    _, subject, worker = await setup(db, client)
    response = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=visit_body(subject), headers=worker)
    assert response.json()["flags"] == []
    bare = visit_body(subject, no_photo_reason=None)
    flagged = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=bare, headers=worker)
    assert [f["code"] for f in flagged.json()["flags"]] == ["missing_photos"]


async def test_a_merit_notice_records_the_award(client, db):
    _, subject, worker = await setup(db, client)
    body = visit_body(subject, visit_type="merit_notice", award={"grade": "second_class", "co_deliverer": "区人武部"})
    response = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=worker)
    assert response.status_code == 201
    assert response.json()["award"] == {"grade": "second_class", "co_deliverer": "区人武部"}


async def test_approving_a_visit_marks_the_subject_visited(client, db):
    _, subject, worker = await setup(db, client)
    visit_id = uuid.uuid4()
    await client.put(f"/api/v1/visits/{visit_id}", json=visit_body(subject), headers=worker)
    supervisor = await login(client, "super1")
    reviewed = await client.post(f"/api/v1/visits/{visit_id}/review", json={"decision": "approve"}, headers=supervisor)
    assert reviewed.status_code == 200
    assert reviewed.json()["reviews"][0]["reviewer"]["username"] == "super1"
    subject_now = (await client.get(f"/api/v1/subjects/{subject}", headers=supervisor)).json()
    assert subject_now["last_visit_at"] is not None and subject_now["overdue"] is False


async def test_workers_see_only_their_own_visits(client, db):
    d, subject, worker = await setup(db, client)
    await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=visit_body(subject), headers=worker)
    from tests.builders import add_user

    await add_user(db, "worker3", "field_worker", d.community1)
    await db.commit()
    colleague = await login(client, "worker3")
    assert (await client.get("/api/v1/visits", headers=colleague)).json()["items"] == []
    assert len((await client.get("/api/v1/visits", headers=worker)).json()["items"]) == 1


async def test_a_visit_far_from_home_is_flagged(client, db):
    _, subject, worker = await setup(db, client)
    body = visit_body(subject, location={"lat": HOME[0] + 0.03, "lon": HOME[1], "accuracy_m": 10})
    response = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=worker)
    assert [f["code"] for f in response.json()["flags"]] == ["far_from_site"]


async def test_an_admin_cannot_review_their_own_visit_and_the_attempt_is_audited(client, db):
    from storage.models import AuditEntry

    d = await make_district(db)
    subject = await add_subject(db, d.community1, lat=HOME[0], lon=HOME[1])
    admin = await login(client, "admin")
    visit_id = uuid.uuid4()
    created = await client.put(f"/api/v1/visits/{visit_id}", json=visit_body(subject), headers=admin)
    assert created.status_code == 201, created.text
    own = await client.post(f"/api/v1/visits/{visit_id}/review", json={"decision": "approve"}, headers=admin)
    assert own.status_code == 403, own.text
    assert (await db.scalar(select(Visit.status).where(Visit.id == visit_id))) == "submitted"
    tried = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "visit_review_refused"))).all()
    assert [(e.actor_username, e.entity_id) for e in tried] == [("admin", str(visit_id))]
    supervisor = await login(client, "super1")
    approved = await client.post(f"/api/v1/visits/{visit_id}/review", json={"decision": "approve"}, headers=supervisor)
    assert approved.status_code == 200, approved.text
