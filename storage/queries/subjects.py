"""Visit subjects (走访对象): the people the bureau serves, and when each is next due a visit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import NotFound
from storage.models import Subject, Visit
from storage.queries.common import in_scope, keyset_page


def next_due_at() -> ColumnElement[datetime]:
    since = func.coalesce(Subject.last_visit_at, Subject.created_at)
    return since + func.make_interval(0, 0, 0, Subject.visit_interval_days)


async def list_subjects(
    session: AsyncSession,
    *,
    scope_path: str,
    org_unit_id: uuid.UUID | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    contact_user_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[Subject], str | None]:
    query = select(Subject).where(in_scope(Subject.org_unit_id, scope_path))
    if org_unit_id:
        query = query.where(Subject.org_unit_id == org_unit_id)
    if category:
        query = query.where(Subject.category == category)
    if contact_user_id:
        query = query.where(Subject.contact_user_id == contact_user_id)
    if overdue is not None:
        query = query.where((next_due_at() < func.now()) == overdue)
    return await keyset_page(session, query, time_col=Subject.created_at, id_col=Subject.id, cursor=cursor, limit=limit)


async def get_subject(session: AsyncSession, *, subject_id: uuid.UUID, scope_path: str) -> Subject:
    subject = await session.scalar(
        select(Subject).where(Subject.id == subject_id, in_scope(Subject.org_unit_id, scope_path))
    )
    if subject is None:
        raise NotFound("no such subject in your scope", field="subject_id")
    return subject


async def create_subject(session: AsyncSession, *, values: dict[str, Any]) -> Subject:
    subject = Subject(**values)
    session.add(subject)
    await session.flush()
    await session.refresh(subject)
    return subject


async def update_subject(session: AsyncSession, *, subject: Subject, values: dict[str, Any]) -> Subject:
    for name, value in values.items():
        setattr(subject, name, value)
    subject.updated_at = func.now()
    await session.flush()
    await session.refresh(subject)
    return subject


async def mark_visited(session: AsyncSession, *, subject_id: uuid.UUID, at: datetime) -> None:
    subject = await session.get(Subject, subject_id)
    if subject and (subject.last_visit_at is None or subject.last_visit_at < at):
        subject.last_visit_at = at
        await session.flush()


async def recount_visited(session: AsyncSession, *, subject_id: uuid.UUID, at: datetime) -> None:
    """After the approval of the visit at `at` is taken back: when it set the subject's clock,
    the clock goes back to the latest visit still approved."""
    subject = await session.get(Subject, subject_id)
    if subject and subject.last_visit_at == at:
        subject.last_visit_at = await session.scalar(
            select(func.max(Visit.visited_at)).where(Visit.subject_id == subject_id, Visit.status == "approved")
        )
        await session.flush()


async def names_by_id(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(set(ids))))
    return {row_id: name for row_id, name in rows}


async def find_for_import(
    session: AsyncSession,
    *,
    id_numbers: Sequence[str],
    names: Sequence[tuple[str, uuid.UUID]],
    scope_path: str,
) -> tuple[dict[str, Subject], dict[tuple[str, uuid.UUID], Subject]]:
    """The subjects in scope an import updates instead of adding a copy: by identity number, and
    for rows without one, by name within the unit among subjects without one."""
    by_number: dict[str, Subject] = {}
    by_name: dict[tuple[str, uuid.UUID], Subject] = {}
    scoped = in_scope(Subject.org_unit_id, scope_path)
    if id_numbers:
        for s in (
            await session.scalars(select(Subject).where(Subject.id_number.in_(sorted(set(id_numbers))), scoped))
        ).all():
            by_number[s.id_number] = s
    if names:
        wanted = set(names)
        rows = (
            await session.scalars(
                select(Subject).where(Subject.name.in_(sorted({n for n, _ in names})), Subject.id_number == "", scoped)
            )
        ).all()
        by_name = {(s.name, s.org_unit_id): s for s in rows if (s.name, s.org_unit_id) in wanted}
    return by_number, by_name
