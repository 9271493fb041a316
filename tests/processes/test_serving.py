"""The API as scripts/serve runs it (two processes under one server): metrics add up across
processes, and what the server writes to its log carries no position, token or signature."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builders import PASSWORD, make_district
from tests.processes.conftest import serve

LAT, LON = "26.123456", "106.654321"


@pytest.fixture(scope="module")
def two_processes(stack, engine, secret, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    for base in serve(2, secret, log=log):
        yield base, log


async def test_metrics_count_the_requests_of_every_process(two_processes, db):
    base, _ = two_processes
    await make_district(db)
    for _ in range(30):  # a new connection each, so both processes answer some
        assert httpx.get(f"{base}/api/v1/health").status_code == 200
    async with httpx.AsyncClient(base_url=base) as http:
        token = (await http.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})).json()
        text = (await http.get("/metrics", headers={"Authorization": f"Bearer {token['access_token']}"})).text
    counted = sum(
        float(n)
        for n in re.findall(
            r'xunfang_http_requests_total\{method="GET",route="/api/v1/health",status="200"\} (\S+)', text
        )
    )
    assert counted >= 30  # (wait_ready's probes count too)


async def test_the_server_log_holds_no_position_token_or_signature(two_processes, db, photos):
    base, log = two_processes
    await make_district(db)

    async with httpx.AsyncClient(base_url=base) as http:
        token = (await http.post("/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD})).json()
        worker = {"Authorization": f"Bearer {token['access_token']}"}
        put = await http.put(
            f"/api/v1/photos/{uuid.uuid4()}",
            params={"record_id": str(uuid.uuid4()), "lat": LAT, "lon": LON},
            content=(photos / "gps_DSCN0010.jpg").read_bytes(),
            headers={**worker, "Content-Type": "image/jpeg"},
        )
        assert put.status_code == 201
        assert (await http.get(put.json()["thumb_url"])).status_code == 200
        sig = put.json()["thumb_url"].split("sig=")[1]
    # A request's line is written once its answer has gone out, by whichever process served it:
    # read the log again until both lines are there (or give up after a few seconds).
    for _ in range(100):
        text = log.read_text()
        routes = [json.loads(line)["route"] for line in text.splitlines() if '"xunfang.request"' in line]
        if "/api/v1/photos/{photo_id}" in routes and "/api/v1/photos/{photo_id}/thumb" in routes:
            break
        await asyncio.sleep(0.1)
    assert "/api/v1/photos/{photo_id}" in routes and "/api/v1/photos/{photo_id}/thumb" in routes
    for secret in (LAT, LON, sig, token["access_token"], PASSWORD, "worker1"):
        assert secret not in text, secret


def test_a_second_server_on_a_port_in_use_refuses_to_start(two_processes, tmp_path):
    """Both servers bind with SO_REUSEPORT: without this check a second scripts/serve (or dev)
    would quietly share the port with the first, each on its own database."""
    base, _ = two_processes
    port = base.rsplit(":", 1)[1]
    env = {**os.environ, "PORT": port, "XUNFANG_DATA": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.run_serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing was started"
