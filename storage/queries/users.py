"""Users, their bearer tokens and failed logins."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, NotFound
from storage.models import AuthToken, LoginFailure, OrgUnit, User
from storage.queries.common import in_scope


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def get_by_username(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def get_user(session: AsyncSession, *, user_id: uuid.UUID, scope_path: str | None = None) -> User:
    query = select(User).where(User.id == user_id)
    if scope_path is not None:
        query = query.where(in_scope(User.org_unit_id, scope_path))
    user = await session.scalar(query)
    if user is None:
        raise NotFound("no such user in your scope")
    return user


async def list_users(session: AsyncSession, *, scope_path: str) -> Sequence[User]:
    query = select(User).where(in_scope(User.org_unit_id, scope_path)).order_by(User.username)
    return (await session.scalars(query)).all()


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password_hash: str,
    role: str,
    org_unit_id: uuid.UUID,
) -> User:
    user = User(
        username=username, display_name=display_name, password_hash=password_hash, role=role, org_unit_id=org_unit_id
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"the username {username!r} is taken", field="username") from exc
    return user


async def issue_token(session: AsyncSession, *, user_id: uuid.UUID, ttl: timedelta) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(timezone.utc) + ttl
    session.add(AuthToken(token_hash=_digest(token), user_id=user_id, expires_at=expires_at))
    await session.flush()
    return token, expires_at


# Every request runs this one: built once, and only the columns a request needs (no entity).
_TOKEN_USER = (
    select(User.id, User.username, User.display_name, User.role, User.org_unit_id, OrgUnit.path)
    .join(AuthToken, AuthToken.user_id == User.id)
    .join(OrgUnit, OrgUnit.id == User.org_unit_id)
    .where(AuthToken.token_hash == bindparam("digest"), AuthToken.expires_at > func.now(), User.is_active.is_(True))
)


async def user_for_token(session: AsyncSession, *, token: str) -> tuple | None:
    """(id, username, display name, role, org unit id, unit path) of the active user a live token
    belongs to."""
    row = (await session.execute(_TOKEN_USER, {"digest": _digest(token)})).first()
    return tuple(row) if row else None


async def session_alive(session: AsyncSession, *, prefix: bytes) -> bool:
    """Whether a live token of an active user has a hash starting with `prefix` (a photo link's
    session, api/photo_links.py): one range scan of the primary key."""
    low, high = prefix + b"\x00" * (32 - len(prefix)), prefix + b"\xff" * (32 - len(prefix))
    return bool(
        await session.scalar(
            select(func.count())
            .select_from(AuthToken)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash.between(low, high), AuthToken.expires_at > func.now(), User.is_active.is_(True))
        )
    )


async def revoke_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    await session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))


async def change_password(session: AsyncSession, *, user_id: uuid.UUID, password_hash: str, keep_token: str) -> None:
    """A person's own new password: every other session of theirs ends, the one it was made from
    stays (whoever else knew the old password is logged out; they are not)."""
    await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
    await session.execute(
        delete(AuthToken).where(AuthToken.user_id == user_id, AuthToken.token_hash != _digest(keep_token))
    )


async def revoke_token(session: AsyncSession, *, token: str) -> None:
    await session.execute(delete(AuthToken).where(AuthToken.token_hash == _digest(token)))


async def note_login_attempt(session: AsyncSession, *, username: str, ip: str) -> int:
    """Before the password is checked: counts against the name at once, and against the address
    once confirmed (so logins of many people behind one address do not hold each other up)."""
    attempt = LoginFailure(username=username, ip=ip, confirmed=False)
    session.add(attempt)
    await session.flush()
    return attempt.id


async def confirm_login_failure(session: AsyncSession, *, attempt_id: int) -> None:
    await session.execute(update(LoginFailure).where(LoginFailure.id == attempt_id).values(confirmed=True))


@dataclass(frozen=True)
class FailureRun:
    """Failed logins of one username or one address since a moment: how many, and the last."""

    count: int
    last_at: datetime | None


async def lock_login(session: AsyncSession, *, username: str, ip: str) -> None:
    """Serialise logins per username, then per address, until commit, so that counting the
    failures and noting this attempt cannot interleave with another request, in any process.
    Always name before address: a holder of an address lock never waits for a name lock."""
    for key in (f"login-name:{username}", f"login-ip:{ip}"):
        await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 7305022))"), {"key": key})


IN_FLIGHT = timedelta(seconds=60)  # an unconfirmed attempt older than this belonged to a request that died


async def login_failures(
    session: AsyncSession,
    *,
    username: str,
    ip: str,
    name_since: timedelta,
    ip_since: timedelta,
) -> tuple[FailureRun, FailureRun, int, datetime]:
    """Failures of this username and from this address within their lookbacks; how many
    attempts from this address for other names are still being checked (in flight); and the
    database's clock (every API process judges by the same one). One round trip."""

    def run(since: timedelta, *where: Any) -> tuple[Any, Any]:
        where = (*where, LoginFailure.at > func.now() - since)
        return (
            select(func.count()).where(*where).scalar_subquery(),
            select(func.max(LoginFailure.at)).where(*where).scalar_subquery(),
        )

    by_ip = (LoginFailure.ip == ip, LoginFailure.confirmed | (LoginFailure.username == username))
    in_flight = (
        select(func.count())
        .where(
            LoginFailure.ip == ip,
            LoginFailure.confirmed.is_(False),
            LoginFailure.username != username,
            LoginFailure.at > func.now() - IN_FLIGHT,
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(*run(name_since, LoginFailure.username == username), *run(ip_since, *by_ip), in_flight, func.now())
        )
    ).one()
    return FailureRun(row[0], row[1]), FailureRun(row[2], row[3]), row[4], row[5]


