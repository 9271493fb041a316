"""A photo as every answer shows it (the upload's, a record's, a task's), with its links signed:
<img> tags cannot send a Bearer header, so each link carries a short-lived HMAC signature over
its exact path and the session it was made for, which GET /photos/{id}, /thumb and /review
accept (api/photos.py) while that session lives: a link dies at logout, when the user is
disabled or changes role, unit or password, and at the latest `photo_url_ttl_s` after it was
made.

The session is the request's Bearer token, named in a link by the first 12 bytes of its SHA-256
(`s`), never the token itself; the auth middleware (api/security.py) sets it for the request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

import msgspec

from api.settings import Settings
from api.types import Point
from storage.models import Photo

BASE = "/api/v1/photos"
EXP_STEP_S = 900  # links are the same for 15 minutes, so browsers can cache the images


class CaptureOut(msgspec.Struct):
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None


class PhotoOut(msgspec.Struct):
    id: uuid.UUID
    record_id: uuid.UUID
    sha256: str
    bytes: int
    content_type: str
    width: int  # upright, as shown
    height: int
    taken_at: datetime | None
    exif_location: Point | None
    capture: CaptureOut
    original_sha256: str | None
    url: str
    thumb_url: str
    review_url: str


SESSION_KEY_BYTES = 12
# The session links are made for in this request (set by api/security.py, read by photo_out).
SESSION: ContextVar[str] = ContextVar("photo_link_session", default="")


def session_key(token: str) -> str:
    """What a link names its session by: the start of the token's SHA-256 (the table's key)."""
    return base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()[:SESSION_KEY_BYTES]).decode()


def session_prefix(key: str | None) -> bytes | None:
    """The key's bytes, or None when it is not one this server makes."""
    if not key or len(key) != SESSION_KEY_BYTES * 4 // 3:
        return None
    try:
        prefix = base64.urlsafe_b64decode(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return prefix if len(prefix) == SESSION_KEY_BYTES else None


def sign(settings: Settings, path: str, exp: int, session: str = "") -> str:
    mac = hmac.new(settings.url_secret.encode(), f"{path}?exp={exp}&s={session}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def signed_url(settings: Settings, path: str, *, now: float | None = None, session: str | None = None) -> str:
    session = SESSION.get() if session is None else session
    exp = (int((now or time.time()) + settings.photo_url_ttl_s) // EXP_STEP_S + 1) * EXP_STEP_S
    return f"{path}?exp={exp}&s={session}&sig={sign(settings, path, exp, session)}"


def signature_ok(settings: Settings, path: str, exp: int | None, session: str | None, sig: str | None) -> bool:
    """The signature is this server's, for this path, session and expiry, and not expired (whether
    the session still lives is the caller's question: api/photos.py asks the database)."""
    if exp is None or sig is None or session_prefix(session) is None or exp < time.time():
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a mismatch).
    return hmac.compare_digest(sign(settings, path, exp, session or "").encode(), sig.encode())


def photo_out(photo: Photo, settings: Settings) -> PhotoOut:
    """The photo as the upload returns it; records list their photos the same way."""
    path = f"{BASE}/{photo.id}"
    location = (
        Point(lat=photo.exif_lat, lon=photo.exif_lon)
        if photo.exif_lat is not None and photo.exif_lon is not None
        else None
    )
    taken_at = photo.taken_at.astimezone(timezone.utc) if photo.taken_at else None
    return PhotoOut(
        id=photo.id,
        record_id=photo.record_id,
        sha256=photo.sha256,
        bytes=photo.bytes,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        taken_at=taken_at,
        exif_location=location,
        capture=CaptureOut(captured_at=photo.captured_at, lat=photo.lat, lon=photo.lon, accuracy_m=photo.accuracy_m),
        original_sha256=photo.original_sha256,
        url=signed_url(settings, path),
        thumb_url=signed_url(settings, f"{path}/thumb"),
        review_url=signed_url(settings, f"{path}/review"),
    )
