"""One map from what went wrong to what the caller sees: status_code, detail, field and code.

`detail` is an English sentence for developers and logs; `code` is a stable word the PWA turns
into a sentence in the user's language (pwa/src/errors.ts), so no server English reaches a person."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from storage.errors import BadImage, Conflict, Invalid, NotFound, StorageError, StoreUnavailable, TooLarge
from storage.vocabulary import ERROR_CODES, ErrorCode

log = logging.getLogger("xunfang")

STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, BadImage: 415, TooLarge: 413, StoreUnavailable: 503}
# A restarting database or store is back within seconds: phones wait this long before retrying.
RETRY_AFTER_S = 5


def unavailable_headers(status: int) -> dict[str, str]:
    """Every 503 says when to try again (RFC 9110 Retry-After)."""
    return {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else {}


# Stable error codes (api-v1.md; the words are storage/vocabulary.py's ErrorCode): the error's
# own, else by storage error, else by HTTP status. Never rename one.
CODE: dict[type[StorageError], ErrorCode] = {
    NotFound: "not_found",
    Conflict: "conflict",
    Invalid: "invalid",
    BadImage: "not_an_image",
    TooLarge: "too_large",
    StoreUnavailable: "storage_unavailable",
}
CODE_BY_STATUS: dict[int, ErrorCode] = {
    400: "bad_input",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    409: "conflict",
    413: "too_large",
    415: "not_an_image",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def error_content(
    status: int,
    detail: str,
    *,
    code: ErrorCode | None = None,
    field: str | None = None,
    rule: str | None = None,
    limit: float | None = None,
    **more: object,
) -> dict[str, object]:
    """The one error body (ErrorOut): every error the API answers is built here; `more` adds an
    error's own members (a refused batch names its records)."""
    content: dict[str, object] = {
        "status_code": status,
        "detail": detail,
        "code": code or CODE_BY_STATUS.get(status, "client_error" if status < 500 else "server_error"),
    }
    if field:
        content["field"] = field
    if rule:  # which rule the value broke, a stable word the screens put in words (with `limit`)
        content["rule"] = rule
    if limit is not None:
        content["limit"] = int(limit) if float(limit).is_integer() else limit
    return content | more


def _body(
    status: int,
    detail: str,
    field: str | None = None,
    code: ErrorCode | None = None,
    headers: dict[str, str] | None = None,
    rule: str | None = None,
    limit: float | None = None,
    **more: object,
) -> Response:
    return Response(
        error_content(status, detail, code=code, field=field, rule=rule, limit=limit, **more),
        status_code=status,
        media_type=MediaType.JSON,
        headers={**unavailable_headers(status), **(headers or {})},
    )


def storage_error(_: Request, exc: StorageError) -> Response:
    return _body(STATUS.get(type(exc), 400), exc.detail, exc.field, exc.code or CODE.get(type(exc)), rule=exc.rule)


_AT = re.compile(r" - at `\$\.?([^`]*)`")
_UNKNOWN = re.compile(r"(?:unknown field|text in field) `([^`]+)`")  # the latter: api/types.py In
_MISSING = re.compile(r"missing required field `([^`]+)`")
# msgspec's sentences, each as the rule it names: (pattern, rule, sentence with {n} the limit).
_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^Expected `(?:str|array|object)` of length >= (\d+)"), "too_short", "at least {n} characters"),
    (re.compile(r"^Expected `(?:str|array|object)` of length <= (\d+)"), "too_long", "at most {n} characters"),
    (re.compile(r"^Expected `(?:int|float|number)` >= (-?[\d.]+)"), "too_small", "at least {n}"),
    (re.compile(r"^Expected `(?:int|float|number)` <= (-?[\d.]+)"), "too_big", "at most {n}"),
    (re.compile(r"^Expected `(?:int|float|number)` > (-?[\d.]+)"), "too_small", "more than {n}"),
    (re.compile(r"^Expected `(?:int|float|number)` < (-?[\d.]+)"), "too_big", "less than {n}"),
    (re.compile(r"^Expected `str` matching regex"), "format", "not in the expected format"),
    (re.compile(r"^Invalid enum value"), "one_of", "not one of the allowed values"),
    (re.compile(r"^Expected `(?:int|float|number)`, got"), "number", "a number"),
    (re.compile(r"^Expected `str`, got"), "text", "text"),
    (re.compile(r"^Invalid RFC3339|^Expected `datetime`"), "datetime", "a date and time (RFC 3339, with an offset)"),
    (re.compile(r"^Invalid UUID|^Expected `uuid`"), "uuid", "an id (a UUID)"),
    (re.compile(r"missing required field"), "required", "required"),
    (re.compile(r"unknown field"), "unknown_field", "not a field of this request"),
]
# What a `format` field must look like, said by name (its pattern is in the OpenAPI document).
_FORMATS = {"username": "letters, digits, _ . - only; 2 to 64 characters"}


def rule_of(message: str, field: str) -> tuple[str | None, float | None, str]:
    """(rule, limit, "field: the rule") for one of msgspec's sentences; the sentence unchanged
    when it is not one we know."""
    for pattern, rule, sentence in _RULES:
        m = pattern.search(message)
        if m:
            limit = float(m.group(1)) if m.groups() else None
            n = "" if limit is None else (int(limit) if limit.is_integer() else limit)
            said = _FORMATS.get(field.rsplit(".", 1)[-1], sentence) if rule == "format" else sentence.format(n=n)
            return rule, limit, f"{field}: {said}" if field else said
    return None, None, message


