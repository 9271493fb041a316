"""GET /desk/counts: what waits for a supervisor or admin, for the desktop's navigation badges."""

from __future__ import annotations

import msgspec
from litestar import get

from api.deps import CurrentUser, DbSession
from storage.queries import desk


class DeskCounts(msgspec.Struct):
    review: int  # records submitted and awaiting this user's decision (their own wait for someone else's)
    tasks_to_accept: int  # fixed, awaiting acceptance
    tasks_open: int
    tasks_overdue: int  # open and past the deadline
    facilities_overdue: int
    subjects_overdue: int


@get("/api/v1/desk/counts", operation_id="DeskCounts", tags=["review"])
async def desk_counts(user: CurrentUser, db_session: DbSession) -> DeskCounts:
    user.require("supervisor", "admin")
    return DeskCounts(**await desk.counts(db_session, scope_path=user.scope_path, user_id=user.id))
