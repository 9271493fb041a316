"""Ready-made comments for returning a record (照片不清楚, ...), in the order an admin set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReturnReason


async def list_reasons(session: AsyncSession) -> Sequence[ReturnReason]:
    return (await session.scalars(select(ReturnReason).order_by(ReturnReason.position, ReturnReason.code))).all()


async def replace_reasons(session: AsyncSession, *, reasons: Sequence[tuple[str, str, str]]) -> None:
    """The whole list at once: (code, zh, en), in this order."""
    await session.execute(delete(ReturnReason))
    if reasons:
        await session.execute(insert(ReturnReason), [dict(code=code, position=n, text_zh=zh, text_en=en)
                                                     for n, (code, zh, en) in enumerate(reasons)])
    await session.flush()
