"""A small sync storm in CI: 30 phones drain their backlogs into two API processes that are set to
shed load early; the phones honour Retry-After and afterwards nothing acknowledged is lost,
nothing is stored twice, and every record is `submitted` with all its photos."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.bench.harness import seed_demo
from scripts.bench.storm import phone_photos, storm
from tests.processes.conftest import serve


@pytest.fixture(scope="module")
def cramped(stack, engine, secret) -> Iterator[str]:
    """Two processes with room for two requests at a time, so the storm meets 503 + Retry-After:
    thirty phones arriving together leave about thirteen a process waiting longer than allowed."""
    yield from serve(
        2,
        secret,
        quiet=True,
        env={
            "XUNFANG_MAX_INFLIGHT": "2",
            "XUNFANG_QUEUE_WAIT_S": "0.05",
            "XUNFANG_PHOTO_INGESTS": "1",
            "XUNFANG_PHOTO_WAIT_S": "0.1",
        },
    )


async def test_thirty_phones_drain_through_shedding_with_nothing_lost_or_doubled(cramped, settings, db):
    await seed_demo(settings.database_url)
    figures = await storm(
        cramped, settings.database_url, phones=30, records=1, photos=2, spread_s=0.0, jpegs=phone_photos()[:2]
    )
    assert figures["shed"] > 0  # the overload happened, and was answered with 503 + Retry-After
    assert figures["errors"] == 0, figures["error_kinds"]  # no 500s, no hangs
    assert (figures["records"], figures["photos"]) == (30, 60)
    assert (figures["lost"], figures["duplicated"], figures["unfinished"]) == (0, 0, 0)
