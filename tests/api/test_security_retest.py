"""The security re-test's findings (issue 18), each as the behaviour that closes it: a moved station
head, extreme dates, a login spray from one address, photos after logout, the server's logs,
sessions after a role or unit change, and the schema pages."""

import asyncio
import re
import time

import httpx
import pytest
from sqlalchemy import func, select

from api.photo_links import sign
from storage.models import AuditEntry, LoginFailure, OrgUnit
from tests.api.test_fuzz_schema import server  # noqa: F401 - the API in its own process
from tests.api.test_photos import upload
from tests.api.test_weekly_report import last_week
from tests.builders import add_facility, login, make_district

# --- a moved station head keeps nothing of the old station -------------------------------------


async def test_moving_the_head_away_clears_the_head_and_their_rights_over_the_station(client, db):
    d = await make_district(db)
    d.community1.head_user_id = d.users["worker1"].id
    await db.commit()
    head, admin, week = await login(client, "worker1"), await login(client, "admin"), last_week()[0]
    remarks = f"/api/v1/reports/weekly/{d.community1.id}/{week}"
    assert (await client.put(remarks, json={"remarks": "本周正常"}, headers=head)).status_code == 200
    moved = await client.patch(
        f"/api/v1/users/{d.users['worker1'].id}", headers=admin, json={"org_unit_id": str(d.community2.id)}
    )
    assert moved.status_code == 200, moved.text
    await db.refresh(d.community1)
    assert d.community1.head_user_id is None
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "station_head_cleared"))
    assert entry is not None and entry.entity_id == str(d.community1.id) and entry.detail["reason"] == "moved"
    head = await login(client, "worker1")  # the move ended the old session
    params = {"org_unit_id": str(d.community1.id), "week": week}
    assert (await client.get("/api/v1/reports/weekly", params=params, headers=head)).status_code == 404
    assert (await client.put(remarks, json={"remarks": "x", "submit": True}, headers=head)).status_code == 404
    assert (await client.get("/api/v1/exports/weekly.xlsx", params=params, headers=head)).status_code == 404


async def test_a_head_moved_within_the_station_stays_head(client, db):
    d = await make_district(db)
    d.street1.head_user_id = d.users["super1"].id
    await db.commit()
    admin = await login(client, "admin")
    moved = await client.patch(
        f"/api/v1/users/{d.users['super1'].id}", headers=admin, json={"org_unit_id": str(d.community1.id)}
    )
    assert moved.status_code == 200, moved.text
    await db.refresh(d.street1)
    assert d.street1.head_user_id == d.users["super1"].id


async def test_a_head_row_naming_someone_elsewhere_gives_them_no_rights(client, db):
    """Whatever the row says (data from before this rule), rights follow where the head works."""
    d = await make_district(db)
    d.community1.head_user_id = d.users["worker2"].id  # works in community 2
    await db.commit()
    stranger = await login(client, "worker2")
    params = {"org_unit_id": str(d.community1.id), "week": last_week()[0]}
    assert (await client.get("/api/v1/reports/weekly", params=params, headers=stranger)).status_code == 404


# --- dates outside 2000-01-01 .. a year from now are 400s naming the field ---------------------


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/api/v1/reports/coverage", {"to": "9999-12-31"}, "to"),
        ("/api/v1/reports/coverage", {"from": "0001-01-01"}, "from"),
        ("/api/v1/reports/facility-map", {"to": "9999-12-31"}, "to"),
        ("/api/v1/reports/facility-map", {"from": "0001-01-01T00:00:00+14:00", "to": "2026-01-01"}, "from"),
        ("/api/v1/exports/visits.csv", {"to": "9999-12-31"}, "to"),
        ("/api/v1/exports/patrols.xlsx", {"to": "9999-12-31T23:59:59-12:00"}, "to"),
        ("/api/v1/reports/weekly", {"week": "0001-W01"}, "week"),
        ("/api/v1/exports/weekly.xlsx", {"week": "0001-W01"}, "week"),
        ("/api/v1/exports/weekly.pdf", {"week": "1999-W52"}, "week"),
        ("/api/v1/patrols", {"to": "9999-12-31T00:00:00Z"}, "to"),
        ("/api/v1/review-queue", {"from": "0001-01-01T00:00:00Z"}, "from"),
        ("/api/v1/audit-log", {"to": "9999-12-31T00:00:00Z"}, "to"),
    ],
)
async def test_a_date_out_of_range_is_400_naming_the_field(client, db, url, params, field):
    await make_district(db)
    admin = await login(client, "admin")
    response = await client.get(url, params=params, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and "2000-01-01" in response.json()["detail"]


async def test_remarks_for_week_one_of_year_one_are_refused(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    response = await client.put(f"/api/v1/reports/weekly/{d.street1.id}/0001-W01", json={"remarks": "x"}, headers=admin)
    assert response.status_code == 400 and response.json()["field"] == "week", response.text


async def test_the_edges_of_the_range_are_accepted(client, db):
    await make_district(db)
    admin = await login(client, "admin")
    ok = await client.get("/api/v1/reports/coverage", params={"from": "2000-01-01", "to": "2009-12-31"}, headers=admin)
    assert ok.status_code == 200, ok.text
    assert (await client.get("/api/v1/reports/weekly", params={"week": "2000-W01"}, headers=admin)).status_code == 200


# --- a login spray over many names from one address --------------------------------------------


async def test_thirty_parallel_guesses_over_thirty_names_from_one_address_reach_argon2_at_most_five_times(server, db):  # noqa: F811 - the fixture imported above
    """Against the API in its own process over TCP, so the guesses really are in flight together."""
    await make_district(db)
    names = [f"user{n:02d}" for n in range(28)] + ["admin", "worker1"]
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        answers = await asyncio.gather(
            *(http.post("/api/v1/auth/login", json={"username": n, "password": "guess"}) for n in names)
        )
    assert sorted({a.status_code for a in answers}) == [401, 429]
    checked = await db.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.confirmed))
    assert checked <= 5, checked  # a confirmed failure is an attempt whose password was checked
    assert sum(a.status_code == 401 for a in answers) == checked


