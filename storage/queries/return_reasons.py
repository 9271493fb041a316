"""Ready-made comments for returning a record (照片不清楚, ...), in the order an admin set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReturnReason

# What migration 3a7c9e1f5b62 loads (code, zh, en); the tests put them back after emptying tables.
DEFAULTS = [
    ("photo_unclear", "照片不清楚，请重新拍摄", "The photos are unclear; take them again"),
    ("photo_missing", "缺少现场照片，请补拍", "Photos of the site are missing; add them"),
    ("far_from_site", "定位不在现场，请到现场后重新提交", "The position is not at the site; send it again from there"),
    (
        "issue_unclear",
        "问题描述不清楚，请写明具体情况",
        "The problem is not described clearly; say exactly what is wrong",
    ),
    ("wrong_site", "对象或设施选错了，请核对", "The wrong person or facility was chosen; check it"),
    ("details_missing", "走访内容不完整，请补充", "The visit's details are incomplete; complete them"),
]


def default_rows() -> list[dict[str, object]]:
    return [dict(code=c, position=n, text_zh=zh, text_en=en) for n, (c, zh, en) in enumerate(DEFAULTS)]


async def list_reasons(session: AsyncSession) -> Sequence[ReturnReason]:
    return (await session.scalars(select(ReturnReason).order_by(ReturnReason.position, ReturnReason.code))).all()


async def replace_reasons(session: AsyncSession, *, reasons: Sequence[tuple[str, str, str]]) -> None:
    """The whole list at once: (code, zh, en), in this order."""
    await session.execute(delete(ReturnReason))
    if reasons:
        await session.execute(
            insert(ReturnReason),
            [dict(code=code, position=n, text_zh=zh, text_en=en) for n, (code, zh, en) in enumerate(reasons)],
        )
    await session.flush()