async def clear_login_failures(session: AsyncSession, *, username: str, ip: str | None = None) -> None:
    """After a success, this client's failures for this name (`ip`): others' stay and keep
    counting against their addresses, so logging in does not wipe an attacker's record. Without
    `ip` (an administrator's password reset), all of the name's."""
    query = delete(LoginFailure).where(LoginFailure.username == username)
    await session.execute(query.where(LoginFailure.ip == ip) if ip is not None else query)


# --- administration (api/users.py) -----------------------------------------------------------


async def search_users(
    session: AsyncSession,
    *,
    scope_path: str,
    org_unit_id: uuid.UUID | None = None,
    role: str | None = None,
    text: str | None = None,
    active: bool | None = None,
) -> Sequence[User]:
    query = select(User).where(in_scope(User.org_unit_id, scope_path))
    if org_unit_id:
        query = query.where(User.org_unit_id == org_unit_id)
    if role:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if text:
        like = f"%{text}%"
        query = query.where(User.username.ilike(like) | User.display_name.ilike(like))
    return (await session.scalars(query.order_by(User.username).limit(1000))).all()


async def update_user(session: AsyncSession, *, user: User, values: dict) -> User:
    """Change a user's columns. Disabling, a new password, a new role or a new unit ends every
    session they have: what they may see and do was decided at login, and they log in again to
    the new one (SECURITY.md)."""
    ends_sessions = (
        values.get("is_active") is False
        or "password_hash" in values
        or any(name in values and values[name] != getattr(user, name) for name in ("role", "org_unit_id"))
    )
    for name, value in values.items():
        setattr(user, name, value)
    if ends_sessions:
        await revoke_tokens(session, user_id=user.id)
    await session.flush()
    return user


async def count_active_admins(session: AsyncSession) -> int:
    """Active administrators, counted under a lock on them, so two admins disabling each other
    at once cannot both succeed and leave none."""
    ids = (
        await session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True)).with_for_update())
    ).all()
    return len(ids)
