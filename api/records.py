"""What patrols, visits and station inspections share: the idempotent PUT, evidence settling,
review, and wire types.

api/patrols.py, api/visits.py and api/inspections.py say what is particular to each; this module
says the rules:
- the phone makes the id, so the same body sent again is a 200 and never a second record;
- a changed body is accepted until a supervisor approves (a returned record may be resent);
- status is `incomplete` until every listed photo has arrived, in whatever order they come;
- flags are worked out here from what the server holds, never from what the phone claims.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import msgspec
from litestar.exceptions import PermissionDeniedException
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from api.deps import DbSession, Principal, record_audit
from api.evidence import PhotoEvidence, Position, RecordEvidence, Site, compute_flags
from api.photo_links import PhotoOut, photo_out
from api.settings import EvidenceRules
from api.types import Fix, In
from storage.db import commit_early
from storage.errors import Conflict, Invalid
from storage.models import Inspection, Patrol, Photo, Visit
from storage.queries import facilities as facility_queries
from storage.queries import photos as photo_queries
from storage.queries import records
from storage.queries import subjects as subject_queries
from storage.queries import tasks as task_queries
from storage.queries import templates as template_queries
from storage.queries.common import unit_path
from storage.queries.records import RecordModel
from storage.vocabulary import Decision, FlagCode, RecordStatus

Record = Patrol | Visit | Inspection
AwareTime = Annotated[datetime, msgspec.Meta(tz=True)]
# Phones' clocks drift; a day ahead is no drift but a mistake, refused outright.
FAR_FUTURE = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# List filters named as in api-v1.md (`from` is a Python keyword).
Since = Annotated[datetime | None, QueryParameter(name="from", description="records at or after this time")]
Until = Annotated[datetime | None, QueryParameter(name="to", description="records before this time")]


def created(out: type) -> dict[int, ResponseSpec]:
    return {201: ResponseSpec(out, description="created: the first time this id was sent")}


# --- wire types --------------------------------------------------------------------------------


class AuthorOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str


class FlagOut(msgspec.Struct):
    code: FlagCode
    detail: str
    detail_zh: str = ""


class ReviewOut(msgspec.Struct):
    id: uuid.UUID
    decision: Decision
    comment: str
    at: datetime
    reviewer: AuthorOut


class LocationOut(msgspec.Struct):
    lat: float
    lon: float
    accuracy_m: float | None
    captured_at: datetime | None


class RecordOut(msgspec.Struct, kw_only=True):
    """What the answer for every record kind carries; patrols, visits and inspections add their own."""

    id: uuid.UUID
    org_unit_id: uuid.UUID
    author: AuthorOut
    location: LocationOut | None
    photo_ids: list[uuid.UUID]
    status: RecordStatus
    flags: list[FlagOut]
    received_at: datetime
    updated_at: datetime
    # On GET /{kind}/{id} (and the PUT's answer): each photo as the upload returned it.
    photos: list[PhotoOut] | msgspec.UnsetType = msgspec.UNSET
    reviews: list[ReviewOut] | msgspec.UnsetType = msgspec.UNSET


def record_fields(r: Record, author: AuthorOut) -> dict[str, Any]:
    """The RecordOut fields of a stored record."""
    return dict(
        id=r.id,
        org_unit_id=r.org_unit_id,
        author=author,
        location=location_out(r),
        photo_ids=list(r.photo_ids),
        status=r.status,
        flags=flags_out(r),
        received_at=r.received_at,
        updated_at=r.updated_at,
    )


class ReviewIn(In):
    decision: Decision
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


# An approval may be taken back (reopen) this long after it was given.
REOPEN_WINDOW = timedelta(hours=24)


# --- checks on what came in -------------------------------------------------------------------


def check_times(*times: tuple[str, datetime]) -> None:
    now = datetime.now(timezone.utc)
    for field, at in times:
        if at > now + FAR_FUTURE:
            raise Invalid(f"{field} is more than a day in the future; check the phone's date", field=field)
        if at < EARLIEST:
            raise Invalid(f"{field} is before the year 2000; check the phone's date", field=field)


def check_photo_ids(photo_ids: list[uuid.UUID]) -> None:
    if len(set(photo_ids)) != len(photo_ids):
        raise Invalid("photo_ids lists the same photo twice", field="photo_ids")


def check_checklist_items(checklist: list[Any], photo_ids: list[uuid.UUID]) -> None:
    """A checklist (patrol or inspection): each item once, an issue says what is wrong, and the
    photos an item names are the record's."""
    seen: set[str] = set()
    for n, item in enumerate(checklist):
        if item.item in seen:
            raise Invalid(f"the checklist lists {item.item} twice", field=f"checklist[{n}].item")
        seen.add(item.item)
        if item.result == "issue" and not item.note.strip():
            raise Invalid(f"say what is wrong: an issue ({item.item}) needs a note", field=f"checklist[{n}].note")
        stray = [str(p) for p in item.photo_ids if p not in set(photo_ids)]
        if stray:
            raise Invalid(
                f"the checklist item {item.item} names a photo the record's photo_ids do not list "
                f"({', '.join(stray)}); list every item photo in the record's photo_ids too",
                field=f"checklist[{n}].photo_ids",
            )


