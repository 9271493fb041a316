"""The PostgreSQL and object store of an installation, for the commands that work on one from
outside the API (scripts/backup, scripts/restore, scripts/reconcile).

Which installation: the environment's DATABASE_URL and MINIO_* when set (external services),
else the servers of the data folder (XUNFANG_DATA, default ./data) as scripts/dev starts them,
used as they run or started for the job and stopped after it."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from minio import Minio as S3Client

from scripts.stack import PG_APP, ROOT, Minio, MinioCluster, Postgres, StackError, _pg_bin, _port_open
from storage.db import asyncpg_url

# PostgreSQL majors scripts/backup and scripts/restore are tested with (README "External PostgreSQL").
SUPPORTED_PG = range(13, 19)


def sqlalchemy_url(url: str) -> str:
    """postgresql://, postgres:// or postgresql+<driver>:// as the API's driver spells it."""
    return asyncpg_url(url)


def plain_url(url: str) -> str:
    """The same database as libpq and asyncpg spell it (postgresql://)."""
    return "postgresql://" + sqlalchemy_url(url).partition("://")[2]


def url_user(url: str) -> str:
    return unquote(urlsplit(plain_url(url)).username or "")


@contextlib.contextmanager
def libpq(url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A connection string without the password, and an environment naming a passfile (0600, in a
    private temporary folder, deleted after): the password never appears on a command line, where
    every local user could read it in /proc/<pid>/cmdline."""
    parts = urlsplit(plain_url(url))
    values = {
        "host": parts.hostname or "",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or ""),
        "dbname": unquote(parts.path.lstrip("/")) or unquote(parts.username or ""),
    }
    values.update((k, v) for k, v in parse_qsl(parts.query) if k != "password")

    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{k}={quoted(v)}" for k, v in values.items() if v)
    folder = Path(tempfile.mkdtemp(prefix="xunfang-pg-"))  # 0700
    try:
        passfile = folder / "pgpass"

        def field(value: str) -> str:
            return value.replace("\\", "\\\\").replace(":", "\\:")

        password = unquote(parts.password or "")
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"*:*:*:*:{field(password)}\n")
        env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PGPASSFILE")}
        env["PGPASSFILE"] = str(passfile)
        yield conninfo, env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _client_major(bin_dir: Path) -> int | None:
    try:
        out = subprocess.run([str(bin_dir / "pg_dump"), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"\) (\d+)", out)
    return int(found.group(1)) if found else None


def client_dirs() -> dict[int, Path]:
    """PostgreSQL client tools on this machine by major version: the embedded wheel's and Debian's
    (/usr/lib/postgresql/NN/bin, from postgresql-client-NN)."""
    found: dict[int, Path] = {}
    for bin_dir in [*sorted(Path("/usr/lib/postgresql").glob("*/bin")), _pg_bin()]:
        major = _client_major(bin_dir)
        if major and major not in found:
            found[major] = bin_dir
    return found


def client_tools(at_least: int) -> tuple[int, Path]:
    """The folder of pg_dump, pg_restore and psql of the lowest major >= `at_least` (pg_dump reads
    older servers, never newer ones; pg_restore reads older archives): the server's own when it is
    installed. Installs Debian's postgresql-client-NN when none fits and we may."""

    def fitting() -> tuple[int, Path] | None:
        found = client_dirs()
        majors = sorted(m for m in found if m >= at_least)
        return (majors[0], found[majors[0]]) if majors else None

    if found := fitting():
        return found
    package = f"postgresql-client-{at_least}"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"==> installing {package} (the PostgreSQL {at_least} client tools)", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],  # noqa: S607
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
        if found := fitting():
            return found
    raise StackError(
        f"PostgreSQL {at_least}'s client tools (pg_dump, pg_restore, psql) are needed: install "
        f"{package} (e.g. `sudo apt-get install {package}` with the PostgreSQL apt repository)"
    )


@dataclass(frozen=True)
class System:
    database_url: str  # the schema owner's, SQLAlchemy form, postgresql+asyncpg://…
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool
    app_role: str | None = None  # the API's role when it is not the owner: restore grants it its rows

    @property
    def libpq_url(self) -> str:
        """The same database as asyncpg spells it (with its password: for in-process use only)."""
        return plain_url(self.database_url)

    def s3(self) -> S3Client:
        return S3Client(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=self.secure)


def data_folder() -> Path:
    return Path(os.environ.get("XUNFANG_DATA", ROOT / "data"))


def external_database() -> bool:
    return bool(os.environ.get("DATABASE_URL"))


def external_store() -> bool:
    return bool(os.environ.get("MINIO_ENDPOINT"))


def _saved(path: Path) -> int | None:
    return int(path.read_text()) if path.exists() else None


def embedded_store(data: Path) -> Minio:
    """The data folder's MinIO: distributed when XUNFANG_MINIO_NODES says so, or when the folder
    holds only a distributed store's drives."""
    drives = len(list((data / "minio-nodes").glob("drive*")))
    default = drives if drives > 1 and not (data / "minio").exists() else 1
    nodes = int(os.environ.get("XUNFANG_MINIO_NODES", default))
    return MinioCluster(data / "minio-nodes", nodes=nodes) if nodes > 1 else Minio(data / "minio")


def _store_port_file(store: Minio) -> Path:
    if isinstance(store, MinioCluster):
        return store.data_dir / "node0.port"
    return store.data_dir.parent / f"{store.data_dir.name}.port"


@contextlib.contextmanager
def open_system(data: Path | None = None) -> Iterator[System]:
    """The installation's services, running; the ones this started are stopped on exit."""
    data = data or data_folder()
    started: list = []
    try:
        # The schema owner's connection: a dump reads every table, a restore creates them.
        app_role: str | None = PG_APP
        if external_database():
            database_url = os.environ.get("DATABASE_MIGRATION_URL") or os.environ["DATABASE_URL"]
            app_role = url_user(os.environ["DATABASE_URL"])
            if app_role == url_user(database_url):
                app_role = None  # one role does both
        else:
            postgres = Postgres(data / "postgres")
            port = _saved(postgres.data_dir / "port")
            if port and _port_open(port):  # scripts/dev has it running: use it as it is
                postgres.attach(port)
            else:
                postgres.start()
                started.append(postgres)
            database_url = postgres.owner_url
        if external_store():
            endpoint, access_key = os.environ["MINIO_ENDPOINT"], os.environ.get("MINIO_ACCESS_KEY", "")
            secret_key = os.environ.get("MINIO_SECRET_KEY", "")
        else:
            store = embedded_store(data)
            port = _saved(_store_port_file(store))
            if port and _port_open(port):
                store._credentials()
                store.port = port
            else:
                store.start()
                started.append(store)
            endpoint, access_key, secret_key = store.endpoint, store.access_key, store.secret_key
        yield System(
            database_url=sqlalchemy_url(database_url),
            endpoint=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            bucket=os.environ.get("MINIO_BUCKET", "xunfang"),
            secure=os.environ.get("MINIO_SECURE", "") in ("1", "true"),
            app_role=app_role,
        )
    finally:
        for service in reversed(started):
            service.stop()
