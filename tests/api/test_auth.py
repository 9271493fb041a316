"""Logging in, tokens, roles and the rate limit on failed logins."""

import asyncio

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from api import passwords
from api.app import create_app
from storage.models import AuditEntry, LoginFailure
from tests.builders import PASSWORD, login, make_district

WRONG = {"username": "admin", "password": "guess"}
RIGHT = {"username": "admin", "password": PASSWORD}


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
    assert int(locked.headers["Retry-After"]) > 0


async def test_logout_ends_the_token(client, db):
    await make_district(db)
    headers = await login(client, "super1")
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_unknown_field_in_login_is_400_naming_it(client, db):
    response = await client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "x": 1})
    assert response.status_code == 400
    assert "x" in (response.json().get("field") or response.json()["detail"])


# --- the throttle: atomic across processes, per name and per address ------------------------


def behind_proxy(app, peer: str = "10.0.0.1"):
    """The app as a reverse proxy at `peer` reaches it."""

    async def asgi(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "client": (peer, 40000)}
        await app(scope, receive, send)

    return asgi


def count_verifies(monkeypatch) -> list[bool]:
    calls: list[bool] = []
    real = passwords.verify_password

    def verify(password_hash, password):
        calls.append(True)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", verify)  # what `verified` runs in its pool
    return calls


async def test_thirty_parallel_guesses_in_two_processes_reach_argon2_at_most_five_times(settings, db, monkeypatch):
    await make_district(db)
    verifies = count_verifies(monkeypatch)
    async with AsyncTestClient(create_app(settings)) as one, AsyncTestClient(create_app(settings)) as two:
        answers = await asyncio.gather(*(c.post("/api/v1/auth/login", json=WRONG) for c in [one, two] * 15))
        assert sorted({a.status_code for a in answers}) == [401, 429]
        assert len(verifies) <= 5
        assert await db.scalar(select(func.count()).select_from(LoginFailure)) <= 5
        refused = await one.post("/api/v1/auth/login", json=RIGHT)
    assert refused.status_code == 429, refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers if a.status_code == 429)


async def test_a_few_guesses_from_one_address_lock_that_address_not_the_admin(settings, db, monkeypatch):
    await make_district(db)
    monkeypatch.setenv("XUNFANG_TRUSTED_PROXIES", "10.0.0.0/8")
    from api.settings import Settings

    app = create_app(Settings.from_env())
    async with AsyncTestClient(behind_proxy(app)) as proxy:
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        for _ in range(5):
            assert (await proxy.post("/api/v1/auth/login", json=WRONG, headers=attacker)).status_code == 401
        assert (await proxy.post("/api/v1/auth/login", json=RIGHT, headers=attacker)).status_code == 429
        office = await proxy.post("/api/v1/auth/login", json=RIGHT, headers={"X-Forwarded-For": "198.51.100.7"})
        assert office.status_code == 200, office.text
    ips = set((await db.scalars(select(AuditEntry.ip))).all())
    assert ips == {"203.0.113.9", "198.51.100.7"}


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(client, db):
    await make_district(db)
    for n in range(5):
        spoofed = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert (await client.post("/api/v1/auth/login", json=WRONG, headers=spoofed)).status_code == 401
    rotated = await client.post("/api/v1/auth/login", json=RIGHT, headers={"X-Forwarded-For": "192.0.2.99"})
    assert rotated.status_code == 429
    assert "192.0.2" not in str((await db.scalars(select(AuditEntry.ip))).all())


async def test_the_lock_grows_with_each_failure_after_it_ends(client, db):
    await make_district(db)
    for _ in range(5):
        await client.post("/api/v1/auth/login", json=WRONG)
    first = int((await client.post("/api/v1/auth/login", json=WRONG)).headers["Retry-After"])
    await db.execute(update(LoginFailure).values(at=LoginFailure.at - func.make_interval(0, 0, 0, 0, 0, 0, 31)))
    await db.commit()
    assert (await client.post("/api/v1/auth/login", json=WRONG)).status_code == 401  # the lock has ended
    second = int((await client.post("/api/v1/auth/login", json=WRONG)).headers["Retry-After"])
    assert first <= 30 < second <= 60


async def test_many_people_logging_in_at_once_behind_one_address_are_not_throttled(client, db):
    await make_district(db)
    names = ["worker1", "worker2", "super1", "super2", "admin"] * 2
    answers = await asyncio.gather(
        *(client.post("/api/v1/auth/login", json={"username": n, "password": PASSWORD}) for n in names)
    )
    assert [a.status_code for a in answers] == [200] * len(names)
    assert await db.scalar(select(func.count()).select_from(LoginFailure)) == 0
