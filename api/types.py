"""Wire types shared by several nouns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import QueryParameter

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90, description="WGS-84 latitude")]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180, description="WGS-84 longitude")]
Meters = Annotated[float, msgspec.Meta(ge=0, le=100_000)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="page size, at most 200")]


class In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: a field we do not know is a caller's mistake, not noise."""


class Point(msgspec.Struct):
    lat: Lat
    lon: Lon


class Fix(In):
    """A position fix as the phone's GPS gives it."""

    lat: Lat
    lon: Lon
    accuracy_m: Meters | None = None
    captured_at: datetime | None = None


class ErrorOut(msgspec.Struct):
    status_code: int
    detail: str
    field: str | None = None
