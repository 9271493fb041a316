"""Org units as a scoped tree, health, and the append-only audit log."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.builders import login, make_district


async def test_a_street_supervisor_sees_their_street_and_its_communities(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    units = (await client.get("/api/v1/org-units", headers=supervisor)).json()["items"]
    assert {(u["name"], u["level"]) for u in units} == {("东街道", "street"), ("东一社区", "community")}
    admin = await login(client, "admin")
    assert len((await client.get("/api/v1/org-units", headers=admin)).json()["items"]) == 5
    assert d.district.level == "district"


async def test_an_admin_adds_a_community_below_a_street(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    created = await client.post(
        "/api/v1/org-units", json={"name": "东二社区", "parent_id": str(d.street1.id)}, headers=admin
    )
    assert created.status_code == 201 and created.json()["level"] == "community"
    below = await client.post("/api/v1/org-units", json={"name": "x", "parent_id": created.json()["id"]}, headers=admin)
    assert below.status_code == 422
    supervisor = await login(client, "super1")
    assert (
        await client.post("/api/v1/org-units", json={"name": "y", "parent_id": str(d.street1.id)}, headers=supervisor)
    ).status_code == 403


async def test_health_reports_each_part(client):
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}


async def test_the_audit_log_refuses_updates_and_deletes(client, db):
    await make_district(db)
    await login(client, "worker1")  # a login is audited
    for statement in ("update audit_log set action = 'x'", "delete from audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(text(statement))
        await db.rollback()
