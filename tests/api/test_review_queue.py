"""GET /review-queue: merged patrols and visits awaiting review, scoped, filtered, paged."""

from datetime import datetime, timedelta, timezone

from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district

FAR = {"code": "far_from_site", "detail": "记录位置距设施 850 米，超出 200 米范围"}
NOLOC = {"code": "no_location", "detail": "记录没有位置"}


async def _queue(db, d):
    now = datetime.now(timezone.utc)
    facility = await add_facility(db, d.community1)
    subject = await add_subject(db, d.community1)
    w1 = d.users["worker1"]
    p1 = await add_patrol(db, d.community1, w1, facility, started_at=now - timedelta(hours=5), flags=[FAR, NOLOC])
    p2 = await add_patrol(db, d.community1, w1, facility, started_at=now - timedelta(hours=1))
    v1 = await add_visit(
        db, d.community1, w1, subject, visited_at=now - timedelta(hours=3), flags=[NOLOC], visit_type="holiday"
    )
    await add_patrol(db, d.community1, w1, facility, status="approved")
    facility2 = await add_facility(db, d.community2, name="西山纪念碑")
    await add_patrol(db, d.community2, d.users["worker2"], facility2, flags=[FAR])
    await db.commit()
    return dict(p1=p1.id, p2=p2.id, v1=v1.id, facility=facility, subject=subject)


async def test_queue_merges_patrols_and_visits_newest_first(client, db):
    d = await make_district(db)
    ids = await _queue(db, d)
    response = await client.get("/api/v1/review-queue", headers=await login(client, "super1"))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["id"] for i in items] == [str(ids["p2"]), str(ids["v1"]), str(ids["p1"])]
    assert items[1]["kind"] == "visit" and items[1]["type"] == "holiday"
    assert items[2]["place_name"] == "烈士陵园" and items[2]["author_name"] == "Worker1"
    assert items[2]["flags"][0]["detail"].startswith("记录位置")


async def test_most_flagged_first_and_paged(client, db):
    d = await make_district(db)
    ids = await _queue(db, d)
    headers = await login(client, "super1")
    first = (await client.get("/api/v1/review-queue?sort=most_flagged&limit=2", headers=headers)).json()
    assert [i["id"] for i in first["items"]] == [str(ids["p1"]), str(ids["v1"])]
    rest = (
        await client.get(
            f"/api/v1/review-queue?sort=most_flagged&limit=2&cursor={first['next_cursor']}", headers=headers
        )
    ).json()
    assert [i["id"] for i in rest["items"]] == [str(ids["p2"])]
    assert rest["next_cursor"] is None


async def test_filters_by_flag_type_facility_subject_author_and_date(client, db):
    d = await make_district(db)
    ids = await _queue(db, d)
    h = await login(client, "super1")

    async def ids_for(query):
        response = await client.get(f"/api/v1/review-queue?{query}", headers=h)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert await ids_for("flag=far_from_site") == {str(ids["p1"])}
    assert await ids_for("flag=no_location&type=visit") == {str(ids["v1"])}
    assert await ids_for("type=holiday") == {str(ids["v1"])}
    assert await ids_for(f"facility_id={ids['facility']}") == {str(ids["p1"]), str(ids["p2"])}
    assert await ids_for(f"subject_id={ids['subject']}") == {str(ids["v1"])}
    assert await ids_for(f"author_id={d.users['worker2'].id}") == set()
    since = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert await ids_for(f"from={since}") == {str(ids["p2"])}
    assert await ids_for(f"org_unit_id={d.community1.id}") == {str(ids["p1"]), str(ids["p2"]), str(ids["v1"])}
    assert len(await ids_for("status=approved")) == 1


async def test_other_street_supervisor_does_not_see_this_queue(client, db):
    d = await make_district(db)
    await _queue(db, d)
    response = await client.get("/api/v1/review-queue", headers=await login(client, "super2"))
    assert [i["place_name"] for i in response.json()["items"]] == ["西山纪念碑"]
    own_unit = await client.get(
        f"/api/v1/review-queue?org_unit_id={d.community1.id}", headers=await login(client, "super2")
    )
    assert own_unit.json()["items"] == []


async def test_admin_sees_the_whole_district_and_worker_is_refused(client, db):
    d = await make_district(db)
    await _queue(db, d)
    everything = await client.get("/api/v1/review-queue", headers=await login(client, "admin"))
    assert len(everything.json()["items"]) == 4
    worker = await client.get("/api/v1/review-queue", headers=await login(client, "worker1"))
    assert worker.status_code == 403


async def test_bad_queue_parameters_are_400(client, db):
    await make_district(db)
    h = await login(client, "super1")
    for query in (
        "flag=ugly",
        "type=party",
        "sort=random",
        "from=yesterday",
        "cursor=xyz",
        "limit=500",
        "status=lost",
        "facility_id=12",
    ):
        response = await client.get(f"/api/v1/review-queue?{query}", headers=h)
        assert response.status_code in (400, 422), (query, response.status_code, response.text)
        assert response.json()["detail"]
