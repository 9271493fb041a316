"""What every benchmark needs: the real stack on throwaway data, the app served over HTTP on
loopback, a demo-sized district, and one way to print a figure."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from scripts.stack import Stack, free_port


def report(name: str, value: float, unit: str, baseline: float, baseline_unit: str | None = None) -> None:
    """One line per figure: `name: value unit (baseline value unit, ratio R)`."""
    ratio = value / baseline if baseline else float("inf")
    print(f"{name}: {value:.4g} {unit} (baseline {baseline:.4g} {baseline_unit or unit}, ratio {ratio:.2f})",
          flush=True)


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="xunfang-bench-") as tmp:
        stack = Stack(Path(tmp), throwaway=True)
        try:
            os.environ.update(stack.start())
            yield stack
        finally:
            stack.stop()


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """The app on a free loopback port in a background thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(coro):
    return asyncio.run(coro)
