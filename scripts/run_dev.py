"""scripts/dev: start PostgreSQL and MinIO under ./data, migrate, load the demo once, serve with
WORKERS API processes (default 2), as scripts/serve does, so the everyday path is the multi-process one.

The demo district loads only into a database scripts/dev created itself in a new data folder, and
marks it as a demo (scripts/demo.py). Any other database (restored, production, external) is
served as it is, without demo users."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import configuration_problem, create_app
from api.settings import Settings
from scripts import asgi
from scripts.demo import DEMO_USERS, has_users, is_demo, load_demo, mark_demo, set_demo_password
from scripts.demo_records import load_demo_records
from scripts.demo_stations import load_station_records
from scripts.stack import ROOT
from storage.db import make_engine, migrate

DEFAULT_DEMO_PASSWORD = "xunfang-demo"  # noqa: S105 - the documented demo login


async def prepare(database_url: str, *, new_folder: bool = True) -> str | None:
    """Migrate, and load the demo district into a new, empty database (`new_folder`: scripts/dev
    made it just now); returns the demo password in force, or None for a database that is not a
    demo (restored or production: no demo user is added to it)."""
    engine = make_engine(database_url, pool_size=2)
    password = os.environ.get("XUNFANG_DEMO_PASSWORD", "") or DEFAULT_DEMO_PASSWORD
    fresh = False
    try:
        await migrate(engine)
        async with async_sessionmaker(engine)() as session, session.begin():
            if await is_demo(session):
                if os.environ.get("XUNFANG_DEMO_PASSWORD"):
                    await set_demo_password(session, password)
            elif new_folder and not await has_users(session):
                print("==> loading the demo district", flush=True)
                await load_demo(session, password)
                await mark_demo(session)
                fresh = True
            else:
                return None
    finally:
        await engine.dispose()
    if fresh:  # records go through the real API, as phones would send them
        async with AsyncTestClient(create_app(Settings.from_env())) as client:
            await load_demo_records(client, password)
            await load_station_records(client, password)
    return password


def main() -> int:
    if problem := configuration_problem():
        print(f"error: refusing to start: {problem}", file=sys.stderr)
        return 2
    passwords: list[str | None] = []
    data = Path(os.environ.get("XUNFANG_DATA", ROOT / "data"))
    new_folder = not os.environ.get("DATABASE_URL") and not (data / "postgres" / "PG_VERSION").exists()

    def announce(host: str, port: int, workers: int) -> None:
        print(
            f"\n巡访 Xunfang is running: http://{host}:{port}/   (OpenAPI: /schema/openapi.json, {workers} processes)"
        )
        if passwords[0] is None:
            print(
                "This database is not a demo scripts/dev made (a restored or production installation): "
                "no demo users; log in with its own accounts (scripts/admin create-admin makes one)."
            )
        else:
            print(f"demo logins (password: {passwords[0]}):")
            for username, display, role, _ in DEMO_USERS:
                print(f"  {username:8} {role:13} {display}")
        print("Ctrl-C stops everything.\n", flush=True)

    status = asgi.serve_on_stack(
        default_workers=2,
        announce=announce,
        prepare=lambda url: passwords.append(asyncio.run(prepare(url, new_folder=new_folder))),
    )
    print("stopped PostgreSQL and MinIO.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
