"""Logging in, tokens, roles and the rate limit on failed logins."""

from sqlalchemy import select

from storage.models import AuditEntry
from tests.builders import PASSWORD, login, make_district


async def test_login_returns_a_bearer_token_and_the_user(client, db):
    await make_district(db)
    response = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["role"] == "field_worker"
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "worker1"


async def test_wrong_password_is_401_and_audited(client, db):
    await make_district(db)
    response = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["detail"]
    actions = (await db.scalars(select(AuditEntry.action))).all()
    assert actions == ["login_failed"]


async def test_missing_or_bogus_token_is_401(client, db):
    await make_district(db)
    assert (await client.get("/api/v1/me")).status_code == 401
    bogus = await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bogus.status_code == 401


async def test_repeated_failures_lock_the_username_with_429(client, db):
    await make_district(db)
    for _ in range(5):
        await client.post("/api/v1/auth/login", json={"username": "worker1", "password": "nope"})
    locked = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
    assert locked.status_code == 429


async def test_logout_ends_the_token(client, db):
    await make_district(db)
    headers = await login(client, "super1")
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_unknown_field_in_login_is_400_naming_it(client, db):
    response = await client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "x": 1})
    assert response.status_code == 400
    assert "x" in (response.json().get("field") or response.json()["detail"])
