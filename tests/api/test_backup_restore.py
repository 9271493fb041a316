"""scripts/backup and scripts/restore: records with photos are backed up while the system runs,
restored into a fresh data folder, and the API started on it finds every record, review, task,
audit entry, user and photo byte for byte. A second backup copies only the new objects; a restore
never goes into a folder that holds data."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from scripts.stack import ROOT, Stack
from tests.api.test_patrols import SITE, patrol_body
from tests.api.test_photos import unique, upload
from tests.builders import add_facility, login, make_district

LINKS = ("url", "thumb_url", "review_url")  # signed with a time in them; the paths are compared


def run_script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / name), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def without_links(value):
    """A JSON value with every signed link cut to its path."""
    if isinstance(value, dict):
        return {k: (v.split("?")[0] if k in LINKS else without_links(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value


async def send_patrol(client, worker, facility, jpeg: bytes, photos: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    record_id, photo_ids = uuid.uuid4(), [uuid.uuid4() for _ in range(photos)]
    for photo_id in photo_ids:
        response = await upload(client, worker, unique(jpeg), photo_id=photo_id, record_id=record_id)
        assert response.status_code == 201, response.text
    body = patrol_body(facility, photo_ids=[str(p) for p in photo_ids])
    assert (await client.put(f"/api/v1/patrols/{record_id}", json=body, headers=worker)).status_code == 201
    return record_id, photo_ids


async def everything(client, records: list[uuid.UUID], photo_ids: list[uuid.UUID]) -> dict:
    """All a bureau would look for, as the API shows it to the admin."""
    admin = await login(client, "admin")
    seen: dict = {"patrols": {}, "photos": {}}
    for record_id in records:
        response = await client.get(f"/api/v1/patrols/{record_id}", headers=admin)
        assert response.status_code == 200, response.text
        seen["patrols"][str(record_id)] = without_links(response.json())
    for name, path in [("tasks", "/api/v1/tasks"), ("audit", "/api/v1/audit-log"), ("users", "/api/v1/users")]:
        response = await client.get(path, headers=admin)
        assert response.status_code == 200, response.text
        seen[name] = without_links(response.json())
    for photo_id in photo_ids:
        for size in ("", "/thumb", "/review"):
            response = await client.get(f"/api/v1/photos/{photo_id}{size}", headers=admin)
            assert response.status_code == 200, response.text
            seen["photos"][f"{photo_id}{size}"] = response.content
    return seen


@pytest.fixture
def script_env(stack) -> dict[str, str]:
    """The environment the scripts see: this run's PostgreSQL and MinIO as external services."""
    return {**os.environ}


async def test_backup_then_restore_into_a_fresh_data_folder_finds_everything(
        client, db, photos, settings: Settings, script_env, tmp_path):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker, supervisor = await login(client, "worker1"), await login(client, "super1")
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    approved, approved_photos = await send_patrol(client, worker, facility, jpeg, photos=2)
    returned, returned_photos = await send_patrol(client, worker, facility, jpeg, photos=1)
    for record_id, decision in [(approved, "approve"), (returned, "return")]:
        review = await client.post(f"/api/v1/patrols/{record_id}/review", headers=supervisor,
                                   json={"decision": decision, "comment": "已核"})
        assert review.status_code in (200, 201), review.text
    records, photo_ids = [approved, returned], approved_photos + returned_photos
    before = await everything(client, records, photo_ids)
    assert before["tasks"]["items"] and before["audit"]["items"]

    backup = tmp_path / "backup"
    made = run_script("backup", str(backup), env=script_env)
    assert made.returncode == 0, made.stderr + made.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["tables"]["photos"] == 3 and manifest["database"]["tables"]["patrols"] == 2
    assert manifest["objects"]["copied"] == manifest["objects"]["count"] >= 9  # originals, thumbs, reviews

    target = {k: v for k, v in script_env.items() if k not in ("DATABASE_URL",) and not k.startswith("MINIO_")}
    restored = tmp_path / "fresh-data"
    target["XUNFANG_DATA"] = str(restored)
    done = run_script("restore", str(backup), env=target)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "restored into" in done.stdout

    again = run_script("restore", str(backup), env=target)
    assert again.returncode == 1
    assert "refusing to restore" in again.stderr and "already holds data" in again.stderr

    stack = Stack(restored, throwaway=True)
    try:
        env = stack.start()
        app = create_app(msgspec.structs.replace(
            settings, database_url=env["DATABASE_URL"], minio_endpoint=env["MINIO_ENDPOINT"],
            minio_access_key=env["MINIO_ACCESS_KEY"], minio_secret_key=env["MINIO_SECRET_KEY"]))
        async with AsyncTestClient(app, raise_server_exceptions=False) as fresh_client:
            after = await everything(fresh_client, records, photo_ids)
    finally:
        stack.stop()
    # Reading logs in the admin, an audit entry of its own: the restored log holds the old one whole.
    last = max(entry["id"] for entry in before["audit"]["items"])
    after["audit"]["items"] = [entry for entry in after["audit"]["items"] if entry["id"] <= last]
    assert after == before

    # A day later: one more record; the next backup into the same folder copies only its objects.
    known = set((backup / "objects.sha256").read_text().splitlines())
    await send_patrol(client, worker, facility, jpeg, photos=1)
    second = run_script("backup", str(backup), env=script_env)
    assert second.returncode == 0, second.stderr + second.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    new = set((backup / "objects.sha256").read_text().splitlines()) - known
    assert len(new) == manifest["objects"]["copied"] == 2  # its original and its thumbnail
    assert manifest["objects"]["count"] == len(known) + 2
    assert manifest["database"]["tables"]["patrols"] == 3
