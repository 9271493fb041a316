"""scripts/reconcile [--dry-run] [--grace-minutes N]: photo rows and stored objects agree again.

A photo's objects are written before its row, so a fault between the two leaves objects no row
names (orphans: harmless, content addressed, reused if the same bytes come again); losing a
store's data, or restoring a database newer than its objects, leaves rows whose bytes are gone.
This finds both and cleans them:
- objects of no photo row, older than the grace period (default 24 h, so an upload in flight is
  left alone), are deleted;
- a row whose original is missing is deleted, so the record shows the photo as missing (as it
  did: the GET answered 404, never another photo's bytes) and a resend of the same
  photo id stores it again instead of being told it is already here; each is in the audit log;
- a missing thumbnail is made again from the original (review images are made when asked for).
Works on the installation the other scripts do (scripts/system.py)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from scripts.system import System, open_system
from storage import images
from storage.db import make_engine
from storage.models import Photo
from storage.object_store import ObjectStore, original_key, thumb_key
from storage.queries import audit

# originals/<sha256>, thumbs/<sha256>.jpg, review/<sha256>.jpg: the keys the API writes.
KEY = re.compile(r"^(?:originals/([0-9a-f]{64})|(?:thumbs|review)/([0-9a-f]{64})\.jpg)$")


async def reconcile(system: System, *, dry_run: bool, grace: timedelta) -> dict[str, int]:
    store = ObjectStore(
        endpoint=system.endpoint,
        access_key=system.access_key,
        secret_key=system.secret_key,
        bucket=system.bucket,
        secure=system.secure,
    )
    s3 = system.s3()
    engine = make_engine(system.database_url, pool_size=2)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            rows = (
                await session.execute(
                    select(Photo.id, Photo.record_id, Photo.sha256, Photo.content_type, Photo.org_unit_id)
                )
            ).all()
            listed = await asyncio.to_thread(lambda: list(s3.list_objects(system.bucket, recursive=True)))
            keys = {o.object_name for o in listed}
            named = {row.sha256 for row in rows}
            cutoff = datetime.now(timezone.utc) - grace
            orphans = []
            for o in listed:
                match = KEY.match(o.object_name)
                sha = match and (match.group(1) or match.group(2))
                if sha and sha not in named and o.last_modified and o.last_modified < cutoff:
                    orphans.append(o.object_name)
            bare = [row for row in rows if original_key(row.sha256) not in keys]
            thumbless = {
                row.sha256: row.content_type
                for row in rows
                if original_key(row.sha256) in keys and thumb_key(row.sha256) not in keys
            }
            if not dry_run:
                for key in orphans:
                    await asyncio.to_thread(s3.remove_object, system.bucket, key)
                if bare:
                    await session.execute(delete(Photo).where(Photo.id.in_([row.id for row in bare])))
                for row in bare:
                    await audit.log(
                        session,
                        actor_id=None,
                        actor_username="reconcile",
                        ip="",
                        action="photo_missing_bytes",
                        entity="photo",
                        entity_id=row.id,
                        org_unit_id=row.org_unit_id,
                        detail={"record_id": str(row.record_id), "sha256": row.sha256},
                    )
                for sha, kind in thumbless.items():
                    original = await store.get(original_key(sha))
                    decoded = await asyncio.to_thread(
                        images.decode, original, kind=kind, max_pixels=10**9, naive_offset_h=0
                    )
                    await store.put(thumb_key(sha), decoded.thumb_jpeg, "image/jpeg")
    finally:
        await engine.dispose()
    return {
        "rows": len(rows),
        "objects": len(keys),
        "orphan_objects": len(orphans),
        "rows_without_bytes": len(bare),
        "thumbnails_remade": len(thumbless),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/reconcile", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    parser.add_argument(
        "--grace-minutes",
        type=float,
        default=24 * 60,
        help="leave objects younger than this alone (an upload may be in flight)",
    )
    args = parser.parse_args(argv)
    with open_system() as system:
        found = asyncio.run(reconcile(system, dry_run=args.dry_run, grace=timedelta(minutes=args.grace_minutes)))
    verb = "found" if args.dry_run else "cleaned"
    print(
        f"{found['rows']} photo rows, {found['objects']} objects; {verb}: {found['orphan_objects']} objects "
        f"of no photo, {found['rows_without_bytes']} photo rows without their original, "
        f"{found['thumbnails_remade']} missing thumbnails"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
