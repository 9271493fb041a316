"""Data that is well-formed but cannot be true: refused with a reason a person can act on.

The one place that says what a facility's or subject's values must be, used alike by POST and
PATCH /facilities and /subjects and by the CSV imports: a name that is only digits (a spreadsheet
column slipped), a position at 0,0 (a blank GPS fix) or outside China (latitude and longitude
swapped, or a typo) unless XUNFANG_ALLOW_OUTSIDE_CHINA=1, a phone that is neither an 11-digit
mobile nor a landline with its area code, an identity number that is not 18 characters with a
matching check digit (GB 11643). Each refusal names its field and its rule (`rule`, a stable word
the screens say in the user's language)."""

from __future__ import annotations

import math
import os
import re
from datetime import date

from storage.errors import Invalid

# A box around the country, generous at the edges; what it lets through is checked by people.
CHINA = (3.5, 54.0, 73.0, 135.5)  # lat min, lat max, lon min, lon max
_NO_LETTERS = re.compile(r"^[\d\s\W_]+$")
# A mobile: 11 digits starting 13-19 (an optional +86 before it). A landline: a 3- or 4-digit
# area code starting with 0, then 7 or 8 digits, an optional extension; spaces and dashes free.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:\+?86)?0\d{2,3}\d{7,8}(?:\d{1,6})?$")
_LANDLINE_SHAPE = re.compile(r"^(?:\+?86[ -]?)?\(?0\d{2,3}\)?[ -]?\d{7,8}(?:[ -]\d{1,6})?$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def outside_china_allowed() -> bool:
    return os.environ.get("XUNFANG_ALLOW_OUTSIDE_CHINA", "") in ("1", "true")


def check_name(name: str | None, *, field: str = "name") -> None:
    if name is not None and _NO_LETTERS.match(name):
        raise Invalid(
            "name: a name needs words, not only digits or marks",
            field=field,
            code="name_not_words",
            rule="name_no_letters",
        )


def check_point(lat: float | None, lon: float | None, *, field: str = "location") -> None:
    if lat is None or lon is None:
        return
    lat_min, lat_max, lon_min, lon_max = CHINA
    swapped = lat_min <= lon <= lat_max and lon_min <= lat <= lon_max
    if swapped and (abs(lat) > 90 or not outside_china_allowed()):  # a latitude of 106: the columns swapped
        raise Invalid(
            f"location: latitude and longitude look swapped (latitude {lon}, longitude {lat} would be "
            "in China); latitude comes first",
            field=field,
            code="position_swapped",
            rule="position_swapped",
        )
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise Invalid(
            "location.lat: a latitude is between -90 and 90",
            field=f"{field}.lat",
            code="out_of_range",
            rule="latitude_range",
        )
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise Invalid(
            "location.lon: a longitude is between -180 and 180",
            field=f"{field}.lon",
            code="out_of_range",
            rule="longitude_range",
        )
    if abs(lat) < 1 and abs(lon) < 1:
        raise Invalid(
            "location: the position is 0,0 (a blank GPS fix); enter the real latitude and longitude",
            field=field,
            code="position_zero",
            rule="position_zero",
        )
    if not outside_china_allowed() and not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        raise Invalid(
            "location: the position is outside China; check the latitude (3.5 to 54) and the longitude (73 to 135.5)",
            field=field,
            code="position_abroad",
            rule="position_outside_china",
        )


def check_phone(phone: str | None, *, field: str = "phone") -> None:
    """An 11-digit mobile (1[3-9]...) or a landline with its area code (0851-85551234); empty is
    allowed (not everyone has a phone)."""
    if not phone:
        return
    digits = re.sub(r"[\s\-()]", "", phone)
    if _MOBILE.match(digits) or (_LANDLINE.match(digits) and _LANDLINE_SHAPE.match(phone.strip())):
        return
    raise Invalid(
        "phone: an 11-digit mobile number starting 13 to 19, or a landline with its area code (such as 0851-85551234)",
        field=field,
        rule="phone_format",
    )


def id_number_check_digit(first17: str) -> str:
    """GB 11643-1999: the 18th character of a citizen identity number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def check_id_number(value: str | None, *, field: str = "id_number") -> None:
    """18 characters: 17 digits (region, birth date, sequence) and a check digit 0-9 or X that
    matches them; empty is allowed (not always known)."""
    if not value:
        return
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise Invalid(
            "id_number: an identity number has 18 characters: 17 digits and a check digit (0-9 or X)",
            field=field,
            rule="id_number_format",
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1880 or born > date.today():
        raise Invalid(
            "id_number: the birth date in the identity number (characters 7 to 14) is not a real date",
            field=field,
            rule="id_number_birth_date",
        )
    if id_number_check_digit(value[:17]) != value[17]:
        raise Invalid(
            "id_number: the identity number's last character does not match its check digit "
            "(GB 11643); a digit is likely mistyped",
            field=field,
            rule="id_number_checksum",
        )


def problems(values: dict) -> list[Invalid]:
    """Every rule the columns of a facility or subject break, one per field (an import lists them
    all at once; a form's answer names the first)."""
    found: list[Invalid] = []
    checks = (
        (check_name, (values.get("name"),)),
        (check_point, (values.get("lat"), values.get("lon"))),
        (check_phone, (values.get("phone"),)),
        (check_id_number, (values.get("id_number"),)),
    )
    for check, args in checks:
        try:
            check(*args)
        except Invalid as exc:
            found.append(exc)
    return found


def check_values(values: dict) -> None:
    """The columns of a facility or subject about to be stored (create, change or import)."""
    found = problems(values)
    if found:
        raise found[0]
