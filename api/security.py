"""Bearer-token authentication as Litestar middleware, so a request without a valid token is a 401
before anything else about it is looked at.

Tokens are opaque and stored hashed (storage.queries.users). A verified token is remembered for
a few seconds per process so a busy phone's burst of photo uploads costs no extra round trips;
logout and disabling a user forget it at once."""

from __future__ import annotations

import time
import uuid

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.queries import users

TOKEN_CACHE_SECONDS = 30.0
# Paths that answer without a token: health, login and the OpenAPI document; the PWA's own
# files are marked with the opt key below (api/pwa.py).
PUBLIC = [r"^/api/v1/health$", r"^/api/v1/auth/login$", r"^/schema"]
PUBLIC_OPT = "exclude_from_auth"


# token -> (valid until, (user id, username, display name, role, org unit id, scope path))
_cache: dict[str, tuple[float, tuple]] = {}


def forget_user(user_id: uuid.UUID) -> None:
    for token, (_, who) in list(_cache.items()):
        if who[0] == user_id:
            _cache.pop(token, None)


def forget_token(token: str) -> None:
    _cache.pop(token, None)


async def lookup(engine: AsyncEngine, token: str) -> tuple | None:
    hit = _cache.get(token)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    async with AsyncSession(engine) as session:
        found = await users.user_for_token(session, token=token)
    if found is None:
        _cache.pop(token, None)
        return None
    user, path = found
    who = (user.id, user.username, user.display_name, user.role, user.org_unit_id, path)
    if len(_cache) > 10_000:  # bound memory; a full flush only costs a lookup each
        _cache.clear()
    _cache[token] = (time.monotonic() + TOKEN_CACHE_SECONDS, who)
    return who


def signed_photo_link(connection: ASGIConnection) -> bool:
    """<img> tags cannot send a header: photo GETs may carry a signature instead (api/photos.py)."""
    return (connection.scope.get("method") == "GET" and connection.url.path.startswith("/api/v1/photos/")
            and "sig" in connection.query_params and "authorization" not in connection.headers)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        if signed_photo_link(connection):
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("log in first: send Authorization: Bearer <access_token>")
        who = await lookup(connection.app.state.engine, token)
        if who is None:
            raise NotAuthorizedException("your session has expired or was ended; log in again")
        return AuthenticationResult(user=who, auth=token)


auth_middleware = DefineMiddleware(BearerAuthMiddleware, exclude=PUBLIC, exclude_from_auth_key=PUBLIC_OPT)
