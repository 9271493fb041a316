"""README's systemd settings: `systemd-analyze verify` accepts the unit as printed, the env file
has no inline comment (systemd would keep it in the value), and after `scripts/setup --production`
scripts/serve runs with everything but XUNFANG_DATA read-only (bubblewrap standing in for
ProtectSystem=strict + ReadWritePaths + PrivateTmp, as systemd itself does not run in this
container): it starts the embedded PostgreSQL and MinIO, migrates, serves, and an admin made with
scripts/admin logs in."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

import httpx
import pytest

from scripts.stack import ROOT, free_port
from tests.ops.test_nginx import readme_block

PASSWORD = "a-long-admin-password"


def descendants(pid: int, named: str) -> list[int]:
    """Processes below `pid` whose command line holds `named`."""
    table = subprocess.run(
        ["ps", "-e", "-ww", "-o", "pid=,ppid=,args="],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rows = [
        (int(r.split(None, 2)[0]), int(r.split(None, 2)[1]), r.split(None, 2)[2] if len(r.split()) > 2 else "")
        for r in table
        if r.strip()
    ]
    below, found = {pid}, []
    for _ in range(10):
        below |= {child for child, parent, _ in rows if parent in below}
    for child, _, args in rows:
        if child in below and named in args:
            found.append(child)
    return found


def env_file() -> str:
    blocks = [
        b
        for b in re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
        if "XUNFANG_SECRET=" in b and "DATABASE_URL=" in b
    ]
    assert len(blocks) == 1
    return blocks[0]


def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.fail("this test needs systemd-analyze: sudo apt-get install systemd")
    unit = tmp_path / "xunfang.service"
    unit.write_text(readme_block("ini").replace("/opt/xunfang", str(ROOT)))
    verified = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    assert "ProtectSystem=strict" in unit.read_text() and "ReadWritePaths=/var/lib/xunfang\n" in unit.read_text()
    for line in unit.read_text().splitlines():
        assert line.startswith("#") or "#" not in line, f"an inline comment systemd would keep: {line!r}"


def test_the_env_file_has_its_comments_on_lines_of_their_own():
    values = {}
    for line in env_file().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert "#" not in value and value == value.strip(), f"systemd keeps all of {line!r} as the value"
            values[key] = value
    int(values["WORKERS"]), int(values["PORT"])
    assert values["HOST"] == "127.0.0.1" and values["XUNFANG_TRUSTED_PROXIES"] == "127.0.0.1"
    assert values["DATABASE_URL"].startswith("postgresql://xunfang_app:")
    assert values["DATABASE_MIGRATION_URL"].startswith("postgresql://xunfang:")


def test_serve_after_setup_production_writes_nothing_outside_its_data_folder(tmp_path):
    bwrap = shutil.which("bwrap")
    if not bwrap and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "bubblewrap"],  # noqa: S607
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
        bwrap = shutil.which("bwrap")
    if not bwrap:
        pytest.fail("this test needs bubblewrap: sudo apt-get install bubblewrap")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MINIO_", "PROMETHEUS_", "XUNFANG_"))}
    setup = subprocess.run(
        [str(ROOT / "scripts" / "setup"), "--production"], env=env, capture_output=True, text=True, timeout=1200
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    data = tmp_path / "var-lib-xunfang"
    data.mkdir(mode=0o700)
    port = free_port()
    env.update(
        XUNFANG_DATA=str(data),
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        XUNFANG_SECRET="s" * 40,
        XUNFANG_ADMIN_PASSWORD=PASSWORD,
    )

    def sandboxed(*command: str) -> list[str]:
        return [
            bwrap,
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",  # noqa: S108 - PrivateTmp
            # The checkout again, read-only, in case it lies under /tmp (CI's clones may).
            "--ro-bind",
            str(ROOT),
            str(ROOT),
            "--bind",
            str(data),
            str(data),
            "--unshare-pid",
            "--die-with-parent",
            "--chdir",
            str(ROOT),
            *command,
        ]

    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            sandboxed(str(ROOT / "scripts" / "serve")),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert serve.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        made = subprocess.run(
            sandboxed(
                str(ROOT / "scripts" / "admin"), "create-admin", "zhangsan", "--district", "青山区退役军人事务局"
            ),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        token = httpx.post(f"{base}/api/v1/auth/login", json={"username": "zhangsan", "password": PASSWORD}).json()
        admin = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{base}/api/v1/me", headers=admin).json()["role"] == "admin"
        assert httpx.get(f"{base}/metrics", headers=admin).status_code == 200
    finally:
        # SIGTERM to scripts/serve, as systemd sends it; what is left when the sandbox's first
        # process ends dies with its PID namespace.
        for pid in descendants(serve.pid, "scripts.run_serve"):
            os.kill(pid, signal.SIGTERM)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    text = log.read_text()
    assert "Read-only file system" not in text and "Traceback" not in text, text[-3000:]
    assert (data / "postgres" / "PG_VERSION").exists() and (data / "run" / "metrics").is_dir()
    assert not (data.parent / "data").exists()
