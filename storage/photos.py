"""The photo evidence pipeline, top to bottom: cap size, sha256, sniff the kind from the bytes,
refuse polyglots, decode once under a pixel limit, store the original (once per sha256) and the
upright EXIF-free derivatives, then insert-or-get the row.

Order matters when something fails: nothing is stored for a caller's mistake (every check runs
before the first write), and objects are written before the row, so a store outage leaves at
worst an orphan object (content-addressed, reused on retry), never a row without its bytes."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage import images
from storage.errors import BadImage, Conflict, Invalid, NotFound, TooLarge
from storage.models import Photo
from storage.object_store import ObjectStore, original_key, review_key, thumb_key
from storage.queries import photos as queries

Size = Literal["original", "review", "thumb"]
# Hashing and decoding get one thread per core of their own: neither a hung object store nor a
# burst of logins (each has its own pool) can hold them up, and they cannot crowd out the rest.
DECODE_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="photo-decode")


def _in_pool(fn, *args, **kwargs) -> asyncio.Future:
    return asyncio.get_running_loop().run_in_executor(DECODE_POOL, functools.partial(fn, *args, **kwargs))


@dataclass(frozen=True)
class Capture:
    """What the phone knew at the shutter; every part optional."""

    captured_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    original_sha256: str | None = None


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    max_per_record: int
    naive_utc_offset_h: float  # EXIF times without an offset are read in this zone


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def check_size(size: int, limits: Limits) -> None:
    """Also used on Content-Length before the body is read."""
    if size > limits.max_bytes:
        raise TooLarge(
            f"the photo is {_megabytes(size)}; the limit is {_megabytes(limits.max_bytes)}. "
            "Send it at a smaller size (the app resizes to about 2048 px)"
        )


def _same_photo(existing: Photo, *, sha256: str, record_id: uuid.UUID) -> Photo:
    """A resend of `existing` is fine; the same id with other bytes or another record is not."""
    if existing.sha256 != sha256:
        raise Conflict(
            f"photo {existing.id} was already received with different bytes; a new photo needs a new id", field="id"
        )
    if existing.record_id != record_id:
        raise Conflict(f"photo {existing.id} already belongs to record {existing.record_id}", field="record_id")
    return existing


async def _check_room(session: AsyncSession, *, record_id: uuid.UUID, limits: Limits) -> None:
    held = await queries.count_for_record(session, record_id=record_id)
    if held >= limits.max_per_record:
        raise Invalid(
            f"record {record_id} already has {held} photos; a record holds at most {limits.max_per_record}",
            field="record_id",
        )


def _facts(data: bytes, kind: str, limits: Limits) -> images.Decoded:
    """Worker-thread part: polyglot scan, then the one decode."""
    if reason := images.find_markup(data, kind):
        raise BadImage(
            f"the file is an image with something else hidden in it ({reason}); send the photo straight from the camera"
        )
    return images.decode(data, kind=kind, max_pixels=limits.max_pixels, naive_offset_h=limits.naive_utc_offset_h)


def _decoded_columns(d: images.Decoded, kind: str) -> dict[str, object]:
    b0, b1, b2, b3 = images.bands(d.phash)
    lat, lon = d.exif_location or (None, None)
    return dict(
        content_type=kind,
        width=d.width,
        height=d.height,
        taken_at=d.taken_at,
        exif_lat=lat,
        exif_lon=lon,
        phash=queries.signed64(d.phash),
        phash_b0=b0,
        phash_b1=b1,
        phash_b2=b2,
        phash_b3=b3,
    )


def _twin_columns(twin: Photo) -> dict[str, object]:
    names = (
        "content_type",
        "width",
        "height",
        "taken_at",
        "exif_lat",
        "exif_lon",
        "phash",
        "phash_b0",
        "phash_b1",
        "phash_b2",
        "phash_b3",
    )
    return {name: getattr(twin, name) for name in names}


async def _store_objects(store: ObjectStore, *, sha256: str, kind: str, data: bytes, decoded: images.Decoded) -> None:
    # No row has these bytes (the caller asked): at most an orphan of a failed try holds the same
    # content-addressed keys, so writing again is harmless and saves a round trip per object.
    await asyncio.gather(
        store.put(original_key(sha256), data, kind), store.put(thumb_key(sha256), decoded.thumb_jpeg, "image/jpeg")
    )


async def put_photo(
    session: AsyncSession,
    store: ObjectStore,
    *,
    photo_id: uuid.UUID,
    record_id: uuid.UUID,
    data: bytes,
    uploader_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    capture: Capture,
    limits: Limits,
    locked: bool = False,
) -> tuple[Photo, bool]:
    """Store one photo; returns the row and whether it is new (201) or a resend (200). `locked`:
    the caller already holds a lock that orders this record's uploads (its claim)."""
    check_size(len(data), limits)
    if not data:
        raise BadImage(f"the body is empty; send the {images.ACCEPTED} bytes")
    # Hash and decode in worker threads while the database is asked about this id and these bytes:
    # a new photo (the usual case) needs all three, and the two threads use both cores.
    kind = images.sniff_kind(data)
    decoding = _in_pool(_facts, data, kind, limits) if kind else None
    try:
        sha256 = await _in_pool(lambda: hashlib.sha256(data).hexdigest())
        existing, twin = await queries.same_id_or_bytes(session, photo_id=photo_id, sha256=sha256)
        if existing is not None:
            return _same_photo(existing, sha256=sha256, record_id=record_id), False
        if twin is None and decoding is None:
            raise BadImage(f"the body is not a {images.ACCEPTED} image (judged from its bytes, not its Content-Type)")
        # A twin's bytes were checked, decoded and stored before; new bytes must decode.
        decoded = await decoding if twin is None and decoding is not None else None
    finally:
        if decoding is not None and not decoding.done():
            decoding.add_done_callback(lambda f: f.exception())  # not needed after all: let it finish quietly

    # The cap is checked under the record's lock, and before anything is stored: a photo over it
    # leaves nothing behind.
    if not locked:
        await queries.lock_record(session, record_id=record_id)
    await _check_room(session, record_id=record_id, limits=limits)
    if decoded is None:
        columns = _twin_columns(twin)  # type: ignore[arg-type]
    else:
        await _store_objects(store, sha256=sha256, kind=kind, data=data, decoded=decoded)  # type: ignore[arg-type]
        columns = _decoded_columns(decoded, kind)  # type: ignore[arg-type]
    row = await queries.insert_photo(
        session,
        values=dict(
            id=photo_id,
            record_id=record_id,
            uploader_id=uploader_id,
            org_unit_id=org_unit_id,
            sha256=sha256,
            bytes=len(data),
            captured_at=capture.captured_at,
            lat=capture.lat,
            lon=capture.lon,
            accuracy_m=capture.accuracy_m,
            original_sha256=capture.original_sha256,
            **columns,
        ),
    )
    if row is None:  # a concurrent request with the same id got there first
        existing = await queries.get_photo(session, photo_id=photo_id)
        assert existing is not None  # noqa: S101 - the row that won the conflict; narrows the type
        return _same_photo(existing, sha256=sha256, record_id=record_id), False
    return row, True


async def read_image(store: ObjectStore, *, photo: Photo, size: Size, max_pixels: int) -> tuple[bytes, str]:
    """The bytes and content type of the original or a derivative; the review-size image is
    made from the original the first time a reviewer asks for it, then kept."""
    if size == "original":
        return await store.get(original_key(photo.sha256)), photo.content_type
    if size == "thumb":
        return await store.get(thumb_key(photo.sha256)), "image/jpeg"
    try:
        return await store.get(review_key(photo.sha256)), "image/jpeg"
    except NotFound:
        original = await store.get(original_key(photo.sha256))
        review = await _in_pool(images.review_image, original, kind=photo.content_type, max_pixels=max_pixels)
        await store.put_if_absent(review_key(photo.sha256), review, "image/jpeg")
        return review, "image/jpeg"