def body_hash(data: msgspec.Struct) -> str:
    """Of the decoded body, so key order and whitespace do not make a 'different' body."""
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


def location_columns(location: Fix | None) -> dict[str, Any]:
    if location is None:
        return dict(lat=None, lon=None, accuracy_m=None, location_captured_at=None)
    return dict(
        lat=location.lat, lon=location.lon, accuracy_m=location.accuracy_m, location_captured_at=location.captured_at
    )


# --- the idempotent PUT ------------------------------------------------------------------------


async def put_record(
    db_session: DbSession,
    user: Principal,
    *,
    model: type[Record],
    record_id: uuid.UUID,
    digest: str,
    values: dict[str, Any],
    site: Site,
    rules: EvidenceRules,
) -> tuple[Record, bool, list[Photo] | None]:
    """Store the record with its status and flags settled; returns it, whether it was created, and
    its arrived photos (None when the same body came again and nothing was looked at)."""
    kind = records.kind_of(model)
    now = datetime.now(timezone.utc)
    owner = await records.claim_record(db_session, record_id=record_id, owner_id=user.id)
    # Under the claim's lock: a delivery of this id that raced ours has committed by now.
    existing = await records.find_record(db_session, model=model, record_id=record_id, for_update=True)
    if existing is not None and existing.author_id != user.id:
        raise Conflict(f"this {kind} id belongs to a record by someone else; start a new record")
    if owner != user.id:
        raise Conflict(f"this {kind} id belongs to someone else's photos; start a new record")
    if existing is not None:
        if existing.body_hash == digest:
            return existing, False, None
        if existing.status == "approved":
            raise Conflict(f"this {kind} was approved by a supervisor and can no longer change")
        # A returned or pending record sent again goes back into the queue.
        for name, value in {**values, "body_hash": digest, "status": "submitted", "updated_at": now}.items():
            setattr(existing, name, value)
        record = existing
    else:
        record = model(
            **values,
            id=record_id,
            author_id=user.id,
            body_hash=digest,
            status="submitted",
            received_at=now,
            updated_at=now,
        )
    photos = await evaluate(db_session, record, site, rules)
    if existing is None:
        db_session.add(record)
        await db_session.flush()
    await record_audit(
        db_session,
        user,
        f"{kind}_{'update' if existing else 'create'}",
        entity=kind,
        entity_id=record_id,
        org_unit_id=record.org_unit_id,
    )
    await db_session.flush()
    return record, existing is None, photos


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
    owner = await records.claim_record(db_session, record_id=record_id, owner_id=user.id)
    # Read under the claim's lock: a record PUT that held it before us has committed. A record
    # written before claims existed may have a claim made just now: its author decides.
    holder = await records.holder_of(db_session, record_id=record_id)
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
            kind=records.kind_of(type(record)),
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
        db_session, kind=records.kind_of(type(record)), template_id=record.template_id
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
    if record.status in ("incomplete", "submitted"):
        record.status = "submitted" if len(photos) == len(record.photo_ids) else "incomplete"
    record.flags = [msgspec.structs.asdict(f) for f in flags]
    return photos


async def settle(db_session: DbSession, record: Record, site: Site, rules: EvidenceRules) -> None:
    await evaluate(db_session, record, site, rules)
    await db_session.flush()


def flags_out(record: Record) -> list[FlagOut]:
    return [FlagOut(code=f["code"], detail=f["detail"], detail_zh=f.get("detail_zh", "")) for f in record.flags]


def location_out(record: Record) -> LocationOut | None:
    if record.lat is None or record.lon is None:
        return None
    return LocationOut(
        lat=record.lat, lon=record.lon, accuracy_m=record.accuracy_m, captured_at=record.location_captured_at
    )


# --- review ------------------------------------------------------------------------------------


