"""scripts/admin: shell commands an operator runs against the live database.

create-admin USERNAME --district NAME: makes the top org unit (a district) when there is none,
and an admin in it. The password comes from XUNFANG_ADMIN_PASSWORD or is asked on the terminal;
there is never a default one."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.passwords import hash_password
from scripts.stack import ROOT, Postgres, StackError, _port_open
from storage.db import make_engine, migrate
from storage.errors import Conflict
from storage.models import OrgUnit
from storage.queries import org_units, users

MIN_PASSWORD = 8  # as api/users.py asks of every password


@contextlib.contextmanager
def database_url() -> Iterator[str]:
    """DATABASE_URL, or the embedded PostgreSQL of scripts/serve: the running one, or started for
    the length of the command (and stopped again)."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    data = Path(os.environ.get("XUNFANG_DATA", ROOT / "data")) / "postgres"
    postgres = Postgres(data)
    port_file = data / "port"
    if port_file.exists() and (data / "postmaster.pid").exists() and _port_open(int(port_file.read_text())):
        postgres.attach(int(port_file.read_text()))
        yield postgres.url
        return
    url = postgres.start()
    try:
        yield url
    finally:
        postgres.stop()


def read_password() -> str:
    password = os.environ.get("XUNFANG_ADMIN_PASSWORD", "")
    if not password:
        if not sys.stdin.isatty():
            raise SystemExit("error: set XUNFANG_ADMIN_PASSWORD, or run this on a terminal to be asked")
        password = getpass.getpass("password for the new admin: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("error: the two passwords differ")
    if len(password) < MIN_PASSWORD:
        raise SystemExit(f"error: the password needs at least {MIN_PASSWORD} characters")
    return password


async def create_admin(url: str, *, username: str, district: str, password: str) -> str:
    engine = make_engine(url, pool_size=1)
    try:
        await migrate(engine)
        password_hash = await asyncio.to_thread(hash_password, password)
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            top = await session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.created_at))
            made = top is None
            if top is None:
                top = await org_units.create_unit(session, name=district, parent_id=None)
            await users.create_user(session, username=username, display_name=username, password_hash=password_hash,
                                    role="admin", org_unit_id=top.id)
        return f"made the district {district!r} and" if made else f"in the existing district {top.name!r},"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="make the first (or another) admin")
    create.add_argument("username")
    create.add_argument("--district", required=True, help="name of the top org unit, made if there is none")
    args = parser.parse_args(argv)
    if not 1 <= len(args.username) <= 64 or not 1 <= len(args.district) <= 120:
        print("error: the username takes 1-64 characters and the district 1-120", file=sys.stderr)
        return 2
    password = read_password()
    try:
        with database_url() as url:
            where = asyncio.run(create_admin(url, username=args.username, district=args.district, password=password))
    except Conflict as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{where} the admin {args.username!r}; log in at / with that password")
    return 0


if __name__ == "__main__":
    sys.exit(main())
