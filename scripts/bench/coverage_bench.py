"""Coverage report at one million records (issue 5).

The demo district plus 2,000 facilities and 20,000 subjects; records bulk-loaded with
generate_series (60% patrols, 40% visits, spread over two years, 5% with an open task). The
report for the whole district and for one street, over the last 90 days, is timed through the
API at 10k records and again at 1M; the 10k figure is the baseline.

Run alone: .venv/bin/python -m scripts.bench.coverage_bench"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta, timezone

import asyncpg
import httpx

from api.settings import Settings
from scripts.bench.harness import login, percentile, report, running_stack, seed_demo, serving
from storage.vocabulary import VISIT_TYPES

SAMPLES = 30  # a p95 of 15 samples is their maximum


async def seed(database_url: str) -> None:
    await seed_demo(database_url)
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    await conn.execute("""
        with units as (select array_agg(id order by path) ids from org_units where level = 'community')
        insert into facilities (id, name, kind, protection_level, lat, lon, org_unit_id, patrol_interval_days, created_at)
        select gen_random_uuid(), '设施' || g, 'monument', 'county', 26.5 + (g % 100) * 0.001, 106.7 + (g / 100) * 0.001,
               units.ids[1 + g % array_length(units.ids, 1)], case when g % 5 = 0 then 180 else 30 end,
               now() - interval '800 days'
        from generate_series(1, 2000) g, units""")
    await conn.execute("""
        with units as (select array_agg(id order by path) ids from org_units where level = 'community')
        insert into subjects (id, name, category, org_unit_id, visit_interval_days, created_at)
        select gen_random_uuid(), '对象' || g,
               (array['martyr_family','disabled_veteran','hardship_veteran','other_veteran'])[1 + g % 4],
               units.ids[1 + g % array_length(units.ids, 1)], 90, now() - interval '800 days'
        from generate_series(1, 20000) g, units""")
    await conn.execute("analyze")
    await conn.close()


async def fill(database_url: str, target: int) -> None:
    """Top the records up to `target` (60% patrols, 40% visits) and open tasks on 5% of patrols."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    have_p = await conn.fetchval("select count(*) from patrols")
    have_v = await conn.fetchval("select count(*) from visits")
    more_p, more_v = max(0, target * 6 // 10 - have_p), max(0, target * 4 // 10 - have_v)
    author = await conn.fetchval("select id from users where username = 'worker1'")
    if more_p:
        await conn.execute(
            f"""
            with f as (select array_agg(id) ids, array_agg(org_unit_id) units, count(*) n from facilities)
            insert into patrols (id, facility_id, org_unit_id, author_id, started_at, ended_at, lat, lon, accuracy_m,
                                 checklist, notes, status, flags, body_hash)
            select gen_random_uuid(), f.ids[1 + g % f.n], f.units[1 + g % f.n], $1, t, t + interval '30 minutes',
                   26.6, 106.7, 15, '[{{"item":"structure","result":"ok"}}]'::jsonb, '',
                   (array['submitted','approved','approved','returned'])[1 + abs(hashtext(g::text)) % 4], '[]'::jsonb, 'x'
            from f, generate_series({have_p + 1}, {have_p + more_p}) g,
                 lateral (select now() - ((g::bigint * 7919) % (730 * 86400)) * interval '1 second' as t) ts""",
            author,
        )
        await conn.execute("""
            insert into tasks (id, record_kind, record_id, item, org_unit_id, facility_id, assignee_id, status, due_at,
                               opened_at)
            select gen_random_uuid(), 'patrol', p.id, 'structure', p.org_unit_id, p.facility_id, p.author_id,
                   (array['open','fixed','accepted'])[1 + (abs(hashtext(p.id::text)) % 3)],
                   p.started_at + interval '15 days', p.started_at
            from patrols p where abs(hashtext(p.id::text)) % 20 = 0
            on conflict do nothing""")
    if more_v:
        await conn.execute(
            f"""
            with s as (select array_agg(id) ids, array_agg(org_unit_id) units, count(*) n from subjects)
            insert into visits (id, subject_id, org_unit_id, author_id, visit_type, visited_at, lat, lon, accuracy_m,
                                summary, cash_yuan, goods, status, flags, body_hash)
            select gen_random_uuid(), s.ids[1 + g % s.n], s.units[1 + g % s.n], $1,
                   ($2::text[])[1 + g % cardinality($2::text[])], t,
                   26.6, 106.7, 20, '', (g % 5) * 100, case when g % 3 = 0 then '米、油' else '' end,
                   (array['submitted','approved','approved','returned'])[1 + abs(hashtext(g::text)) % 4], '[]'::jsonb, 'x'
            from s, generate_series({have_v + 1}, {have_v + more_v}) g,
                 lateral (select now() - ((g::bigint * 7907) % (730 * 86400)) * interval '1 second' as t) ts""",
            author,
            list(VISIT_TYPES),  # each visit type in turn
        )
    # Vacuumed too, so that autovacuum of the bulk load does not run during the timings.
    await conn.execute("vacuum analyze")
    await conn.close()


def timings(base: str, headers: dict[str, str], params: dict[str, str]) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
        client.get("/api/v1/reports/coverage", params=params)  # warm up
        for _ in range(SAMPLES):
            started = time.perf_counter()
            response = client.get("/api/v1/reports/coverage", params=params)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return out


async def main() -> int:
    with running_stack():
        settings = Settings.from_env()
        await seed(settings.migration_url)
        china = timezone(timedelta(hours=8))
        period = {
            "from": (datetime.now(china) - timedelta(days=90)).date().isoformat(),
            "to": datetime.now(china).date().isoformat(),
        }
        with serving() as base:  # the API in its own process
            admin, street = login(base, "admin"), login(base, "super1")
            results = {}
            for size in (10_000, 1_000_000):
                started = time.perf_counter()
                await fill(settings.migration_url, size)
                print(f"# {size} records loaded in {time.perf_counter() - started:.0f} s", flush=True)
                results[size] = (timings(base, admin, period), timings(base, street, period))
            for n, who in ((0, "district"), (1, "street")):
                small, large = results[10_000][n], results[1_000_000][n]
                report(f"coverage_{who}_p50_at_1m", percentile(large, 0.5), "ms", percentile(small, 0.5), "ms at 10k")
                report(f"coverage_{who}_p95_at_1m", percentile(large, 0.95), "ms", percentile(small, 0.95), "ms at 10k")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
