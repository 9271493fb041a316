"""GET /reports/coverage and /reports/facility-map: per-unit figures for a period, scoped."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text

from storage.queries.tasks import sync_tasks_for_patrol
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district

OLD = datetime.now(timezone.utc) - timedelta(days=400)


async def _district_with_work(db):
    d = await make_district(db)
    w1 = d.users["worker1"]
    f1 = await add_facility(db, d.community1, name="东山陵园", created_at=OLD)
    await add_facility(db, d.community1, name="东山纪念碑", created_at=OLD)
    await add_facility(db, d.community2, name="西山纪念碑", created_at=OLD)
    s1 = await add_subject(db, d.community1, created_at=OLD)
    await add_subject(db, d.community1, name="李秀英", category="disabled_veteran", created_at=OLD)
    patrol = await add_patrol(db, d.community1, w1, f1, issues={"structure": "碑体裂缝"}, status="approved")
    await sync_tasks_for_patrol(db, patrol=patrol)
    await add_patrol(db, d.community1, w1, f1, status="returned")
    await add_visit(db, d.community1, w1, s1, visit_type="holiday", cash_yuan=500, goods="米 油")
    await add_visit(db, d.community1, w1, s1, visit_type="routine")
    await add_visit(
        db,
        d.community2,
        d.users["worker2"],
        await add_subject(db, d.community2, created_at=OLD),
        visit_type="holiday",
        cash_yuan=300,
    )
    await db.commit()
    return d


async def test_coverage_of_the_district_has_one_row_per_street(client, db):
    d = await _district_with_work(db)
    response = await client.get("/api/v1/reports/coverage", headers=await login(client, "admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [u["name"] for u in body["units"]] == ["东街道", "西街道"]
    east = body["units"][0]
    # "overdue" is as of now by approved patrols; "unpatrolled" is due in the period and not
    # patrolled in it, the figure the dashboard sets beside "patrolled / due".
    assert east["facilities"] == {"total": 2, "due": 2, "patrolled": 1, "overdue": 2, "unpatrolled": 1}
    assert east["patrols_by_status"] == {"approved": 1, "returned": 1}
    assert east["visits_by_type"] == {"holiday": 1, "routine": 1}
    assert east["cash_yuan"] == 500 and east["goods_visits"] == 1
    assert east["tasks"]["open"] == 1 and east["tasks"]["open_age_days"]["0-7"] == 1
    cats = {s["category"]: s for s in east["subjects"]}
    assert cats["martyr_family"]["visited"] == 1 and cats["disabled_veteran"]["visited"] == 0
    assert east["subjects_total"]["total"] == 2
    assert body["total"]["cash_yuan"] == 800
    assert body["total"]["facilities"]["total"] == 3
    assert str(d.district.id) == body["org_unit_id"]


async def test_street_supervisor_gets_their_street_by_community(client, db):
    await _district_with_work(db)
    response = await client.get(
        f"/api/v1/reports/coverage?from=2020-01-01&to={date.today().year + 1}-01-01",
        headers=await login(client, "super1"),
    )
    body = response.json()
    assert [u["name"] for u in body["units"]] == ["东一社区"]
    assert body["total"]["visits_by_type"] == {"holiday": 1, "routine": 1}


async def test_street_supervisor_cannot_report_on_another_street(client, db):
    d = await _district_with_work(db)
    headers = await login(client, "super1")
    response = await client.get(f"/api/v1/reports/coverage?org_unit_id={d.street2.id}", headers=headers)
    assert response.status_code == 404
    assert (
        await client.get(f"/api/v1/reports/facility-map?org_unit_id={d.street2.id}", headers=headers)
    ).status_code == 404
    worker = await client.get("/api/v1/reports/coverage", headers=await login(client, "worker1"))
    assert worker.status_code == 403


async def test_a_period_before_the_records_counts_none_of_them(client, db):
    await _district_with_work(db)
    response = await client.get(
        "/api/v1/reports/coverage?from=2021-01-01&to=2021-12-31", headers=await login(client, "admin")
    )
    total = response.json()["total"]
    assert total["visits_by_type"] == {} and total["facilities"]["patrolled"] == 0


async def test_bad_periods_are_4xx_with_the_field_named(client, db):
    await make_district(db)
    headers = await login(client, "admin")
    for query, field in (
        ("from=yesterday", "from"),
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("from=2000-01-01&to=2026-01-01", "to"),
        ("to=2026-13-01", "to"),
        ("from=2026-01-01T00:00:00", "from"),
    ):
        response = await client.get(f"/api/v1/reports/coverage?{query}", headers=headers)
        assert 400 <= response.status_code < 500, query
        assert response.json()["field"] == field, (query, response.json())
    assert (await client.get("/api/v1/reports/coverage?org_unit_id=x", headers=headers)).status_code == 400


async def test_facility_map_colours_by_status(client, db):
    await _district_with_work(db)
    response = await client.get("/api/v1/reports/facility-map", headers=await login(client, "super1"))
    assert response.status_code == 200, response.text
    dots = {f["name"]: f for f in response.json()["items"]}
    assert set(dots) == {"东山陵园", "东山纪念碑"}
    assert dots["东山纪念碑"]["status"] == "overdue"
    assert dots["东山陵园"]["open_tasks"] == 1 and dots["东山陵园"]["patrolled_in_period"] is True


async def test_map_config_has_no_tile_source_by_default(client, db):
    await make_district(db)
    response = await client.get("/api/v1/map-config", headers=await login(client, "worker1"))
    assert response.status_code == 200, response.text
    assert response.json()["tile_url"] is None and response.json()["datum"] == "wgs84"
    assert (await client.get("/api/v1/map-config")).status_code == 401


async def test_record_tallies_follow_records_written_reviewed_resent_and_moved_through_the_api(client, db):
    """The tallies the reports read stay a fresh GROUP BY over the records at every step."""
    import uuid

    from sqlalchemy import update

    from storage.models import Facility
    from tests.api.test_inspections import inspection_body
    from tests.api.test_patrols import SITE, patrol_body
    from tests.api.test_visits import HOME, visit_body
    from tests.storage.test_record_tallies import assert_tallies_match

    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    subject = await add_subject(db, d.community1, lat=HOME[0], lon=HOME[1])
    worker, supervisor = await login(client, "worker1"), await login(client, "super1")
    patrol_id, visit_id = uuid.uuid4(), uuid.uuid4()
    earlier = {
        "started_at": (datetime.now(timezone.utc) - timedelta(days=1, hours=2)).isoformat(),
        "ended_at": (datetime.now(timezone.utc) - timedelta(days=1, hours=1)).isoformat(),
    }
    steps = [
        ("put", f"/api/v1/patrols/{patrol_id}", worker, patrol_body(facility)),
        ("post", f"/api/v1/patrols/{patrol_id}/review", supervisor, {"decision": "return", "comment": "请补照片"}),
        (
            "put",
            f"/api/v1/patrols/{patrol_id}",
            worker,
            patrol_body(facility, notes="补了", **earlier),
        ),  # a day earlier
        ("post", f"/api/v1/patrols/{patrol_id}/review", supervisor, {"decision": "approve"}),
        ("put", f"/api/v1/visits/{visit_id}", worker, visit_body(subject)),
        ("post", f"/api/v1/visits/{visit_id}/review", supervisor, {"decision": "approve"}),
        ("put", f"/api/v1/inspections/{uuid.uuid4()}", supervisor, inspection_body(d.community1)),
    ]
    for method, url, who, body in steps:
        response = await getattr(client, method)(url, json=body, headers=who)
        assert response.status_code in (200, 201), response.text
        await assert_tallies_match(db)
    # The facility's records follow it to another community (as a data fix would move them).
    await db.execute(update(Facility).where(Facility.id == facility).values(org_unit_id=d.community2.id))
    await db.execute(text("update patrols set org_unit_id = :unit"), {"unit": d.community2.id})
    await db.commit()
    await assert_tallies_match(db)
    week = {"from": (datetime.now(timezone.utc) - timedelta(days=7)).date().isoformat()}
    body = (await client.get("/api/v1/reports/coverage", params=week, headers=await login(client, "admin"))).json()
    west = body["units"][1]
    assert west["patrols_by_status"] == {"approved": 1} and body["units"][0]["patrols_by_status"] == {}


async def test_a_report_of_whole_days_answers_from_kept_site_figures_as_it_would_compute_them(client, db):
    from sqlalchemy import delete

    from storage.models import SiteFigures

    d = await _district_with_work(db)
    admin = await login(client, "admin")
    today = datetime.now(timezone(timedelta(hours=8))).date()
    days = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}

    async def report(fresh: bool) -> dict:
        if fresh:
            await db.execute(delete(SiteFigures))
            await db.commit()
        response = await client.get("/api/v1/reports/coverage", params=days, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()

    first = await report(fresh=True)
    assert await report(fresh=False) == first  # from the kept figures
    subject = await add_subject(db, d.community2, name="王大山", created_at=OLD)
    await add_visit(db, d.community2, d.users["worker2"], subject)
    await db.commit()
    kept = await report(fresh=False)
    assert kept == await report(fresh=True) and kept != first
    assert kept["units"][1]["subjects_total"]["visited"] == first["units"][1]["subjects_total"]["visited"] + 1
