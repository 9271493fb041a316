"""Facilities: scope, who may manage them, and when each is overdue for a patrol."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from storage.models import AuditEntry
from tests.builders import add_facility, login, make_district


def new_facility(unit_id, **changes) -> dict:
    body = {
        "name": "龙泉抗战烈士纪念亭",
        "kind": "monument",
        "protection_level": "county",
        "location": {"lat": 26.5702, "lon": 106.6904},
        "org_unit_id": str(unit_id),
        "address": "龙泉街道",
        "caretaker": "孙丽",
        "patrol_interval_days": 30,
    }
    body.update(changes)
    return body


async def test_a_supervisor_creates_a_facility_in_scope_and_it_is_audited(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    response = await client.post("/api/v1/facilities", json=new_facility(d.community1.id), headers=supervisor)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["geofence_m"] == 200 and body["overdue"] is False and body["last_patrol_at"] is None
    audit = (await db.scalars(select(AuditEntry.action))).all()
    assert "facility_create" in audit


async def test_a_field_worker_cannot_create_or_edit_facilities(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    assert (
        await client.post("/api/v1/facilities", json=new_facility(d.community1.id), headers=worker)
    ).status_code == 403
    assert (await client.patch(f"/api/v1/facilities/{facility}", json={"name": "x"}, headers=worker)).status_code == 403


async def test_a_supervisor_cannot_put_a_facility_in_another_street(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    response = await client.post("/api/v1/facilities", json=new_facility(d.community2.id), headers=supervisor)
    assert response.status_code == 404


async def test_lists_hold_only_the_callers_subtree(client, db):
    d = await make_district(db)
    mine = await add_facility(db, d.community1, name="东")
    await add_facility(db, d.community2, name="西")
    worker = await login(client, "worker1")
    assert [f["id"] for f in (await client.get("/api/v1/facilities", headers=worker)).json()["items"]] == [str(mine)]
    admin = await login(client, "admin")
    assert len((await client.get("/api/v1/facilities", headers=admin)).json()["items"]) == 2


async def test_overdue_filter_finds_facilities_past_their_interval(client, db):
    d = await make_district(db)
    long_ago = datetime.now(timezone.utc) - timedelta(days=45)
    late = await add_facility(db, d.community1, name="久未巡查", last_patrol_at=long_ago)
    await add_facility(db, d.community1, name="刚巡查", last_patrol_at=datetime.now(timezone.utc))
    supervisor = await login(client, "super1")
    overdue = (await client.get("/api/v1/facilities", params={"overdue": "true"}, headers=supervisor)).json()
    assert [f["id"] for f in overdue["items"]] == [str(late)]
    assert overdue["items"][0]["overdue"] is True


async def test_patch_changes_only_what_is_sent(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, name="旧名")
    supervisor = await login(client, "super1")
    response = await client.patch(f"/api/v1/facilities/{facility}", json={"geofence_m": 500}, headers=supervisor)
    assert response.status_code == 200
    assert (response.json()["geofence_m"], response.json()["name"]) == (500, "旧名")


async def test_bad_facility_values_are_4xx_naming_the_field_and_the_rule(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    for change, status, field, rule in [
        ({"kind": "castle"}, 400, "kind", "one_of"),
        ({"geofence_m": 1}, 400, "geofence_m", "too_small"),
        ({"location": {"lat": 200, "lon": 0}}, 422, "location.lat", "latitude_range"),
    ]:
        response = await client.post(
            "/api/v1/facilities", json=new_facility(d.community1.id, **change), headers=supervisor
        )
        assert response.status_code == status, response.text
        assert (response.json()["field"], response.json()["rule"]) == (field, rule)
        assert response.json()["detail"].startswith(f"{field}: ")


async def test_implausible_facilities_are_refused_with_a_reason(client, db, monkeypatch):
    d = await make_district(db)
    h = await login(client, "super1")
    base = {"name": "纪念碑", "kind": "monument", "protection_level": "county", "org_unit_id": str(d.community1.id)}
    for body, field, words in [
        ({**base, "location": {"lat": 0, "lon": 0}}, "location", "0,0"),
        ({**base, "name": "7", "location": {"lat": 26.5, "lon": 106.7}}, "name", "digits"),
        ({**base, "location": {"lat": 48.85, "lon": 2.35}}, "location", "outside China"),
        ({**base, "location": {"lat": 106.7, "lon": 26.5}}, "location", "look swapped"),
        ({**base, "location": {"lat": 40.0, "lon": 26.5}}, "location", "outside China"),
    ]:
        response = await client.post("/api/v1/facilities", headers=h, json=body)
        assert response.status_code in (400, 422), body
        assert response.json().get("field") == field and words in response.json()["detail"], response.text
    monkeypatch.setenv("XUNFANG_ALLOW_OUTSIDE_CHINA", "1")
    allowed = await client.post("/api/v1/facilities", headers=h, json={**base, "location": {"lat": 48.85, "lon": 2.35}})
    assert allowed.status_code == 201


async def test_a_change_is_logged_with_its_old_and_new_value(client, db):
    d = await make_district(db)
    h = await login(client, "super1")
    created = await client.post(
        "/api/v1/facilities",
        headers=h,
        json={
            "name": "纪念碑",
            "kind": "monument",
            "protection_level": "county",
            "org_unit_id": str(d.community1.id),
            "location": {"lat": 26.5, "lon": 106.7},
        },
    )
    fid = created.json()["id"]
    await client.patch(f"/api/v1/facilities/{fid}", headers=h, json={"name": "英名碑"})
    log = (
        await client.get(
            "/api/v1/audit-log", headers=h, params={"entity": "facility", "entity_id": fid, "action": "facility_update"}
        )
    ).json()
    [entry] = log["items"]
    assert entry["detail"]["changes"] == {"name": ["纪念碑", "英名碑"]}
    assert entry["entity_name"] == "英名碑" and entry["actor_name"] == d.users["super1"].display_name
