"""The review queue: patrols, visits and station inspections awaiting a decision, merged into one keyset-paged list.

Each kind's branch (storage/record_tables.py) is filtered, ordered and limited on its own indexes,
then the short lists are merged: a page costs the same at record one million as at record ten."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, literal, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Invalid
from storage.models import OrgUnit, User
from storage.queries.common import in_scope, in_unit, names_by_id
from storage.record_tables import TABLES, RecordTable


@dataclass(frozen=True)
class QueueFilter:
    status: str = "submitted"
    org_unit_id: uuid.UUID | None = None
    facility_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    type: str | None = None  # a record kind, or one of a kind's types (a visit type)
    flag: str | None = None
    author_id: uuid.UUID | None = None
    not_author_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None

    def sites(self) -> dict[str, uuid.UUID]:
        """The sites asked for, each by the name of the record column that holds such a site."""
        return {k: v for k, v in (("facility_id", self.facility_id), ("subject_id", self.subject_id)) if v}

    def wants(self, table: RecordTable) -> bool:
        """Whether the kind's records can match: of the type asked, and about the site asked."""
        typed = self.type is None or self.type == table.kind or self.type in table.types
        return typed and all(name == table.site_name for name in self.sites())


def _encode(sort: str, row: Row) -> str:
    key = (
        [row.n_flags, row.at.isoformat(), str(row.id)] if sort == "most_flagged" else [row.at.isoformat(), str(row.id)]
    )
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(sort: str, cursor: str) -> tuple:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if sort == "most_flagged":
            return int(key[0]), datetime.fromisoformat(key[1]), uuid.UUID(key[2])
        return datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid("cursor is not one this server handed out for this sort order", field="cursor") from exc


def _branch(table: RecordTable, *, scope_path: str, f: QueueFilter, sort: str, after: tuple | None, limit: int):
    model, at = table.model, table.time
    n_flags = func.jsonb_array_length(model.flags)
    query = select(
        literal(table.kind).label("kind"),
        model.id.label("id"),
        model.org_unit_id.label("org_unit_id"),
        model.author_id.label("author_id"),
        at.label("at"),
        model.status.label("status"),
        model.flags.label("flags"),
        n_flags.label("n_flags"),
        table.site.label("place_id"),
        (literal(table.kind) if table.type_column is None else table.type_column).label("type"),
        func.cardinality(model.photo_ids).label("n_photos"),
    ).where(in_scope(model.org_unit_id, scope_path))
    if f.status != "all":
        query = query.where(model.status == f.status)
    if f.org_unit_id:
        query = query.where(in_unit(model.org_unit_id, f.org_unit_id))
    if site_id := f.sites().get(table.site_name):
        query = query.where(table.site == site_id)
    if f.type in table.types:
        query = query.where(table.type_column == f.type)
    if f.flag:
        query = query.where(model.flags.contains([{"code": f.flag}]))
    if f.author_id:
        query = query.where(model.author_id == f.author_id)
    if f.not_author_id:
        query = query.where(model.author_id != f.not_author_id)
    if f.since:
        query = query.where(at >= f.since)
    if f.until:
        query = query.where(at < f.until)
    if sort == "most_flagged":
        if after:
            query = query.where(tuple_(n_flags, at, model.id) < tuple_(*after))
        query = query.order_by(n_flags.desc(), at.desc(), model.id.desc())
    else:
        if after:
            query = query.where(tuple_(at, model.id) < tuple_(*after))
        query = query.order_by(at.desc(), model.id.desc())
    return query.limit(limit + 1).subquery()


async def list_queue(
    session: AsyncSession,
    *,
    scope_path: str,
    filters: QueueFilter,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[Row], str | None]:
    """Rows with kind, id, org_unit_id, author_id, at, status, flags, n_flags, place_id, type, n_photos."""
    after = _decode(sort, cursor) if cursor else None
    tables = [t for t in TABLES if filters.wants(t)]
    if not tables:
        return [], None
    branches = [_branch(t, scope_path=scope_path, f=filters, sort=sort, after=after, limit=limit) for t in tables]
    merged = union_all(*(select(b) for b in branches)).subquery()
    order = ([merged.c.n_flags.desc()] if sort == "most_flagged" else []) + [merged.c.at.desc(), merged.c.id.desc()]
    rows = (await session.execute(select(merged).order_by(*order).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _encode(sort, rows[-1])


async def labels(session: AsyncSession, *, rows: Sequence[Row]) -> dict[uuid.UUID, str]:
    """Names of the units, authors, facilities and subjects on a page, in four lookups."""
    wanted: dict[Any, set[uuid.UUID]] = {OrgUnit: {r.org_unit_id for r in rows}, User: {r.author_id for r in rows}}
    for t in TABLES:  # an inspection's place is its unit, already wanted
        wanted.setdefault(t.site_model, set()).update(r.place_id for r in rows if r.kind == t.kind)
    return await names_by_id(session, wanted=wanted)
