"""What the patrols, visits and inspections of a period add up to, per unit, kind, status and visit
type: the record_tallies rows for the period's whole China days, and the raw records (the
record_facts view) for the part-days at its edges. Both are written from one definition in
migration a7d3e5f20c61, so the sums are those of a GROUP BY over the records themselves, at a cost
that follows units x days rather than records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import DateTime, Integer, Numeric, String, Uuid, column, func, literal, select, table, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RecordTally
from storage.queries.common import in_scope

CHINA = timezone(timedelta(hours=8))  # the tallies' days are UTC+8 days (CHINA_DAY in the migration)

record_facts = table(
    "record_facts",
    column("org_unit_id", Uuid),
    column("at", DateTime(timezone=True)),
    column("kind", String),
    column("status", String),
    column("visit_type", String),
    column("cash", Numeric),
    column("goods", Integer),
    column("flagged", Integer),
)


class Tally(NamedTuple):
    org_unit_id: Any
    kind: str  # patrol | visit | inspection
    status: str
    visit_type: str  # "" but for visits
    n: int
    cash: Decimal
    goods: int
    flagged: int


def is_midnight(at: datetime) -> bool:
    """`at` is the start of a China day."""
    return at.astimezone(CHINA).time() == time(0)


def whole_days(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The China days [first, last) lying wholly inside [since, until), if any."""
    first = since.astimezone(CHINA).date() + timedelta(days=not is_midnight(since))
    last = until.astimezone(CHINA).date()
    return (first, last) if first < last else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA)


def _parts(since: datetime, until: datetime) -> Iterator[Any]:
    """Selects of (unit, kind, status, visit type, n, cash, goods, flagged) covering [since, until)."""
    f = record_facts.c

    def raw(start: datetime, end: datetime) -> Any:
        return select(
            f.org_unit_id, f.kind, f.status, f.visit_type, literal(1).label("n"), f.cash, f.goods, f.flagged
        ).where(f.at >= start, f.at < end)

    days = whole_days(since, until)
    if days is None:
        yield raw(since, until)
        return
    first, last = days
    t = RecordTally
    yield select(t.org_unit_id, t.kind, t.status, t.visit_type, t.n, t.cash, t.goods, t.flagged).where(
        t.day >= first, t.day < last
    )
    if since < _midnight(first):
        yield raw(since, _midnight(first))
    if _midnight(last) < until:
        yield raw(_midnight(last), until)


async def tallies(session: AsyncSession, *, scope_path: str, since: datetime, until: datetime) -> list[Tally]:
    """The records of the scope's units with a time in [since, until), summed per unit, kind,
    status and visit type (a group whose records were all deleted or moved may sum to n = 0)."""
    parts = union_all(*_parts(since, until)).subquery()
    p = parts.c
    query = (
        select(
            p.org_unit_id,
            p.kind,
            p.status,
            p.visit_type,
            func.sum(p.n),
            func.sum(p.cash),
            func.sum(p.goods),
            func.sum(p.flagged),
        )
        .where(in_scope(p.org_unit_id, scope_path))
        .group_by(p.org_unit_id, p.kind, p.status, p.visit_type)
    )
    return [
        Tally(unit, kind, status, visit_type, int(n), cash, int(goods), int(flagged))  # sum() is numeric
        for unit, kind, status, visit_type, n, cash, goods, flagged in (await session.execute(query)).all()
    ]
