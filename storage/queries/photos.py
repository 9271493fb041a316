"""Photo rows: insert-or-get, lookups by id, record and hash, and the reuse search.

phash is stored as a signed 64-bit integer (Postgres bigint); storage/images.py works with the
unsigned value. The four 16-bit bands make near-duplicate search indexed: two hashes within
Hamming distance 3 agree exactly on at least one band (pigeonhole)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIT, distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.errors import NotFound
from storage.models import Photo
from storage.queries.common import in_scope, in_scope_of

BAND_GUARANTEE = 3  # with 4 bands, distance <= 3 implies one band matches exactly
MIN_DETAIL_BITS = 8  # fewer set (or unset) bits than this: a featureless picture


def signed64(value: int) -> int:
    value &= 0xFFFF_FFFF_FFFF_FFFF
    return value - (1 << 64) if value >= 1 << 63 else value


async def get_photo(session: AsyncSession, *, photo_id: uuid.UUID) -> Photo | None:
    return await session.get(Photo, photo_id)


async def get_visible_photo(
    session: AsyncSession,
    *,
    photo_id: uuid.UUID,
    scope_path: str | None,
    uploader_id: uuid.UUID | None,
) -> Photo:
    """The photo if the caller may see it: in `scope_path` (reviewers), or uploaded by
    `uploader_id` (field workers); None for both means a signed link already vouched for it."""
    query = select(Photo).where(Photo.id == photo_id)
    if scope_path is not None:
        query = query.where(in_scope(Photo.org_unit_id, scope_path))
    if uploader_id is not None:
        query = query.where(Photo.uploader_id == uploader_id)
    photo = await session.scalar(query)
    if photo is None:
        raise NotFound("no such photo, or it is not yours to see")
    return photo


async def get_photos(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> list[Photo]:
    """The photos among `ids` that have arrived, in the order of `ids`."""
    if not ids:
        return []
    found = {p.id: p for p in (await session.scalars(select(Photo).where(Photo.id.in_(list(ids))))).all()}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


async def photos_for_record(session: AsyncSession, *, record_id: uuid.UUID) -> list[Photo]:
    query = select(Photo).where(Photo.record_id == record_id).order_by(Photo.created_at, Photo.id)
    return list((await session.scalars(query)).all())


async def photos_of_records(session: AsyncSession, *, record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Photo]]:
    """Each record's photos, oldest first: one lookup for them all."""
    out: dict[uuid.UUID, list[Photo]] = {i: [] for i in record_ids}
    if record_ids:
        query = select(Photo).where(Photo.record_id.in_(set(record_ids))).order_by(Photo.created_at, Photo.id)
        for photo in (await session.scalars(query)).all():
            out[photo.record_id].append(photo)
    return out


async def count_for_record(session: AsyncSession, *, record_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).select_from(Photo).where(Photo.record_id == record_id)) or 0


async def lock_record(session: AsyncSession, *, record_id: uuid.UUID) -> None:
    """Serialise photo inserts for one record until commit, so the per-record cap holds."""
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 7305021))"), {"key": f"photos:{record_id}"}
    )


_SAME_ID = Photo.id == bindparam("photo_id")
# The row with this id first (twins may be many), then the oldest twin.
_SAME_ID_OR_BYTES = (
    select(Photo)
    .where(or_(_SAME_ID, Photo.sha256 == bindparam("sha256")))
    .order_by(_SAME_ID.desc(), Photo.created_at)
    .limit(2)
)


async def same_id_or_bytes(
    session: AsyncSession, *, photo_id: uuid.UUID, sha256: str
) -> tuple[Photo | None, Photo | None]:
    """The photo stored under this id, if any, and otherwise any stored photo with these exact bytes
    (a twin: its decoded facts and objects can be reused). One look for an upload's two questions."""
    rows = (await session.scalars(_SAME_ID_OR_BYTES, {"photo_id": photo_id, "sha256": sha256})).all()
    existing = next((p for p in rows if p.id == photo_id), None)
    return existing, None if existing else next((p for p in rows if p.sha256 == sha256), None)


async def insert_photo(session: AsyncSession, *, values: dict[str, Any]) -> Photo | None:
    """Insert the row; None when a row with this id already exists (a concurrent twin request)."""
    statement = insert(Photo).values(**values).on_conflict_do_nothing(index_elements=[Photo.id]).returning(Photo)
    return (await session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()


async def reuse_of(
    session: AsyncSession,
    *,
    photos: Sequence[Photo],
    record_id: uuid.UUID,
    max_distance: int,
    scope_path: str = "/",
) -> dict[uuid.UUID, uuid.UUID | None]:
    """For each of `photos` that is already evidence elsewhere, the id of one other record holding
    the same bytes (sha256) or a near-identical image (dHash within `max_distance`); None when
    every such record's photo was uploaded outside `scope_path` (its id is not ours to show).
    One query, built once."""
    if not photos:
        return {}
    # A flat or nearly featureless picture (a black frame, a blank wall) has a hash with almost
    # all bits alike; such hashes match each other by accident, so only exact bytes count there.
    detailed = [MIN_DETAIL_BITS <= bin(p.phash & (2**64 - 1)).count("1") <= 64 - MIN_DETAIL_BITS for p in photos]
    given = {
        "ids": [p.id for p in photos],
        "sha256s": [p.sha256 for p in photos],
        "phashes": [p.phash for p in photos],
        "detailed": detailed,
        **{f"b{k}": [getattr(p, f"phash_b{k}") for p in photos] for k in range(4)},
    }
    rows = await session.execute(
        _reuse_query(max_distance), {**given, "record_id": record_id, "scope_path": scope_path}
    )
    return {row.id: row.record_id if row.visible else None for row in rows.all()}


@functools.cache
def _reuse_query(max_distance: int) -> Select[Any]:
    """Built once per distance: the photos come as arrays (unnest), so the statement's text, and
    its compiled form, are the same whatever the photos."""
    arrays = [
        bindparam(name, type_=ARRAY(kind))
        for name, kind in (
            ("ids", Uuid),
            ("sha256s", String),
            ("phashes", BigInteger),
            ("detailed", Boolean),
            ("b0", Integer),
            ("b1", Integer),
            ("b2", Integer),
            ("b3", Integer),
        )
    ]
    given = (
        func.unnest(*arrays)
        .table_valued("id", "sha256", "phash", "detailed", "b0", "b1", "b2", "b3")
        .render_derived(name="given")
    )
    other = aliased(Photo)
    near = and_(given.c.detailed, func.bit_count(cast(other.phash.op("#")(given.c.phash), BIT(64))) <= max_distance)
    if max_distance <= BAND_GUARANTEE:  # indexed candidates first, then the exact popcount
        near = and_(
            or_(
                other.phash_b0 == given.c.b0,
                other.phash_b1 == given.c.b1,
                other.phash_b2 == given.c.b2,
                other.phash_b3 == given.c.b3,
            ),
            near,
        )
    visible = in_scope_of(other.org_unit_id)
    return (
        select(given.c.id, other.record_id, visible.label("visible"))
        .select_from(given)
        .join(
            other,
            and_(
                other.record_id != bindparam("record_id", type_=Uuid),
                other.id != given.c.id,
                or_(other.sha256 == given.c.sha256, near),
            ),
        )
        .ext(distinct_on(given.c.id))
        .order_by(given.c.id, visible.desc(), other.created_at, other.id)  # a nameable record first
    )
