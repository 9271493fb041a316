"""Pieces every query module uses: org-unit scope and keyset pages."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import commit_early
from storage.errors import Invalid
from storage.models import OrgUnit, User

T = TypeVar("T")


def in_scope(column: Any, scope_path: str) -> ColumnElement[bool]:
    """`column` (an org unit id) is the scope's unit or below it."""
    units = select(OrgUnit.id).where(OrgUnit.path.startswith(scope_path, autoescape=True))
    return column.in_(units.scalar_subquery())


def in_unit(column: Any, unit_id: uuid.UUID) -> ColumnElement[bool]:
    """`column` is the unit `unit_id` or below it, in the same statement (no look-up of its path
    first); an unknown unit matches nothing."""
    path = select(OrgUnit.path).where(OrgUnit.id == unit_id).scalar_subquery()
    return column.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(path)).scalar_subquery())


def in_scope_of(column: Any, param: str = "scope_path") -> ColumnElement[bool]:
    """As in_scope, with the scope's path a bound parameter, for statements built once (the hot
    paths: building a statement costs more than running it). Paths are ids and slashes, so the
    LIKE needs no escaping."""
    units = select(OrgUnit.id).where(OrgUnit.path.startswith(bindparam(param)))
    return column.in_(units.scalar_subquery())


@asynccontextmanager
async def kept_under_lock(session: AsyncSession, name: str) -> AsyncIterator[AsyncSession]:
    """`session` in a transaction of its own that holds the advisory lock `name` exclusively, for
    computing figures to keep in the table `name`: the triggers that drop its rows hold the same
    lock shared until they commit, so writers not yet committed are waited for (and counted), and
    later ones drop what is stored here. The transaction so far is committed first (call this with
    nothing of the caller's pending) and this one at the end, so that writers wait only until the
    figures are stored, not until the request ends; one connection, so no request ever holds one
    while waiting for another."""
    await commit_early(session, "the caller's transaction ends before the figures' lock is taken")
    try:
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))
        yield session
    except BaseException:
        await session.rollback()
        raise
    await commit_early(session, "the figures are stored and their lock released: writers wait no longer")


async def unit_path(session: AsyncSession, unit_id: uuid.UUID) -> str | None:
    return await session.scalar(select(OrgUnit.path).where(OrgUnit.id == unit_id))


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|")
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("cursor is not one this server handed out", field="cursor") from exc


async def keyset_page(
    session: AsyncSession,
    query: Select,
    *,
    time_col: Any,
    id_col: Any,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Any], str | None]:
    """Newest first; the next page starts strictly after the last row of this one."""
    if cursor:
        at, row_id = decode_cursor(cursor)
        query = query.where(tuple_(time_col, id_col) < tuple_(at, row_id))
    query = query.order_by(time_col.desc(), id_col.desc()).limit(limit + 1)
    rows = (await session.scalars(query)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, time_col.key), getattr(last, id_col.key))


__all__ = ["in_scope", "in_scope_of", "unit_path", "keyset_page", "encode_cursor", "decode_cursor", "and_", "or_"]


async def names_by_id(session: AsyncSession, *, wanted: dict[Any, set[uuid.UUID]]) -> dict[uuid.UUID, str]:
    """What people call the rows wanted (model -> ids): a user's display name, anything else's
    name; one lookup per model that has ids."""
    found: dict[uuid.UUID, str] = {}
    for model, ids in wanted.items():
        if ids:
            label = model.display_name if model is User else model.name
            found.update((await session.execute(select(model.id, label).where(model.id.in_(ids)))).all())
    return found
