"""An administrator cannot lock themselves or the bureau out: no disabling, demoting or moving
their own account, no resetting their own password through the users route (one's own password is
changed with the current one and keeps the session it is made from), and the last active admin
stays an active admin."""

from sqlalchemy import select

from storage.models import AuditEntry
from tests.builders import PASSWORD, add_user, login, make_district


async def test_the_last_active_admin_cannot_be_disabled_or_demoted(client, db):
    d = await make_district(db)
    second = await add_user(db, "admin2", "admin", d.district)
    await db.commit()
    h = await login(client, "admin2")
    first_goes = await client.patch(f"/api/v1/users/{d.users['admin'].id}", headers=h, json={"is_active": False})
    assert first_goes.status_code == 200, first_goes.text
    # admin2 is now the only active admin: another account cannot take that away either
    other = await login(client, "admin2")
    assert (await client.get("/api/v1/me", headers=other)).status_code == 200
    demoted = await client.patch(f"/api/v1/users/{second.id}", headers=h, json={"role": "supervisor"})
    assert demoted.status_code == 422
    assert demoted.json()["field"] == "role" and demoted.json()["rule"] in ("own_account", "last_admin")


async def test_the_last_admin_rule_holds_for_another_admin_disabling_them(client, db):
    d = await make_district(db)
    await add_user(db, "admin2", "admin", d.district)
    await db.commit()
    h = await login(client, "admin")
    # admin2 is disabled: admin is then the last one and keeps being one
    assert (
        await client.patch(f"/api/v1/users/{(await _id(db, 'admin2'))}", headers=h, json={"is_active": False})
    ).status_code == 200
    refused = await client.patch(f"/api/v1/users/{d.users['admin'].id}", headers=h, json={"is_active": False})
    assert refused.status_code == 422 and refused.json()["rule"] == "own_account"


async def _id(db, username):
    from storage.models import User

    return await db.scalar(select(User.id).where(User.username == username))


async def test_an_admin_cannot_demote_or_move_themselves_and_says_why(client, db):
    d = await make_district(db)
    h = await login(client, "admin")
    me = d.users["admin"].id
    demote = await client.patch(f"/api/v1/users/{me}", headers=h, json={"role": "supervisor"})
    assert demote.status_code == 422
    assert demote.json()["field"] == "role" and demote.json()["rule"] == "own_account"
    assert "your own account" in demote.json()["detail"]
    move = await client.patch(f"/api/v1/users/{me}", headers=h, json={"org_unit_id": str(d.street1.id)})
    assert move.status_code == 422 and move.json()["field"] == "org_unit_id"
    rename = await client.patch(f"/api/v1/users/{me}", headers=h, json={"display_name": "区管理员"})
    assert rename.status_code == 200  # a new display name locks nobody out
    assert (await client.get("/api/v1/me", headers=h)).json()["role"] == "admin"


async def test_an_admin_cannot_reset_their_own_password_through_the_users_route(client, db):
    d = await make_district(db)
    h = await login(client, "admin")
    reset = await client.post(
        f"/api/v1/users/{d.users['admin'].id}/password", headers=h, json={"password": "something new"}
    )
    assert reset.status_code == 422 and reset.json()["rule"] == "own_password_here"
    assert (await client.get("/api/v1/me", headers=h)).status_code == 200


async def test_own_password_change_asks_the_current_one_and_keeps_this_session_only(client, db):
    await make_district(db)
    here = await login(client, "super1")
    elsewhere = await login(client, "super1")
    wrong = await client.post("/api/v1/me/password", headers=here, json={"current": "not it", "new": "a new password"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "current"
    short = await client.post("/api/v1/me/password", headers=here, json={"current": PASSWORD, "new": "short"})
    assert short.status_code == 400
    assert short.json()["field"] == "new" and short.json()["rule"] == "too_short" and short.json()["limit"] == 8
    changed = await client.post(
        "/api/v1/me/password", headers=here, json={"current": PASSWORD, "new": "a new password"}
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/api/v1/me", headers=here)).status_code == 200
    assert (await client.get("/api/v1/me", headers=elsewhere)).status_code == 401
    assert (
        await client.post("/api/v1/auth/login", json={"username": "super1", "password": "a new password"})
    ).status_code == 200
    assert await db.scalar(select(AuditEntry.action).where(AuditEntry.action == "own_password_change"))


async def test_guessing_the_current_password_is_throttled_like_a_login(client, db):
    """A phone left unlocked is not a way to try passwords without limit: wrong current passwords
    count as failed logins of that name, and after the login limit the change answers 429 with
    Retry-After (and so does a login under that name); the right one is then refused too."""
    await make_district(db)
    h = await login(client, "super1")
    answers = [
        await client.post("/api/v1/me/password", headers=h, json={"current": f"guess {n}", "new": "a new password"})
        for n in range(12)
    ]
    assert answers[0].status_code == 422 and answers[0].json()["rule"] == "wrong_password"
    assert answers[-1].status_code == 429 and int(answers[-1].headers["retry-after"]) > 0
    right = await client.post("/api/v1/me/password", headers=h, json={"current": PASSWORD, "new": "a new password"})
    assert right.status_code == 429
    assert (
        await client.post("/api/v1/auth/login", json={"username": "super1", "password": PASSWORD})
    ).status_code == 429
