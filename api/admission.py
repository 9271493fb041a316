"""Admission control: an overloaded process answers 503 with Retry-After at once, never a hang or
a 500, and stores nothing for a request it sheds (the phone keeps it and comes back later).

Three bounds per process: API requests in flight (a request that waited too long for a slot is
shed), concurrent photo ingests (each decodes a photo: a core's worth of work), and the wait for
a database connection (the engine's pool_timeout; its TimeoutError lands in `db_wait_error`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator

from litestar import MediaType, Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, ExceptionHandlersMap, Receive, Scope, Send
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api import observe
from api.errors import error_content

# Answered even when the process is full: a load balancer's probe and Prometheus must get through.
UNGATED = ("/api/v1/health", "/metrics")


class Overloaded(Exception):
    status_code = 503

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def retry_after_s(base: int = 2) -> int:
    """Spread the comebacks: a crowd told the same second would return as the same crowd."""
    return random.randint(base, 2 * base + 1)  # noqa: S311 - jitter, not a secret


def shed_response(reason: str, detail: str) -> Response:
    observe.SHED.labels(reason).inc()
    return Response(
        error_content(503, detail, code="busy"),
        status_code=503,
        media_type=MediaType.JSON,
        headers={"Retry-After": str(retry_after_s())},
    )


class Gate:
    """At most `size` holders; a newcomer waits up to `wait_s` for a place, then is refused."""

    def __init__(self, size: int, wait_s: float) -> None:
        self.size, self.wait_s = size, wait_s
        self._slots: asyncio.Semaphore | None = None  # made in the serving loop

    @property
    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        return self._slots

    async def acquire(self) -> bool:
        try:
            await asyncio.wait_for(self.slots.acquire(), self.wait_s)
            return True
        except TimeoutError:
            return False

    def release(self) -> None:
        self.slots.release()

    @contextlib.asynccontextmanager
    async def held(self, reason: str, detail: str) -> AsyncIterator[None]:
        if not await self.acquire():
            raise Overloaded(reason, detail)
        try:
            yield
        finally:
            self.release()


class Gates:
    def __init__(self, *, max_inflight: int, queue_wait_s: float, photo_ingests: int, photo_wait_s: float) -> None:
        self.requests = Gate(max_inflight, queue_wait_s)
        self.photos = Gate(photo_ingests, photo_wait_s)

    def photo_slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.photos.held("photos", "the server is busy with other photos; the app sends this one again shortly")


def admission_middleware(gates: Gates):
    """Outside everything else but the request log: a shed request costs no token lookup."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def gated(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "")
            if scope["type"] != ScopeType.HTTP or not path.startswith("/api/") or path in UNGATED:
                await app(scope, receive, send)
                return
            if not await gates.requests.acquire():
                observe.SHED.labels("queue").inc()
                body = json.dumps(error_content(503, "the server is busy; the app tries again shortly", code="busy"))
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"retry-after", str(retry_after_s()).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body.encode(), "more_body": False})
                return
            try:
                await app(scope, receive, send)
            finally:
                gates.requests.release()

        return gated

    return middleware


def overloaded_error(_: Request, exc: Overloaded) -> Response:
    return shed_response(exc.reason, exc.detail)


def db_wait_error(_: Request, exc: PoolTimeout) -> Response:
    return shed_response(
        "database", "the server is busy (every database connection is in use); the app tries again shortly"
    )


HANDLERS: ExceptionHandlersMap = {Overloaded: overloaded_error, PoolTimeout: db_wait_error}
