"""Log in and out, and who am I: POST /auth/login, POST /auth/logout, GET /me."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from litestar.params import JSONBody
from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException

from api.deps import AppSettings, CurrentUser, DbSession, client_ip, record_audit
from api.passwords import verified
from api.types import In
from storage.queries import audit, users


class LoginIn(In):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    org_unit_id: uuid.UUID


class LoginOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_at: datetime
    user: UserOut


class TooManyAttempts(HTTPException):
    status_code = 429


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/login", operation_id="Login", status_code=200, request_max_body_size=16_384, security=[])
    async def login(self, data: JSONBody[LoginIn], request: Request, db_session: DbSession,
                    settings: AppSettings) -> LoginOut:
        ip = client_ip(request)
        window = timedelta(minutes=settings.login_window_min)
        by_name, by_ip = await users.recent_login_failures(db_session, username=data.username, ip=ip,
                                                           window=window)
        if by_name >= settings.login_max_failures or by_ip >= settings.login_max_failures * 4:
            raise TooManyAttempts(f"too many failed logins; wait {settings.login_window_min:.0f} minutes "
                                  "or ask an administrator to reset your password")
        user = await users.get_by_username(db_session, username=data.username)
        ok = await verified(user.password_hash if user else None, data.password)
        if not ok or user is None or not user.is_active:
            await users.note_login_failure(db_session, username=data.username, ip=ip)
            await audit.log(db_session, actor_id=user.id if user else None, actor_username=data.username,
                            ip=ip, action="login_failed", org_unit_id=user.org_unit_id if user else None)
            await db_session.commit()  # the failure must count even though we answer 401
            raise NotAuthorizedException("wrong username or password")
        token, expires_at = await users.issue_token(db_session, user_id=user.id,
                                                    ttl=timedelta(hours=settings.token_ttl_hours))
        await users.clear_login_failures(db_session, username=data.username)
        await audit.log(db_session, actor_id=user.id, actor_username=user.username, ip=ip, action="login",
                        entity="user", entity_id=user.id, org_unit_id=user.org_unit_id)
        return LoginOut(access_token=token, token_type="bearer", expires_at=expires_at,
                        user=UserOut(id=user.id, username=user.username, display_name=user.display_name,
                                     role=user.role, org_unit_id=user.org_unit_id))

    @post("/auth/logout", operation_id="Logout", status_code=204)
    async def logout(self, request: Request, user: CurrentUser, db_session: DbSession) -> None:
        token = request.headers["authorization"].partition(" ")[2].strip()
        await users.revoke_token(db_session, token=token)
        await record_audit(db_session, user, "logout", entity="user", entity_id=user.id)

    @get("/me", operation_id="GetMe")
    async def get_me(self, user: CurrentUser) -> UserOut:
        return UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                       org_unit_id=user.org_unit_id)
