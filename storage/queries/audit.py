"""The append-only audit log: who did what, when, from where."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, ChecklistTemplate, Facility, OrgUnit, Patrol, Photo, Subject, Task, User, Visit
from storage.queries.common import in_scope
from storage.record_tables import TABLES, table_named
from storage.vocabulary import RECORD_KINDS, AuditAction, AuditEntity


async def log(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    actor_username: str,
    ip: str,
    action: str,  # an AuditAction: api/ builds some (f"{kind}_review"); tests/api/test_audit_words.py checks them
    entity: AuditEntity = "",
    entity_id: object = "",
    org_unit_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    # A plain INSERT now, not an entity for the next flush: every change writes one, and the
    # unit of work's bookkeeping cost more than the row.
    await session.execute(
        insert(AuditEntry),
        [
            dict(
                actor_id=actor_id,
                actor_username=actor_username,
                ip=ip,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                org_unit_id=org_unit_id,
                detail=detail or {},
            )
        ],
    )


async def search(
    session: AsyncSession,
    *,
    scope_path: str,
    text: str | None = None,
    action: AuditAction | None = None,
    actor_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
    include_unscoped: bool = False,
    entity: AuditEntity | None = None,
    entity_id: str | None = None,
) -> Sequence[AuditEntry]:
    """Newest first. Entries with no unit (a login with an unknown name) show only to admins."""
    scoped = in_scope(AuditEntry.org_unit_id, scope_path)
    query = select(AuditEntry).where(or_(scoped, AuditEntry.org_unit_id.is_(None)) if include_unscoped else scoped)
    if text:
        query = query.where(_matches(text))
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return (await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))).all()


def _matches(text: str) -> Any:
    """An entry whose actor, or the person or thing it names, is called `text` (in part), or
    whose username, action, id or address contains it: "张伟" finds what 张伟 did and what was
    done to the facility, person, unit, user, task or record called so."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # typed, not wildcards
    like = f"%{escaped}%"

    def ids(*columns: Any) -> Any:
        return select(cast(columns[0], String)).where(columns[1].ilike(like))

    people = select(User.id).where(User.display_name.ilike(like) | User.username.ilike(like))
    facility_ids = select(Facility.id).where(Facility.name.ilike(like))
    subject_ids = select(Subject.id).where(Subject.name.ilike(like))
    unit_ids = select(OrgUnit.id).where(OrgUnit.name.ilike(like))
    site_ids: dict[Any, Any] = {Facility: facility_ids, Subject: subject_ids, OrgUnit: unit_ids}
    named = AuditEntry.entity_id.in_(
        ids(Facility.id, Facility.name).union_all(
            ids(Subject.id, Subject.name),
            ids(OrgUnit.id, OrgUnit.name),
            ids(User.id, User.display_name),
            ids(ChecklistTemplate.id, ChecklistTemplate.name),
            select(cast(Task.id, String)).where(Task.facility_id.in_(facility_ids) | Task.subject_id.in_(subject_ids)),
            # a record by its site's name
            *(select(cast(t.model.id, String)).where(t.site.in_(site_ids[t.site_model])) for t in TABLES),
        )
    )
    return or_(
        AuditEntry.actor_username.ilike(like),
        AuditEntry.action.ilike(like),
        AuditEntry.entity_id.ilike(like),
        AuditEntry.ip.ilike(like),
        AuditEntry.actor_id.in_(people),
        named,
    )


# What each entity kind is called: its table and the column a person knows it by.
_NAMED = {
    "facility": (Facility, Facility.name),
    "subject": (Subject, Subject.name),
    "user": (User, User.display_name),
    "org_unit": (OrgUnit, OrgUnit.name),
    "weekly_report": (OrgUnit, OrgUnit.name),
    "checklist_template": (ChecklistTemplate, ChecklistTemplate.name),
    "facilities": None,
    "subjects": None,
}


async def names(session: AsyncSession, *, entries: Sequence[AuditEntry]) -> dict[str, str]:
    """Names of the people and things the entries mention, keyed by id, so the log reads as
    sentences. A task is named by its place; a patrol or visit by its facility or subject."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for e in entries:
        if e.actor_id:
            wanted.setdefault("user", set()).add(e.actor_id)
        try:
            wanted.setdefault(e.entity, set()).add(uuid.UUID(e.entity_id))
        except ValueError:
            continue
    found: dict[str, str] = {}
    for kind, ids in wanted.items():
        rows: Sequence[Any] = []
        if _NAMED.get(kind):
            model, label = _NAMED[kind]  # type: ignore[misc]
            rows = (await session.execute(select(model.id, label).where(model.id.in_(ids)))).all()
        elif kind == "task":
            rows = (
                await session.execute(
                    select(Task.id, func.coalesce(Facility.name, Subject.name))
                    .outerjoin(Facility, Facility.id == Task.facility_id)
                    .outerjoin(Subject, Subject.id == Task.subject_id)
                    .where(Task.id.in_(ids))
                )
            ).all()
        elif kind == "photo":  # named by the place of its record (a task's photo: the task's place)
            rows = (
                await session.execute(
                    select(Photo.id, func.coalesce(Facility.name, Subject.name))
                    .outerjoin(Patrol, Patrol.id == Photo.record_id)
                    .outerjoin(Visit, Visit.id == Photo.record_id)
                    .outerjoin(Task, Task.id == Photo.record_id)
                    .outerjoin(Facility, Facility.id == func.coalesce(Patrol.facility_id, Task.facility_id))
                    .outerjoin(Subject, Subject.id == func.coalesce(Visit.subject_id, Task.subject_id))
                    .where(Photo.id.in_(ids))
                )
            ).all()
        elif kind in RECORD_KINDS:  # a record by its site: facility, subject or inspected station
            table = table_named(kind)
            place = table.site_model
            rows = (
                await session.execute(
                    select(table.model.id, place.name)
                    .join(place, place.id == table.site)
                    .where(table.model.id.in_(ids))
                )
            ).all()
        found.update((str(i), n) for i, n in rows)
    return found
