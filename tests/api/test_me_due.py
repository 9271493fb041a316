"""GET /me/due: what the caller has to do today, nearest first (api-v1.md "Base map and today's
route")."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.builders import add_facility, add_subject, login, make_district

LONG_AGO = datetime.now(timezone.utc) - timedelta(days=400)
RECENTLY = datetime.now(timezone.utc) - timedelta(days=1)
HERE = "26.5800,106.7100"


async def test_lists_due_facilities_and_people_of_the_callers_unit_and_below_only(client, db):
    d = await make_district(db)
    mine_f = await add_facility(db, d.community1, name="东陵园", last_patrol_at=LONG_AGO)
    mine_s = await add_subject(db, d.community1, name="张桂兰", last_visit_at=LONG_AGO)
    await add_facility(db, d.community1, name="刚巡查", last_patrol_at=RECENTLY)  # not due yet
    await add_subject(db, d.community1, name="刚走访", last_visit_at=RECENTLY)
    await add_facility(db, d.community2, name="西陵园", last_patrol_at=LONG_AGO)  # another street
    await add_subject(db, d.community2, name="李明", last_visit_at=LONG_AGO)

    worker = await login(client, "worker1")
    response = await client.get("/api/v1/me/due", headers=worker)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {(i["kind"], i["id"]) for i in items} == {("facility", str(mine_f)), ("subject", str(mine_s))}
    assert all(i["overdue"] is True and i["distance_m"] is None for i in items)

    admin = await login(client, "admin")
    names = {i["name"] for i in (await client.get("/api/v1/me/due", headers=admin)).json()["items"]}
    assert names == {"东陵园", "张桂兰", "西陵园", "李明"}


async def test_nearest_first_with_the_distance_in_metres(client, db):
    d = await make_district(db)
    # 0.01 degree of latitude is about 1112 m.
    far = await add_facility(db, d.community1, name="远", lat=26.60, lon=106.71, last_patrol_at=LONG_AGO)
    near = await add_subject(db, d.community1, name="近", lat=26.581, lon=106.71, last_visit_at=LONG_AGO)
    nowhere = await add_subject(
        db, d.community1, name="无位置", lat=None, lon=None, last_visit_at=LONG_AGO - timedelta(days=100)
    )
    worker = await login(client, "worker1")
    body = (await client.get("/api/v1/me/due", params={"near": HERE}, headers=worker)).json()
    assert [i["id"] for i in body["items"]] == [str(near), str(far), str(nowhere)]  # no position: last
    distances = [i["distance_m"] for i in body["items"]]
    assert distances[0] == pytest.approx(111, abs=2) and distances[1] == pytest.approx(2224, abs=5)
    assert distances[2] is None and body["items"][2]["location"] is None
    assert body["near"] == {"lat": 26.58, "lon": 106.71}


async def test_without_a_position_the_longest_overdue_comes_first(client, db):
    d = await make_district(db)
    a = await add_facility(
        db,
        d.community1,
        name="近但刚逾期",
        lat=26.5801,
        lon=106.71,
        last_patrol_at=datetime.now(timezone.utc) - timedelta(days=31),
    )
    b = await add_subject(db, d.community1, name="远但久未走访", lat=26.9, lon=106.9, last_visit_at=LONG_AGO)
    worker = await login(client, "worker1")
    items = (await client.get("/api/v1/me/due", headers=worker)).json()["items"]
    assert [i["id"] for i in items] == [str(b), str(a)]


async def test_due_later_today_is_listed_and_not_yet_overdue(client, db):
    d = await make_district(db)
    # Due a minute from now: still today in China time unless the test runs at 23:59.
    soon = await add_facility(
        db,
        d.community1,
        name="今天到期",
        patrol_interval_days=30,
        last_patrol_at=datetime.now(timezone.utc) - timedelta(days=30) + timedelta(minutes=1),
    )
    worker = await login(client, "worker1")
    body = (await client.get("/api/v1/me/due", headers=worker)).json()
    china_now = datetime.now(timezone(timedelta(hours=8)))
    if china_now.hour == 23 and china_now.minute >= 58:
        pytest.skip("too close to midnight in China time")
    [item] = body["items"]
    assert item["id"] == str(soon) and item["overdue"] is False


@pytest.mark.parametrize(
    "near", ["26.58", "north,east", "26.58,106.71,3", "91,106.71", "26.58,181", "nan,1", "26.58;106.71", ",", "inf,0"]
)
async def test_a_bad_position_is_400_naming_near(client, db, near):
    await make_district(db)
    worker = await login(client, "worker1")
    response = await client.get("/api/v1/me/due", params={"near": near}, headers=worker)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "near" and response.json()["code"] == "bad_input"


async def test_needs_a_login(client, db):
    assert (await client.get("/api/v1/me/due")).status_code == 401
