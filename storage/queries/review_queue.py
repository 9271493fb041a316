"""The review queue: patrols, visits and station inspections awaiting a decision, merged into one keyset-paged list.

Each branch (patrols, visits) is filtered, ordered and limited on its own indexes, then the two
short lists are merged: a page costs the same at record one million as at record ten."""

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
from storage.models import Facility, Inspection, OrgUnit, Patrol, Subject, User, Visit
from storage.queries.common import in_scope, in_unit
from storage.queries.records import site_column, time_column
from storage.vocabulary import VISIT_TYPES


@dataclass(frozen=True)
class QueueFilter:
    status: str = "submitted"
    org_unit_id: uuid.UUID | None = None
    facility_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    type: str | None = None  # "patrol", "visit", a visit type or "inspection"
    flag: str | None = None
    author_id: uuid.UUID | None = None
    not_author_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


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


def _branch(model: Any, kind: str, *, scope_path: str, f: QueueFilter, sort: str, after: tuple | None, limit: int):
    at, place = time_column(model), site_column(model)
    n_flags = func.jsonb_array_length(model.flags)
    query = select(
        literal(kind).label("kind"),
        model.id.label("id"),
        model.org_unit_id.label("org_unit_id"),
        model.author_id.label("author_id"),
        at.label("at"),
        model.status.label("status"),
        model.flags.label("flags"),
        n_flags.label("n_flags"),
        place.label("place_id"),
        (model.visit_type if model is Visit else literal(kind)).label("type"),
        func.cardinality(model.photo_ids).label("n_photos"),
    ).where(in_scope(model.org_unit_id, scope_path))
    if f.status != "all":
        query = query.where(model.status == f.status)
    if f.org_unit_id:
        query = query.where(in_unit(model.org_unit_id, f.org_unit_id))
    if model is Patrol and f.facility_id:
        query = query.where(model.facility_id == f.facility_id)
    if model is Visit and f.subject_id:
        query = query.where(model.subject_id == f.subject_id)
    if model is Visit and f.type in VISIT_TYPES:
        query = query.where(model.visit_type == f.type)
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
    kinds: list[tuple[Any, str]] = []
    if not (filters.subject_id or filters.type in ("visit", "inspection", *VISIT_TYPES)):
        kinds.append((Patrol, "patrol"))
    if not (filters.facility_id or filters.type in ("patrol", "inspection")):
        kinds.append((Visit, "visit"))
    if not (filters.facility_id or filters.subject_id or filters.type not in (None, "inspection")):
        kinds.append((Inspection, "inspection"))
    if not kinds:
        return [], None
    branches = [_branch(m, k, scope_path=scope_path, f=filters, sort=sort, after=after, limit=limit) for m, k in kinds]
    merged = union_all(*(select(b) for b in branches)).subquery()
    order = ([merged.c.n_flags.desc()] if sort == "most_flagged" else []) + [merged.c.at.desc(), merged.c.id.desc()]
    rows = (await session.execute(select(merged).order_by(*order).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _encode(sort, rows[-1])


async def labels(session: AsyncSession, *, rows: Sequence[Row]) -> dict[uuid.UUID, str]:
    """Names of the units, authors, facilities and subjects on a page, in four lookups."""
    wanted = [
        (OrgUnit.id, OrgUnit.name, {r.org_unit_id for r in rows}),  # an inspection's place is its unit
        (User.id, User.display_name, {r.author_id for r in rows}),
        (Facility.id, Facility.name, {r.place_id for r in rows if r.kind == "patrol"}),
        (Subject.id, Subject.name, {r.place_id for r in rows if r.kind == "visit"}),
    ]
    found: dict[uuid.UUID, str] = {}
    for id_col, label, ids in wanted:
        if ids:
            found.update((await session.execute(select(id_col, label).where(id_col.in_(ids)))).all())
    return found
