"""A caller's mistake is a 4xx with a clear detail, never a 500: over-long text, broken photo
links, odd cursors and absurdly nested JSON, with or without a token."""

import base64
import uuid

import pytest
from sqlalchemy import func, select

from storage.models import Subject
from tests.builders import login, make_district


@pytest.fixture
async def district(client, db):
    return await make_district(db)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_a_subject_name_longer_than_its_column_is_400_naming_it(client, district):
    supervisor = await login(client, "super1")
    body = {"name": "张" * 150, "category": "martyr_family", "org_unit_id": str(district.community1.id)}
    response = await client.post("/api/v1/subjects", json=body, headers=supervisor)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "name"


@pytest.mark.parametrize(
    "query",
    [
        "exp=1893456000&sig=%C3%A9%C3%A9",
        "exp=1893456000&sig=",
        "exp=1893456000&sig=" + "A" * 5000,
        "exp=" + "9" * 40 + "&sig=abc",
        "exp=-1&sig=abc",
        "exp=1e9&sig=abc",
    ],
)
async def test_a_malformed_photo_link_is_4xx(client, district, query):
    for suffix in ("", "/thumb", "/review"):
        response = await client.get(f"/api/v1/photos/{uuid.uuid4()}{suffix}?{query}")
        assert 400 <= response.status_code < 500, (suffix, response.status_code, response.text)
        assert response.json()["detail"]


@pytest.mark.parametrize("cursor", ["²", "٣", "9" * 40, "-1", " 1"])
async def test_an_odd_audit_log_cursor_is_4xx(client, district, cursor):
    admin = await login(client, "admin")
    response = await client.get("/api/v1/audit-log", params={"cursor": cursor}, headers=admin)
    assert response.status_code in (400, 422), response.text
    assert response.json()["field"] == "cursor"


@pytest.mark.parametrize(
    "path, method",
    [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/subjects", "post"),
        (f"/api/v1/patrols/{uuid.uuid4()}", "put"),
    ],
)
@pytest.mark.parametrize(
    "document", [nested(5000), '{"a":' * 2500 + "1" + "}" * 2500, '{"username": ' + nested(5000) + ', "password": "x"}']
)
async def test_json_nested_thousands_deep_is_400(client, district, path, method, document):
    headers = {"Content-Type": "application/json"}
    if "login" not in path:
        headers.update(await login(client, "super1"))
    response = await getattr(client, method)(path, content=document, headers=headers)
    assert response.status_code == 400, response.text[:500]
    assert "deep" in response.json()["detail"]


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(("[" * 3000 + "]" * 3000).encode()).decode(),
        base64.urlsafe_b64encode(b'[99999999999999999999999, "2026-11-30T00:00:00+00:00", "x"]').decode(),
    ],
)
async def test_a_forged_review_queue_cursor_is_4xx(client, district, cursor):
    supervisor = await login(client, "super1")
    for sort in ("newest", "most_flagged"):
        response = await client.get("/api/v1/review-queue", params={"cursor": cursor, "sort": sort}, headers=supervisor)
        assert 400 <= response.status_code < 500, (sort, response.text)


async def test_a_nul_character_in_text_is_400_and_nothing_is_stored(client, district, db):
    supervisor = await login(client, "super1")
    body = {"name": "陈\x00玉珍", "category": "martyr_family", "org_unit_id": str(district.community1.id)}
    response = await client.post("/api/v1/subjects", json=body, headers=supervisor)
    assert response.status_code == 400, response.text
    assert await db.scalar(select(func.count()).select_from(Subject)) == 0
