"""What every record kind's answer carries, and the checks on what came in that they share."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import msgspec
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from api.deps import Principal
from api.photo_links import PhotoOut
from api.types import Fix, In
from storage.errors import Invalid
from storage.queries.records import Record
from storage.vocabulary import Decision, FlagCode, RecordStatus

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


def flags_out(record: Record) -> list[FlagOut]:
    return [FlagOut(code=f["code"], detail=f["detail"], detail_zh=f.get("detail_zh", "")) for f in record.flags]


def location_out(record: Record) -> LocationOut | None:
    if record.lat is None or record.lon is None:
        return None
    return LocationOut(
        lat=record.lat, lon=record.lon, accuracy_m=record.accuracy_m, captured_at=record.location_captured_at
    )


def author_out(user: Any) -> AuthorOut:
    """From a User row or the calling Principal."""
    return AuthorOut(id=user.id, username=user.username, display_name=user.display_name)


def visible_author(user: Principal) -> uuid.UUID | None:
    """Field workers see their own records; supervisors and admins everything in scope."""
    return None if user.reviews else user.id
