"""scripts/reconcile: objects no photo row names, and photo rows whose bytes are gone, are found
(--dry-run changes nothing) and cleaned; a photo without bytes is never served as another's."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from api.app import create_app
from storage.models import AuditEntry, Photo
from storage.object_store import original_key, thumb_key
from tests.api.test_backup_restore import run_script
from tests.api.test_photos import unique, upload
from tests.builders import login, make_district


async def test_orphan_objects_and_rows_without_bytes_are_found_then_cleaned(settings, engine, db, photos):
    # A bucket of its own: other tests leave objects whose rows are truncated away.
    bucket = f"reconcile-{uuid.uuid4().hex[:12]}"
    app = create_app(msgspec.structs.replace(settings, minio_bucket=bucket))
    env = {**os.environ, "MINIO_BUCKET": bucket}
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        await _orphans_and_rows_without_bytes(app, client, db, photos, env)


async def _orphans_and_rows_without_bytes(app, client, db, photos, env) -> None:
    await make_district(db)
    worker = await login(client, "worker1")
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    s3, bucket = app.state.store._client, app.state.store.bucket
    record_id = uuid.uuid4()
    kept, kept_id = unique(jpeg), uuid.uuid4()
    lost, lost_id = unique(jpeg), uuid.uuid4()
    thumbless, thumbless_id = unique(jpeg), uuid.uuid4()
    for data, photo_id in [(kept, kept_id), (lost, lost_id), (thumbless, thumbless_id)]:
        assert (await upload(client, worker, data, photo_id=photo_id, record_id=record_id)).status_code == 201
    # The store lost one photo's original, and another's thumbnail.
    s3.remove_object(bucket, original_key(hashlib.sha256(lost).hexdigest()))
    s3.remove_object(bucket, thumb_key(hashlib.sha256(thumbless).hexdigest()))
    # An upload whose bytes reached the store but whose row never did.
    stray = unique(jpeg)
    stray_sha = hashlib.sha256(stray).hexdigest()
    for key in (original_key(stray_sha), thumb_key(stray_sha)):
        s3.put_object(bucket, key, io.BytesIO(stray), len(stray))

    missing = await client.get(f"/api/v1/photos/{lost_id}", headers=worker)
    assert missing.status_code == 404, "a photo without its bytes is missing, not another photo"

    dry = run_script("reconcile", "--dry-run", "--grace-minutes", "0", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "found: 2 objects of no photo, 1 photo rows without their original, 1 missing thumbnails" in dry.stdout
    assert await db.scalar(select(func.count()).select_from(Photo)) == 3
    assert s3.stat_object(bucket, original_key(stray_sha))

    young = run_script("reconcile", "--dry-run", env=env)  # the default grace: a day
    assert "found: 0 objects of no photo" in young.stdout

    done = run_script("reconcile", "--grace-minutes", "0", env=env)
    assert done.returncode == 0, done.stderr
    assert "cleaned: 2 objects of no photo, 1 photo rows without their original, 1 missing thumbnails" in done.stdout
    keys = {o.object_name for o in s3.list_objects(bucket, recursive=True)}
    assert not any(stray_sha in key for key in keys)
    assert [p.id for p in (await db.scalars(select(Photo).order_by(Photo.created_at))).all()] == [kept_id, thumbless_id]
    assert (
        await db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "photo_missing_bytes", AuditEntry.entity_id == str(lost_id))
        )
        == 1
    )
    assert (await client.get(f"/api/v1/photos/{kept_id}", headers=worker)).content == kept
    assert (await client.get(f"/api/v1/photos/{thumbless_id}/thumb", headers=worker)).status_code == 200

    # The lost photo sent again under its own id: stored whole once more.
    again = await upload(client, worker, lost, photo_id=lost_id, record_id=record_id)
    assert again.status_code == 201, again.text
    assert (await client.get(f"/api/v1/photos/{lost_id}", headers=worker)).content == lost

    clean = run_script("reconcile", "--dry-run", "--grace-minutes", "0", env=env)
    assert "found: 0 objects of no photo, 0 photo rows without their original, 0 missing thumbnails" in clean.stdout
