"""The ledger (台账): every patrol, visit or inspection of a unit and period, streamed in batches.

One server-side cursor per export (`session.stream` with yield_per): memory holds one batch of
rows, never the whole period. The latest review of each record comes from a LATERAL lookup on
reviews(record_id, at)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import OrgUnit, Review, User
from storage.queries.common import in_scope
from storage.record_tables import table_named
from storage.vocabulary import RecordKind

BATCH = 1000


def _latest_review(record_id: Any):
    reviewer = aliased(User)
    return (
        select(Review.decision, Review.comment, Review.at, reviewer.display_name.label("reviewer"))
        .join(reviewer, reviewer.id == Review.reviewer_id)
        .where(Review.record_id == record_id)
        .order_by(Review.at.desc())
        .limit(1)
        .lateral("latest_review")
    )


def ledger_query(kind: RecordKind, *, scope_path: str, since: datetime, until: datetime):
    """The kind's records of the scope with a time in [since, until), in time order: the columns
    every record has, its own (RecordTable.ledger, its site's through a join), and the latest review."""
    table = table_named(kind)
    model, at = table.model, table.time
    author = aliased(User)
    review = _latest_review(model.id)
    query = select(
        model.id,
        OrgUnit.name.label("unit"),
        author.display_name.label("author"),
        at,
        model.lat,
        model.lon,
        model.accuracy_m,
        *table.ledger,
        model.status,
        model.flags,
        model.photo_ids,
        review.c.decision,
        review.c.comment.label("review_comment"),
        review.c.at.label("reviewed_at"),
        review.c.reviewer,
    )
    if not table.site_is_unit:  # an inspection's station is the unit, joined for every kind
        query = query.join(table.site_model, table.site_model.id == table.site)
    return (
        query.join(OrgUnit, OrgUnit.id == model.org_unit_id)
        .join(author, author.id == model.author_id)
        .outerjoin(review, true())
        .where(in_scope(model.org_unit_id, scope_path), at >= since, at < until)
        .order_by(at, model.id)
    )


async def stream(session: AsyncSession, query: Any, *, batch: int = BATCH) -> AsyncIterator[Sequence[Row]]:
    """Batches of rows from a server-side cursor; the caller writes each before the next is read."""
    result = await session.stream(query.execution_options(yield_per=batch))
    async for rows in result.partitions(batch):
        yield rows
