"""Station inspections: from above only, against the station's standard, with tasks for its head."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from storage.checklists import FOUR_HAVES_V1, SEVEN_ONES_V1
from storage.models import Inspection, Task
from tests.builders import login, make_district

STATION = (26.5801, 106.7101)
URL = "/api/v1/inspections"


def inspection_body(unit, **changes) -> dict:
    now = datetime.now(timezone.utc)
    body = {
        "org_unit_id": str(unit.id),
        "template_id": str(FOUR_HAVES_V1),
        "started_at": (now - timedelta(minutes=50)).isoformat(),
        "ended_at": (now - timedelta(minutes=10)).isoformat(),
        "location": {"lat": STATION[0] + 0.0003, "lon": STATION[1], "accuracy_m": 15},
        "checklist": [
            {"item": "service_place", "result": "ok", "note": ""},
            {"item": "basic_ledger", "result": "issue", "note": "台账未更新到本季度"},
        ],
        "notes": "回头看",
        "photo_ids": [],
    }
    body.update(changes)
    return body


async def setup(db, client):
    """Community 1's station has a position and worker1 as its head; super1 inspects from street 1."""
    d = await make_district(db)
    d.community1.lat, d.community1.lon, d.community1.head_user_id = *STATION, d.users["worker1"].id
    await db.commit()
    return d, await login(client, "super1")


async def test_a_street_inspects_a_community_station_once_per_id_and_the_head_owns_the_task(client, db):
    d, supervisor = await setup(db, client)
    inspection_id = uuid.uuid4()
    body = inspection_body(d.community1)
    first = await client.put(f"{URL}/{inspection_id}", json=body, headers=supervisor)
    assert first.status_code == 201, first.text
    out = first.json()
    assert out["template_id"] == str(FOUR_HAVES_V1) and out["org_unit_name"] == "东一社区"
    assert out["status"] == "submitted" and {f["code"] for f in out["flags"]} == {"missing_photos"}
    assert (await client.put(f"{URL}/{inspection_id}", json=body, headers=supervisor)).status_code == 200
    assert len((await db.scalars(select(Inspection))).all()) == 1
    [task] = (await db.scalars(select(Task))).all()
    assert (task.record_kind, task.item, task.assignee_id) == ("inspection", "basic_ledger", d.users["worker1"].id)
    assert task.org_unit_id == d.community1.id
    listed_tasks = (await client.get("/api/v1/tasks", headers=supervisor)).json()["items"]
    assert [(t["place_name"], t["owner_name"]) for t in listed_tasks] == [("东一社区", d.users["worker1"].display_name)]

    listed = (await client.get(URL, params={"org_unit_id": str(d.community1.id)}, headers=supervisor)).json()
    assert [i["id"] for i in listed["items"]] == [str(inspection_id)] and listed["next_cursor"] is None
    # A unit's list holds its stations' records below it, as the review queue and reports do.
    for unit, found in ((d.street1, [str(inspection_id)]), (d.district, [str(inspection_id)]), (d.street2, [])):
        below = await client.get(URL, params={"org_unit_id": str(unit.id)}, headers=await login(client, "admin"))
        assert [i["id"] for i in below.json()["items"]] == found, unit.name
    detail = (await client.get(f"{URL}/{inspection_id}", headers=supervisor)).json()
    assert detail["photos"] == [] and detail["reviews"] == []
    admin = await login(client, "admin")
    assert (await client.get(URL, headers=await login(client, "super2"))).json()["items"] == []
    # Nobody reviews their own record (403): the district's admin decides on super1's inspection.
    own = await client.post(f"{URL}/{inspection_id}/review", json={"decision": "approve"}, headers=supervisor)
    assert own.status_code == 403
    reviewed = await client.post(f"{URL}/{inspection_id}/review", json={"decision": "approve"}, headers=admin)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "approved"
    changed = inspection_body(d.community1, notes="改了")
    assert (await client.put(f"{URL}/{inspection_id}", json=changed, headers=supervisor)).status_code == 409
    assert (await client.get(f"{URL}/{inspection_id}", headers=admin)).json()["reviews"][0]["decision"] == "approve"


async def test_a_station_cannot_inspect_itself_and_others_out_of_scope_are_not_found(client, db):
    d, supervisor = await setup(db, client)
    own = inspection_body(
        d.street1, template_id=str(SEVEN_ONES_V1), checklist=[{"item": "ledger", "result": "ok", "note": ""}]
    )
    assert (await client.put(f"{URL}/{uuid.uuid4()}", json=own, headers=supervisor)).status_code == 403
    worker = await login(client, "worker1")
    assert (
        await client.put(f"{URL}/{uuid.uuid4()}", json=inspection_body(d.community1), headers=worker)
    ).status_code == 403
    other = await client.put(f"{URL}/{uuid.uuid4()}", json=inspection_body(d.community2), headers=supervisor)
    assert other.status_code == 404
    # The district inspects street 1; street 1's own supervisor may not review it.
    admin = await login(client, "admin")
    inspection_id = uuid.uuid4()
    assert (await client.put(f"{URL}/{inspection_id}", json=own, headers=admin)).status_code == 201
    review = await client.post(f"{URL}/{inspection_id}/review", json={"decision": "approve"}, headers=supervisor)
    assert review.status_code == 403
    assert (await db.scalars(select(Inspection))).all()[0].status == "submitted"


