"""What waits for a supervisor, counted once for the desktop's navigation."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Facility, Subject, Task
from storage.queries import facilities, subjects
from storage.queries.common import in_scope
from storage.record_tables import TABLES


async def counts(session: AsyncSession, *, scope_path: str, user_id: uuid.UUID) -> dict[str, int]:
    """Records awaiting this user's review (not their own), tasks fixed and awaiting acceptance,
    open tasks past their deadline, and facilities and subjects past their interval: one round trip."""

    def n(model, *where):
        return (
            select(func.count())
            .select_from(model)
            .where(in_scope(model.org_unit_id, scope_path), *where)
            .scalar_subquery()
        )

    late_facility = facilities.next_due_at() < func.now()
    late_subject = subjects.next_due_at() < func.now()
    row = (
        await session.execute(
            select(
                n(Task, Task.status == "fixed"),
                n(Task, Task.status == "open"),
                n(Task, Task.status == "open", Task.due_at < func.now()),
                n(Facility, late_facility),
                n(Subject, late_subject),
                *(n(t.model, t.model.status == "submitted", t.model.author_id != user_id) for t in TABLES),
            )
        )
    ).one()
    to_accept, tasks_open, tasks_overdue, facilities_overdue, subjects_overdue, *awaiting = row
    return dict(
        review=sum(awaiting),
        tasks_to_accept=to_accept,
        tasks_open=tasks_open,
        tasks_overdue=tasks_overdue,
        facilities_overdue=facilities_overdue,
        subjects_overdue=subjects_overdue,
    )
