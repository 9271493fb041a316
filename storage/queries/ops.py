"""Figures for operators' metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.record_tables import TABLES


async def incomplete_records(session: AsyncSession) -> dict[str, int]:
    """Records still waiting for photos, by kind."""
    return {
        t.kind: await session.scalar(select(func.count()).where(t.model.status == "incomplete")) or 0 for t in TABLES
    }
