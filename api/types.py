"""Wire types shared by several nouns."""

from __future__ import annotations

import functools
import typing
import uuid
from contextvars import ContextVar
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.params import QueryParameter

from storage import plain_text
from storage.models import Facility, OrgUnit, Subject, User
from storage.vocabulary import MAX_PAGE_SIZE, MAX_PHOTOS_PER_RECORD, ErrorCode

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90, description="WGS-84 latitude")]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180, description="WGS-84 longitude")]
Meters = Annotated[float, msgspec.Meta(ge=0, le=100_000)]
# Every text of a request body is checked by In below: no control character (tab and line breaks
# allowed) and no Unicode non-character (storage/plain_text.py). Names are one line besides.
ONE_LINE = {"one_line": True}
ANY_TEXT = {"any_text": True}  # a password: never shown or written anywhere, so never judged
Text = Annotated[str, msgspec.Meta(max_length=4000, description="may hold line breaks; no control characters")]


def column_length(column: Any) -> int:
    """The n of a String(n) column. Request limits are taken from the columns here, in one
    place, so a text the Struct accepts always fits (too long is a 400, never a database 500)."""
    return int(column.type.length)


def name_type(column: Any) -> Any:
    """A name that fits its column, on one line."""
    return Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=column_length(column),
            extra=ONE_LINE,
            description="one line; no control characters",
        ),
    ]


Name = name_type(Facility.name)  # a facility's
SubjectName = name_type(Subject.name)
UnitName = name_type(OrgUnit.name)
PersonName = name_type(User.display_name)
Username = name_type(User.username)
# Query limits need Parameter(): a msgspec.Meta on a query parameter is not enforced.
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")]
# The photos a record (or a task's fix) lists.
PhotoIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_PHOTOS_PER_RECORD)]


def _marks(annotation: Any) -> set[str]:
    """The markers (ONE_LINE, ANY_TEXT) of a field's type, looking through unions."""
    found: set[str] = set()
    if typing.get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            found.update(k for k, v in ((getattr(meta, "extra", None) or {}).items()) if v is True)
    for arg in typing.get_args(annotation):
        found |= _marks(arg)
    return found


@functools.cache
def _text_rules(cls: type) -> tuple[tuple[str, bool], ...]:
    """(field, one line?) of every field of a request Struct that may hold text."""
    hints = typing.get_type_hints(cls, include_extras=True)
    rules = []
    for name in cls.__struct_fields__:  # type: ignore[attr-defined]
        marks = _marks(hints[name])
        if "any_text" not in marks:
            rules.append((name, "one_line" in marks))
    return tuple(rules)


def _text_problem(value: Any, one_line: bool) -> str | None:
    if isinstance(value, str):
        return plain_text.problem(value, lines=not one_line)
    if isinstance(value, (list, tuple)):
        return next((p for v in value if (p := _text_problem(v, one_line))), None)
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := _text_problem(k, True) or _text_problem(v, one_line))), None)
    return None  # numbers, ids, times; a nested Struct checks itself


_JUDGING: ContextVar[bool] = ContextVar("judging_text", default=True)


def as_stored(value: Any, type_: Any) -> Any:
    """Data read back from the database into a request Struct for an answer (a record's checklist,
    a visit's award): converted without judging its text again, so rows stored before these rules
    are still shown (every file we write cleans them, storage/plain_text.py)."""
    token = _JUDGING.set(False)
    try:
        return msgspec.convert(value, type_) if not isinstance(value, msgspec.Struct) else value
    finally:
        _JUDGING.reset(token)


def stored(type_: Any, **fields: Any) -> Any:
    """A request Struct built from stored columns for an answer, text not judged (as_stored)."""
    token = _JUDGING.set(False)
    try:
        return type_(**fields)
    finally:
        _JUDGING.reset(token)


class In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: a field we do not know is a caller's mistake, not noise; text that
    no file can hold (control characters, non-characters) or a name over several lines is refused
    here, for every body, before anything is stored."""

    def __post_init__(self) -> None:
        if not _JUDGING.get():
            return
        for name, one_line in _text_rules(type(self)):
            problem = _text_problem(getattr(self, name), one_line)
            if problem:
                raise ValueError(f"the text in field `{name}` {problem}")


class Point(msgspec.Struct):
    lat: Lat
    lon: Lon


class Place(In):
    """A facility's or subject's position as a person types it: its range, 0,0, the box around
    China and swapped latitude and longitude are checked by api/plausible.py, which names the
    likely mistake (a latitude of 106 is refused as "swapped", not as "at most 90")."""

    lat: Annotated[float, msgspec.Meta(description="WGS-84 latitude, -90 to 90")]
    lon: Annotated[float, msgspec.Meta(description="WGS-84 longitude, -180 to 180")]


class Fix(In):
    """A position fix as the phone's GPS gives it."""

    lat: Lat
    lon: Lon
    accuracy_m: Meters | None = None
    captured_at: datetime | None = None


class ErrorOut(msgspec.Struct):
    """Every error body (built by api/errors.py's error_content)."""

    status_code: int
    detail: str
    code: ErrorCode
    field: str | None = None
    # The rule a value broke (too_short, phone_format, id_number_checksum, position_swapped, ...)
    # and its number where it has one (8 for "at least 8 characters").
    rule: str | None = None
    limit: float | None = None
