"""User administration: GET /users (supervisors read their scope, e.g. to pick an assignee),
POST /users, PATCH /users/{id} (role, unit, name, disable), POST /users/{id}/password (admin).

Disabling a user or resetting their password ends every session they have."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.deps import CurrentUser, DbSession, record_audit
from api.passwords import hashed
from api.stations import release_heads
from api.types import ANY_TEXT, In, PersonName
from storage.errors import Invalid
from storage.models import User
from storage.queries import org_units, users
from storage.vocabulary import Role

Username = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.\-]{2,64}$", description="letters, digits, _ . -; 2 to 64 characters")
]
Password = Annotated[
    str, msgspec.Meta(min_length=8, max_length=256, description="at least 8 characters", extra=ANY_TEXT)
]
Search = Annotated[str | None, msgspec.Meta(max_length=100)]


class UserIn(In):
    username: Username
    display_name: PersonName
    password: Password
    role: Role
    org_unit_id: uuid.UUID


class UserPatch(In):
    display_name: PersonName | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    org_unit_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class PasswordIn(In):
    password: Password


class UserAdminOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: uuid.UUID
    is_active: bool
    created_at: datetime


class UserPage(msgspec.Struct):
    items: list[UserAdminOut]
    next_cursor: str | None = None


def user_out(u: User) -> UserAdminOut:
    return UserAdminOut(
        id=u.id,
        username=u.username,
        display_name=u.display_name,
        role=u.role,
        org_unit_id=u.org_unit_id,
        is_active=u.is_active,
        created_at=u.created_at,
    )


async def refuse_locking_out(db_session: DbSession, user: CurrentUser, target: User, values: dict) -> None:
    """An administrator cannot disable, demote or move their own account (they would lock
    themselves, and perhaps the bureau, out), nor disable or demote the last active admin."""
    if target.id == user.id:
        for field, changes in (
            ("is_active", values.get("is_active") is False),
            ("role", values.get("role", target.role) != target.role),
            ("org_unit_id", values.get("org_unit_id", target.org_unit_id) != target.org_unit_id),
        ):
            if changes:
                raise Invalid(
                    f"{field}: you cannot disable, demote or move your own account; ask another admin",
                    field=field,
                    code="own_account",
                    rule="own_account",
                )
    losing_admin = (
        target.role == "admin"
        and target.is_active
        and (values.get("is_active") is False or values.get("role", "admin") != "admin")
    )
    if losing_admin and await users.count_active_admins(db_session) <= 1:
        field = "is_active" if values.get("is_active") is False else "role"
        raise Invalid(
            f"{field}: this is the last active admin; make another admin first", field=field, rule="last_admin"
        )


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get(operation_id="ListUsers")
    async def list_users(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        role: FromQuery[Role | None] = None,
        q: FromQuery[Search] = None,
        active: FromQuery[bool | None] = None,
    ) -> UserPage:
        user.require("supervisor", "admin")
        rows = await users.search_users(
            db_session, scope_path=user.scope_path, org_unit_id=org_unit_id, role=role, text=q, active=active
        )
        return UserPage(items=[user_out(u) for u in rows])

    @post(operation_id="CreateUser", request_max_body_size=16_384)
    async def create_user(self, data: JSONBody[UserIn], user: CurrentUser, db_session: DbSession) -> UserAdminOut:
        user.require("admin")
        await org_units.get_unit(db_session, unit_id=data.org_unit_id, scope_path=user.scope_path)
        password_hash = await hashed(data.password)
        created = await users.create_user(
            db_session,
            username=data.username,
            display_name=data.display_name,
            password_hash=password_hash,
            role=data.role,
            org_unit_id=data.org_unit_id,
        )
        await db_session.refresh(created)
        await record_audit(
            db_session,
            user,
            "user_create",
            entity="user",
            entity_id=created.id,
            org_unit_id=created.org_unit_id,
            username=created.username,
            role=created.role,
        )
        return user_out(created)

    @patch("/{user_id:uuid}", operation_id="UpdateUser", request_max_body_size=16_384)
    async def update_user(
        self, user_id: FromPath[uuid.UUID], data: JSONBody[UserPatch], user: CurrentUser, db_session: DbSession
    ) -> UserAdminOut:
        user.require("admin")
        target = await users.get_user(db_session, user_id=user_id, scope_path=user.scope_path)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await refuse_locking_out(db_session, user, target, values)
        new_unit = None
        if "org_unit_id" in values:
            new_unit = await org_units.get_unit(db_session, unit_id=values["org_unit_id"], scope_path=user.scope_path)
        # Old and new value of each changed field for the log; units by name, as a person knows them.
        changes = {k: [getattr(target, k), v] for k, v in values.items() if getattr(target, k) != v}
        if "org_unit_id" in changes and new_unit is not None:
            old_unit = await org_units.get_unit(db_session, unit_id=target.org_unit_id, scope_path=None)
            changes["org_unit_id"] = [old_unit.name, new_unit.name]
        target = await users.update_user(db_session, user=target, values=values)
        if "org_unit_id" in changes or values.get("is_active") is False:  # a head stays head only in the station
            await release_heads(db_session, user, target, new_unit.path if new_unit is not None else "")
        action = "user_disable" if values.get("is_active") is False else "user_update"
        await record_audit(
            db_session,
            user,
            action,
            entity="user",
            entity_id=target.id,
            org_unit_id=target.org_unit_id,
            changed=sorted(values),
            changes=changes or None,
        )
        return user_out(target)

    @post("/{user_id:uuid}/password", operation_id="ResetUserPassword", status_code=204, request_max_body_size=16_384)
    async def reset_password(
        self, user_id: FromPath[uuid.UUID], data: JSONBody[PasswordIn], user: CurrentUser, db_session: DbSession
    ) -> None:
        user.require("admin")
        target = await users.get_user(db_session, user_id=user_id, scope_path=user.scope_path)
        if target.id == user.id:  # it would end the session this is sent from: /me/password keeps it
            raise Invalid(
                "password: change your own password under POST /me/password, with your current one",
                field="password",
                rule="own_password_here",
            )
        password_hash = await hashed(data.password)
        await users.update_user(db_session, user=target, values={"password_hash": password_hash})
        await users.clear_login_failures(db_session, username=target.username)
        await record_audit(
            db_session, user, "user_password_reset", entity="user", entity_id=target.id, org_unit_id=target.org_unit_id
        )
