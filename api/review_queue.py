"""GET /review-queue: patrols and visits in the supervisor's scope awaiting a decision.

Newest first (`sort=newest`) or most flagged first (`sort=most_flagged`); filterable by unit,
facility or subject, type, flag code, author and date. The decision itself is the record's own
`POST /patrols/{id}/review` or `POST /visits/{id}/review`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from api.dates import check_time
from api.deps import CurrentUser, DbSession
from api.types import Limit
from storage.queries import review_queue
from storage.queries.review_queue import QueueFilter
from storage.vocabulary import FlagCode, RecordKind, RecordStatus, VisitType

QueueStatus = Literal[RecordStatus, "all"]
# A record kind, or a visit type (visits of that type only).
QueueType = Literal[RecordKind, VisitType]
Sort = Literal["newest", "most_flagged"]


class Flag(msgspec.Struct):
    code: FlagCode
    detail: str = ""


class QueueItem(msgspec.Struct):
    kind: RecordKind
    id: uuid.UUID
    type: QueueType
    status: RecordStatus
    at: datetime
    org_unit_id: uuid.UUID
    org_unit_name: str
    author_id: uuid.UUID
    author_name: str
    place_id: uuid.UUID
    place_name: str
    flags: list[Flag]
    photo_count: int


class QueuePage(msgspec.Struct):
    items: list[QueueItem]
    next_cursor: str | None


def _flags(raw: object) -> list[Flag]:
    return [Flag(code=f.get("code", ""), detail=str(f.get("detail", ""))) for f in raw or [] if isinstance(f, dict)]  # type: ignore[attr-defined]


class ReviewQueueController(Controller):
    path = "/api/v1/review-queue"
    tags = ["review"]

    @get(operation_id="ListReviewQueue")
    async def list_review_queue(
        self,
        user: CurrentUser,
        db_session: DbSession,
        status: FromQuery[QueueStatus] = "submitted",
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        facility_id: FromQuery[uuid.UUID | None] = None,
        subject_id: FromQuery[uuid.UUID | None] = None,
        type: FromQuery[QueueType | None] = None,
        flag: FromQuery[FlagCode | None] = None,
        author_id: FromQuery[uuid.UUID | None] = None,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        to: FromQuery[datetime | None] = None,
        sort: FromQuery[Sort] = "newest",
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> QueuePage:
        """Records in scope. Those awaiting a decision leave out the user's own, which someone else
        decides on (asked for by author_id, they are there)."""
        user.require("supervisor", "admin")
        awaiting = status in ("submitted", "incomplete") and author_id is None
        filters = QueueFilter(
            status=status,
            org_unit_id=org_unit_id,
            facility_id=facility_id,
            subject_id=subject_id,
            type=type,
            flag=flag,
            author_id=author_id,
            not_author_id=user.id if awaiting else None,
            since=check_time(from_, "from"),
            until=check_time(to, "to"),
        )
        rows, next_cursor = await review_queue.list_queue(
            db_session, scope_path=user.scope_path, filters=filters, sort=sort, cursor=cursor, limit=limit
        )
        names = await review_queue.labels(db_session, rows=rows)
        return QueuePage(
            next_cursor=next_cursor,
            items=[
                QueueItem(
                    kind=r.kind,
                    id=r.id,
                    type=r.type,
                    status=r.status,
                    at=r.at,
                    org_unit_id=r.org_unit_id,
                    org_unit_name=names.get(r.org_unit_id, ""),
                    author_id=r.author_id,
                    author_name=names.get(r.author_id, ""),
                    place_id=r.place_id,
                    place_name=names.get(r.place_id, ""),
                    flags=_flags(r.flags),
                    photo_count=r.n_photos or 0,
                )
                for r in rows
            ],
        )
