"""scripts/dev: start PostgreSQL and MinIO under ./data, migrate, load the demo once, serve with
WORKERS API processes (default 2), as scripts/serve does, so the everyday path is the multi-process one."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from api.settings import Settings
from scripts import asgi
from scripts.demo import DEMO_USERS, demo_loaded, load_demo, set_demo_password
from scripts.demo_records import load_demo_records
from scripts.demo_stations import load_station_records
from scripts.stack import ROOT, Stack, StackError
from storage.db import make_engine, migrate

DEFAULT_DEMO_PASSWORD = "xunfang-demo"  # noqa: S105 - the documented demo login


async def prepare(database_url: str) -> str:
    """Migrate and load the demo district once; returns the demo password in force."""
    engine = make_engine(database_url, pool_size=2)
    password = os.environ.get("XUNFANG_DEMO_PASSWORD", "") or DEFAULT_DEMO_PASSWORD
    fresh = False
    try:
        await migrate(engine)
        async with async_sessionmaker(engine)() as session, session.begin():
            if not await demo_loaded(session):
                print("==> loading the demo district", flush=True)
                await load_demo(session, password)
                fresh = True
            elif os.environ.get("XUNFANG_DEMO_PASSWORD"):
                await set_demo_password(session, password)
    finally:
        await engine.dispose()
    if fresh:  # records go through the real API, as phones would send them
        async with AsyncTestClient(create_app(Settings.from_env())) as client:
            await load_demo_records(client, password)
            await load_station_records(client, password)
    return password


def main() -> int:
    data = Path(os.environ.get("XUNFANG_DATA", ROOT / "data"))
    stack = Stack(data)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        try:
            os.environ.update(stack.start())
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        password = asyncio.run(prepare(Settings.from_env().migration_url))
        port = int(os.environ.get("PORT", "8000"))
        workers = int(os.environ.get("WORKERS") or 2)
        os.environ.setdefault("XUNFANG_SECRET", secrets.token_urlsafe(32))  # every process signs links alike
        server = asgi.spawn(workers=workers, host=os.environ.get("HOST", "127.0.0.1"), port=port,
                            metrics=data / "run" / "metrics")
        print(f"\n巡访 Xunfang is running: http://127.0.0.1:{port}/   (API docs: /schema, {workers} processes)")
        print(f"demo logins (password: {password}):")
        for username, display, role, _ in DEMO_USERS:
            print(f"  {username:8} {role:13} {display}")
        print("Ctrl-C stops everything.\n", flush=True)
        asgi.serve_forever(server)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping PostgreSQL and MinIO...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