def validation_error(_: Request, exc: ValidationException) -> Response:
    """Name the offending field as a dotted path: `$.location.lat` -> location.lat."""
    extra = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else {}
    message = str(extra.get("message") or exc.detail) if isinstance(extra, dict) else exc.detail
    at, unknown, missing = _AT.search(message), _UNKNOWN.search(message), _MISSING.search(message)
    # Litestar cuts " - at `$.checklist[1]`" off into the key: a field named in the message is in there.
    within = (
        at.group(1)
        if at
        else str(extra["key"])
        if unknown and isinstance(extra, dict) and extra.get("key") not in (None, "data")
        else ""
    )
    field = ".".join(p for p in (within, unknown.group(1) if unknown else "", missing.group(1) if missing else "") if p)
    if not field and isinstance(extra, dict) and extra.get("key") not in (None, "data"):
        field = str(extra["key"])
    rule, limit, sentence = rule_of(message, field)
    if rule is None and field and not message.startswith(field):
        sentence = f"{field}: {message}"
    return _body(400, sentence, field or None, "bad_input", rule=rule, limit=limit)


def http_error(_: Request, exc: HTTPException) -> Response:
    # e.g. PermissionDeniedException(..., extra={"code": "reopen_not_yours"}); members beyond
    # field and code are the error's own (a refused batch's `refused`).
    more = dict(exc.extra) if isinstance(exc.extra, dict) else {}
    field, code = more.pop("field", None), more.pop("code", None)
    # Retry-After on a 429, for one
    return _body(exc.status_code, exc.detail, field, code if code in ERROR_CODES else None, headers=exc.headers, **more)


def _sqlstate(exc: DBAPIError) -> str:
    # asyncpg's errors reach us as a bare DBAPIError, so ask the code.
    return str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")


def database_unavailable(exc: DBAPIError) -> bool:
    """Classes 08 (connection), 53 (too many connections), 57 (shutting down, starting up): a
    restarting or overloaded server, as when a pool opens a connection during a restart."""
    return isinstance(exc, OperationalError) or exc.connection_invalidated or _sqlstate(exc)[:2] in ("08", "53", "57")


def database_error(_: Request, exc: DBAPIError) -> Response:
    if isinstance(exc, IntegrityError):
        return _body(409, "that conflicts with a stored record (a duplicate or a missing reference)", code="duplicate")
    # SQLSTATE class 22, "data exception": a NUL character in text (PostgreSQL cannot store it),
    # a number out of range.
    if isinstance(exc, DataError) or _sqlstate(exc).startswith("22"):
        return _body(
            400,
            "a value cannot be stored as sent (a control character in text, or a number "
            "out of range); correct it and send again",
        )
    if database_unavailable(exc):
        log.warning("database unavailable: %s", type(exc.orig).__name__)  # its text can quote values
        return _body(503, "the database cannot be reached; try again shortly", code="database_unavailable")
    log.exception("database error", exc_info=exc)
    return _body(500, "the server could not complete the request")


def connection_error(_: Request, exc: OSError) -> Response:
    # The object store's failures arrive as StoreUnavailable; a bare OSError is the database
    # refusing connections (asyncpg raises it before SQLAlchemy can wrap it).
    log.warning("database unavailable: %s", type(exc).__name__)
    return _body(503, "the database cannot be reached; try again shortly", code="database_unavailable")


def too_deep(_: Request, exc: RecursionError) -> Response:
    """The JSON decoder stops at the interpreter's recursion limit: a body nested that deep is
    the caller's mistake (no request of ours nests more than a few levels)."""
    if "deserializing" in str(exc):
        return _body(400, "the JSON body is nested too deep")
    log.exception("recursion", exc_info=exc)
    return _body(500, "the server could not complete the request")


def server_error(_: Request, exc: Exception) -> Response:
    """Anything unforeseen: logged as its type and where it was raised (never its message, which
    can quote what a person typed), answered as a plain 500."""
    log.error("unhandled error", exc_info=exc)
    return _body(500, "the server could not complete the request")


HANDLERS: ExceptionHandlersMap = {
    StorageError: storage_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    DBAPIError: database_error,
    OSError: connection_error,
    RecursionError: too_deep,
    Exception: server_error,
}


# --- the error body in the OpenAPI document ----------------------------------------------------

ERROR_OUT = {
    "type": "object",
    "required": ["status_code", "detail", "code"],
    "properties": {
        "status_code": {"type": "integer"},
        "detail": {"type": "string", "description": "an English sentence for developers and logs"},
        "code": {
            "type": "string",
            "enum": list(ERROR_CODES),
            "description": "stable: a screen keys what it says, in the user's language, on it",
        },
        "field": {
            "oneOf": [{"type": "string"}, {"type": "null"}],
            "description": "the offending field as a dotted path",
        },
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Every error response of every operation is an ErrorOut with `code` an enum of ErrorCode, so
    the field the PWA keys its sentences on is in the contract (Litestar documents the 400s it
    raises in its own shape, without `code`). In place, and idempotent."""
    document.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_OUT
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for status, response in responses.items():
                if str(status)[:1] in "45" and "content" in response:
                    for media in response["content"].values():
                        # Litestar's inline shape, or ours; a declared body of its own (health's
                        # 503) stays.
                        if media.get("schema", {}).get("$ref", _ERROR_REF["$ref"]) == _ERROR_REF["$ref"]:
                            media["schema"] = _ERROR_REF
    return document


class DocumentedJson(JsonRenderPlugin):
    """/schema/openapi.json, with document_errors applied (to Litestar's cached dictionary, once)."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, document_errors(openapi_schema))
