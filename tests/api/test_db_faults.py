"""PostgreSQL going away and coming back: the service says so, then recovers by itself."""

import uuid

from tests.api.test_patrols import SITE, patrol_body
from tests.builders import add_facility, login, make_district


async def test_health_names_the_database_and_the_service_recovers_after_a_restart(client, db, stack):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    acknowledged = uuid.uuid4()
    assert (await client.put(f"/api/v1/patrols/{acknowledged}", json=patrol_body(facility),
                             headers=worker)).status_code == 201
    await db.close()

    stack.postgres.stop()
    try:
        health = await client.get("/api/v1/health")
        assert health.status_code == 503
        assert health.json()["database"] == "unreachable"
        assert health.json()["storage"] == "ok"
        down = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility), headers=worker)
        assert down.status_code == 503
        assert "database" in down.json()["detail"]
        assert down.headers["retry-after"].isdigit() and health.headers["retry-after"].isdigit()
    finally:
        stack.postgres.start()

    assert (await client.get("/api/v1/health")).status_code == 200
    again = await client.get(f"/api/v1/patrols/{acknowledged}", headers=worker)
    assert again.status_code == 200  # what was acknowledged before the outage is still there
    later = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility), headers=worker)
    assert later.status_code == 201
