"""Figures for operators' metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Patrol, Visit


async def incomplete_records(session: AsyncSession) -> dict[str, int]:
    """Records still waiting for photos, by kind."""
    return {
        kind: await session.scalar(select(func.count()).where(model.status == "incomplete")) or 0
        for kind, model in (("patrol", Patrol), ("visit", Visit))
    }
