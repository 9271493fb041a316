"""What every benchmark needs: the real stack on throwaway data, the app served over HTTP on
loopback, a demo-sized district, and one way to print a figure."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

from scripts import asgi
from scripts.stack import Stack, free_port, throwaway_stack

BENCH_PASSWORD = "bench-password"  # noqa: S105 - throwaway benchmark data


async def seed_demo(database_url: str) -> None:
    """Migrate and load the demo district (users' password: BENCH_PASSWORD)."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from scripts.demo import load_demo
    from storage.db import make_engine, migrate

    engine = make_engine(database_url, pool_size=2)
    await migrate(engine)
    async with async_sessionmaker(engine)() as session, session.begin():
        await load_demo(session, BENCH_PASSWORD)
    await engine.dispose()


def login(base: str, username: str) -> dict[str, str]:
    import httpx

    token = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": BENCH_PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def report(name: str, value: float, unit: str, baseline: float, baseline_unit: str | None = None) -> None:
    """One line per figure: `name: value unit (baseline value unit, ratio R)`."""
    ratio = value / baseline if baseline else float("inf")
    print(
        f"{name}: {value:.4g} {unit} (baseline {baseline:.4g} {baseline_unit or unit}, ratio {ratio:.2f})", flush=True
    )


def floor_ingest(minio, bucket: str, body: bytes) -> None:
    """The floor of a photo's ingest: MinIO put + Pillow draft thumbnail, nothing else."""
    import io
    import uuid

    from PIL import Image

    minio.put_object(bucket, f"floor/{uuid.uuid4()}", io.BytesIO(body), len(body), content_type="image/jpeg")
    image = Image.open(io.BytesIO(body))
    image.draft("RGB", (320, 320))
    image.thumbnail((320, 320))
    image.convert("RGB").save(io.BytesIO(), "JPEG", quality=80)


def running_stack() -> contextlib.AbstractContextManager[Stack]:
    return throwaway_stack("xunfang-bench-")


@contextlib.contextmanager
def serving(app=None) -> Iterator[str]:
    """The app on a free loopback port; yields its base URL. Without `app`: one API process as
    scripts/serve starts it (configured from the environment running_stack set), so the
    benchmark's client does not share an interpreter lock with the server it measures. With an
    `app`: in a thread of this process, for benchmarks that look inside the server (memory)."""
    if app is not None:
        yield from _in_thread(app)
        return
    port = free_port()
    server = asgi.spawn(workers=1, port=port, env={"PYTHONWARNINGS": "ignore"})
    base = f"http://127.0.0.1:{port}"
    try:
        asgi.wait_ready(base, server, timeout=60)
        yield base
    finally:
        asgi.stop(server)


def _in_thread(app) -> Iterator[str]:
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    )
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
