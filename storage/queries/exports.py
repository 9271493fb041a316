"""The ledger (台账): every patrol or visit of a unit and period, streamed in batches.

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

from storage.models import Facility, Inspection, OrgUnit, Patrol, Review, Subject, User, Visit
from storage.queries.common import in_scope

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


def patrols_query(*, scope_path: str, since: datetime, until: datetime):
    author = aliased(User)
    review = _latest_review(Patrol.id)
    return (
        select(
            Patrol.id,
            Facility.name.label("facility"),
            OrgUnit.name.label("unit"),
            author.display_name.label("author"),
            Patrol.started_at,
            Patrol.ended_at,
            Patrol.lat,
            Patrol.lon,
            Patrol.accuracy_m,
            Patrol.checklist,
            Patrol.notes,
            Patrol.status,
            Patrol.flags,
            Patrol.photo_ids,
            review.c.decision,
            review.c.comment.label("review_comment"),
            review.c.at.label("reviewed_at"),
            review.c.reviewer,
        )
        .join(Facility, Facility.id == Patrol.facility_id)
        .join(OrgUnit, OrgUnit.id == Patrol.org_unit_id)
        .join(author, author.id == Patrol.author_id)
        .outerjoin(review, true())
        .where(in_scope(Patrol.org_unit_id, scope_path), Patrol.started_at >= since, Patrol.started_at < until)
        .order_by(Patrol.started_at, Patrol.id)
    )


def visits_query(*, scope_path: str, since: datetime, until: datetime):
    author = aliased(User)
    review = _latest_review(Visit.id)
    return (
        select(
            Visit.id,
            Subject.name.label("subject"),
            Subject.category,
            Subject.phone,
            Subject.id_number,
            OrgUnit.name.label("unit"),
            author.display_name.label("author"),
            Visit.visit_type,
            Visit.visited_at,
            Visit.lat,
            Visit.lon,
            Visit.accuracy_m,
            Visit.summary,
            Visit.needs,
            Visit.cash_yuan,
            Visit.goods,
            Visit.follow_up_needed,
            Visit.no_photo_reason,
            Visit.award,
            Visit.status,
            Visit.flags,
            Visit.photo_ids,
            review.c.decision,
            review.c.comment.label("review_comment"),
            review.c.at.label("reviewed_at"),
            review.c.reviewer,
        )
        .join(Subject, Subject.id == Visit.subject_id)
        .join(OrgUnit, OrgUnit.id == Visit.org_unit_id)
        .join(author, author.id == Visit.author_id)
        .outerjoin(review, true())
        .where(in_scope(Visit.org_unit_id, scope_path), Visit.visited_at >= since, Visit.visited_at < until)
        .order_by(Visit.visited_at, Visit.id)
    )


async def stream(session: AsyncSession, query: Any, *, batch: int = BATCH) -> AsyncIterator[Sequence[Row]]:
    """Batches of rows from a server-side cursor; the caller writes each before the next is read."""
    result = await session.stream(query.execution_options(yield_per=batch))
    async for rows in result.partitions(batch):
        yield rows


def inspections_query(*, scope_path: str, since: datetime, until: datetime):
    """Station inspections: the station is the record's unit."""
    author = aliased(User)
    review = _latest_review(Inspection.id)
    return (
        select(
            Inspection.id,
            OrgUnit.name.label("unit"),
            OrgUnit.standard,
            author.display_name.label("author"),
            Inspection.started_at,
            Inspection.ended_at,
            Inspection.lat,
            Inspection.lon,
            Inspection.accuracy_m,
            Inspection.checklist,
            Inspection.notes,
            Inspection.status,
            Inspection.flags,
            Inspection.photo_ids,
            review.c.decision,
            review.c.comment.label("review_comment"),
            review.c.at.label("reviewed_at"),
            review.c.reviewer,
        )
        .join(OrgUnit, OrgUnit.id == Inspection.org_unit_id)
        .join(author, author.id == Inspection.author_id)
        .outerjoin(review, true())
        .where(
            in_scope(Inspection.org_unit_id, scope_path), Inspection.started_at >= since, Inspection.started_at < until
        )
        .order_by(Inspection.started_at, Inspection.id)
    )
