"""Ledger export of 100k patrols (issue 5): time and peak memory of the streamed XLSX and CSV.

Memory is measured two ways while the export streams over HTTP into a counter (the server runs
in this process, in a thread): the tracemalloc peak (Python allocations) and the peak of the
process's resident set sampled every 20 ms, above what it was before. The baseline is what the
naive way costs: the same rows materialised as one list (`.all()`) and turned into cells. The
streamed export at 10k patrols is the second baseline: constant memory means the same peak.

Run alone: .venv/bin/python -m scripts.bench.export_bench"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.exports import patrol_row
from api.settings import Settings
from scripts.bench.harness import BENCH_PASSWORD, report, running_stack, seed_demo, serving
from storage.checklists import LABELS_ZH
from storage.db import make_engine
from storage.queries import exports

# Every patrol fill() makes; `to` no later than tomorrow (the API refuses a day over a year ahead).
PERIOD = {"from": "2020-01-01", "to": (date.today() + timedelta(days=1)).isoformat()}


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class Peak:
    """Peak RSS above the start (sampled) and the tracemalloc peak, around a block."""

    def __enter__(self) -> Peak:
        tracemalloc.start()
        self.start, self.top, self.done = rss_kb(), rss_kb(), False
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.done:
            self.top = max(self.top, rss_kb())
            time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        self.done = True
        self.thread.join()
        self.traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        self.rss_mb = (self.top - self.start) / 1024


async def fill(database_url: str, target: int) -> None:
    """Patrols with a full checklist, two photo ids, a flag on some and a review on a third."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    have = await conn.fetchval("select count(*) from patrols")
    if have < target:
        author = await conn.fetchval("select id from users where username = 'worker1'")
        reviewer = await conn.fetchval("select id from users where username = 'super1'")
        checklist = (
            "["
            + ",".join(
                f'{{"item":"{c}","result":"ok","note":""}}'
                for c in ("cleanliness", "greenery", "signage", "safety", "visitor_order", "surveillance")
            )
            + ',{"item":"structure","result":"issue","note":"碑体东侧有裂缝，约三十厘米"}]'
        )
        await conn.execute(
            f"""
            with f as (select array_agg(id) ids, array_agg(org_unit_id) units, count(*) n from facilities)
            insert into patrols (id, facility_id, org_unit_id, author_id, started_at, ended_at, lat, lon, accuracy_m,
                                 checklist, notes, photo_ids, status, flags, body_hash)
            select gen_random_uuid(), f.ids[1 + g % f.n], f.units[1 + g % f.n], $1, t, t + interval '30 minutes',
                   26.6, 106.7, 15, $2::jsonb, '例行巡查，发现问题已拍照', array[gen_random_uuid(), gen_random_uuid()],
                   (array['submitted','approved','returned'])[1 + g % 3],
                   case when g % 4 = 0 then '[{{"code":"far_from_site","detail":"x","detail_zh":"记录位置距设施 1.5 km"}}]'::jsonb
                        else '[]'::jsonb end, 'x'
            from f, generate_series({have + 1}, {target}) g,
                 lateral (select now() - (g * interval '5 minutes') as t) ts""",
            author,
            checklist,
        )
        await conn.execute(
            """
            insert into reviews (id, record_kind, record_id, reviewer_id, decision, comment)
            select gen_random_uuid(), 'patrol', id, $1, case when status = 'approved' then 'approve' else 'return' end,
                   '请补拍近景'
            from patrols p where status <> 'submitted'
              and not exists (select 1 from reviews r where r.record_id = p.id)""",
            reviewer,
        )
        await conn.execute("analyze")
    await conn.close()


def export(base: str, headers: dict[str, str], name: str) -> tuple[float, int]:
    started, size = time.perf_counter(), 0
    with httpx.Client(base_url=base, headers=headers, timeout=900) as client:
        with client.stream("GET", f"/api/v1/exports/{name}", params=PERIOD) as response:
            assert response.status_code == 200, response.read()
            for chunk in response.iter_raw():
                size += len(chunk)
    return time.perf_counter() - started, size


async def materialise(database_url: str, scope_path: str) -> int:
    """The naive way: every row in one list, then every row as cells."""
    engine = make_engine(database_url, pool_size=1)
    async with AsyncSession(engine) as session:
        from datetime import datetime, timezone

        query = exports.ledger_query(
            "patrol",
            scope_path=scope_path,
            since=datetime(2020, 1, 1, tzinfo=timezone.utc),
            until=datetime(2030, 1, 1, tzinfo=timezone.utc),
        )
        rows = (await session.execute(query)).all()
        link: Callable = lambda i: f"http://x/#/photo/{i}"  # noqa: E731
        cells = [patrol_row(r, link, LABELS_ZH) for r in rows]
        n = len(cells)
    await engine.dispose()
    return n


async def main() -> int:
    with running_stack():
        settings = Settings.from_env()
        await seed_demo(settings.migration_url)
        conn = await asyncpg.connect(settings.migration_url.replace("+asyncpg", ""))
        district = await conn.fetchval("select path from org_units where level = 'district'")
        await conn.close()
        with serving(create_app(settings)) as base:
            token = httpx.post(
                f"{base}/api/v1/auth/login", json={"username": "admin", "password": BENCH_PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            peaks: dict[tuple[int, str], Peak] = {}
            times: dict[tuple[int, str], float] = {}
            for size in (10_000, 100_000):
                await fill(settings.migration_url, size)
                for fmt in ("csv", "xlsx"):
                    times[size, fmt], nbytes = export(base, headers, f"patrols.{fmt}")  # timed without tracing
                    print(f"# {size} patrols as {fmt}: {nbytes / 2**20:.1f} MB in {times[size, fmt]:.1f} s", flush=True)
                    with Peak() as peak:
                        export(base, headers, f"patrols.{fmt}")
                    peaks[size, fmt] = peak
            with Peak() as naive:
                count = await materialise(settings.migration_url, district)
            assert count == 100_000, count
            started = time.perf_counter()
            await materialise(settings.migration_url, district)
            naive_s = time.perf_counter() - started
        for fmt in ("csv", "xlsx"):
            report(
                f"export_patrols_{fmt}_100k_time",
                times[100_000, fmt],
                "s",
                naive_s,
                "s to materialise the rows as a list",
            )
            report(
                f"export_patrols_{fmt}_100k_rate",
                100_000 / times[100_000, fmt],
                "rows/s",
                10_000 / times[10_000, fmt],
                "rows/s at 10k",
            )
            report(
                f"export_patrols_{fmt}_100k_peak_traced",
                peaks[100_000, fmt].traced_mb,
                "MB",
                naive.traced_mb,
                "MB materialised list",
            )
            report(
                f"export_patrols_{fmt}_100k_peak_rss",
                max(peaks[100_000, fmt].rss_mb, 0.1),
                "MB",
                max(naive.rss_mb, 0.1),
                "MB materialised list",
            )
            report(
                f"export_patrols_{fmt}_peak_traced_100k_vs_10k",
                peaks[100_000, fmt].traced_mb,
                "MB",
                peaks[10_000, fmt].traced_mb,
                "MB at 10k",
            )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
