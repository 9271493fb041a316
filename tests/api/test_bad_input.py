"""A caller's mistake gets a clear 4xx naming what is wrong, and nothing is stored."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from storage.models import Patrol, Visit
from tests.api.test_patrols import SITE, patrol_body
from tests.builders import add_facility, add_subject, login, make_district


@pytest.fixture
async def worker(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    subject = await add_subject(db, d.community1)
    return facility, subject, await login(client, "worker1")


async def patrols_stored(db) -> int:
    return await db.scalar(select(func.count()).select_from(Patrol))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"location": {"lat": 91, "lon": 106.7}}, "location.lat"),
        ({"location": {"lat": 26.5, "lon": -181}}, "location.lon"),
        # An item code outside the template is a 422 naming it (tests/api/test_templates.py).
        ({"checklist": [{"item": "safety", "result": "maybe"}]}, "checklist[0].result"),
        ({"surprise": 1}, "surprise"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-24T10:00:00"}, "started_at"),  # no offset: ambiguous
        ({"photo_ids": ["not-a-uuid"]}, "photo_ids[0]"),
        ({"facility_id": "42"}, "facility_id"),
    ],
)
async def test_malformed_patrol_fields_are_400_naming_the_field(client, db, worker, change, field):
    facility, _, headers = worker
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility, **change), headers=headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert await patrols_stored(db) == 0


async def test_nan_coordinates_are_refused(client, db, worker):
    facility, _, headers = worker
    body = patrol_body(facility)
    body["location"]["lat"] = float("nan")
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}",
        content=json.dumps(body),  # writes NaN
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert await patrols_stored(db) == 0


@pytest.mark.parametrize(
    "change, field",
    [
        (
            {
                "started_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(),
                "ended_at": (datetime.now(timezone.utc) + timedelta(days=3, hours=1)).isoformat(),
            },
            "started_at",
        ),
        ({"ended_at": (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()}, "ended_at"),
        ({"checklist": [{"item": "safety", "result": "issue", "note": " "}]}, "checklist[0].note"),
    ],
)
async def test_times_far_in_the_future_or_an_issue_without_a_note_are_422(client, db, worker, change, field):
    facility, _, headers = worker
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility, **change), headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert await patrols_stored(db) == 0


async def test_a_malformed_record_id_in_the_path_is_4xx(client, db, worker):
    facility, _, headers = worker
    response = await client.put("/api/v1/patrols/not-a-uuid", json=patrol_body(facility), headers=headers)
    assert 400 <= response.status_code < 500
    assert await patrols_stored(db) == 0


async def test_an_empty_body_is_400(client, db, worker):
    _, _, headers = worker
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", content=b"", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_oversized_json_is_413(client, db, worker):
    facility, _, headers = worker
    body = patrol_body(facility, notes="巡" * 400_000)
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=headers)
    assert response.status_code == 413
    assert await patrols_stored(db) == 0


async def test_an_award_on_a_routine_visit_is_422(client, db, worker):
    _, subject, headers = worker
    body = {
        "subject_id": str(subject),
        "visit_type": "routine",
        "visited_at": datetime.now(timezone.utc).isoformat(),
        "award": {"grade": "third_class", "co_deliverer": "区人武部"},
    }
    response = await client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "award"
    assert await db.scalar(select(func.count()).select_from(Visit)) == 0


async def test_a_bad_cursor_is_422_not_500(client, db, worker):
    _, _, headers = worker
    response = await client.get("/api/v1/patrols", params={"cursor": "%%%garbage"}, headers=headers)
    assert response.status_code == 422


async def test_limit_over_200_is_400(client, db, worker):
    _, _, headers = worker
    response = await client.get("/api/v1/patrols", params={"limit": 500}, headers=headers)
    assert response.status_code == 400
