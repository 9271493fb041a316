"""What operators see: Prometheus metrics (correct across processes through prometheus_client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, as scripts/serve does) and one JSON log
line per request.

No log line carries personal data: requests are logged by route template (never the path's query
string, which holds capture positions and link signatures), without address or user, and
exceptions by type and code location only (their messages can quote SQL parameters or cell text)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import database_unavailable

access = logging.getLogger("xunfang.request")

REQUESTS = Counter("xunfang_http_requests_total", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "xunfang_http_request_seconds",
    "time to answer a request",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PHOTO_INGEST = Histogram(
    "xunfang_photo_ingest_seconds",
    "time to check, decode and store one new photo",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
DB_IN_USE = Gauge("xunfang_db_pool_in_use", "database connections checked out", multiprocess_mode="livesum")
SHED = Counter("xunfang_shed_total", "requests answered 503 + Retry-After by admission control", ["reason"])

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ID_KEY = "xunfang_request_id"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def forget_dead_workers(directory: str) -> None:
    """A worker killed without its exit hook (kill -9; the server starts another) leaves its live
    gauges' file: what it held would count for ever. The live gauges are of live processes only."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), directory)


def exposition(extra: str = "") -> tuple[bytes, str]:
    """Every process's metrics in the text format, plus `extra` lines worked out at scrape time."""
    if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        forget_dead_workers(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + extra.encode(), CONTENT_TYPE_LATEST


class JsonFormatter(logging.Formatter):
    """One JSON object a line. An exception is its type and where it was raised, not its message."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["error"] = type(exc).__qualname__
            line["at"] = [
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)[-6:]
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def status_of(exc: Exception) -> int:
    """The status an exception raised in middleware (e.g. the token check) is answered with."""
    code = getattr(exc, "status_code", None)
    if isinstance(code, int):
        return code
    if isinstance(exc, (PoolTimeout, OSError)) or (isinstance(exc, DBAPIError) and database_unavailable(exc)):
        return 503  # api/admission.py, api/errors.py
    return 500


async def tag_response(message: Message, scope: Scope) -> None:
    """Litestar before_send hook: the request id on every answer, including the errors Litestar's
    outermost handler sends for exceptions raised in middleware (outside request_middleware's send)."""
    request_id = scope.get("state", {}).get(_ID_KEY)
    if message["type"] == "http.response.start" and request_id:
        message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]


def request_middleware(engine_of):
    """Outermost: a request id (kept from X-Request-Id when it is well-formed), the metrics, and the
    log line, for every request including the ones admission control sheds."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def observed(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
            request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
            scope.setdefault("state", {})[_ID_KEY] = request_id  # for tag_response
            status = 500

            async def send_noting_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_noting_status)
            except Exception as exc:  # Litestar's handlers, outside us, answer it: count what they will say
                status = status_of(exc)
                raise
            finally:
                seconds = time.perf_counter() - started
                route = scope.get("path_template") or "unmatched"
                method = scope.get("method", "")
                REQUESTS.labels(route, method, str(status)).inc()
                LATENCY.labels(route, method).observe(seconds)
                engine = engine_of()
                if engine is not None:
                    DB_IN_USE.set(engine.pool.checkedout())
                access.info(
                    "request",
                    extra={
                        "fields": {
                            "request_id": request_id,
                            "method": method,
                            "route": route,
                            "status": status,
                            "ms": round(seconds * 1000, 1),
                            "pid": os.getpid(),
                        }
                    },
                )

        return observed

    return middleware
