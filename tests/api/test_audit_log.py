"""GET /audit-log: searchable, supervisors see their scope, admins everything."""

from tests.builders import login, make_district


async def test_supervisor_sees_only_their_scope(client, db):
    await make_district(db)
    for name in ("worker1", "worker2", "super1"):
        await login(client, name)
    await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    boss = await login(client, "super1")
    response = await client.get("/api/v1/audit-log?action=login", headers=boss)
    assert response.status_code == 200, response.text
    assert {e["actor_username"] for e in response.json()["items"]} == {"worker1", "super1"}
    everything = (await client.get("/api/v1/audit-log", headers=await login(client, "admin"))).json()["items"]
    assert {"worker2", "ghost"} <= {e["actor_username"] for e in everything}


async def test_search_text_and_pages(client, db):
    await make_district(db)
    for _ in range(3):
        await login(client, "worker1")
    admin = await login(client, "admin")
    first = (await client.get("/api/v1/audit-log?q=worker1&limit=2", headers=admin)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (
        await client.get(f"/api/v1/audit-log?q=worker1&limit=2&cursor={first['next_cursor']}", headers=admin)
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert all(e["actor_username"] == "worker1" for e in first["items"] + rest["items"])


async def test_workers_cannot_read_it_and_bad_input_is_4xx(client, db):
    await make_district(db)
    assert (await client.get("/api/v1/audit-log", headers=await login(client, "worker1"))).status_code == 403
    admin = await login(client, "admin")
    for query in ("cursor=abc", "from=yesterday", "limit=1000", "actor_id=1", "action=dance", "entity=spaceship"):
        response = await client.get(f"/api/v1/audit-log?{query}", headers=admin)
        assert 400 <= response.status_code < 500, query


async def test_search_finds_a_persons_name_and_an_objects_name(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    made = await client.post(
        "/api/v1/facilities",
        headers=await login(client, "super1"),
        json={
            "name": "青山烈士陵园",
            "kind": "cemetery",
            "protection_level": "county",
            "org_unit_id": str(d.community1.id),
            "location": {"lat": 26.58, "lon": 106.71},
        },
    )
    assert made.status_code == 201, made.text
    await client.patch(f"/api/v1/users/{d.users['worker1'].id}", headers=admin, json={"display_name": "王秀英"})
    by_object = (await client.get("/api/v1/audit-log", params={"q": "青山"}, headers=admin)).json()["items"]
    assert [e["action"] for e in by_object] == ["facility_create"]
    await login(client, "worker1")
    by_person = (await client.get("/api/v1/audit-log", params={"q": "秀英"}, headers=admin)).json()["items"]
    # what 王秀英 did (a login) and what was done to her account (the new name)
    assert {e["action"] for e in by_person} == {"login", "user_update"}
    wildcard = (await client.get("/api/v1/audit-log", params={"q": "%"}, headers=admin)).json()["items"]
    assert wildcard == []
