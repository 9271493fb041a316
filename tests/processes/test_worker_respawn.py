"""A killed API worker is no outage: while phones keep sending records, kill -9 of one of the
server's worker processes leaves every answer a 2xx or a 503 with Retry-After, health answers
throughout, the worker is replaced within seconds, and every record the server acknowledged is
there afterwards (a request cut off with its worker is sent again, as the PWA's outbox does)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

import httpx
import pytest

from scripts import asgi
from scripts.stack import free_port
from tests.api.test_patrols import SITE, patrol_body
from tests.builders import PASSWORD, add_facility, make_district


def workers_of(server: subprocess.Popen) -> set[int]:
    out = subprocess.run(
        ["ps", "-ww", "--ppid", str(server.pid), "-o", "pid=,args="],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    # granian's workers carry its own command line, uvicorn's are multiprocessing's spawn_main
    return {int(line.split()[0]) for line in out.splitlines() if " -m granian " in line or "spawn_main" in line}


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
async def test_kill_9_of_one_worker_under_load_is_no_outage(stack, engine, db, secret, server):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await db.commit()
    port = free_port()
    process = asgi.spawn(workers=2, port=port, server=server, env={"XUNFANG_SECRET": secret}, quiet=True)
    base = f"http://127.0.0.1:{port}"
    try:
        asgi.wait_ready(base, process)
        for _ in range(600):  # uvicorn's supervisor starts its workers after it answers
            if len(workers_of(process)) == 2:
                break
            await asyncio.sleep(0.1)
        workers = workers_of(process)
        assert len(workers) == 2, subprocess.run(
            ["ps", "-ww", "--ppid", str(process.pid), "-o", "pid=,args="],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            login = await http.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})
            worker = {"Authorization": f"Bearer {login.json()['access_token']}"}
        answers: list[httpx.Response] = []
        cut_off = 0
        acknowledged: set[uuid.UUID] = set()
        health: list[int] = []
        stop = asyncio.Event()

        async def phone(n: int) -> None:
            nonlocal cut_off
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                for _ in range(n):
                    record_id = uuid.uuid4()
                    while True:  # the outbox: again after a cut connection or a 503
                        try:
                            answer = await http.put(
                                f"/api/v1/patrols/{record_id}", headers=worker, json=patrol_body(facility)
                            )
                        except httpx.TransportError:
                            cut_off += 1
                            continue
                        answers.append(answer)
                        if answer.status_code in (200, 201):
                            acknowledged.add(record_id)
                            break
                        await asyncio.sleep(0.2)

        async def probe() -> None:
            """A monitor's check on a new connection each time; one that the dying worker had just
            accepted is cut off with it, and the next one is answered."""
            while not stop.is_set():
                for _ in range(2):
                    try:
                        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                            health.append((await http.get("/api/v1/health")).status_code)
                        break
                    except httpx.TransportError:
                        continue
                else:
                    health.append(0)  # twice in a row: down
                await asyncio.sleep(0.05)

        async def killer() -> None:
            await asyncio.sleep(1.0)
            os.kill(sorted(workers)[0], signal.SIGKILL)

        prober = asyncio.ensure_future(probe())
        started = time.monotonic()
        await asyncio.gather(*(phone(40) for _ in range(4)), killer())
        stop.set()
        await prober
        elapsed = time.monotonic() - started
        assert process.poll() is None, "the server itself kept running"
        for _ in range(100):  # replaced within seconds
            replaced = workers_of(process)
            if len(replaced) == 2 and replaced != workers:
                break
            await asyncio.sleep(0.1)
        assert len(replaced) == 2 and sorted(workers)[0] not in replaced, (workers, replaced)
        statuses = {a.status_code for a in answers}
        assert statuses <= {200, 201, 503}, statuses
        assert all(a.headers.get("retry-after") for a in answers if a.status_code == 503)
        assert health and set(health) == {200}, health
        assert len(acknowledged) == 160, (len(acknowledged), cut_off, elapsed)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for record_id in acknowledged:
                assert (await http.get(f"/api/v1/patrols/{record_id}", headers=worker)).status_code == 200
    finally:
        asgi.stop(process)
