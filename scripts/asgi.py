"""How the API is served as several processes: one command line for scripts/serve, scripts/dev,
the multi-process tests and the benchmarks, so all of them run what production runs.

The server is uvicorn's worker supervisor or granian (XUNFANG_SERVER picks one; README "Running
it for real" has the figures that chose the default). Both get the app from the same factory,
leave access logs off (they would carry query strings: capture positions, link signatures; the
app writes its own line per request, api/observe.py) and share one Prometheus folder. A worker
that dies (kill -9, a crash) is replaced within about a second while the others keep serving:
granian's --respawn-failed-workers, uvicorn's supervisor by itself."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from api.settings import Settings
from scripts.stack import ROOT, Stack, StackError

SERVERS = ("uvicorn", "granian")
DEFAULT_SERVER = "granian"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def command(
    *,
    workers: int,
    host: str,
    port: int,
    server: str | None = None,
    target: str = "api.app:app_from_env",
    factory: bool = True,
) -> list[str]:
    server = server or os.environ.get("XUNFANG_SERVER") or DEFAULT_SERVER
    if server not in SERVERS:
        raise SystemExit(f"error: XUNFANG_SERVER must be one of {', '.join(SERVERS)}, not {server!r}")
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--respawn-failed-workers",
            "--respawn-interval",
            "1",
            *(["--factory"] if factory else []),
            target,
        ]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        *(["--factory"] if factory else []),
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--no-proxy-headers",
        "--timeout-graceful-shutdown",
        "20",
    ]


def metrics_dir(base: Path | None = None) -> Path:
    """A fresh folder for prometheus_client's multiprocess files (stale ones would add up)."""
    path = Path(base) if base else Path(tempfile.mkdtemp(prefix="xunfang-metrics-"))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, mode=0o700)
    return path


def spawn(
    *,
    workers: int,
    host: str = "127.0.0.1",
    port: int,
    env: dict[str, str] | None = None,
    server: str | None = None,
    target: str = "api.app:app_from_env",
    factory: bool = True,
    metrics: Path | None = None,
    quiet: bool = False,
    log: Path | None = None,
) -> subprocess.Popen:
    env = {**os.environ, **(env or {})}
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir(metrics)))
    return subprocess.Popen(
        command(workers=workers, host=host, port=port, server=server, target=target, factory=factory),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=open(log, "ab") if log else subprocess.DEVNULL if quiet else None,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL if quiet else None,
    )


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 90.0, path: str = "/api/v1/health") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=2) as response:  # noqa: S310 - our own http URL
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not answer {path} within {timeout:.0f} s")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (workers finish their requests), then, after 30 s or once the server is gone, SIGKILL
    to whatever is left of its process group (spawn() gives it one): no worker outlives its server."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def port_taken(host: str, port: int) -> bool:
    """Someone already listens there. Both servers bind with SO_REUSEPORT, so a second scripts/dev
    would otherwise share the port with the first and split requests between two databases."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAITs are no owner
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def serve_forever(process: subprocess.Popen) -> int:
    """Wait for the server; Ctrl-C or SIGTERM stops it gracefully (its workers finish requests)."""
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop(process)
        return 0


def serve_on_stack(
    *, default_workers: int, prepare: Callable[[str], object], announce: Callable[[str, int, int], None]
) -> int:
    """scripts/serve and scripts/dev: start the stack under XUNFANG_DATA (or use the external
    parts the environment names), prepare the database, serve WORKERS processes on HOST:PORT until
    Ctrl-C or SIGTERM, then stop the stack."""
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
    if port_taken(host, port):
        print(
            f"error: port {port} on {host} is in use (is another scripts/dev or scripts/serve running?): "
            f"stop it, or serve on another port, e.g. PORT={port + 1}",
            file=sys.stderr,
        )
        return 1
    data = Path(os.environ.get("XUNFANG_DATA", ROOT / "data"))
    stack = Stack(data)
    server: subprocess.Popen | None = None
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        try:
            os.environ.update(stack.start())
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        # Without a configured secret (loopback only): one for this run, so every process signs links alike.
        os.environ.setdefault("XUNFANG_SECRET", secrets.token_urlsafe(32))
        prepare(Settings.from_env().migration_url)  # migrations run as the schema owner
        workers = int(os.environ.get("WORKERS") or default_workers)
        server = spawn(workers=workers, host=host, port=port, metrics=data / "run" / "metrics")
        probe = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a wildcard host is probed on loopback
        wait_ready(f"http://{'[' + probe + ']' if ':' in probe else probe}:{port}", server)
        announce(host, port, workers)
        return serve_forever(server)
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:  # also when stopped before it was ready: never left behind
            stop(server)
        stack.stop()
