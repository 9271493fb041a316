"""Wire types shared by several nouns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.params import QueryParameter

from storage.models import Facility, OrgUnit, Subject, User
from storage.vocabulary import MAX_PAGE_SIZE, MAX_PHOTOS_PER_RECORD, ErrorCode

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90, description="WGS-84 latitude")]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180, description="WGS-84 longitude")]
Meters = Annotated[float, msgspec.Meta(ge=0, le=100_000)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]


def column_length(column: Any) -> int:
    """The n of a String(n) column. Request limits are taken from the columns here, in one
    place, so a text the Struct accepts always fits (too long is a 400, never a database 500)."""
    return int(column.type.length)


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=column_length(Facility.name))]  # a facility's
SubjectName = Annotated[str, msgspec.Meta(min_length=1, max_length=column_length(Subject.name))]
UnitName = Annotated[str, msgspec.Meta(min_length=1, max_length=column_length(OrgUnit.name))]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=column_length(User.display_name))]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=column_length(User.username))]
# Query limits need Parameter(): a msgspec.Meta on a query parameter is not enforced.
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")]
# The photos a record (or a task's fix) lists.
PhotoIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_PHOTOS_PER_RECORD)]


class In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: a field we do not know is a caller's mistake, not noise."""


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
