"""The PostgreSQL and object store of an installation, for the commands that work on one from
outside the API (scripts/backup, scripts/restore, scripts/reconcile).

Which installation: the environment's DATABASE_URL and MINIO_* when set (external services),
else the servers of the data folder (XUNFANG_DATA, default ./data) as scripts/dev starts them,
used as they run or started for the job and stopped after it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from minio import Minio as S3Client

from scripts.stack import ROOT, Minio, MinioCluster, Postgres, _port_open


@dataclass(frozen=True)
class System:
    database_url: str  # the schema owner's, SQLAlchemy form, postgresql+asyncpg://…
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool

    @property
    def libpq_url(self) -> str:
        """The same database as pg_dump, pg_restore and asyncpg spell it."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

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
        if external_database():
            database_url = os.environ.get("DATABASE_MIGRATION_URL") or os.environ["DATABASE_URL"]
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
        yield System(database_url=database_url, endpoint=endpoint, access_key=access_key, secret_key=secret_key,
                     bucket=os.environ.get("MINIO_BUCKET", "xunfang"),
                     secure=os.environ.get("MINIO_SECURE", "") in ("1", "true"))
    finally:
        for service in reversed(started):
            service.stop()
