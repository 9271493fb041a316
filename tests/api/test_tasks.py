"""Rectification and follow-up tasks: opened from records once, fixed, accepted, reopened, scoped."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from storage.models import AuditEntry, Photo, Task
from storage.queries.tasks import TaskRules, sync_tasks_for_patrol, sync_tasks_for_visit
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district


async def _patrol_with_issues(db, d, **issues):
    facility = await add_facility(db, d.community1)
    patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues=issues)
    await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    return patrol


async def _add_photo(db, d, record_id, *, photo_id=None):
    photo = Photo(
        id=photo_id or uuid.uuid4(),
        record_id=record_id,
        uploader_id=d.users["worker1"].id,
        org_unit_id=d.community1.id,
        sha256=uuid.uuid4().hex * 2,
        content_type="image/jpeg",
        bytes=1000,
        width=640,
        height=480,
        lat=26.58,
        lon=106.71,
        accuracy_m=8,
        phash=0,
        phash_b0=0,
        phash_b1=0,
        phash_b2=0,
        phash_b3=0,
    )
    db.add(photo)
    await db.commit()
    return photo.id


async def test_each_issue_item_opens_one_task_due_in_15_days(db):
    d = await make_district(db)
    patrol = await _patrol_with_issues(db, d, structure="碑体裂缝", safety="台阶松动")
    rows = (await db.scalars(select(Task).order_by(Task.item))).all()
    assert [t.item for t in rows] == ["safety", "structure"]
    assert all(t.assignee_id == d.users["worker1"].id for t in rows)
    assert rows[1].detail == "碑体裂缝"
    assert rows[0].due_at == patrol.started_at + timedelta(days=15)


async def test_sending_the_same_record_again_never_duplicates_tasks(db):
    d = await make_district(db)
    patrol = await _patrol_with_issues(db, d, structure="碑体裂缝")
    for _ in range(3):
        await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Task)) == 1


async def test_corrected_record_without_the_issue_cancels_its_open_task(db):
    d = await make_district(db)
    patrol = await _patrol_with_issues(db, d, structure="碑体裂缝", safety="台阶松动")
    patrol.checklist = [dict(c, result="ok") if c["item"] == "safety" else c for c in patrol.checklist]
    await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    status = dict((await db.execute(select(Task.item, Task.status))).all())
    assert status == {"structure": "open", "safety": "cancelled"}


async def test_due_days_are_settings(db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"signage": "字迹不清"})
    await sync_tasks_for_patrol(db, patrol=patrol, rules=TaskRules(patrol_issue_due_days=3))
    task = await db.scalar(select(Task))
    assert task.due_at == patrol.started_at + timedelta(days=3)


async def test_visit_follow_up_goes_to_the_subjects_contact_in_7_days(db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, contact_user_id=d.users["super1"].id)
    visit = await add_visit(db, d.community1, d.users["worker1"], subject, follow_up=True)
    await sync_tasks_for_visit(db, visit=visit)
    await db.commit()
    task = await db.scalar(select(Task))
    assert (task.item, task.assignee_id) == ("follow_up", d.users["super1"].id)
    assert task.due_at == visit.visited_at + timedelta(days=7)
    visit.follow_up_needed = False
    await sync_tasks_for_visit(db, visit=visit)
    await db.commit()
    await db.refresh(task)
    assert task.status == "cancelled"


async def test_supervisor_lists_tasks_in_scope_and_other_street_sees_none(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    mine = await client.get("/api/v1/tasks", headers=await login(client, "super1"))
    assert mine.status_code == 200, mine.text
    assert [t["item_label"] for t in mine.json()["items"]] == ["设施完好"]
    assert mine.json()["items"][0]["place_name"] == "烈士陵园"
    other = await client.get("/api/v1/tasks", headers=await login(client, "super2"))
    assert other.json()["items"] == []


async def test_other_street_supervisor_gets_404_for_a_task(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    headers = await login(client, "super2")
    assert (await client.get(f"/api/v1/tasks/{task_id}", headers=headers)).status_code == 404
    accept = await client.post(f"/api/v1/tasks/{task_id}/accept", headers=headers)
    assert accept.status_code == 404


async def test_fix_accept_and_reopen_with_before_and_after_photos(client, db):
    d = await make_district(db)
    patrol = await _patrol_with_issues(db, d, structure="碑体裂缝")
    before = await _add_photo(db, d, patrol.id)
    task_id = await db.scalar(select(Task.id))
    after = await _add_photo(db, d, task_id)
    worker = await login(client, "worker1")
    fixed = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=worker, json={"photo_ids": [str(after)], "note": "已修补"}
    )
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["status"] == "fixed"
    assert [p["id"] for p in body["before_photos"]] == [str(before)]
    assert [p["id"] for p in body["after_photos"]] == [str(after)]
    again = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=worker, json={"photo_ids": [str(after)], "note": "已修补"}
    )
    assert again.status_code == 200
    assert (await client.post(f"/api/v1/tasks/{task_id}/accept", headers=worker)).status_code == 403
    boss = await login(client, "super1")
    accepted = await client.post(f"/api/v1/tasks/{task_id}/accept", headers=boss)
    assert accepted.json()["status"] == "accepted"
    reopened = await client.post(f"/api/v1/tasks/{task_id}/reopen", headers=boss, json={"comment": "裂缝仍在"})
    assert reopened.json()["status"] == "open"
    assert reopened.json()["reopen_comment"] == "裂缝仍在"
    actions = (
        await db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("task_%")).order_by(AuditEntry.id))
    ).all()
    assert actions == ["task_fix", "task_accept", "task_reopen"]


async def test_same_fix_sent_again_after_acceptance_returns_200_and_changes_nothing(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    after = await _add_photo(db, d, task_id)
    worker = await login(client, "worker1")
    body = {"photo_ids": [str(after)], "note": "已修补"}
    assert (await client.post(f"/api/v1/tasks/{task_id}/fix", headers=worker, json=body)).status_code == 200
    accepted = await client.post(f"/api/v1/tasks/{task_id}/accept", headers=await login(client, "super1"))
    assert accepted.json()["status"] == "accepted"
    # the phone never heard the first answer and sends the same fix from its outbox again
    again = await client.post(f"/api/v1/tasks/{task_id}/fix", headers=worker, json=body)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "accepted"
    assert [p["id"] for p in again.json()["after_photos"]] == [str(after)]
    different = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=worker, json={"photo_ids": [str(after)], "note": "另一次整改"}
    )
    assert different.status_code == 409
    fixes = await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "task_fix"))
    assert fixes == 1


async def test_the_old_fix_arriving_late_after_a_reopen_does_not_close_the_task_again(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    first, second = await _add_photo(db, d, task_id), await _add_photo(db, d, task_id)
    worker, boss = await login(client, "worker1"), await login(client, "super1")
    old = {"photo_ids": [str(first)], "note": "已修补"}
    await client.post(f"/api/v1/tasks/{task_id}/fix", headers=worker, json=old)
    await client.post(f"/api/v1/tasks/{task_id}/reopen", headers=boss, json={"comment": "裂缝仍在"})
    late = await client.post(f"/api/v1/tasks/{task_id}/fix", headers=worker, json=old)  # from the outbox
    assert late.status_code == 200 and late.json()["status"] == "open"
    new = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=worker, json={"photo_ids": [str(second)], "note": "重新灌缝"}
    )
    assert new.json()["status"] == "fixed"


async def test_fix_of_a_patrol_issue_without_photo_is_422(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    response = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=await login(client, "worker1"), json={"photo_ids": [], "note": "修好了"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "photo_ids"


async def test_accepting_an_open_task_is_409_and_reopen_needs_a_comment(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    boss = await login(client, "super1")
    assert (await client.post(f"/api/v1/tasks/{task_id}/accept", headers=boss)).status_code == 409
    no_comment = await client.post(f"/api/v1/tasks/{task_id}/reopen", headers=boss, json={})
    assert no_comment.status_code == 400


async def test_field_worker_sees_only_tasks_assigned_to_them(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    mine = await client.get("/api/v1/tasks", headers=await login(client, "worker1"))
    assert len(mine.json()["items"]) == 1
    other = await client.get("/api/v1/tasks", headers=await login(client, "worker2"))
    assert other.json()["items"] == []


async def test_filters_overdue_and_status_and_keyset_pages(client, db):
    d = await make_district(db)
    old = datetime.now(timezone.utc) - timedelta(days=40)
    for i in range(3):
        facility = await add_facility(db, d.community1, name=f"烈士陵园{i}")  # one problem per site is one task
        patrol = await add_patrol(
            db,
            d.community1,
            d.users["worker1"],
            facility,
            issues={"greenery": f"草{i}"},
            started_at=old if i == 0 else None,
        )
        await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    boss = await login(client, "super1")
    overdue = (await client.get("/api/v1/tasks?overdue=true", headers=boss)).json()["items"]
    assert [t["detail"] for t in overdue] == ["草0"]
    assert overdue[0]["overdue"] is True
    page1 = (await client.get("/api/v1/tasks?limit=2&status=open", headers=boss)).json()
    page2 = (await client.get(f"/api/v1/tasks?limit=2&status=open&cursor={page1['next_cursor']}", headers=boss)).json()
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1 and page2["next_cursor"] is None
    by_unit = await client.get(f"/api/v1/tasks?org_unit_id={d.community2.id}", headers=boss)
    assert by_unit.json()["items"] == []


async def test_bad_filters_are_400_not_500(client, db):
    await make_district(db)
    boss = await login(client, "super1")
    for query in ("status=done", "overdue=perhaps", "org_unit_id=nope", "cursor=@@@", "limit=0"):
        response = await client.get(f"/api/v1/tasks?{query}", headers=boss)
        assert 400 <= response.status_code < 500, (query, response.text)
    assert (await client.get("/api/v1/tasks/not-a-uuid", headers=boss)).status_code in (400, 404)
    assert (await client.get("/api/v1/tasks")).status_code == 401


async def test_patrol_put_opens_the_task_and_a_corrected_resend_cancels_it(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    now = datetime.now(timezone.utc)
    body = {
        "facility_id": str(facility),
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "location": None,
        "notes": "",
        "photo_ids": [],
        "checklist": [{"item": "structure", "result": "issue", "note": "纪念碑基座有裂缝"}],
    }
    patrol_id = uuid.uuid4()
    worker = await login(client, "worker1")
    assert (await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=worker)).status_code == 201
    assert (await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=worker)).status_code == 200
    listed = (await client.get(f"/api/v1/tasks?record_id={patrol_id}", headers=worker)).json()["items"]
    assert [(t["item"], t["status"]) for t in listed] == [("structure", "open")]
    boss = await login(client, "super1")
    returned = await client.post(
        f"/api/v1/patrols/{patrol_id}/review",
        headers=boss,
        json={"decision": "return", "comment": "裂缝是旧的，请核实"},
    )
    assert returned.status_code == 200, returned.text
    body["checklist"] = [{"item": "structure", "result": "ok", "note": ""}]
    assert (await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=worker)).status_code == 200
    after = (await client.get(f"/api/v1/tasks?record_id={patrol_id}&status=cancelled", headers=boss)).json()
    assert [t["status"] for t in after["items"]] == ["cancelled"]


async def test_visit_put_with_follow_up_opens_a_follow_up_task(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    body = {
        "subject_id": str(subject),
        "visit_type": "routine",
        "visited_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(),
        "location": None,
        "summary": "身体尚可",
        "needs": "屋顶漏雨",
        "assistance": {"cash_yuan": 0, "goods": ""},
        "follow_up_needed": True,
        "photo_ids": [],
        "no_photo_reason": "老人不愿拍照",
        "award": None,
    }
    response = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=await login(client, "worker1"))
    assert response.status_code == 201, response.text
    task = await db.scalar(select(Task))
    assert (task.item, task.detail, task.record_kind) == ("follow_up", "屋顶漏雨", "visit")


async def test_bad_fix_bodies_are_4xx_and_change_nothing(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    worker = await login(client, "worker1")
    photo = str(uuid.uuid4())
    for body in (
        {"photo_ids": ["not-a-uuid"]},
        {"photo_ids": [photo], "colour": "red"},
        {"photo_ids": [photo, photo]},
        {"photo_ids": [str(uuid.uuid4()) for _ in range(13)]},
    ):
        response = await client.post(f"/api/v1/tasks/{task_id}/fix", headers=worker, json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
    empty = await client.post(
        f"/api/v1/tasks/{task_id}/fix",
        headers=worker,
        content=b"",
    )
    assert 400 <= empty.status_code < 500
    other = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=await login(client, "worker2"), json={"photo_ids": [photo]}
    )
    assert other.status_code == 404
    await db.refresh(await db.get(Task, task_id))
    assert (await db.get(Task, task_id)).status == "open"


async def test_a_supervisor_cannot_accept_their_own_fix_and_the_attempt_is_audited(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    after = await _add_photo(db, d, task_id)
    boss = await login(client, "super1")
    fixed = await client.post(
        f"/api/v1/tasks/{task_id}/fix", headers=boss, json={"photo_ids": [str(after)], "note": "已修补"}
    )
    assert fixed.status_code == 200, fixed.text
    own = await client.post(f"/api/v1/tasks/{task_id}/accept", headers=boss)
    assert own.status_code == 403, own.text
    assert (await db.scalar(select(Task.status))) == "fixed"
    tried = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "task_accept_refused"))).all()
    assert [(e.actor_username, e.entity_id) for e in tried] == [("super1", str(task_id))]
    accepted = await client.post(f"/api/v1/tasks/{task_id}/accept", headers=await login(client, "admin"))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


async def test_owner_is_the_caretaker_else_the_station_head_and_never_the_reporter(client, db):
    d = await make_district(db)
    cared = await add_facility(db, d.community1, name="纪念碑", caretaker="东一社区 刘德华")
    bare = await add_facility(db, d.community1, name="纪念亭")
    for facility in (cared, bare):
        patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"signage": "字迹不清"})
        await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    items = (await client.get("/api/v1/tasks", headers=await login(client, "super1"))).json()["items"]
    owners = {t["place_name"]: (t["owner_name"], t["owner_kind"], t["reporter_name"]) for t in items}
    reporter = d.users["worker1"].display_name
    assert owners["纪念碑"] == ("东一社区 刘德华", "caretaker", reporter)
    assert owners["纪念亭"] == (d.users["super1"].display_name, "station_head", reporter)
    # A station with a named head (站长) puts that person before the street's supervisor.
    d.community1.head_user_id = d.users["worker1"].id
    await db.commit()
    items = (await client.get("/api/v1/tasks", headers=await login(client, "super1"))).json()["items"]
    heads = {t["place_name"]: (t["owner_name"], t["owner_kind"]) for t in items}
    assert heads["纪念亭"] == (reporter, "station_head") and heads["纪念碑"][1] == "caretaker"


async def test_a_supervisor_reassigns_a_task_and_the_log_names_both_people(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task_id = await db.scalar(select(Task.id))
    boss = await login(client, "super1")
    moved = await client.post(
        f"/api/v1/tasks/{task_id}/reassign", headers=boss, json={"assignee_id": str(d.users["super1"].id)}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee_id"] == str(d.users["super1"].id)
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "task_reassign"))
    assert (entry.detail["old"], entry.detail["new"]) == (
        d.users["worker1"].display_name,
        d.users["super1"].display_name,
    )
    # The worker no longer sees it; someone whose unit does not cover the place cannot get it.
    worker_tasks = await client.get("/api/v1/tasks", headers=await login(client, "worker1"))
    assert worker_tasks.json()["items"] == []
    admin = await login(client, "admin")
    elsewhere = await client.post(
        f"/api/v1/tasks/{task_id}/reassign", headers=admin, json={"assignee_id": str(d.users["worker2"].id)}
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "assignee_id"
    refused = await client.post(
        f"/api/v1/tasks/{task_id}/reassign",
        headers=await login(client, "worker1"),
        json={"assignee_id": str(d.users["worker1"].id)},
    )
    assert refused.status_code == 403


async def test_a_supervisor_moves_the_deadline_and_the_log_has_old_and_new(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝")
    task = await db.scalar(select(Task))
    old_due = task.due_at
    boss = await login(client, "super1")
    new_due = (datetime.now(timezone.utc) + timedelta(days=40)).replace(microsecond=0)
    moved = await client.post(f"/api/v1/tasks/{task.id}/deadline", headers=boss, json={"due_at": new_due.isoformat()})
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["due_at"]) == new_due
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "task_deadline"))
    assert datetime.fromisoformat(entry.detail["old"]) == old_due
    assert datetime.fromisoformat(entry.detail["new"]) == new_due
    past = await client.post(
        f"/api/v1/tasks/{task.id}/deadline", headers=boss, json={"due_at": "2020-01-01T00:00:00+08:00"}
    )
    assert past.status_code == 422 and past.json()["field"] == "due_at"
    worker = await client.post(
        f"/api/v1/tasks/{task.id}/deadline",
        headers=await login(client, "worker1"),
        json={"due_at": new_due.isoformat()},
    )
    assert worker.status_code == 403


async def test_the_desk_counts_what_waits_for_a_supervisor(client, db):
    d = await make_district(db)
    await _patrol_with_issues(db, d, structure="碑体裂缝", safety="台阶松动")
    counts = await client.get("/api/v1/desk/counts", headers=await login(client, "super1"))
    assert counts.status_code == 200, counts.text
    assert counts.json()["tasks_open"] == 2 and counts.json()["tasks_to_accept"] == 0
    other = await client.get("/api/v1/desk/counts", headers=await login(client, "super2"))
    assert other.json()["tasks_open"] == 0
    assert (await client.get("/api/v1/desk/counts", headers=await login(client, "worker1"))).status_code == 403


# --- one task per problem ------------------------------------------------------------------


def _patrol_body(facility, note="纪念碑基座有裂缝", item="structure"):
    now = datetime.now(timezone.utc)
    return {
        "facility_id": str(facility),
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "location": None,
        "notes": "",
        "photo_ids": [],
        "checklist": [{"item": item, "result": "issue", "note": note}],
    }


async def test_a_second_patrol_with_the_same_issue_on_the_same_facility_joins_the_open_task(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    first, second = uuid.uuid4(), uuid.uuid4()
    assert (
        await client.put(f"/api/v1/patrols/{first}", json=_patrol_body(facility), headers=worker)
    ).status_code == 201
    assert (
        await client.put(f"/api/v1/patrols/{second}", json=_patrol_body(facility, "裂缝变长了"), headers=worker)
    ).status_code == 201
    # Sent again (a phone's retry): still one task, still two records.
    assert (
        await client.put(f"/api/v1/patrols/{second}", json=_patrol_body(facility, "裂缝变长了"), headers=worker)
    ).status_code == 200
    boss = await login(client, "super1")
    [task] = (await client.get("/api/v1/tasks", headers=boss)).json()["items"]
    assert task["occurrences"] == 2
    assert task["records"] == [{"kind": "patrol", "id": str(first)}, {"kind": "patrol", "id": str(second)}]
    assert task["record_id"] == str(first)
    # The record that joined finds its task too.
    joined = (await client.get(f"/api/v1/tasks?record_id={second}", headers=boss)).json()["items"]
    assert [t["id"] for t in joined] == [task["id"]]
    detail = (await client.get(f"/api/v1/tasks/{task['id']}", headers=boss)).json()
    assert detail["occurrences"] == 2


async def test_another_item_or_another_facility_is_another_task(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    elsewhere = await add_facility(db, d.community1, name="英雄纪念碑")
    worker = await login(client, "worker1")
    for body in (_patrol_body(facility), _patrol_body(facility, "标识褪色", item="signage"), _patrol_body(elsewhere)):
        assert (await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=worker)).status_code == 201
    assert await db.scalar(select(func.count()).select_from(Task)) == 3


async def test_once_the_task_is_fixed_a_new_report_opens_a_new_task(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=_patrol_body(facility), headers=worker)
    task = await db.scalar(select(Task))
    task.status = "accepted"
    await db.commit()
    await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=_patrol_body(facility), headers=worker)
    assert sorted((await db.scalars(select(Task.status))).all()) == ["accepted", "open"]


async def test_a_joined_record_corrected_leaves_the_task_and_the_task_stays_open(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    first, second = uuid.uuid4(), uuid.uuid4()
    await client.put(f"/api/v1/patrols/{first}", json=_patrol_body(facility), headers=worker)
    await client.put(f"/api/v1/patrols/{second}", json=_patrol_body(facility), headers=worker)
    fixed = _patrol_body(facility)
    fixed["checklist"] = [{"item": "structure", "result": "ok", "note": ""}]
    assert (await client.put(f"/api/v1/patrols/{first}", json=fixed, headers=worker)).status_code == 200
    [task] = (await client.get("/api/v1/tasks", headers=await login(client, "super1"))).json()["items"]
    assert (task["status"], task["records"]) == ("open", [{"kind": "patrol", "id": str(second)}])


async def test_one_open_follow_up_per_subject(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    worker = await login(client, "worker1")
    ids = [uuid.uuid4(), uuid.uuid4()]
    for n, visit_id in enumerate(ids):
        body = {
            "subject_id": str(subject),
            "visit_type": "routine",
            "visited_at": (datetime.now(timezone.utc) - timedelta(minutes=30 - n)).isoformat(),
            "location": None,
            "summary": "身体尚可",
            "needs": "屋顶漏雨",
            "assistance": {"cash_yuan": 0, "goods": ""},
            "follow_up_needed": True,
            "photo_ids": [],
            "no_photo_reason": "老人不愿拍照",
            "award": None,
        }
        assert (await client.put(f"/api/v1/visits/{visit_id}", json=body, headers=worker)).status_code == 201
    [task] = (await client.get("/api/v1/tasks", headers=await login(client, "super1"))).json()["items"]
    assert task["item"] == "follow_up" and task["occurrences"] == 2


async def test_the_caretaker_owns_the_task_when_that_person_is_a_user(client, db):
    d = await make_district(db)
    from tests.builders import add_user

    caretaker = await add_user(db, "wanggl", "field_worker", d.community1)
    caretaker.display_name = "王国良"
    await db.commit()
    facility = await add_facility(db, d.community1, caretaker="王国良")
    unknown = await add_facility(db, d.community1, name="英雄纪念碑", caretaker="李四")
    worker = await login(client, "worker1")
    for site in (facility, unknown):
        await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=_patrol_body(site), headers=worker)
    owners = dict((await db.execute(select(Task.facility_id, Task.assignee_id))).all())
    assert owners == {facility: caretaker.id, unknown: d.users["worker1"].id}


async def test_the_desk_counts_and_the_task_states_agree(client, db):
    d = await make_district(db)
    old = datetime.now(timezone.utc) - timedelta(days=40)
    made = []
    for i in range(4):
        facility = await add_facility(db, d.community1, name=f"烈士陵园{i}")
        patrol = await add_patrol(
            db,
            d.community1,
            d.users["worker1"],
            facility,
            issues={"greenery": f"草{i}"},
            started_at=old if i < 2 else None,
        )
        await sync_tasks_for_patrol(db, patrol=patrol)
        made.append(await db.scalar(select(Task).where(Task.record_id == patrol.id)))
    made[0].status = "fixed"  # overdue no more: waits to be accepted
    made[2].status = "fixed"
    await db.commit()
    boss = await login(client, "super1")
    counts = (await client.get("/api/v1/desk/counts", headers=boss)).json()
    for state, key in (("to_accept", "tasks_to_accept"), ("overdue", "tasks_overdue"), ("to_fix", "tasks_open")):
        items = (await client.get(f"/api/v1/tasks?state={state}", headers=boss)).json()["items"]
        assert len(items) == counts[key], state
    assert (counts["tasks_to_accept"], counts["tasks_overdue"], counts["tasks_open"]) == (2, 1, 2)
    assert (await client.get("/api/v1/tasks?state=done", headers=boss)).status_code == 400


async def test_two_patrols_reporting_the_same_problem_at_once_make_one_task(client, db):
    import asyncio

    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    answers = await asyncio.gather(
        *(client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=_patrol_body(facility), headers=worker) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [201] * 4
    [task] = (await client.get("/api/v1/tasks", headers=await login(client, "super1"))).json()["items"]
    assert task["occurrences"] == 4


async def test_a_record_reporting_again_after_its_task_was_cancelled_joins_the_open_one(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    first, second = uuid.uuid4(), uuid.uuid4()
    fixed = _patrol_body(facility)
    fixed["checklist"] = [{"item": "structure", "result": "ok", "note": ""}]
    await client.put(f"/api/v1/patrols/{first}", json=_patrol_body(facility), headers=worker)
    await client.put(f"/api/v1/patrols/{first}", json=fixed, headers=worker)  # its task cancelled
    await client.put(f"/api/v1/patrols/{second}", json=_patrol_body(facility), headers=worker)  # a new one
    await client.put(f"/api/v1/patrols/{first}", json=_patrol_body(facility, "又发现裂缝"), headers=worker)
    open_tasks = (await client.get("/api/v1/tasks?state=to_fix", headers=await login(client, "super1"))).json()["items"]
    assert len(open_tasks) == 1 and open_tasks[0]["occurrences"] == 2


async def test_a_task_reported_by_two_records_shows_the_before_photos_of_both_first_report_first(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    first = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": "碑体裂缝"})
    await sync_tasks_for_patrol(db, patrol=first)
    await db.commit()
    second = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": "裂缝变宽"})
    await sync_tasks_for_patrol(db, patrol=second)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Task)) == 1
    photos = [await _add_photo(db, d, first.id), await _add_photo(db, d, second.id), await _add_photo(db, d, first.id)]
    task_id = await db.scalar(select(Task.id))
    detail = await client.get(f"/api/v1/tasks/{task_id}", headers=await login(client, "super1"))
    assert detail.status_code == 200, detail.text
    assert [p["id"] for p in detail.json()["before_photos"]] == [str(photos[0]), str(photos[2]), str(photos[1])]