async def review(db_session: DbSession, user: Principal, record: Record, data: ReviewIn) -> None:
    """A supervisor's decision; it stays in `reviews` with who, when and why."""
    if not user.reviews:
        raise PermissionDeniedException("only a supervisor or an administrator can review records")
    kind = records.kind_of(type(record))
    if record.author_id == user.id:
        await refuse_own(
            db_session,
            user,
            f"{kind}_review_refused",
            entity=kind,
            entity_id=record.id,
            org_unit_id=record.org_unit_id,
            decision=data.decision,
        )
        raise PermissionDeniedException(f"you cannot review your own {kind}; another supervisor must")
    if data.decision == "return" and not data.comment.strip():
        raise Invalid("say what needs to change: a comment is required to return a record", field="comment")
    if data.decision == "reopen":
        await reopen(db_session, user, record, data.comment.strip())
        return
    if record.status == "approved":
        raise Conflict(f"this {kind} is already approved")
    if record.status == "returned":
        raise Conflict(f"this {kind} was returned and waits for its author to send it again")
    if data.decision == "approve" and record.status == "incomplete":
        raise Conflict(f"this {kind}'s photos have not all arrived yet; approve it when they have")
    record.status = "approved" if data.decision == "approve" else "returned"
    record.updated_at = datetime.now(timezone.utc)
    await records.add_review(
        db_session,
        record_kind=kind,
        record_id=record.id,
        reviewer_id=user.id,
        decision=data.decision,
        comment=data.comment.strip(),
    )
    await record_audit(
        db_session,
        user,
        f"{kind}_review",
        entity=kind,
        entity_id=record.id,
        org_unit_id=record.org_unit_id,
        decision=data.decision,
    )
    if record.status == "approved":
        if isinstance(record, Patrol):
            await facility_queries.mark_patrolled(db_session, facility_id=record.facility_id, at=record.started_at)
        elif isinstance(record, Visit):
            await subject_queries.mark_visited(db_session, subject_id=record.subject_id, at=record.visited_at)


async def reopen(db_session: DbSession, user: Principal, record: Record, comment: str) -> None:
    """Take an approval back: within 24 hours of it, by the approver or a supervisor of a unit
    above the approver's. The record waits for a decision again; the reopen stays in `reviews`."""
    kind = records.kind_of(type(record))
    if not comment:
        raise Invalid(
            "say why the approval is taken back: a comment is required to reopen a record",
            field="comment",
            code="reopen_comment_required",
        )
    if record.status != "approved":
        raise Conflict(f"only an approved {kind} can be reopened; this one is {record.status}")
    last = await records.last_approval(db_session, record_id=record.id)
    if last is None:
        raise Conflict(f"this {kind} has no approval to take back")
    approval, approver_path = last
    if approval.reviewer_id != user.id and not (
        approver_path.startswith(user.scope_path) and approver_path != user.scope_path
    ):
        raise PermissionDeniedException(
            "only the supervisor who approved it, or one above them, can reopen it", extra={"code": "reopen_not_yours"}
        )
    if datetime.now(timezone.utc) - approval.at > REOPEN_WINDOW:
        raise Conflict(
            f"an approval can be taken back within 24 hours; this {kind} was approved "
            f"{approval.at.isoformat(timespec='minutes')}",
            field="decision",
            code="reopen_too_late",
        )
    record.status = "submitted"
    record.updated_at = datetime.now(timezone.utc)
    await records.add_review(
        db_session, record_kind=kind, record_id=record.id, reviewer_id=user.id, decision="reopen", comment=comment
    )
    if isinstance(record, Patrol):
        await facility_queries.recount_patrolled(db_session, facility_id=record.facility_id, at=record.started_at)
    elif isinstance(record, Visit):
        await subject_queries.recount_visited(db_session, subject_id=record.subject_id, at=record.visited_at)
    await record_audit(
        db_session,
        user,
        f"{kind}_reopen",
        entity=kind,
        entity_id=record.id,
        org_unit_id=record.org_unit_id,
        approved_by=str(approval.reviewer_id),
        comment=comment,
    )


async def refuse_own(
    db_session: DbSession,
    user: Principal,
    action: str,
    *,
    entity: str,
    entity_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    **detail: Any,
) -> None:
    """Audit who tried to judge their own work; committed now, as the request ends in a 403 that
    rolls everything else back."""
    await record_audit(
        db_session,
        user,
        action,
        entity=entity,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        reason="own_record",
        **detail,
    )
    await commit_early(db_session, "the refusal's audit entry stays: the 403 rolls back the rest")


async def reviews_out(db_session: DbSession, record_id: uuid.UUID) -> list[ReviewOut]:
    return [
        ReviewOut(
            id=r.id,
            decision=r.decision,
            comment=r.comment,
            at=r.at,
            reviewer=AuthorOut(id=u.id, username=u.username, display_name=u.display_name),
        )
        for r, u in await records.reviews_for(db_session, record_id=record_id)
    ]


async def with_evidence(
    db_session: DbSession, settings: Any, out: Any, record: Record, photos: list[Photo] | None = None, new: bool = False
) -> Any:
    """Fill a record's `photos` (as the upload returned them, with fresh signed links) and `reviews`."""
    if photos is None:
        photos = await arrived_photos(db_session, record)
    out.photos = [photo_out(p, settings) for p in photos]
    out.reviews = [] if new else await reviews_out(db_session, record.id)
    return out


def author_out(user: Any) -> AuthorOut:
    """From a User row or the calling Principal."""
    return AuthorOut(id=user.id, username=user.username, display_name=user.display_name)


def visible_author(user: Principal) -> uuid.UUID | None:
    """Field workers see their own records; supervisors and admins everything in scope."""
    return None if user.reviews else user.id
