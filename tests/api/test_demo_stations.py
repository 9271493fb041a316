"""The demo district's station network loads through the real API, as scripts/dev loads it."""

from scripts.demo import load_demo
from scripts.demo_records import load_demo_records
from scripts.demo_stations import load_station_records
from tests.builders import PASSWORD


async def test_the_demo_has_stations_an_inspection_with_an_open_task_and_last_weeks_remarks(client, db):
    await load_demo(db, PASSWORD)
    await db.commit()
    await load_demo_records(client, PASSWORD)
    await load_station_records(client, PASSWORD)
    response = await client.post("/api/v1/auth/login", json={"username": "super1", "password": PASSWORD})
    super1 = {"Authorization": f"Bearer {response.json()['access_token']}"}
    units = (await client.get("/api/v1/org-units", headers=super1)).json()["items"]
    stations = [u["station"] for u in units]
    assert all(s["address"] and s["location"] and s["standard"] for s in stations)
    assert sum(s["demonstration"] for s in stations) == 1 and any(s["head_user_id"] for s in stations)
    inspections = (await client.get("/api/v1/inspections", headers=super1)).json()["items"]
    assert {i["status"] for i in inspections} == {"submitted", "approved"}
    tasks = (await client.get("/api/v1/tasks", params={"status": "open"}, headers=super1)).json()["items"]
    assert any(t["record_kind"] == "inspection" for t in tasks)
    from tests.api.test_weekly_report import last_week

    report = (await client.get("/api/v1/reports/weekly", params={"week": last_week()[0]}, headers=super1)).json()
    assert report["units"][0]["remarks"] and report["units"][0]["submitted_at"]
    assert report["units"][0]["figures"]["inspections_done"] == 1
