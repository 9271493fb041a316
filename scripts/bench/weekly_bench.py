"""Weekly station report at one million records (issue 12), beside the coverage report.

A district of 12 street and 300 community stations (the demo's plus generated ones), 2,000
facilities, 20,000 subjects; records bulk-loaded as in coverage_bench (two years, 60% patrols,
40% visits) plus 2% station inspections. Timed through the API at 10k records (the baseline) and
at 1M: GET /reports/weekly for the district (last week, and the week under way), /reports/coverage
for the district (last 90 days), and the weekly PDF (time and pages).

Run alone: .venv/bin/python -m scripts.bench.weekly_bench"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import asyncpg
import httpx

from api.settings import Settings
from scripts.bench.coverage_bench import fill as fill_records
from scripts.bench.coverage_bench import seed as seed_coverage
from scripts.bench.harness import login, percentile, report, running_stack, serving

SAMPLES = 30  # a p95 of 15 samples is their maximum


async def add_stations(database_url: str) -> None:
    """Streets up to 12 and communities up to 300 under the demo district."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    district = await conn.fetchrow("select id, path from org_units where level = 'district'")
    have = await conn.fetchval("select count(*) from org_units where level = 'street'")
    for n in range(have, 12):
        await conn.execute(
            """insert into org_units (id, name, level, parent_id, path, standard)
            select g, $1, 'street', $2, $3 || g || '/', 'seven_ones' from gen_random_uuid() g""",
            f"街道{n + 1}",
            district["id"],
            district["path"],
        )
    streets = await conn.fetch("select id, path from org_units where level = 'street' order by path")
    have = await conn.fetchval("select count(*) from org_units where level = 'community'")
    for n in range(have, 300):
        street = streets[n % len(streets)]
        await conn.execute(
            """insert into org_units (id, name, level, parent_id, path, standard, lat, lon)
            select g, $1, 'community', $2, $3 || g || '/', 'four_haves', 26.5, 106.7 from gen_random_uuid() g""",
            f"社区{n + 1}",
            street["id"],
            street["path"],
        )
    await conn.close()


async def fill(database_url: str, target: int) -> None:
    """Patrols and visits as coverage_bench loads them, then inspections to 2% of the target."""
    await fill_records(database_url, target * 98 // 100)
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    have = await conn.fetchval("select count(*) from inspections")
    more = max(0, target * 2 // 100 - have)
    author = await conn.fetchval("select id from users where username = 'super1'")
    if more:
        await conn.execute(
            f"""
            with u as (select array_agg(id) ids, array_agg(standard) std, count(*) n from org_units
                       where level = 'community')
            insert into inspections (id, org_unit_id, template_id, author_id, started_at, ended_at, checklist, notes,
                                     status, flags, body_hash)
            select gen_random_uuid(), u.ids[1 + g % u.n], '7c1e5a8e-0003-4c4b-9a51-000000000001', $1, t,
                   t + interval '40 minutes', '[{{"item":"basic_ledger","result":"ok"}}]'::jsonb, '',
                   (array['submitted','approved','approved','returned'])[1 + abs(hashtext(g::text)) % 4],
                   case when g % 7 = 0 then '[{{"code":"no_location"}}]'::jsonb else '[]'::jsonb end, 'x'
            from u, generate_series({have + 1}, {have + more}) g,
                 lateral (select now() - ((g::bigint * 7901) % (730 * 86400)) * interval '1 second' as t) ts""",
            author,
        )
    # Vacuumed too, so that autovacuum of the bulk load does not run during the timings.
    await conn.execute("vacuum analyze")
    await conn.close()


def timings(
    base: str, headers: dict[str, str], path: str, params: dict[str, str], samples: int = SAMPLES
) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        client.get(path, params=params)  # warm up
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(path, params=params)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
    return out


def pdf_pages(base: str, headers: dict[str, str], params: dict[str, str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = httpx.get(f"{base}/api/v1/exports/weekly.pdf", params=params, headers=headers, timeout=600)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text[:300]
    return elapsed, len(re.findall(rb"/Type\s*/Page(?!s)", response.content)), len(response.content)


async def main() -> int:
    with running_stack():
        settings = Settings.from_env()
        await seed_coverage(settings.migration_url)
        await add_stations(settings.migration_url)
        china = timezone(timedelta(hours=8))
        year, week, _ = (datetime.now(china) - timedelta(days=7)).isocalendar()
        weekly = {"week": f"{year}-W{week:02d}"}
        period = {
            "from": (datetime.now(china) - timedelta(days=90)).date().isoformat(),
            "to": datetime.now(china).date().isoformat(),
        }
        with serving() as base:
            admin = login(base, "admin")
            results = {}
            for size in (10_000, 1_000_000):
                started = time.perf_counter()
                await fill(settings.migration_url, size)
                print(f"# {size} records loaded in {time.perf_counter() - started:.0f} s", flush=True)
                results[size] = (
                    timings(base, admin, "/api/v1/reports/weekly", weekly),
                    timings(base, admin, "/api/v1/reports/coverage", period),
                    pdf_pages(base, admin, weekly),
                    timings(base, admin, "/api/v1/reports/weekly", {}),
                )  # the week under way
            for name, small, large in (
                ("weekly_district", results[10_000][0], results[1_000_000][0]),
                ("coverage_district", results[10_000][1], results[1_000_000][1]),
                ("weekly_district_this_week", results[10_000][3], results[1_000_000][3]),
            ):
                report(f"{name}_p50_at_1m", percentile(large, 0.5), "ms", percentile(small, 0.5), "ms at 10k")
                report(f"{name}_p95_at_1m", percentile(large, 0.95), "ms", percentile(small, 0.95), "ms at 10k")
            (ms_small, pages, size_small), (ms_large, pages_large, size_large) = (
                results[10_000][2],
                results[1_000_000][2],
            )
            report("weekly_pdf_time_at_1m", ms_large, "ms", ms_small, "ms at 10k")
            report("weekly_pdf_pages_at_1m", pages_large, "pages", pages, "pages at 10k")
            report("weekly_pdf_bytes_at_1m", size_large, "bytes", size_small, "bytes at 10k")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
