"""GET /audit-log: the append-only log, searchable. Supervisors see their scope; admins all,
including entries with no unit (a failed login under an unknown name)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from api.dates import check_time
from api.deps import CurrentUser, DbSession
from api.types import Limit
from storage.errors import Invalid
from storage.queries import audit
from storage.vocabulary import AuditAction, AuditEntity

Search = Annotated[str | None, QueryParameter(max_length=100)]
Since = Annotated[datetime | None, QueryParameter(name="from")]
CURSOR = re.compile(r"[0-9]{1,18}")  # an entry id (bigint); str.isdigit() also passes "²"


class AuditOut(msgspec.Struct):
    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_username: str
    ip: str
    action: AuditAction
    entity: AuditEntity
    entity_id: str
    org_unit_id: uuid.UUID | None
    detail: dict[str, Any]
    # Names at the time of reading, so the screen can say who did what to which named thing.
    actor_name: str = ""
    entity_name: str = ""


class AuditPage(msgspec.Struct):
    items: list[AuditOut]
    next_cursor: str | None


class AuditLogController(Controller):
    path = "/api/v1/audit-log"
    tags = ["audit"]

    @get(operation_id="SearchAuditLog")
    async def search_audit_log(
        self,
        user: CurrentUser,
        db_session: DbSession,
        q: FromQuery[Search] = None,
        action: FromQuery[AuditAction | None] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        from_: Since = None,
        to: FromQuery[datetime | None] = None,
        entity: FromQuery[AuditEntity | None] = None,
        entity_id: FromQuery[Search] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> AuditPage:
        user.require("supervisor", "admin")
        if cursor is not None and not CURSOR.fullmatch(cursor):
            raise Invalid("cursor is not one this server handed out", field="cursor")
        rows = await audit.search(
            db_session,
            scope_path=user.scope_path,
            text=q,
            action=action,
            actor_id=actor_id,
            since=check_time(from_, "from"),
            until=check_time(to, "to"),
            before_id=int(cursor) if cursor else None,
            limit=limit + 1,
            include_unscoped=user.role == "admin",
            entity=entity,
            entity_id=entity_id,
        )
        page = rows[:limit]
        names = await audit.names(db_session, entries=page)
        return AuditPage(
            items=[
                AuditOut(
                    id=e.id,
                    at=e.at,
                    actor_id=e.actor_id,
                    actor_username=e.actor_username,
                    ip=e.ip,
                    action=e.action,
                    entity=e.entity,
                    entity_id=e.entity_id,
                    org_unit_id=e.org_unit_id,
                    detail=e.detail,
                    actor_name=names.get(str(e.actor_id), ""),
                    entity_name=names.get(e.entity_id, ""),
                )
                for e in page
            ],
            next_cursor=str(page[-1].id) if len(rows) > limit else None,
        )
