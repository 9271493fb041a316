"""/metrics answers an admin and nobody else; every request leaves one JSON log line with its id,
route, status and time; and no log line carries personal data, a position, a token or a link
signature, not even when the database fails with values in its error."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.exc import DBAPIError, OperationalError

from storage.queries import ops
from tests.builders import PASSWORD, login, make_district

NAME, PHONE, LAT, LON = "张桂兰", "13800138000", "26.123456", "106.654321"


async def test_metrics_answer_an_admin_and_nobody_else(client, db):
    await make_district(db)
    assert (await client.get("/metrics")).status_code == 401
    for who in ("worker1", "super1"):
        assert (await client.get("/metrics", headers=await login(client, who))).status_code == 403
    response = await client.get("/metrics", headers=await login(client, "admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in (
        "xunfang_http_requests_total",
        "xunfang_http_request_seconds_bucket",
        "xunfang_db_pool_in_use",
        'xunfang_records_incomplete{kind="patrol"} 0',
        "xunfang_photo_ingest_seconds",
    ):
        assert name in text
    assert 'route="/metrics",status="403"' in text  # requests by route and status
    assert 'route="/metrics",status="401"' in text  # also those refused before any handler ran


async def test_no_personal_data_position_token_or_signature_in_any_log_line(
    client, db, photos, captured_logs, monkeypatch
):
    await make_district(db)
    worker = await login(client, "worker1")
    admin = await login(client, "admin")
    body = (photos / "gps_DSCN0010.jpg").read_bytes()
    put = await client.put(
        f"/api/v1/photos/{uuid.uuid4()}",
        params={"record_id": str(uuid.uuid4()), "lat": LAT, "lon": LON, "accuracy_m": 7},
        content=body,
        headers={**worker, "Content-Type": "image/jpeg", "X-Request-Id": "phone-42"},
    )
    assert put.status_code == 201
    signed = put.json()["thumb_url"]
    assert (await client.get(signed)).status_code == 200
    sig = signed.split("sig=")[1]

    def failing(kind):
        async def fail(session):
            raise kind(
                "insert into subjects (name, phone) values ($1, $2)",
                (NAME, PHONE),
                Exception(f'invalid input "{NAME} {PHONE}" at {LAT},{LON}'),
            )

        return fail

    monkeypatch.setattr(ops, "incomplete_records", failing(DBAPIError))
    assert (await client.get("/metrics", headers=admin)).status_code == 500
    monkeypatch.setattr(ops, "incomplete_records", failing(OperationalError))
    assert (await client.get("/metrics", headers=admin)).status_code == 503

    text = captured_logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line["logger"] == "xunfang.request"]
    assert len(requests) == 6  # two logins, the upload, the image, two failures
    for line in requests:
        assert line["request_id"] and line["route"] and line["status"] and line["ms"] >= 0
    upload = next(r for r in requests if r["method"] == "PUT")
    assert (upload["request_id"], upload["route"], upload["status"]) == ("phone-42", "/api/v1/photos/{photo_id}", 201)
    assert any(line.get("error") == "DBAPIError" for line in lines)  # the failure is there, its values not
    for secret in (
        NAME,
        PHONE,
        LAT,
        LON,
        LAT[:6],
        sig,
        worker["Authorization"][7:],
        admin["Authorization"][7:],
        PASSWORD,
        "worker1",
        "insert into",
    ):
        assert secret not in text, secret
