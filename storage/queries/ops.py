"""Figures for operators' metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.record_tables import TABLES


async def incomplete_records(session: AsyncSession) -> dict[str, int]:
    """Records still waiting for photos, by kind: one statement for every kind."""
    counts = (t.model.status == "incomplete" for t in TABLES)
    row = (await session.execute(select(*(select(func.count()).where(c).scalar_subquery() for c in counts)))).one()
    return {t.kind: n for t, n in zip(TABLES, row, strict=True)}
