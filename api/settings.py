"""Configuration from the environment, read once at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

from storage.queries.tasks import TaskRules
from storage.vocabulary import MAX_PHOTOS_PER_RECORD

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A setting the server cannot work with (a missing font, an unreadable map setting): the start
    stops with this sentence, never a 503 or 500 later."""


class EvidenceRules(msgspec.Struct, frozen=True):
    """Thresholds of product.md's evidence rules; each can be set with XUNFANG_<NAME>."""

    low_accuracy_m: float = 100.0
    facility_geofence_m: int = 200
    home_geofence_m: int = 300
    photo_time_window_h: float = 2.0
    future_tolerance_min: float = 10.0
    phash_max_distance: int = 3
    exif_naive_utc_offset_h: float = 8.0  # EXIF times without an offset are China time


class Settings(msgspec.Struct, frozen=True):
    database_url: str
    minio_endpoint: str
    minio_access_key: str
    minio_secret_key: str
    minio_bucket: str = "xunfang"
    minio_secure: bool = False
    token_ttl_hours: float = 12.0
    max_photo_bytes: int = 25 * 1024 * 1024
    max_photo_pixels: int = 50_000_000
    # At most the wire type's cap (storage/vocabulary.py): a record cannot list more.
    max_photos_per_record: int = MAX_PHOTOS_PER_RECORD
    max_json_bytes: int = 256 * 1024
    pwa_dist: Path = ROOT / "pwa" / "dist"
    evidence: EvidenceRules = EvidenceRules()
    # Signs photo links for <img> tags, which cannot send a Bearer header. From XUNFANG_SECRET so
    # that several processes agree; otherwise random per process (links die with a restart).
    url_secret: str = msgspec.field(default_factory=lambda: secrets.token_urlsafe(32))
    photo_url_ttl_s: int = 3600
    # Contact interval of a new subject by category (default one contact a quarter); set with
    # XUNFANG_VISIT_INTERVALS="hardship_veteran=30,martyr_family=60".
    visit_interval_days: dict[str, int] = msgspec.field(default_factory=dict)
    default_visit_interval_days: int = 90
    tasks: TaskRules = TaskRules()
    login: LoginThrottle = msgspec.field(default_factory=lambda: LoginThrottle())
    # Proxies whose X-Forwarded-For names the client (XUNFANG_TRUSTED_PROXIES); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Migrations run as the schema's owner (DATABASE_MIGRATION_URL); the API connects with
    # DATABASE_URL, a role with row rights only. Empty: one role does both (an external database).
    database_migration_url: str = ""

    @property
    def migration_url(self) -> str:
        return self.database_migration_url or self.database_url

    # Admission control per process (api/admission.py): requests in flight and how long a request
    # may wait for a place, concurrent photo ingests and their wait, the database connections and
    # how long a request may wait for one. Past a wait: 503 with Retry-After.
    max_inflight: int = 64
    queue_wait_s: float = 10.0
    photo_ingests: int = 2 * (os.cpu_count() or 2)
    photo_wait_s: float = 10.0
    db_pool_size: int = 10
    db_wait_s: float = 5.0

    def visit_interval_for(self, category: str) -> int:
        return self.visit_interval_days.get(category, self.default_visit_interval_days)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        missing = [
            k for k in ("DATABASE_URL", "MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY") if not env.get(k)
        ]
        if missing and not overrides:
            raise RuntimeError(f"set {', '.join(missing)} (scripts/dev sets them for you)")
        rules = {
            name: type(default)(env[f"XUNFANG_{name.upper()}"])
            for name, default in msgspec.structs.asdict(EvidenceRules()).items()
            if f"XUNFANG_{name.upper()}" in env
        }
        values: dict[str, object] = dict(
            database_url=env.get("DATABASE_URL", ""),
            minio_endpoint=env.get("MINIO_ENDPOINT", ""),
            minio_access_key=env.get("MINIO_ACCESS_KEY", ""),
            minio_secret_key=env.get("MINIO_SECRET_KEY", ""),
            minio_bucket=env.get("MINIO_BUCKET", "xunfang"),
            minio_secure=env.get("MINIO_SECURE", "") in ("1", "true"),
            evidence=EvidenceRules(**rules),
        )
        values["tasks"] = TaskRules(
            patrol_issue_due_days=int(env.get("XUNFANG_PATROL_ISSUE_DUE_DAYS", 15)),
            follow_up_due_days=int(env.get("XUNFANG_FOLLOW_UP_DUE_DAYS", 7)),
        )
        if env.get("XUNFANG_VISIT_INTERVALS"):
            pairs = (item.split("=", 1) for item in env["XUNFANG_VISIT_INTERVALS"].split(",") if "=" in item)
            values["visit_interval_days"] = {k.strip(): int(v) for k, v in pairs}
        values["trusted_proxies"] = trusted_proxies_from_env()
        values["database_migration_url"] = env.get("DATABASE_MIGRATION_URL", "")
        for name in ("max_inflight", "photo_ingests", "db_pool_size"):
            if env.get(f"XUNFANG_{name.upper()}"):
                values[name] = int(env[f"XUNFANG_{name.upper()}"])
        for name in ("queue_wait_s", "photo_wait_s", "db_wait_s"):
            if env.get(f"XUNFANG_{name.upper()}"):
                values[name] = float(env[f"XUNFANG_{name.upper()}"])
        if env.get("XUNFANG_SECRET"):
            values["url_secret"] = env["XUNFANG_SECRET"]
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


# --- login throttle and client addresses (appended) -------------------------------------------


class LoginThrottle(msgspec.Struct, frozen=True):
    """Failed logins count per client address and per username. An address is throttled after
    `max_failures` failures, a username after twice that (so one attacker's address is stopped
    before the account it guesses at); each lock lasts `base_lock_s`, doubled per further
    failure, and failures older than the longest lock no longer count."""

    max_failures: int = 5
    base_lock_s: float = 30.0
    max_name_lock_min: float = 15.0  # a few wrong tries from elsewhere keep the owner out briefly
    max_address_lock_min: float = 60.0

    @property
    def name_failures(self) -> int:
        return self.max_failures * 2


def trusted_proxies_from_env() -> tuple[str, ...]:
    """XUNFANG_TRUSTED_PROXIES: comma-separated addresses or CIDRs whose X-Forwarded-For is
    believed; refused at start when one is not an address."""
    import ipaddress

    raw = [item.strip() for item in os.environ.get("XUNFANG_TRUSTED_PROXIES", "").split(",") if item.strip()]
    for item in raw:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise RuntimeError(f"XUNFANG_TRUSTED_PROXIES: {item!r} is not an address or CIDR") from exc
    return tuple(raw)
