"""The dates and times a query or path may name, bounded in one place: from 2000-01-01 to a year
from today (China time). Nothing of ours happened before, and nothing is planned further ahead;
outside that a date is a caller's mistake, a 400 naming the field, never arithmetic that
overflows (year 1 minus a week, 9999-12-31 plus a day) into a 500.

Every route that takes a date, a time or an ISO week passes it through here: the periods of
reports and exports (api/reports.py), the weekly report's week (api/weekly_report.py) and the
from/to filters of lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from litestar.exceptions import ValidationException

CHINA = timezone(timedelta(hours=8))
EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)


def latest() -> date:
    return datetime.now(CHINA).date() + AHEAD


def out_of_range(field: str) -> ValidationException:
    message = f"{field} must lie between {EARLIEST.isoformat()} and {latest().isoformat()}"
    return ValidationException(message, extra=[{"key": field, "message": message}])


def check_day(day: date, field: str) -> date:
    """`day` itself, or a 400 when it lies outside the range."""
    if not EARLIEST <= day <= latest():
        raise out_of_range(field)
    return day


def check_time(at: datetime | None, field: str) -> datetime | None:
    """`at` itself (None stays None), or a 400 when it lies outside the range. A time without
    an offset is read as China time for the comparison."""
    if at is None:
        return None
    aware = at if at.tzinfo is not None else at.replace(tzinfo=CHINA)
    if not datetime.combine(EARLIEST, time(), CHINA) <= aware <= datetime.combine(latest(), time(), CHINA):
        raise out_of_range(field)
    return at
