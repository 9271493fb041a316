"""Log in and out, and who am I: POST /auth/login, POST /auth/logout, GET /me."""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import ResponseHeader
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from api.deps import AppSettings, CurrentUser, DbSession, client_ip, record_audit
from api.passwords import hashed, verified
from api.settings import LoginThrottle, Settings
from api.types import ANY_TEXT, ErrorOut, In, Username
from storage.db import commit_early
from storage.errors import Invalid
from storage.queries import audit, users
from storage.vocabulary import Role


class LoginIn(In):
    username: Username
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256, extra=ANY_TEXT)]


class OwnPasswordIn(In):
    current: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    new: Annotated[str, msgspec.Meta(min_length=8, max_length=256, description="at least 8 characters")]


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: uuid.UUID


class LoginOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_at: datetime
    user: UserOut


QUEUE_S = 10.0  # how long an attempt waits for the ones in flight from its address


class TooManyAttempts(HTTPException):
    status_code = 429


def lock_seconds(failures: int, allowed: int, base_s: float, max_s: float) -> float:
    """How long a run of `failures` locks its key: nothing below `allowed`, then `base_s`,
    doubling with each further failure, never more than `max_s`."""
    if failures < allowed:
        return 0.0
    return min(base_s * 2.0 ** min(failures - allowed, 32), max_s)


def retry_after(runs: list[tuple[users.FailureRun, int, float]], rules: LoginThrottle, now: datetime) -> int:
    """Seconds until every throttled key (username, address) is free again; 0 when none is."""
    wait = 0.0
    for run, allowed, max_s in runs:
        if run.last_at is not None:
            until = run.last_at + timedelta(seconds=lock_seconds(run.count, allowed, rules.base_lock_s, max_s))
            wait = max(wait, (until - now).total_seconds())
    return math.ceil(wait)


def too_many(wait: int) -> TooManyAttempts:
    return TooManyAttempts(
        f"too many failed logins; try again in {wait} seconds, or ask an administrator to reset your password",
        headers={"Retry-After": str(wait)},
    )


