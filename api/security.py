"""Bearer-token authentication as Litestar middleware, so a request without a valid token is a 401
before anything else about it is looked at.

Tokens are opaque and stored hashed (storage.queries.users). Every request looks its token up in
PostgreSQL (one indexed join on the token's hash): with several API processes, no process may
remember a token, or a logout, a disabled user or a role, unit or password change would reach the
others only when their memory expired. The lookup runs in the request's own session, the one its
handler then uses, so it costs one round trip and no second connection."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from api.photo_links import SESSION, session_key
from storage.queries import users

# Paths that answer without a token: health, login and the OpenAPI document; the PWA's own
# files are marked with the opt key below (api/pwa.py).
PUBLIC = [r"^/api/v1/health$", r"^/api/v1/auth/login$", r"^/schema"]
PUBLIC_OPT = "exclude_from_auth"


def signed_photo_link(connection: ASGIConnection) -> bool:
    """<img> tags cannot send a header: photo GETs may carry a signature instead (api/photos.py)."""
    return (
        connection.scope.get("method") == "GET"
        and connection.url.path.startswith("/api/v1/photos/")
        and "sig" in connection.query_params
        and "authorization" not in connection.headers
    )


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        if signed_photo_link(connection):
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("log in first: send Authorization: Bearer <access_token>")
        # The handler gets this same session (api/deps.py commits it); the plugin closes it.
        state = connection.app.state
        who = await users.user_for_token(state.db.provide_session(state, connection.scope), token=token)
        if who is None:
            raise NotAuthorizedException("your session has expired or was ended; log in again")
        SESSION.set(session_key(token))  # photo links made for this request live as long as this session
        return AuthenticationResult(user=who, auth=token)


auth_middleware = DefineMiddleware(BearerAuthMiddleware, exclude=PUBLIC, exclude_from_auth_key=PUBLIC_OPT)