async def test_the_checklist_is_the_stations_standard_and_items_outside_it_are_422(client, db):
    d, supervisor = await setup(db, client)
    wrong_item = inspection_body(d.community1, checklist=[{"item": "culture_street", "result": "ok", "note": ""}])
    response = await client.put(f"{URL}/{uuid.uuid4()}", json=wrong_item, headers=supervisor)
    assert response.status_code == 422 and response.json()["field"] == "checklist[0].item"
    assert "culture_street" in response.json()["detail"]
    wrong_standard = inspection_body(d.community1, template_id=str(SEVEN_ONES_V1))
    response = await client.put(f"{URL}/{uuid.uuid4()}", json=wrong_standard, headers=supervisor)
    assert response.status_code == 422 and response.json()["field"] == "template_id"
    no_note = inspection_body(d.community1, checklist=[{"item": "basic_ledger", "result": "issue", "note": " "}])
    response = await client.put(f"{URL}/{uuid.uuid4()}", json=no_note, headers=supervisor)
    assert response.status_code == 422 and response.json()["field"] == "checklist[0].note"
    assert (await db.scalars(select(Inspection))).all() == []
    # Without template_id the active template of the station's standard is used.
    body = inspection_body(d.community1)
    del body["template_id"]
    response = await client.put(f"{URL}/{uuid.uuid4()}", json=body, headers=supervisor)
    assert response.status_code == 201 and response.json()["template_id"] == str(FOUR_HAVES_V1)


async def test_evidence_is_judged_against_the_station_and_photos_complete_the_record(client, db, photos):
    d, supervisor = await setup(db, client)
    far = inspection_body(d.community1, location={"lat": STATION[0] + 0.05, "lon": STATION[1], "accuracy_m": 10})
    response = await client.put(f"{URL}/{uuid.uuid4()}", json=far, headers=supervisor)
    assert "far_from_site" in {f["code"] for f in response.json()["flags"]}
    inspection_id, photo_id = uuid.uuid4(), uuid.uuid4()
    body = inspection_body(d.community1, photo_ids=[str(photo_id)])
    body["checklist"][1]["photo_ids"] = [str(photo_id)]
    response = await client.put(f"{URL}/{inspection_id}", json=body, headers=supervisor)
    assert response.json()["status"] == "incomplete"
    uploaded = await client.put(
        f"/api/v1/photos/{photo_id}",
        params={"record_id": str(inspection_id)},
        content=(photos / "Canon_40D.jpg").read_bytes(),
        headers={**supervisor, "Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 201, uploaded.text
    detail = (await client.get(f"{URL}/{inspection_id}", headers=supervisor)).json()
    assert detail["status"] == "submitted" and [p["id"] for p in detail["photos"]] == [str(photo_id)]


async def test_inspections_join_the_review_queue_and_coverage_counts_stations_inspected(client, db):
    d, supervisor = await setup(db, client)
    inspection_id = uuid.uuid4()
    assert (
        await client.put(f"{URL}/{inspection_id}", json=inspection_body(d.community1), headers=supervisor)
    ).status_code == 201
    admin = await login(client, "admin")
    queue = (await client.get("/api/v1/review-queue", headers=admin)).json()["items"]
    assert [(q["kind"], q["id"], q["place_name"]) for q in queue] == [("inspection", str(inspection_id), "东一社区")]
    only = (await client.get("/api/v1/review-queue", params={"type": "inspection"}, headers=admin)).json()
    assert len(only["items"]) == 1
    assert (await client.get("/api/v1/review-queue", params={"type": "patrol"}, headers=admin)).json()["items"] == []
    assert (await client.get("/api/v1/desk/counts", headers=admin)).json()["review"] == 1
    # Its author may not decide on it: it waits in the queue above them, not in their own, nor in their badge.
    assert (await client.get("/api/v1/review-queue", headers=supervisor)).json()["items"] == []
    assert (await client.get("/api/v1/desk/counts", headers=supervisor)).json()["review"] == 0
    mine = (
        await client.get("/api/v1/review-queue", params={"author_id": str(d.users["super1"].id)}, headers=supervisor)
    ).json()["items"]
    assert [q["id"] for q in mine] == [str(inspection_id)]  # asked for by name, they are there
    assert (
        len((await client.get("/api/v1/review-queue", params={"status": "all"}, headers=supervisor)).json()["items"])
        == 1
    )
    coverage = (await client.get("/api/v1/reports/coverage", headers=admin)).json()
    # Two streets and two communities are stations; one was inspected.
    assert coverage["total"]["stations"] == {"total": 4, "inspected": 1}
    assert coverage["total"]["inspections_by_status"] == {"submitted": 1}
    street1 = next(u for u in coverage["units"] if u["org_unit_id"] == str(d.street1.id))
    assert street1["stations"] == {"total": 2, "inspected": 1}


async def test_the_ledger_exports_inspections_with_their_items_by_label(client, db):
    import io

    from openpyxl import load_workbook

    d, supervisor = await setup(db, client)
    inspection_id = uuid.uuid4()
    assert (
        await client.put(f"{URL}/{inspection_id}", json=inspection_body(d.community1), headers=supervisor)
    ).status_code == 201
    response = await client.get("/api/v1/exports/inspections.xlsx", headers=supervisor)
    assert response.status_code == 200, response.text
    header, *data = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    row = dict(zip(header, data[0], strict=False))
    assert len(data) == 1 and row["记录编号"] == str(inspection_id)
    assert (row["服务站"], row["标准"], row["问题项数"]) == ("东一社区", "四有", 1)
    assert "有基本台账：问题：台账未更新到本季度" in row["检查情况"]
    csv_text = (await client.get("/api/v1/exports/inspections.csv", headers=supervisor)).content.decode("utf-8-sig")
    assert str(inspection_id) in csv_text
    other = await client.get("/api/v1/exports/inspections.csv", headers=await login(client, "super2"))
    assert str(inspection_id) not in other.content.decode("utf-8-sig")