async def note_attempt(db_session: DbSession, settings: Settings, *, username: str, ip: str) -> int:
    """Count this attempt as a failure before the password is looked at (a success removes it),
    under a per-name and per-address lock: however many guesses arrive at once, in however many
    API processes and over however many names, no more reach argon2 than the limit allows. 429
    while throttled.

    Per address, the failures plus the attempts still being checked stay under the limit: an
    attempt beyond it waits (holding no lock or connection) until those are decided, so people
    logging in together behind one address all get in, and a spray over many names from one
    address is stopped after `max_failures` checks."""
    rules = settings.login
    name_max_s, ip_max_s = rules.max_name_lock_min * 60, rules.max_address_lock_min * 60
    deadline = time.monotonic() + QUEUE_S
    while True:
        await users.lock_login(db_session, username=username, ip=ip)
        by_name, by_ip, in_flight, now = await users.login_failures(
            db_session,
            username=username,
            ip=ip,
            name_since=timedelta(seconds=name_max_s),
            ip_since=timedelta(seconds=ip_max_s),
        )
        wait = retry_after(
            [(by_name, rules.name_failures, name_max_s), (by_ip, rules.max_failures, ip_max_s)], rules, now
        )
        if wait > 0:
            await commit_early(db_session, "releases the login locks before the 429")
            raise too_many(wait)
        # Were every attempt in flight to fail, this address would be locked: wait for them.
        if in_flight == 0 or by_ip.count + in_flight < rules.max_failures:
            attempt_id = await users.note_login_attempt(db_session, username=username, ip=ip)
            await commit_early(db_session, "the attempt is visible to every other from here on; releases the locks")
            return attempt_id
        await commit_early(db_session, "releases the locks while the attempts in flight are decided")
        if time.monotonic() > deadline:
            raise too_many(1)
        await asyncio.sleep(random.uniform(0.05, 0.15))  # noqa: S311 - jitter, not a secret


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post(
        "/auth/login",
        operation_id="Login",
        status_code=200,
        request_max_body_size=16_384,
        security=[],
        responses={429: ResponseSpec(ErrorOut, description="too many failed logins: wait Retry-After seconds")},
    )
    async def login(
        self, data: JSONBody[LoginIn], request: Request, db_session: DbSession, settings: AppSettings
    ) -> LoginOut:
        ip = client_ip(request)
        attempt_id = await note_attempt(db_session, settings, username=data.username, ip=ip)
        user = await users.get_by_username(db_session, username=data.username)
        ok = await verified(user.password_hash if user else None, data.password)
        if not ok or user is None or not user.is_active:
            await users.confirm_login_failure(db_session, attempt_id=attempt_id)
            await audit.log(
                db_session,
                actor_id=user.id if user else None,
                actor_username=data.username,
                ip=ip,
                action="login_failed",
                org_unit_id=user.org_unit_id if user else None,
            )
            await commit_early(db_session, "the audit entry stays even though we answer 401")
            raise NotAuthorizedException("wrong username or password")
        token, expires_at = await users.issue_token(
            db_session, user_id=user.id, ttl=timedelta(hours=settings.token_ttl_hours)
        )
        await users.clear_login_failures(db_session, username=data.username, ip=ip)
        await audit.log(
            db_session,
            actor_id=user.id,
            actor_username=user.username,
            ip=ip,
            action="login",
            entity="user",
            entity_id=user.id,
            org_unit_id=user.org_unit_id,
        )
        return LoginOut(
            access_token=token,
            token_type="bearer",
            expires_at=expires_at,
            user=UserOut(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                role=user.role,
                org_unit_id=user.org_unit_id,
            ),
        )

    @post(
        "/auth/logout",
        operation_id="Logout",
        status_code=204,
        response_headers=[
            ResponseHeader(
                name="Clear-Site-Data",
                value='"cache"',
                description="the browser drops the photos it cached for this session",
            )
        ],
    )
    async def logout(self, request: Request, user: CurrentUser, db_session: DbSession) -> None:
        """Ends the token, and with it every photo link made for it (api/photo_links.py)."""
        token = request.headers["authorization"].partition(" ")[2].strip()
        await users.revoke_token(db_session, token=token)
        await record_audit(db_session, user, "logout", entity="user", entity_id=user.id)

    @post(
        "/me/password",
        operation_id="ChangeOwnPassword",
        status_code=204,
        request_max_body_size=16_384,
        responses={429: ResponseSpec(ErrorOut, description="too many wrong passwords: wait Retry-After seconds")},
    )
    async def change_own_password(
        self,
        data: JSONBody[OwnPasswordIn],
        request: Request,
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> None:
        """Change one's own password: the current one is asked (a borrowed unlocked phone is not
        enough) and guessing it is throttled as logins are; the session it is sent from stays,
        every other one ends."""
        attempt_id = await note_attempt(db_session, settings, username=user.username, ip=user.ip)
        me = await users.get_user(db_session, user_id=user.id)
        if not await verified(me.password_hash, data.current):
            await users.confirm_login_failure(db_session, attempt_id=attempt_id)
            await commit_early(db_session, "the failure counts even though we answer 422")
            raise Invalid("current: the current password is not right", field="current", rule="wrong_password")
        await users.clear_login_failures(db_session, username=user.username, ip=user.ip)
        if data.new == data.current:
            raise Invalid("new: the new password is the same as the current one", field="new", rule="same_password")
        token = request.headers["authorization"].partition(" ")[2].strip()
        await users.change_password(db_session, user_id=user.id, password_hash=await hashed(data.new), keep_token=token)
        await record_audit(db_session, user, "own_password_change", entity="user", entity_id=user.id)

    @get("/me", operation_id="GetMe")
    async def get_me(self, user: CurrentUser) -> UserOut:
        return UserOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            org_unit_id=user.org_unit_id,
        )
