"""PostgreSQL going away and coming back: the service says so, then recovers by itself."""

import json
import uuid

from sqlalchemy import text

from tests.api.test_patrols import SITE, patrol_body
from tests.builders import add_facility, login, make_district


async def test_health_names_the_database_and_the_service_recovers_after_a_restart(client, db, stack, captured_logs):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    acknowledged = uuid.uuid4()
    assert (
        await client.put(f"/api/v1/patrols/{acknowledged}", json=patrol_body(facility), headers=worker)
    ).status_code == 201
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
        # The token check meets the outage before any handler runs: logged and counted as what it
        # answered, under the id it answered with.
        logged = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
        line = next(entry for entry in logged if entry.get("request_id") == down.headers["x-request-id"])
        assert line["status"] == 503
    finally:
        stack.postgres.start()

    assert (await client.get("/api/v1/health")).status_code == 200
    again = await client.get(f"/api/v1/patrols/{acknowledged}", headers=worker)
    assert again.status_code == 200  # what was acknowledged before the outage is still there
    later = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility), headers=worker)
    assert later.status_code == 201


async def fail_commits_on(db, *tables: str) -> None:
    """PostgreSQL refuses the commit itself, as when it shuts down between a request's last statement
    and its COMMIT: a deferred trigger fires at COMMIT with the shutdown's SQLSTATE."""
    await db.execute(
        text(
            "CREATE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'terminating connection' USING ERRCODE = '57P01'; END $$"
        )
    )
    for table in tables:
        await db.execute(
            text(
                f"CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit()"
            )
        )
    await db.commit()


async def heal_commits(db) -> None:
    await db.execute(text("DROP FUNCTION test_fail_at_commit() CASCADE"))
    await db.commit()


async def test_a_write_whose_commit_fails_is_never_acknowledged(client, db, photos):
    """The answer goes out only after the commit: a refused commit is a 503 the phone retries, and
    the retry stores the record once; never a 201 for a record that is not there."""
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    record_id, photo_id = uuid.uuid4(), uuid.uuid4()
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()

    def send_photo():
        return client.put(
            f"/api/v1/photos/{photo_id}",
            params={"record_id": str(record_id)},
            content=jpeg,
            headers=worker | {"Content-Type": "image/jpeg"},
        )

    await fail_commits_on(db, "photos", "patrols")
    try:
        photo = await send_photo()
        assert photo.status_code == 503 and photo.headers["retry-after"].isdigit(), photo.text
        record = await client.put(f"/api/v1/patrols/{record_id}", json=patrol_body(facility), headers=worker)
        assert record.status_code == 503 and record.headers["retry-after"].isdigit(), record.text
        assert (await client.get(f"/api/v1/patrols/{record_id}", headers=worker)).status_code == 404
    finally:
        await heal_commits(db)

    assert (await send_photo()).status_code == 201
    record = await client.put(
        f"/api/v1/patrols/{record_id}", json=patrol_body(facility, photo_ids=[str(photo_id)]), headers=worker
    )
    assert record.status_code == 201, record.text
    stored = await client.get(f"/api/v1/patrols/{record_id}", headers=worker)
    assert [p["id"] for p in stored.json()["photos"]] == [str(photo_id)]
