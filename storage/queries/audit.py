"""The append-only audit log: who did what, when, from where."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry
from storage.queries.common import in_scope


async def log(
    session: AsyncSession, *, actor_id: uuid.UUID | None, actor_username: str, ip: str,
    action: str, entity: str = "", entity_id: object = "", org_unit_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEntry(
        actor_id=actor_id, actor_username=actor_username, ip=ip, action=action, entity=entity,
        entity_id=str(entity_id), org_unit_id=org_unit_id, detail=detail or {},
    ))


async def search(
    session: AsyncSession, *, scope_path: str, text: str | None = None, action: str | None = None,
    actor_id: uuid.UUID | None = None, since: datetime | None = None, until: datetime | None = None,
    before_id: int | None = None, limit: int = 50, include_unscoped: bool = False,
) -> Sequence[AuditEntry]:
    """Newest first. Entries with no unit (a login with an unknown name) show only to admins."""
    scoped = in_scope(AuditEntry.org_unit_id, scope_path)
    query = select(AuditEntry).where(
        or_(scoped, AuditEntry.org_unit_id.is_(None)) if include_unscoped else scoped)
    if text:
        like = f"%{text}%"
        query = query.where(or_(AuditEntry.actor_username.ilike(like), AuditEntry.action.ilike(like),
                                AuditEntry.entity_id.ilike(like), AuditEntry.ip.ilike(like)))
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return (await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))).all()
