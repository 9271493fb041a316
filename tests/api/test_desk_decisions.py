"""Safer decisions at the desk: an approval taken back (reopen) within 24 hours, batch approval
of flag-free records that is all or nothing, and ready-made return reasons."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from storage.models import AuditEntry, Facility, Patrol, Review
from tests.api.test_patrols import patrol_body, setup
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district


async def _approved_patrol(client, db, approver="super1"):
    d, facility, worker = await setup(db, client)
    patrol_id = uuid.uuid4()
    assert (
        await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    ).status_code == 201
    supervisor = await login(client, approver)
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "approve"}, headers=supervisor
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    return d, facility, patrol_id, supervisor


async def test_the_approver_reopens_within_24_hours_and_it_waits_for_a_decision_again(client, db):
    _, facility, patrol_id, supervisor = await _approved_patrol(client, db)
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review",
        json={"decision": "reopen", "comment": "看错了，照片里没有碑体"},
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "submitted"
    assert [r["decision"] for r in body["reviews"]] == ["approve", "reopen"]
    assert body["reviews"][1]["comment"] == "看错了，照片里没有碑体"
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "patrol_reopen"))
    assert entry.entity_id == str(patrol_id) and entry.actor_username == "super1"
    # The facility's clock no longer counts the patrol that is not approved any more.
    assert await db.scalar(select(Facility.last_patrol_at).where(Facility.id == facility)) is None
    queue = (await client.get("/api/v1/review-queue", headers=supervisor)).json()["items"]
    assert [i["id"] for i in queue] == [str(patrol_id)]


async def test_a_supervisor_above_the_approver_may_reopen(client, db):
    _, _, patrol_id, _ = await _approved_patrol(client, db)
    admin = await login(client, "admin")
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": "复核"}, headers=admin
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"


async def test_reopen_needs_a_comment(client, db):
    _, _, patrol_id, supervisor = await _approved_patrol(client, db)
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": " "}, headers=supervisor
    )
    assert response.status_code == 422 and response.json()["field"] == "comment"
    assert (await db.scalar(select(Patrol.status).where(Patrol.id == patrol_id))) == "approved"


async def test_reopen_after_24_hours_is_refused(client, db):
    _, _, patrol_id, supervisor = await _approved_patrol(client, db)
    await db.execute(update(Review).where(Review.record_id == patrol_id).values(at=func.now() - timedelta(hours=25)))
    await db.commit()
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": "太晚了"}, headers=supervisor
    )
    assert response.status_code == 409
    assert "24 hours" in response.json()["detail"]
    db.expire_all()
    assert (await db.scalar(select(Patrol.status).where(Patrol.id == patrol_id))) == "approved"
    assert await db.scalar(select(func.count()).select_from(Review).where(Review.decision == "reopen")) == 0


async def test_a_field_worker_cannot_reopen(client, db):
    _, _, patrol_id, _ = await _approved_patrol(client, db)
    worker = await login(client, "worker1")
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": "我想改"}, headers=worker
    )
    assert response.status_code == 403
    assert (await db.scalar(select(Patrol.status).where(Patrol.id == patrol_id))) == "approved"


async def test_a_peer_supervisor_who_did_not_approve_cannot_reopen(client, db):
    d, _, patrol_id, _ = await _approved_patrol(client, db)
    from tests.builders import add_user

    await add_user(db, "super1b", "supervisor", d.street1)
    await db.commit()
    peer = await login(client, "super1b")
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": "复核"}, headers=peer
    )
    assert response.status_code == 403


async def test_only_an_approved_record_can_be_reopened(client, db):
    _, facility, worker = await setup(db, client)
    patrol_id = uuid.uuid4()
    await client.put(f"/api/v1/patrols/{patrol_id}", json=patrol_body(facility), headers=worker)
    supervisor = await login(client, "super1")
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/review", json={"decision": "reopen", "comment": "复核"}, headers=supervisor
    )
    assert response.status_code == 409


# --- batch approval ----------------------------------------------------------------------------


async def _three_records(db, *, flagged: bool):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    subject = await add_subject(db, d.community1)
    clean = await add_patrol(db, d.community1, d.users["worker1"], facility)
    visit = await add_visit(db, d.community1, d.users["worker1"], subject)
    other = await add_patrol(
        db,
        d.community1,
        d.users["worker1"],
        facility,
        flags=[{"code": "far_from_site", "detail": "1.2 km from the site"}] if flagged else [],
    )
    await db.commit()
    return d, [("patrol", clean.id), ("visit", visit.id), ("patrol", other.id)]


async def test_batch_approves_flag_free_records_in_one_go(client, db):
    _, refs = await _three_records(db, flagged=False)
    supervisor = await login(client, "super1")
    response = await client.post(
        "/api/v1/reviews/batch",
        headers=supervisor,
        json={"decision": "approve", "records": [{"kind": k, "id": str(i)} for k, i in refs]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["approved"] == 3
    assert await db.scalar(select(func.count()).select_from(Review).where(Review.decision == "approve")) == 3
    assert (await client.get("/api/v1/desk/counts", headers=supervisor)).json()["review"] == 0


async def test_batch_with_one_flagged_record_approves_nothing_and_names_it(client, db):
    _, refs = await _three_records(db, flagged=True)
    supervisor = await login(client, "super1")
    response = await client.post(
        "/api/v1/reviews/batch",
        headers=supervisor,
        json={"decision": "approve", "records": [{"kind": k, "id": str(i)} for k, i in refs]},
    )
    assert response.status_code == 422
    body = response.json()
    flagged = refs[2][1]
    assert [(r["kind"], r["id"], r["reason"]) for r in body["refused"]] == [("patrol", str(flagged), "flagged")]
    assert str(flagged) in body["detail"] and "far_from_site" in body["detail"]
    assert await db.scalar(select(func.count()).select_from(Review)) == 0
    assert set((await db.scalars(select(Patrol.status))).all()) == {"submitted"}


async def test_batch_names_every_record_not_awaiting_a_decision_or_not_the_callers(client, db):
    d, refs = await _three_records(db, flagged=False)
    facility = await add_facility(db, d.community1, name="英雄纪念碑")
    returned = await add_patrol(db, d.community1, d.users["worker1"], facility, status="returned")
    own = await add_patrol(db, d.community1, d.users["super1"], facility)
    await db.commit()
    supervisor = await login(client, "super1")
    records = [{"kind": k, "id": str(i)} for k, i in refs] + [
        {"kind": "patrol", "id": str(returned.id)},
        {"kind": "patrol", "id": str(own.id)},
        {"kind": "visit", "id": str(uuid.uuid4())},
    ]
    response = await client.post(
        "/api/v1/reviews/batch", headers=supervisor, json={"decision": "approve", "records": records}
    )
    assert response.status_code == 422
    reasons = {r["id"]: r["reason"] for r in response.json()["refused"]}
    assert reasons == {str(returned.id): "not_awaiting", str(own.id): "own_record", records[-1]["id"]: "not_found"}
    assert await db.scalar(select(func.count()).select_from(Review)) == 0


async def test_batch_is_for_reviewers_and_at_most_100_records(client, db):
    _, refs = await _three_records(db, flagged=False)
    worker = await login(client, "worker1")
    body = {"decision": "approve", "records": [{"kind": k, "id": str(i)} for k, i in refs]}
    assert (await client.post("/api/v1/reviews/batch", headers=worker, json=body)).status_code == 403
    supervisor = await login(client, "super1")
    too_many = {"decision": "approve", "records": [{"kind": "patrol", "id": str(uuid.uuid4())} for _ in range(101)]}
    assert (await client.post("/api/v1/reviews/batch", headers=supervisor, json=too_many)).status_code == 400
    twice = {"decision": "approve", "records": [{"kind": "patrol", "id": str(refs[0][1])}] * 2}
    assert (await client.post("/api/v1/reviews/batch", headers=supervisor, json=twice)).status_code == 422


# --- return reasons ----------------------------------------------------------------------------


async def test_return_reasons_are_seeded_and_an_admin_edits_them(client, db):
    await make_district(db)
    supervisor = await login(client, "super1")
    reasons = (await client.get("/api/v1/return-reasons", headers=supervisor)).json()
    assert reasons[0] == {
        "code": "photo_unclear",
        "text": {"zh": "照片不清楚，请重新拍摄", "en": "The photos are unclear; take them again"},
    }
    assert all(r["text"]["zh"] and r["text"]["en"] for r in reasons) and len(reasons) >= 5
    admin = await login(client, "admin")
    new = [
        {"code": "far_from_site", "text": {"zh": "定位不在现场", "en": "The position is not at the site"}},
        {"code": "photo_unclear", "text": {"zh": "照片看不清", "en": "The photos cannot be read"}},
    ]
    assert (await client.put("/api/v1/return-reasons", headers=supervisor, json=new)).status_code == 403
    response = await client.put("/api/v1/return-reasons", headers=admin, json=new)
    assert response.status_code == 200, response.text
    assert (await client.get("/api/v1/return-reasons", headers=supervisor)).json() == new  # in the admin's order
    assert (
        await db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "return_reasons_update")
        )
        == 1
    )


async def test_return_reasons_refuse_a_code_twice_and_empty_text(client, db):
    await make_district(db)
    admin = await login(client, "admin")
    twice = [{"code": "a", "text": {"zh": "甲", "en": "A"}}, {"code": "a", "text": {"zh": "乙", "en": "B"}}]
    assert (await client.put("/api/v1/return-reasons", headers=admin, json=twice)).status_code == 422
    blank = [{"code": "a", "text": {"zh": " ", "en": "A"}}]
    assert (await client.put("/api/v1/return-reasons", headers=admin, json=blank)).status_code == 422
    bad = [{"code": "=cmd()", "text": {"zh": "甲", "en": "A"}}]
    assert (await client.put("/api/v1/return-reasons", headers=admin, json=bad)).status_code == 400


async def test_reopening_a_visit_puts_the_subjects_clock_back(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    visit = await add_visit(db, d.community1, d.users["worker1"], subject)
    await db.commit()
    supervisor = await login(client, "super1")
    approved = await client.post(f"/api/v1/visits/{visit.id}/review", json={"decision": "approve"}, headers=supervisor)
    assert approved.status_code == 200
    assert (await client.get(f"/api/v1/subjects/{subject}", headers=supervisor)).json()["last_visit_at"] is not None
    reopened = await client.post(
        f"/api/v1/visits/{visit.id}/review", headers=supervisor, json={"decision": "reopen", "comment": "金额填错了"}
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "submitted"
    assert (await client.get(f"/api/v1/subjects/{subject}", headers=supervisor)).json()["last_visit_at"] is None
