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
    rest = (await client.get(f"/api/v1/audit-log?q=worker1&limit=2&cursor={first['next_cursor']}",
                             headers=admin)).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert all(e["actor_username"] == "worker1" for e in first["items"] + rest["items"])


async def test_workers_cannot_read_it_and_bad_input_is_4xx(client, db):
    await make_district(db)
    assert (await client.get("/api/v1/audit-log", headers=await login(client, "worker1"))).status_code == 403
    admin = await login(client, "admin")
    for query in ("cursor=abc", "from=yesterday", "limit=1000", "actor_id=1"):
        response = await client.get(f"/api/v1/audit-log?{query}", headers=admin)
        assert 400 <= response.status_code < 500, query
