"""One map from what went wrong to what the caller sees: status_code, detail and field."""

from __future__ import annotations

import logging
import re

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from storage.errors import (
    BadImage, Conflict, Invalid, NotFound, StorageError, StoreUnavailable, TooLarge,
)

log = logging.getLogger("xunfang")

STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, BadImage: 415, TooLarge: 413, StoreUnavailable: 503}


def _body(status: int, detail: str, field: str | None = None, headers: dict[str, str] | None = None) -> Response:
    content = {"status_code": status, "detail": detail}
    if field:
        content["field"] = field
    return Response(content, status_code=status, media_type=MediaType.JSON, headers=headers)


def storage_error(_: Request, exc: StorageError) -> Response:
    return _body(STATUS.get(type(exc), 400), exc.detail, exc.field)


_AT = re.compile(r" - at `\$\.?([^`]*)`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")


def validation_error(_: Request, exc: ValidationException) -> Response:
    """Name the offending field as a dotted path: `$.location.lat` -> location.lat."""
    extra = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else {}
    message = str(extra.get("message") or exc.detail) if isinstance(extra, dict) else exc.detail
    at, unknown = _AT.search(message), _UNKNOWN.search(message)
    field = ".".join(p for p in (at.group(1) if at else "", unknown.group(1) if unknown else "") if p)
    if not field and isinstance(extra, dict) and extra.get("key") not in (None, "data"):
        field = str(extra["key"])
        message = f"{field}: {message}"
    return _body(400, message, field or None)


def http_error(_: Request, exc: HTTPException) -> Response:
    field = None
    if isinstance(exc.extra, dict):
        field = exc.extra.get("field")
    return _body(exc.status_code, exc.detail, field, exc.headers)  # e.g. Retry-After on a 429


def database_error(_: Request, exc: DBAPIError) -> Response:
    if isinstance(exc, IntegrityError):
        return _body(409, "that conflicts with a stored record (a duplicate or a missing reference)")
    # SQLSTATE class 22, "data exception": a NUL character in text (PostgreSQL cannot store it),
    # a number out of range. asyncpg's errors reach us as a bare DBAPIError, so ask the code.
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    if isinstance(exc, DataError) or sqlstate.startswith("22"):
        return _body(400, "a value cannot be stored as sent (a control character in text, or a number "
                          "out of range); correct it and send again")
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        log.warning("database unavailable: %s", exc)
        return _body(503, "the database cannot be reached; try again shortly")
    log.exception("database error", exc_info=exc)
    return _body(500, "the server could not complete the request")


def connection_error(_: Request, exc: OSError) -> Response:
    # The object store's failures arrive as StoreUnavailable; a bare OSError is the database
    # refusing connections (asyncpg raises it before SQLAlchemy can wrap it).
    log.warning("database unavailable: %s", exc)
    return _body(503, "the database cannot be reached; try again shortly")


def too_deep(_: Request, exc: RecursionError) -> Response:
    """The JSON decoder stops at the interpreter's recursion limit: a body nested that deep is
    the caller's mistake (no request of ours nests more than a few levels)."""
    if "deserializing" in str(exc):
        return _body(400, "the JSON body is nested too deep")
    log.exception("recursion", exc_info=exc)
    return _body(500, "the server could not complete the request")


HANDLERS = {
    StorageError: storage_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    DBAPIError: database_error,
    OSError: connection_error,
    RecursionError: too_deep,
}
