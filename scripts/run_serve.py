"""scripts/serve: the production start. Migrations, then WORKERS API processes on HOST:PORT,
with no demo data. Uses the embedded PostgreSQL and MinIO under XUNFANG_DATA unless
DATABASE_URL and MINIO_* name external ones."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import text

from scripts import asgi
from scripts.stack import ROOT
from storage.db import make_engine, migrate

MIN_SECRET = 32


def secret_problem(host: str, secret: str | None) -> str | None:
    """Beyond loopback, photo links must be signed with a real shared secret."""
    if host in asgi.LOOPBACK:
        return None
    if not secret:
        return (
            f"XUNFANG_SECRET is not set, and HOST={host} serves beyond this machine: set it to a random "
            f"string of at least {MIN_SECRET} characters (e.g. `openssl rand -base64 48`), the same for "
            "every process and server"
        )
    if len(secret) < MIN_SECRET:
        return (
            f"XUNFANG_SECRET is {len(secret)} characters; serving on HOST={host} needs at least "
            f"{MIN_SECRET} (e.g. `openssl rand -base64 48`)"
        )
    return None


async def _migrate(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            allowed = int(await conn.scalar(text("show max_connections")) or 0)
    finally:
        await engine.dispose()
    workers = int(os.environ.get("WORKERS") or os.cpu_count() or 1)
    pool = int(os.environ.get("XUNFANG_DB_POOL_SIZE") or 10)
    if allowed < (needed := workers * 2 * pool + 10):
        print(
            f"warning: PostgreSQL allows {allowed} connections; {workers} processes with XUNFANG_DB_POOL_SIZE={pool} "
            f"may open {needed - 10} (plus 10 for migrations, scripts/admin and psql): raise max_connections to "
            f"at least {needed} (times the number of servers) or lower WORKERS or XUNFANG_DB_POOL_SIZE",
            file=sys.stderr,
            flush=True,
        )


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    if problem := secret_problem(host, os.environ.get("XUNFANG_SECRET")):
        print(f"error: refusing to start: {problem}", file=sys.stderr)
        return 2
    from api.app import configuration_problem

    if problem := configuration_problem():
        print(f"error: refusing to start: {problem}", file=sys.stderr)
        return 2
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        print(
            "error: the PWA is not built (pwa/dist): run scripts/serve, which builds it before serving", file=sys.stderr
        )
        return 2

    def prepare(url: str) -> None:
        print("==> migrating the database", flush=True)
        asyncio.run(_migrate(url))

    def announce(host: str, port: int, workers: int) -> None:
        print(
            f"巡访 Xunfang: {workers} API processes on http://{host}:{port}/ "
            f"({os.environ.get('XUNFANG_SERVER') or asgi.DEFAULT_SERVER}); Ctrl-C stops.",
            flush=True,
        )

    return asgi.serve_on_stack(default_workers=os.cpu_count() or 1, prepare=prepare, announce=announce)


if __name__ == "__main__":
    sys.exit(main())
