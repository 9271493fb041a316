"""Item photos (api-v1.md "Item photos"): a checklist item names its photos, each one of the
record's; the task the item raises shows exactly those as its "before". And the phone reads the
thresholds of the evidence flags from GET /settings/evidence instead of keeping its own copy."""

import uuid

from sqlalchemy import func, select

from storage.models import Inspection, Patrol, Task
from tests.api.test_inspections import URL as INSPECTIONS
from tests.api.test_inspections import inspection_body
from tests.api.test_inspections import setup as inspection_setup
from tests.api.test_patrols import patrol_body
from tests.api.test_patrols import setup as patrol_setup


async def upload(client, headers, photos, name, record_id) -> str:
    photo_id = str(uuid.uuid4())
    r = await client.put(
        f"/api/v1/photos/{photo_id}",
        params={"record_id": str(record_id)},
        content=(photos / name).read_bytes(),
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    assert r.status_code == 201, r.text
    return photo_id


async def test_an_item_photo_the_record_does_not_list_is_422_naming_the_item_and_nothing_is_stored(client, db):
    _, facility, worker = await patrol_setup(db, client)
    listed, stray = str(uuid.uuid4()), str(uuid.uuid4())
    body = patrol_body(facility, photo_ids=[listed])
    body["checklist"][1]["photo_ids"] = [listed, stray]  # structure: an issue
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=worker)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "checklist[1].photo_ids"
    assert "structure" in response.json()["detail"] and stray in response.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Patrol)) == 0
    assert await db.scalar(select(func.count()).select_from(Task)) == 0


async def test_the_same_holds_for_a_station_inspection(client, db):
    d, supervisor = await inspection_setup(db, client)
    body = inspection_body(d.community1, photo_ids=[])
    body["checklist"][1]["photo_ids"] = [str(uuid.uuid4())]
    response = await client.put(f"{INSPECTIONS}/{uuid.uuid4()}", json=body, headers=supervisor)
    assert response.status_code == 422 and response.json()["field"] == "checklist[1].photo_ids"
    assert body["checklist"][1]["item"] in response.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Inspection)) == 0


async def test_the_task_of_an_issue_shows_exactly_its_item_photos_as_before(client, db, photos):
    _, facility, worker = await patrol_setup(db, client)
    patrol_id = uuid.uuid4()
    general = await upload(client, worker, photos, "orientation_landscape_1.jpg", patrol_id)
    item_photo = str(uuid.uuid4())  # taken with 拍摄此项, still on its way
    body = patrol_body(facility, photo_ids=[general, item_photo])
    body["checklist"][1]["photo_ids"] = [item_photo]
    assert (await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=worker)).status_code == 201
    stored = (await client.get(f"/api/v1/patrols/{patrol_id}", headers=worker)).json()
    assert {c["item"]: c["photo_ids"] for c in stored["checklist"]}["structure"] == [item_photo]
    task_id = await db.scalar(select(Task.id).where(Task.record_id == patrol_id))
    # Until the item's own photo arrives the task shows none, not the record's other photo.
    task = (await client.get(f"/api/v1/tasks/{task_id}", headers=worker)).json()
    assert task["before_photos"] == []
    r = await client.put(
        f"/api/v1/photos/{item_photo}",
        params={"record_id": str(patrol_id)},
        content=(photos / "orientation_landscape_3.jpg").read_bytes(),
        headers={**worker, "Content-Type": "image/jpeg"},
    )
    assert r.status_code == 201, r.text
    task = (await client.get(f"/api/v1/tasks/{task_id}", headers=worker)).json()
    assert [p["id"] for p in task["before_photos"]] == [item_photo]


async def test_the_phone_reads_the_evidence_thresholds_from_the_server(client, db, settings):
    _, _, worker = await patrol_setup(db, client)
    assert (await client.get("/api/v1/settings/evidence")).status_code == 401
    rules = (await client.get("/api/v1/settings/evidence", headers=worker)).json()
    assert rules == {
        "low_accuracy_m": settings.evidence.low_accuracy_m,
        "facility_geofence_m": settings.evidence.facility_geofence_m,
        "home_geofence_m": settings.evidence.home_geofence_m,
        "photo_time_window_h": settings.evidence.photo_time_window_h,
        "future_tolerance_min": settings.evidence.future_tolerance_min,
        "exif_naive_utc_offset_h": settings.evidence.exif_naive_utc_offset_h,
    }