# --- sessions: a role or unit change ends them, as SECURITY.md says ----------------------------


@pytest.mark.parametrize("change", [{"role": "supervisor"}, {"org_unit_id": "community2"}])
async def test_a_role_or_unit_change_ends_the_users_sessions(client, db, change):
    d = await make_district(db)
    worker, admin = await login(client, "worker1"), await login(client, "admin")
    if "org_unit_id" in change:
        change = {"org_unit_id": str(d.community2.id)}
    assert (await client.patch(f"/api/v1/users/{d.users['worker1'].id}", json=change, headers=admin)).status_code == 200
    assert (await client.get("/api/v1/me", headers=worker)).status_code == 401
    assert (await client.get("/api/v1/me", headers=admin)).status_code == 200
    again = await login(client, "worker1")
    unchanged = await client.patch(
        f"/api/v1/users/{d.users['worker1'].id}", json={"display_name": "王五"}, headers=admin
    )
    assert unchanged.status_code == 200
    assert (await client.get("/api/v1/me", headers=again)).status_code == 200  # a new name is no new session


# --- photos after logout -------------------------------------------------------------------------


@pytest.fixture
async def worker(client, db):
    d = await make_district(db)
    await add_facility(db, d.community1)
    return await login(client, "worker1")


async def test_personal_images_are_cached_briefly_and_logout_clears_the_cache(client, worker, photos):
    body = (await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes())).json()
    for key in ("thumb_url", "review_url"):
        response = await client.get(body[key])
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, max-age=300"
        assert "immutable" not in response.headers["cache-control"]
    assert (await client.get(body["url"])).headers["cache-control"] == "private, no-cache"
    out = await client.post("/api/v1/auth/logout", headers=worker)
    assert out.status_code == 204 and out.headers["clear-site-data"] == '"cache"'


async def test_a_signed_link_stops_working_at_logout(client, worker, photos):
    body = (await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes())).json()
    other = await login(client, "worker1")  # another session of the same person (another phone)
    links = [body["thumb_url"], body["review_url"], body["url"]]
    for link in links:
        assert (await client.get(link)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=worker)).status_code == 204
    for link in links:
        response = await client.get(link)
        assert response.status_code == 401, link
    # The other session's links still work.
    kept = (await upload(client, other, (photos / "Canon_40D.jpg").read_bytes())).json()
    assert (await client.get(kept["thumb_url"])).status_code == 200


async def test_a_link_signed_for_a_made_up_session_is_refused(client, worker, photos, settings):
    body = (await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes())).json()
    path = body["thumb_url"].split("?")[0]
    exp = int(time.time()) + 600
    for session in ("AAAAAAAAAAAAAAAA", "", "not-a-key"):
        link = f"{path}?exp={exp}&s={session}&sig={sign(settings, path, exp, session)}"
        assert (await client.get(link)).status_code == 401, session


# --- the server's logs ---------------------------------------------------------------------------


async def test_postgresqls_log_does_not_name_a_taken_username(client, db, stack):
    await make_district(db)
    admin = await login(client, "admin")
    log = stack.postgres.data_dir / "server.log"
    before = log.stat().st_size
    taken = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "worker1",
            "display_name": "重名",
            "password": "long enough",
            "role": "field_worker",
            "org_unit_id": str((await db.scalar(select(OrgUnit).where(OrgUnit.level == "community"))).id),
        },
    )
    assert taken.status_code == 409, taken.text
    await asyncio.sleep(0.5)  # the server writes its log asynchronously
    with open(log, "rb") as f:
        f.seek(before)
        written = f.read().decode(errors="replace")
    assert "worker1" not in written and "Key (" not in written


# --- no page of ours names a third-party host ------------------------------------------------------


THIRD_PARTY = re.compile(r"jsdelivr|unpkg|googleapis|gstatic|cdnjs|https?://(?!127\.0\.0\.1|localhost)[a-z0-9.-]+")


@pytest.mark.parametrize(
    "path",
    [
        "/schema",
        "/schema/",
        "/schema/swagger",
        "/schema/redoc",
        "/schema/elements",
        "/schema/rapidoc",
        "/schema/scalar",
        "/schema/openapi.json",
        "/schema/openapi.yaml",
        "/schema/openapi.yml",
    ],
)
async def test_no_schema_page_names_a_third_party_host(client, path):
    response = await client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert not THIRD_PARTY.search(response.text), (path, THIRD_PARTY.search(response.text))
