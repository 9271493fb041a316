"""How a request gets its user, scope and audit trail; the one place that says so."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from api import client_address
from api.settings import Settings
from storage.object_store import ObjectStore
from storage.queries import audit, users
from storage.vocabulary import AuditEntity, Role

ROLES = ("field_worker", "supervisor", "admin")

# What handlers ask for, named once (Litestar 2.23+ wants dependencies marked explicitly).
DbSession = NamedDependency[AsyncSession]
AppSettings = NamedDependency[Settings]
Store = NamedDependency[ObjectStore]


class Principal(msgspec.Struct, frozen=True):
    """The authenticated caller. `scope_path` is the path of their unit: scope is its subtree."""

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: uuid.UUID
    scope_path: str
    ip: str

    @property
    def reviews(self) -> bool:
        return self.role in ("supervisor", "admin")

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise PermissionDeniedException(f"this needs the role {' or '.join(roles)}")


def client_ip(request: Request) -> str:
    return client_address.client_ip(request)


async def provide_user(request: Request, db_session: DbSession) -> Principal:
    """The caller the auth middleware (api/security.py) verified; a signed photo link has none,
    and a handler that also accepts a Bearer token there gets it checked here."""
    who = request.scope.get("user")
    if who is None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        who = await users.user_for_token(db_session, token=token.strip()) if scheme.lower() == "bearer" else None
        if who is None:
            raise NotAuthorizedException("log in first: send Authorization: Bearer <access_token>")
    user_id, username, display_name, role, org_unit_id, path = who
    return Principal(
        id=user_id,
        username=username,
        display_name=display_name,
        role=role,
        org_unit_id=org_unit_id,
        scope_path=path,
        ip=client_ip(request),
    )


async def provide_db_session(state: State, scope: Scope) -> AsyncGenerator[AsyncSession, None]:
    """The request's session, the one the token check used. Committed when the handler has
    returned and before anything is sent, so a commit the database refuses becomes the answer
    (503) and a phone is never told "stored" about a write that is not. An exception thrown in
    here by the handler skips the commit; the plugin's before-send hook then closes the session,
    rolling back. (The plugin's own "autocommit" hook commits as the answer starts, too late to
    change it, and sends the 2xx even when the commit fails.)"""
    session = state.db.provide_session(state, scope)
    yield session
    await session.commit()


def provide_settings(state: State) -> Settings:
    return state.settings


def provide_store(state: State) -> ObjectStore:
    return state.store


async def record_audit(
    db_session: AsyncSession,
    user: Principal,
    action: str,
    *,
    entity: AuditEntity = "",
    entity_id: object = "",
    org_unit_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    """Every change of state, and every view of a subject's full numbers, lands here."""
    await audit.log(
        db_session,
        actor_id=user.id,
        actor_username=user.username,
        ip=user.ip,
        action=action,
        entity=entity,
        entity_id=entity_id,
        org_unit_id=org_unit_id or user.org_unit_id,
        detail={k: v for k, v in detail.items() if v is not None},
    )


CurrentUser = NamedDependency[Principal]
