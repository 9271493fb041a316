"""scripts/admin: shell commands an operator runs against the live database.

create-admin USERNAME --district NAME: makes the top org unit (a district) when there is none,
and an admin in it. The password comes from XUNFANG_ADMIN_PASSWORD or is asked on the terminal;
there is never a default one. It migrates first, as the schema's owner (DATABASE_MIGRATION_URL,
else DATABASE_URL).

print-db-setup: the SQL that prepares an external PostgreSQL (13 or newer) for Xunfang, to run as
a superuser: the database, its owner role (migrations) and the API's role (rows only), default
privileges, and nothing for PUBLIC. The two roles get new random passwords, of which the SQL holds
only SCRAM verifiers; their URLs are written to --urls FILE (0600) or printed on stderr."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.passwords import hash_password
from scripts.stack import PG_APP, PG_OWNER, ROOT, Postgres, StackError, _port_open, _scram_verifier
from scripts.system import sqlalchemy_url
from storage.db import make_engine, migrate
from storage.errors import Conflict
from storage.models import OrgUnit
from storage.queries import org_units, users

MIN_PASSWORD = 8  # as api/users.py asks of every password


@contextlib.contextmanager
def database_url() -> Iterator[str]:
    """The schema owner's URL: DATABASE_MIGRATION_URL (else DATABASE_URL), or the embedded
    PostgreSQL of scripts/serve: the running one, or started for the length of the command."""
    if os.environ.get("DATABASE_URL"):
        yield sqlalchemy_url(os.environ.get("DATABASE_MIGRATION_URL") or os.environ["DATABASE_URL"])
        return
    data = Path(os.environ.get("XUNFANG_DATA", ROOT / "data")) / "postgres"
    postgres = Postgres(data)
    port_file = data / "port"
    if port_file.exists() and (data / "postmaster.pid").exists() and _port_open(int(port_file.read_text())):
        postgres.attach(int(port_file.read_text()))
        yield postgres.owner_url
        return
    postgres.start()
    try:
        yield postgres.owner_url
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
            await users.create_user(
                session,
                username=username,
                display_name=username,
                password_hash=password_hash,
                role="admin",
                org_unit_id=top.id,
            )
        return f"made the district {district!r} and" if made else f"in the existing district {top.name!r},"
    finally:
        await engine.dispose()


MIN_PG = 13
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def db_setup_sql(*, database: str, owner: str, app: str, owner_password: str, app_password: str) -> str:
    """The external-PostgreSQL recipe (README "External PostgreSQL"), as scripts/stack.py sets up
    the embedded one. Passwords appear only as SCRAM verifiers."""
    return rf"""-- Xunfang on PostgreSQL {MIN_PG} or newer. Run as a superuser, e.g.
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f this.sql
\set ON_ERROR_STOP 1
-- the schema's owner: migrations and scripts/admin run as it (DATABASE_MIGRATION_URL)
CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD '{_scram_verifier(owner_password)}';
-- the API: reads and writes rows, owns nothing (DATABASE_URL)
CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD '{_scram_verifier(app_password)}';
CREATE DATABASE {database} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0;
-- nobody else may connect or make temporary tables there
REVOKE ALL ON DATABASE {database} FROM PUBLIC;
GRANT CONNECT ON DATABASE {database} TO {app};
\connect {database}
ALTER SCHEMA public OWNER TO {owner};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app};
-- every table and sequence the owner's migrations make: rows for the API (the migrations then
-- take UPDATE/DELETE/TRUNCATE on audit_log and all writes on alembic_version back)
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""


def print_db_setup(args: argparse.Namespace) -> int:
    names = (args.database, args.owner, args.app)
    if not all(IDENTIFIER.fullmatch(name) for name in names) or len(set(names[1:])) != 2:
        print(
            "error: the database and the two role names are lowercase identifiers ([a-z_][a-z0-9_]*), "
            "and the two roles differ",
            file=sys.stderr,
        )
        return 2
    passwords = {role: secrets.token_urlsafe(24) for role in (args.owner, args.app)}
    print(
        db_setup_sql(
            database=args.database,
            owner=args.owner,
            app=args.app,
            owner_password=passwords[args.owner],
            app_password=passwords[args.app],
        ),
        end="",
    )
    where = f"{args.host}:{args.port}/{args.database}"
    urls = (
        f"DATABASE_URL=postgresql://{args.app}:{quote(passwords[args.app])}@{where}\n"
        f"DATABASE_MIGRATION_URL=postgresql://{args.owner}:{quote(passwords[args.owner])}@{where}\n"
    )
    if args.urls:
        fd = os.open(args.urls, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(urls)
        print(f"-- the two roles' URLs were appended to {args.urls}", file=sys.stderr)
    else:
        print(f"-- for /etc/xunfang/env (keep them secret):\n{urls}", file=sys.stderr, end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="make the first (or another) admin")
    create.add_argument("username")
    create.add_argument("--district", required=True, help="name of the top org unit, made if there is none")
    setup = commands.add_parser("print-db-setup", help="the SQL that prepares an external PostgreSQL")
    setup.add_argument("--host", default="127.0.0.1", help="the database server, as the API reaches it")
    setup.add_argument("--port", type=int, default=5432)
    setup.add_argument("--database", default="xunfang")
    setup.add_argument("--owner", default=PG_OWNER, help="the schema owner's role (migrations)")
    setup.add_argument("--app", default=PG_APP, help="the API's role (rows only)")
    setup.add_argument("--urls", help="append DATABASE_URL= and DATABASE_MIGRATION_URL= lines to this file (0600)")
    args = parser.parse_args(argv)
    if args.command == "print-db-setup":
        return print_db_setup(args)
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
