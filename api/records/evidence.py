"""Evidence settling: status is `incomplete` until every listed photo has arrived, in whatever
order they come; flags are worked out here from what the server holds, never from what the phone
claims. Also who may attach a photo to a record id, and a record's photos and reviews on the wire."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec
from litestar.exceptions import PermissionDeniedException

from api.deps import DbSession, Principal
from api.evidence import PhotoEvidence, Position, RecordEvidence, Site, compute_flags
from api.photo_links import photo_out
from api.records.kinds import Kind
from api.records.review import reviews_out
from api.settings import EvidenceRules
from storage.models import Inspection, Patrol, Photo, Visit
from storage.queries import photos as photo_queries
from storage.queries import records as record_queries
from storage.queries import tasks as task_queries
from storage.queries import templates as template_queries
from storage.queries.common import unit_path
from storage.queries.records import R, Record, RecordModel

# --- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attach:
    """Where a photo goes: a task's after photos, or a record id whose claim this transaction
    holds (so its uploads and its record are written one at a time), with the kind of record
    stored under it, if one is yet."""

    task: bool
    record: RecordModel | None = None


async def check_attach(db_session: DbSession, user: Principal, *, record_id: uuid.UUID) -> Attach:
    """Who may add a photo to `record_id`: for a task's after photos, whoever may fix the task;
    otherwise the id's owner: the author of its record, or for an id with no record yet (photos
    may come first) its first uploader, who claims it (put_record then refuses the id to anyone
    else)."""
    task = await task_queries.find_task(db_session, task_id=record_id)
    if task is not None:
        in_scope = await task_queries.task_in_scope(db_session, task=task, scope_path=user.scope_path)
        if not (in_scope and (task.assignee_id == user.id or user.reviews)):
            raise PermissionDeniedException("only the task's assignee or a supervisor in scope can add its photos")
        return Attach(task=True)
    owner = await record_queries.claim_record(db_session, record_id=record_id, owner_id=user.id)
    # Read under the claim's lock: a record PUT that held it before us has committed. A record
    # written before claims existed may have a claim made just now: its author decides.
    holder = await record_queries.holder_of(db_session, record_id=record_id)
    if holder is not None and holder[1] != user.id:
        raise PermissionDeniedException("only the record's author can add photos to it")
    if owner != user.id:
        raise PermissionDeniedException("this record id was taken by someone else's photos; start a new record")
    return Attach(task=False, record=holder[0] if holder else None)


def _photo_evidence(photo: Photo, reused: dict[uuid.UUID, uuid.UUID | None]) -> PhotoEvidence:
    exif = (
        Position(photo.exif_lat, photo.exif_lon) if photo.exif_lat is not None and photo.exif_lon is not None else None
    )
    capture = (
        Position(photo.lat, photo.lon, photo.accuracy_m) if photo.lat is not None and photo.lon is not None else None
    )
    return PhotoEvidence(
        id=photo.id,
        exif_time=photo.taken_at,
        device_time=photo.captured_at,
        exif_position=exif,
        capture_position=capture,
        reused_in=reused.get(photo.id),
        reused_elsewhere=photo.id in reused and reused[photo.id] is None,
    )


def record_evidence(record: Record, labels: dict[str, dict[str, str]] | None = None) -> RecordEvidence:
    position = (
        Position(record.lat, record.lon, record.accuracy_m)
        if record.lat is not None and record.lon is not None
        else None
    )
    if isinstance(record, (Patrol, Inspection)):
        return RecordEvidence(
            kind=record_queries.kind_of(type(record)),
            start=record.started_at,
            end=record.ended_at,
            position=position,
            photo_ids=list(record.photo_ids),
            issue_items_without_photos=issue_items_without_photos(record),
            item_labels=labels or {},
        )
    return RecordEvidence(
        kind="visit",
        start=record.visited_at,
        end=record.visited_at,
        position=position,
        photo_ids=list(record.photo_ids),
        no_photo_reason=record.no_photo_reason,
    )


def issue_items_without_photos(patrol: Patrol | Inspection) -> list[str]:
    """An `issue` item is covered by its own photo_ids; a client that links no photos to items is
    taken to mean the record's photos show its issues, so it needs at least one photo."""
    issues = [i for i in patrol.checklist if i.get("result") == "issue"]
    if any(i.get("photo_ids") for i in patrol.checklist):
        return [i["item"] for i in issues if not i.get("photo_ids")]
    return [i["item"] for i in issues] if issues and not patrol.photo_ids else []


async def arrived_photos(db_session: DbSession, record: Record) -> list[Photo]:
    """The record's photos that have arrived, in the order it lists them ("photo 2" is the second)."""
    if not record.photo_ids:
        return []
    found = {
        p.id: p
        for p in await photo_queries.get_photos(db_session, ids=list(record.photo_ids))
        if p.record_id == record.id
    }
    return [found[i] for i in record.photo_ids if i in found]


async def street_path(db_session: DbSession, org_unit_id: uuid.UUID) -> str:
    """The scope a record's flags may name other records from: its street (or its district,
    for a record of a district-level site). Paths are "/<district>/<street>/<community>/"."""
    path = await unit_path(db_session, org_unit_id) or "/nowhere/"
    return "/" + "/".join(path.strip("/").split("/")[:2]) + "/"


async def version_labels(db_session: DbSession, record: Record) -> dict[str, dict[str, str]]:
    """The labels of the checklist version a patrol or inspection was filled against (flags name
    items as people know them, an item an admin added too)."""
    if isinstance(record, Visit) or record.template_id is None:
        return {}
    version = await template_queries.template_for_record(
        db_session, kind=record_queries.kind_of(type(record)), template_id=record.template_id
    )
    return {i["code"]: i["label"] for i in version.items}


async def evaluate(db_session: DbSession, record: Record, site: Site, rules: EvidenceRules) -> list[Photo]:
    """Set status (from which photos have arrived) and flags (from the record, its photos and its
    site); returns the arrived photos."""
    photos = await arrived_photos(db_session, record)
    reused = (
        await photo_queries.reuse_of(
            db_session,
            photos=photos,
            record_id=record.id,
            max_distance=rules.phash_max_distance,
            scope_path=await street_path(db_session, record.org_unit_id),
        )
        if photos
        else {}
    )
    flags = compute_flags(
        record_evidence(record, await version_labels(db_session, record)),
        [_photo_evidence(p, reused) for p in photos],
        site,
        datetime.now(timezone.utc),
        rules,
    )
    status = record.status
    if status in ("incomplete", "submitted"):
        status = "submitted" if len(photos) == len(record.photo_ids) else "incomplete"
    await record_queries.update_record(
        db_session, record=record, values={"status": status, "flags": [msgspec.structs.asdict(f) for f in flags]}
    )
    return photos


async def settle(db_session: DbSession, record: Record, site: Site, rules: EvidenceRules) -> None:
    await evaluate(db_session, record, site, rules)


async def with_evidence(
    db_session: DbSession, settings: Any, out: Any, record: Record, photos: list[Photo] | None = None, new: bool = False
) -> Any:
    """Fill a record's `photos` (as the upload returned them, with fresh signed links) and `reviews`."""
    if photos is None:
        photos = await arrived_photos(db_session, record)
    out.photos = [photo_out(p, settings) for p in photos]
    out.reviews = [] if new else await reviews_out(db_session, record.id)
    return out


async def detail(db_session: DbSession, settings: Any, kind: Kind[R], record: R) -> Any:
    """A record's full answer: its kind's fields, its photos (with fresh signed links) and reviews."""
    [out] = await kind.answer(db_session, [record])
    return await with_evidence(db_session, settings, out, record)
