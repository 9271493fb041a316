"""Processes and servers (issue 9), record PUT with 8 clients, each against its floor in the same run:

- 2 API processes vs 1 (target >= 1.5x), under uvicorn's workers and under granian: the server
  scripts/serve uses is the one that wins here;
- the API vs a minimal Litestar + asyncpg one-INSERT handler on the same processes (the framework
  floor, target >= 0.4x), and vs raw asyncpg inserts (no HTTP at all).

Run alone: .venv/bin/python -m scripts.bench.scale_bench   (scripts/bench/run runs them all)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from api.settings import Settings
from scripts import asgi
from scripts.bench.api_bench import patrol_body, patrol_template, put_rate
from scripts.bench.harness import BENCH_PASSWORD, report, running_stack, seed_demo
from scripts.stack import free_port

TOTAL = 2400  # about 10 s per figure at these rates: shorter runs swing by a fifth


def measure(workers: int, server: str, *, target: str = "api.app:app_from_env", path: str = "/api/v1/patrols",
            ready: str = "/api/v1/health") -> float:
    port = free_port()
    process = asgi.spawn(workers=workers, port=port, server=server, target=target, quiet=True,
                         factory=True, env={"XUNFANG_SECRET": "bench-" + "x" * 40})
    base = f"http://127.0.0.1:{port}"
    try:
        asgi.wait_ready(base, process, path=ready)
        headers = {}
        if path.startswith("/api/"):
            login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "worker1", "password": BENCH_PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            site = httpx.get(f"{base}/api/v1/facilities", headers=headers).json()["items"][0]
            template = patrol_template(base, headers)
        else:
            site, template = {"id": str(uuid.uuid4()), "location": {"lat": 26.6, "lon": 106.7}}, None
        body = patrol_body(site["id"], site["location"]["lat"], site["location"]["lon"], template)
        return asyncio.run(put_rate(base, path, headers, body, TOTAL))
    finally:
        asgi.stop(process)


def main() -> None:
    with running_stack():
        settings = Settings.from_env()
        asyncio.run(seed_demo(settings.migration_url))
        rates = {(server, n): measure(n, server) for server in asgi.SERVERS for n in (1, 2)}
        for server in asgi.SERVERS:
            report(f"record_put_8_clients_2_processes_{server}", rates[(server, 2)], "records/s",
                   rates[(server, 1)], "records/s with 1 process")
        best = max(asgi.SERVERS, key=lambda s: rates[(s, 2)])
        other = next(s for s in asgi.SERVERS if s != best)
        report(f"asgi_server_{best}_vs_{other}_2_processes", rates[(best, 2)], "records/s", rates[(other, 2)])
        floor = measure(2, best, target="scripts.bench.floor_app:create", path="/floor", ready="/schema")
        report(f"record_put_8_clients_2_processes_vs_framework_floor_{best}", rates[(best, 2)], "records/s", floor,
               "records/s minimal Litestar + asyncpg one-INSERT handler")


if __name__ == "__main__":
    main()
