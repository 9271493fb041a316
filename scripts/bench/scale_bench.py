"""Processes and servers (issue 9), record PUT with 8 clients, each against its floor in the same run:

- 2 API processes vs 1 (target >= 1.5x), under uvicorn's workers and under granian: the server
  scripts/serve uses is the one that wins here;
- the API vs a minimal Litestar + asyncpg one-INSERT handler on the same processes (the framework
  floor, target >= 0.4x), and vs raw asyncpg inserts (no HTTP at all);
- where each PUT's CPU goes, API processes, PostgreSQL and the client, against the same for the
  floor: on two cores that all of them share, these bound both ratios above;
- how many cores the 1-process run already keeps busy: 2 processes can be at most
  (cores on the machine / that) times faster.

Run alone: .venv/bin/python -m scripts.bench.scale_bench   (scripts/bench/run runs them all)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.settings import Settings
from scripts import asgi
from scripts.bench.api_bench import patrol_body, patrol_template, put_rate
from scripts.bench.harness import BENCH_PASSWORD, report, running_stack, seed_demo
from scripts.stack import Stack, free_port

TOTAL = 2400  # about 10 s per figure at these rates: shorter runs swing by a fifth


@dataclass
class Run:
    rate: float  # PUTs per second
    cpu_ms: dict[str, float]  # CPU per PUT: "api" (the server's processes), "postgres", "client"
    cores_busy: float  # the whole machine's CPU in use during the run, in cores


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all but idle and iowait), from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, now (children are listed per thread that started them)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += (task / "children").read_text().split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return [pid] + [p for kid in kids for p in _tree(int(kid))]


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (those gone meanwhile count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(
    stack: Stack,
    workers: int,
    server: str,
    *,
    target: str = "api.app:app_from_env",
    path: str = "/api/v1/patrols",
    ready: str = "/api/v1/health",
) -> Run:
    port = free_port()
    process = asgi.spawn(
        workers=workers,
        port=port,
        server=server,
        target=target,
        quiet=True,
        factory=True,
        env={"XUNFANG_SECRET": "bench-" + "x" * 40},
    )
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
        if stack.postgres is None:
            raise SystemExit("error: the benchmark needs its own PostgreSQL, to count its CPU")
        postmaster = int((stack.postgres.data_dir / "postmaster.pid").read_text().split()[0])
        parts = {
            "api": lambda: _cpu_s(_tree(process.pid)),
            "postgres": lambda: _cpu_s(_tree(postmaster)),
            "client": time.process_time,
        }
        before = {name: used() for name, used in parts.items()}
        busy, started = _machine_busy_s(), time.perf_counter()
        rate = asyncio.run(put_rate(base, path, headers, body, TOTAL))  # its warm-up counts too: 32 more PUTs
        cores_busy = (_machine_busy_s() - busy) / (time.perf_counter() - started)
        return Run(
            rate, {name: (used() - before[name]) * 1000 / (TOTAL + 32) for name, used in parts.items()}, cores_busy
        )
    finally:
        asgi.stop(process)


def main() -> None:
    with running_stack() as stack:
        settings = Settings.from_env()
        asyncio.run(seed_demo(settings.migration_url))
        runs = {(server, n): measure(stack, n, server) for server in asgi.SERVERS for n in (1, 2)}
        rates = {key: run.rate for key, run in runs.items()}
        for server in asgi.SERVERS:
            report(
                f"record_put_8_clients_2_processes_{server}",
                rates[(server, 2)],
                "records/s",
                rates[(server, 1)],
                "records/s with 1 process",
            )
        best = max(asgi.SERVERS, key=lambda s: rates[(s, 2)])
        # One process already keeps more than one core busy (the server's I/O threads, PostgreSQL,
        # the client): a second process can add at most what is left, cores / this.
        report(
            f"record_put_8_clients_1_process_{best}_cores_busy",
            runs[(best, 1)].cores_busy,
            "cores",
            float(os.cpu_count() or 1),
            "cores on this machine",
        )
        other = next(s for s in asgi.SERVERS if s != best)
        report(f"asgi_server_{best}_vs_{other}_2_processes", rates[(best, 2)], "records/s", rates[(other, 2)])
        floor = measure(stack, 2, best, target="scripts.bench.floor_app:create", path="/floor", ready="/schema")
        report(
            f"record_put_8_clients_2_processes_vs_framework_floor_{best}",
            rates[(best, 2)],
            "records/s",
            floor.rate,
            "records/s minimal Litestar + asyncpg one-INSERT handler",
        )
        for part, ms in runs[(best, 2)].cpu_ms.items():
            report(f"record_put_cpu_per_request_{part}", ms, "ms", floor.cpu_ms[part], "ms for the one-INSERT handler")


if __name__ == "__main__":
    main()
