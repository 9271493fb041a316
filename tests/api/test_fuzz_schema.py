"""Schemathesis against a real API process: every operation of the OpenAPI document, in all its
phases (examples, coverage, fuzzing, stateful sequences from the document's links), as a field
worker, a supervisor and an administrator, finds no server error. Bounded so it takes a minute
or two on a small machine; logout is left out, and nothing else may end the caller's session:
each role, the administrator above all, is still logged in afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from scripts.stack import free_port
from storage.models import WeeklyReport
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("XUNFANG_FUZZ_EXAMPLES", "2"))


@pytest.fixture(scope="module")
def server(stack) -> Iterator[str]:
    """The API as it runs in production: uvicorn, its own process, its own pools."""
    port = free_port()
    log = open(ROOT / "test-artifacts" / "fuzz-server.log", "w") if (ROOT / "test-artifacts").is_dir() else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2)  # noqa: S310 - our own http URL
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the API did not start on {base} (exit {process.poll()})")
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=20)
    if log:
        log.close()


async def seed(db) -> None:
    """Something of every kind in scope, so reads and links find rows; and the hostile texts of
    the security re-test (issue 18) already stored, as data from before the input rules: every
    export, report and list must still answer."""
    d = await make_district(db)
    for unit in (d.community1, d.community2):
        facility = await add_facility(db, unit)
        subject = await add_subject(db, unit)
        author = d.users["worker1" if unit is d.community1 else "worker2"]
        patrol = await add_patrol(db, unit, author, facility, issues={"structure": "碑体裂缝\ufffe"})
        patrol.notes = "前\ufffe\uffff后\x01"
        visit = await add_visit(db, unit, author, subject, follow_up=True)
        visit.summary = "走访\x07\ufffe"
    d.community1.name = "\n".join(["行"] * 60)
    d.community2.name = "西\x01一\ufffe社区"
    china = timezone(timedelta(hours=8))
    for weeks_ago in (0, 1):  # the default week and the one before, side by side in the files
        year, number, _ = (datetime.now(china) - timedelta(days=7 * weeks_ago)).isocalendar()
        for unit in (d.district, d.street1, d.street2, d.community1):
            db.add(
                WeeklyReport(
                    org_unit_id=unit.id,
                    week=f"{year}-W{number:02d}",
                    remarks="本周\x01\x1b\ufffe",
                    remarks_by_id=d.users["admin"].id,
                )
            )
    await db.commit()


def schemathesis(server: str, token: str, report_dir: Path, *selection: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{server}/schema/openapi.json",
        "--url",
        server,
        "--header",
        f"Authorization: {token}",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--seed",
        "20261130",
        "--exclude-path",
        "/api/v1/auth/logout",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        *selection,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=report_dir)


@pytest.mark.parametrize("username", ["worker1", "super1", "admin"])
async def test_no_server_error_anywhere(server, client, db, username, tmp_path):
    await seed(db)
    headers = await login(client, username)
    run = schemathesis(server, headers["Authorization"], tmp_path)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    # Every operation in one pass, the stateful links from GET /me to PATCH /users/{id} and
    # POST /users/{id}/password included: none of them can end the caller's own session (an
    # admin cannot disable, demote, move or re-password themselves there).
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    assert (me.json()["username"], me.json()["role"]) == (
        username,
        {"worker1": "field_worker", "super1": "supervisor", "admin": "admin"}[username],
    )
