"""The OpenAPI document describes the whole contract, every route but login and health needs a
token, and no generated request — however odd — makes the server answer 5xx (schemathesis)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from storage.queries import users
from tests.builders import add_facility, add_subject, make_district

PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login")}
CONTRACT = [
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/org-units"),
    ("GET", "/api/v1/facilities"),
    ("POST", "/api/v1/facilities"),
    ("GET", "/api/v1/facilities/{facility_id}"),
    ("PATCH", "/api/v1/facilities/{facility_id}"),
    ("GET", "/api/v1/subjects"),
    ("POST", "/api/v1/subjects"),
    ("GET", "/api/v1/subjects/{subject_id}"),
    ("PATCH", "/api/v1/subjects/{subject_id}"),
    ("PUT", "/api/v1/patrols/{patrol_id}"),
    ("PUT", "/api/v1/visits/{visit_id}"),
    ("GET", "/api/v1/patrols"),
    ("GET", "/api/v1/visits"),
    ("GET", "/api/v1/patrols/{patrol_id}"),
    ("GET", "/api/v1/visits/{visit_id}"),
    ("PUT", "/api/v1/photos/{photo_id}"),
    ("GET", "/api/v1/photos/{photo_id}"),
    ("GET", "/api/v1/photos/{photo_id}/thumb"),
    ("POST", "/api/v1/patrols/{patrol_id}/review"),
    ("POST", "/api/v1/visits/{visit_id}/review"),
]


def operations(app) -> list[tuple[str, str]]:
    paths = app.openapi_schema.to_schema()["paths"]
    return [
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


async def test_the_openapi_document_covers_every_route_of_the_contract(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    missing = [(m, p) for m, p in CONTRACT if m.lower() not in paths.get(p, {})]
    assert missing == []


async def test_every_route_but_login_and_health_needs_a_token(client, app):
    open_routes = []
    for method, path in operations(app):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        response = await client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
        if response.status_code != 401:
            open_routes.append((method, path, response.status_code))
    assert open_routes == []


@pytest.fixture
async def admin_headers(db):
    d = await make_district(db)
    await add_facility(db, d.community1)
    await add_subject(db, d.community1)
    token, _ = await users.issue_token(db, user_id=d.users["admin"].id, ttl=timedelta(hours=1))
    await db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_no_generated_request_gets_a_server_error(app, admin_headers):
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    server_errors: list[str] = []
    answered: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case) -> None:
            response = case.call(headers={**(case.headers or {}), **admin_headers})
            answered[response.status_code // 100] += 1
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
                )

        call()
    assert server_errors == []
    assert answered[2] > 50, f"too few requests got past validation to test anything: {answered}"
