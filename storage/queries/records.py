"""Patrols, visits and station inspections ("records"): one set of queries, told which table by `model`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import NotFound
from storage.models import OrgUnit, RecordClaim, Review, User
from storage.queries.common import in_scope, in_unit, keyset_page
from storage.record_tables import MODELS, TABLES, R, Record, RecordModel, table_named, table_of
from storage.vocabulary import RecordKind

# The record types are storage/record_tables.py's; api/ reads them here too.
__all__ = ["MODELS", "R", "Record", "RecordModel"]


def kind_of(model: type[R]) -> RecordKind:
    return table_of(model).kind


# Every write of a record or photo runs these: built once (building costs more than running).
_BY_ID: dict[type, Select[Any]] = {model: select(model).where(model.id == bindparam("record_id")) for model in MODELS}
_FIND: dict[tuple[type, bool], Select[Any]] = {
    **{(model, False): q for model, q in _BY_ID.items()},
    **{(model, True): q.with_for_update() for model, q in _BY_ID.items()},
}
_CLAIM: Any = (
    insert(RecordClaim)
    .values(record_id=bindparam("record_id"), owner_id=bindparam("owner_id"))
    # A no-op update, for its row lock and so that the row comes back either way.
    .on_conflict_do_update(index_elements=[RecordClaim.record_id], set_={"owner_id": RecordClaim.owner_id})
    .returning(RecordClaim.owner_id)
)
# Which kind of record holds an id, and its author: one look across the three tables.
_HOLDER = union_all(
    *(
        select(literal(t.kind).label("kind"), t.model.author_id).where(t.model.id == bindparam("record_id"))
        for t in TABLES
    )
)


async def find_record(
    session: AsyncSession, *, model: type[R], record_id: uuid.UUID, for_update: bool = False
) -> R | None:
    return await session.scalar(_FIND[model, for_update], {"record_id": record_id})


async def get_record(
    session: AsyncSession,
    *,
    model: type[R],
    record_id: uuid.UUID,
    scope_path: str,
    author_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> R:
    """The record, if the caller may see it: in scope, and their own when `author_id` is given."""
    query = select(model).where(model.id == record_id, in_scope(model.org_unit_id, scope_path))
    if author_id:
        query = query.where(model.author_id == author_id)
    if for_update:
        query = query.with_for_update()
    record = await session.scalar(query)
    if record is None:
        raise NotFound(f"no such {kind_of(model)} in your scope")
    return record


async def list_records(
    session: AsyncSession,
    *,
    model: type[R],
    scope_path: str,
    author_id: uuid.UUID | None = None,
    status: str | None = None,
    site_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[R], str | None]:
    """Newest first, in pages. `org_unit_id`: that unit and the units below it."""
    table = table_of(model)
    at = table.time
    query = select(model).where(in_scope(model.org_unit_id, scope_path))
    for column, value in ((model.author_id, author_id), (model.status, status), (table.site, site_id)):
        if value is not None:
            query = query.where(column == value)
    if org_unit_id is not None:
        query = query.where(in_unit(model.org_unit_id, org_unit_id))
    if since:
        query = query.where(at >= since)
    if until:
        query = query.where(at < until)
    return await keyset_page(session, query, time_col=at, id_col=model.id, cursor=cursor, limit=limit)


async def claim_record(session: AsyncSession, *, record_id: uuid.UUID, owner_id: uuid.UUID) -> uuid.UUID:
    """Claim a record id for `owner_id` unless someone already has; returns the owner. One
    statement that also locks the claim until the transaction ends, so everything written for one
    id (the record, its photos) is written one delivery at a time, each seeing what the one before
    it committed."""
    return (await session.execute(_CLAIM, {"record_id": record_id, "owner_id": owner_id})).scalar_one()


async def holder_of(session: AsyncSession, *, record_id: uuid.UUID) -> tuple[RecordModel, uuid.UUID] | None:
    """The kind of record stored under `record_id` and its author, if one is."""
    row = (await session.execute(_HOLDER, {"record_id": record_id})).first()
    return (table_named(row.kind).model, row.author_id) if row else None


async def insert_record(session: AsyncSession, *, record: R) -> R:
    """Store a new record (built, and its status and flags settled, before it is written)."""
    session.add(record)
    await session.flush()
    return record


async def update_record(session: AsyncSession, *, record: R, values: dict[str, Any]) -> R:
    """Change a stored (or not yet stored) record's columns; written now if it is stored."""
    for name, value in values.items():
        setattr(record, name, value)
    await session.flush()
    return record


async def add_review(
    session: AsyncSession,
    *,
    record_kind: str,
    record_id: uuid.UUID,
    reviewer_id: uuid.UUID,
    decision: str,
    comment: str,
) -> Review:
    review = Review(
        record_kind=record_kind, record_id=record_id, reviewer_id=reviewer_id, decision=decision, comment=comment
    )
    session.add(review)
    await session.flush()
    await session.refresh(review)
    return review


async def last_approval(session: AsyncSession, *, record_id: uuid.UUID) -> tuple[Review, str] | None:
    """The record's latest approval and the path of its approver's unit."""
    row = (
        await session.execute(
            select(Review, OrgUnit.path)
            .join(User, User.id == Review.reviewer_id)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(Review.record_id == record_id, Review.decision == "approve")
            .order_by(Review.at.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def reviews_for(session: AsyncSession, *, record_id: uuid.UUID) -> Sequence[tuple[Review, User]]:
    rows = await session.execute(
        select(Review, User)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.record_id == record_id)
        .order_by(Review.at)
    )
    return [(r, u) for r, u in rows]


async def users_by_id(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not ids:
        return {}
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(set(ids))))).all()}
