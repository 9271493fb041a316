"""Stations: GET /org-units/{id} shows a street or community unit's station; PATCH edits it from above."""

from tests.builders import login, make_district


def url(unit) -> str:
    return f"/api/v1/org-units/{unit.id}"


async def test_streets_and_communities_are_stations_with_their_standard_and_a_district_is_not(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    assert (await client.get(url(d.district), headers=admin)).json()["station"] is None
    street = (await client.get(url(d.street1), headers=admin)).json()
    assert street["level"] == "street" and street["station"]["standard"] == "seven_ones"
    community = (await client.get(url(d.community1), headers=admin)).json()["station"]
    assert community == {
        "address": "",
        "location": None,
        "geofence_m": 300,
        "head_user_id": None,
        "standard": "four_haves",
        "demonstration": False,
    }
    listed = (await client.get("/api/v1/org-units", headers=admin)).json()["items"]
    assert {u["id"]: u["station"] for u in listed}[str(d.community1.id)]["standard"] == "four_haves"


async def test_a_unit_outside_scope_is_not_found(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    assert (await client.get(url(d.community2), headers=supervisor)).status_code == 404
    patched = await client.patch(url(d.community2), json={"station": {"address": "x"}}, headers=supervisor)
    assert patched.status_code == 404


async def test_a_supervisor_edits_the_stations_below_their_unit(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    station = {
        "address": "东一社区党群服务中心一楼",
        "location": {"lat": 26.5801, "lon": 106.7101},
        "geofence_m": 150,
        "head_user_id": str(d.users["worker1"].id),
        "demonstration": True,
    }
    response = await client.patch(url(d.community1), json={"station": station}, headers=supervisor)
    assert response.status_code == 200, response.text
    got = (await client.get(url(d.community1), headers=supervisor)).json()["station"]
    assert got == {**station, "standard": "four_haves"}
    # Only what is sent changes; null clears.
    response = await client.patch(url(d.community1), json={"station": {"location": None}}, headers=supervisor)
    assert response.json()["station"]["location"] is None and response.json()["station"]["demonstration"]


async def test_a_station_is_not_edited_by_itself_nor_by_a_field_worker(client, db):
    d = await make_district(db)
    supervisor, worker = await login(client, "super1"), await login(client, "worker1")
    body = {"station": {"address": "自己改自己"}}
    assert (await client.patch(url(d.street1), json=body, headers=supervisor)).status_code == 403
    assert (await client.patch(url(d.community1), json=body, headers=worker)).status_code == 403
    admin = await login(client, "admin")
    assert (await client.patch(url(d.street1), json=body, headers=admin)).status_code == 200
    assert (await client.patch(url(d.district), json=body, headers=admin)).status_code == 422


async def test_bad_station_values_are_4xx_and_change_nothing(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    other_street_head = {"station": {"head_user_id": str(d.users["worker2"].id)}}
    response = await client.patch(url(d.community1), json=other_street_head, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "station.head_user_id"
    for station in (
        {"standard": "five_goods"},
        {"geofence_m": -1},
        {"location": {"lat": 91, "lon": 0}},
        {"colour": "red"},
    ):
        response = await client.patch(url(d.community1), json={"station": station}, headers=admin)
        assert 400 <= response.status_code < 500 and response.status_code != 404, station
    assert (await client.get(url(d.community1), headers=admin)).json()["station"]["head_user_id"] is None


async def test_a_station_s_position_follows_the_forms_rules_and_names_a_swap(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    swapped = await client.patch(
        url(d.community1), json={"station": {"location": {"lat": 106.71, "lon": 26.58}}}, headers=supervisor
    )
    assert swapped.status_code == 422, swapped.text
    assert (swapped.json()["field"], swapped.json()["rule"]) == ("station.location", "position_swapped")
    zero = await client.patch(
        url(d.community1), json={"station": {"location": {"lat": 0, "lon": 0}}}, headers=supervisor
    )
    assert zero.status_code == 422 and zero.json()["rule"] == "position_zero"
