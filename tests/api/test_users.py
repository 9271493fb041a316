"""User administration: create, disable (ends sessions), reset password, role and unit; scoped."""

from sqlalchemy import select

from storage.models import AuditEntry
from tests.builders import PASSWORD, login, make_district


async def test_admin_creates_a_user_who_can_log_in(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    response = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "worker3",
            "display_name": "周敏",
            "password": "long enough pw",
            "role": "field_worker",
            "org_unit_id": str(d.community1.id),
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["is_active"] is True
    login_ok = await client.post("/api/v1/auth/login", json={"username": "worker3", "password": "long enough pw"})
    assert login_ok.status_code == 200
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "user_create")) == "user_create"


async def test_duplicate_username_is_409_and_short_password_is_400(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    body = {
        "username": "worker1",
        "display_name": "x",
        "password": "long enough pw",
        "role": "field_worker",
        "org_unit_id": str(d.community1.id),
    }
    assert (await client.post("/api/v1/users", headers=admin, json=body)).status_code == 409
    short = await client.post("/api/v1/users", headers=admin, json={**body, "username": "new1", "password": "short"})
    assert short.status_code == 400 and short.json()["field"] == "password"
    bad_role = await client.post("/api/v1/users", headers=admin, json={**body, "username": "new2", "role": "boss"})
    assert bad_role.status_code == 400


async def test_disabling_a_user_ends_their_sessions(client, db):
    d = await make_district(db)
    worker = await login(client, "worker1")
    admin = await login(client, "admin")
    response = await client.patch(f"/api/v1/users/{d.users['worker1'].id}", headers=admin, json={"is_active": False})
    assert response.status_code == 200, response.text
    assert (await client.get("/api/v1/me", headers=worker)).status_code == 401
    again = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
    assert again.status_code == 401


async def test_reset_password_ends_sessions_and_the_new_one_works(client, db):
    d = await make_district(db)
    worker = await login(client, "worker1")
    admin = await login(client, "admin")
    reset = await client.post(
        f"/api/v1/users/{d.users['worker1'].id}/password", headers=admin, json={"password": "a brand new one"}
    )
    assert reset.status_code == 204
    assert (await client.get("/api/v1/me", headers=worker)).status_code == 401
    assert (
        await client.post("/api/v1/auth/login", json={"username": "worker1", "password": "a brand new one"})
    ).status_code == 200


async def test_change_role_and_unit(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    response = await client.patch(
        f"/api/v1/users/{d.users['worker1'].id}",
        headers=admin,
        json={"role": "supervisor", "org_unit_id": str(d.street1.id)},
    )
    assert response.json()["role"] == "supervisor" and response.json()["org_unit_id"] == str(d.street1.id)


async def test_only_admins_change_users_and_supervisors_list_their_scope(client, db):
    d = await make_district(db)
    boss = await login(client, "super1")
    assert (
        await client.patch(f"/api/v1/users/{d.users['worker1'].id}", headers=boss, json={"is_active": False})
    ).status_code == 403
    listed = await client.get("/api/v1/users", headers=boss)
    assert {u["username"] for u in listed.json()["items"]} == {"worker1", "super1"}
    assert (await client.get("/api/v1/users", headers=await login(client, "worker1"))).status_code == 403


async def test_admin_cannot_disable_themselves_and_bad_ids_are_4xx(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    me = await client.patch(f"/api/v1/users/{d.users['admin'].id}", headers=admin, json={"is_active": False})
    assert me.status_code == 422
    assert (await client.patch("/api/v1/users/nope", headers=admin, json={})).status_code in (400, 404)
    unknown = await client.patch(f"/api/v1/users/{d.district.id}", headers=admin, json={"role": "admin"})
    assert unknown.status_code == 404
    extra = await client.patch(f"/api/v1/users/{d.users['worker1'].id}", headers=admin, json={"password": "x"})
    assert extra.status_code == 400


async def test_a_disabled_user_is_refused_at_once_even_with_a_token_just_used(client, db):
    d = await make_district(db)
    worker = await login(client, "worker1")
    assert (await client.get("/api/v1/me", headers=worker)).status_code == 200  # the token is now remembered
    admin = await login(client, "admin")
    disabled = await client.patch(f"/api/v1/users/{d.users['worker1'].id}", json={"is_active": False}, headers=admin)
    assert disabled.status_code == 200
    assert (await client.get("/api/v1/me", headers=worker)).status_code == 401


async def test_role_and_unit_changes_are_logged_with_old_and_new_values_by_name(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    target = d.users["worker1"]
    changed = await client.patch(
        f"/api/v1/users/{target.id}", headers=admin, json={"role": "supervisor", "org_unit_id": str(d.street1.id)}
    )
    assert changed.status_code == 200, changed.text
    log = (
        await client.get("/api/v1/audit-log", headers=admin, params={"entity": "user", "entity_id": str(target.id)})
    ).json()["items"]
    [entry] = [e for e in log if e["action"] == "user_update"]
    assert entry["detail"]["changes"] == {
        "role": ["field_worker", "supervisor"],
        "org_unit_id": [d.community1.name, d.street1.name],
    }
    assert entry["entity_name"] == target.display_name
    by_actor = (
        await client.get(
            "/api/v1/audit-log", headers=admin, params={"actor_id": str(d.users["admin"].id), "action": "user_update"}
        )
    ).json()
    assert [e["id"] for e in by_actor["items"]] == [entry["id"]]
