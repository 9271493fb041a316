"""Data that is well-formed but cannot be true: refused with a reason a person can act on.

A facility at 0,0 (a blank GPS fix), a name that is only digits (a spreadsheet column slipped),
a position outside China (lat and lon swapped, or a typo) unless XUNFANG_ALLOW_OUTSIDE_CHINA=1."""

from __future__ import annotations

import os
import re

from storage.errors import Invalid

# A box around the country, generous at the edges; what it lets through is checked by people.
CHINA = (3.5, 54.0, 73.0, 135.5)  # lat min, lat max, lon min, lon max
_NO_LETTERS = re.compile(r"^[\d\s\W_]+$")


def outside_china_allowed() -> bool:
    return os.environ.get("XUNFANG_ALLOW_OUTSIDE_CHINA", "") in ("1", "true")


def check_name(name: str | None, *, field: str = "name") -> None:
    if name is not None and _NO_LETTERS.match(name):
        raise Invalid("a name needs words, not only digits or marks", field=field, code="name_not_words")


def check_point(lat: float | None, lon: float | None, *, field: str = "location") -> None:
    if lat is None or lon is None:
        return
    if abs(lat) < 1 and abs(lon) < 1:
        raise Invalid("the position is 0,0 (a blank GPS fix); enter the real latitude and longitude", field=field,
                      code="position_zero")
    lat_min, lat_max, lon_min, lon_max = CHINA
    if not outside_china_allowed() and not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        swapped = lat_min <= lon <= lat_max and lon_min <= lat <= lon_max
        if swapped:
            raise Invalid("the position is outside China; latitude and longitude look swapped", field=field,
                          code="position_swapped")
        raise Invalid("the position is outside China; check the latitude and longitude", field=field,
                      code="position_abroad")


def check_values(values: dict) -> None:
    """The columns of a facility or subject about to be stored (create, change or import)."""
    check_name(values.get("name"))
    check_point(values.get("lat"), values.get("lon"))
