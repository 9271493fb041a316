"""Photo evidence: PUT /photos/{id} (raw image bytes), GET /photos/{id}, /thumb and /review.

<img> tags cannot send a Bearer header, so the links in a photo's JSON carry a short-lived HMAC
signature over their exact path (api/photo_links.py); the GET routes accept that signature or a
Bearer token in scope.
Limits: 413 over max_photo_bytes (from Content-Length first, then the body), over max_photo_pixels
or a decompression bomb; 415 for anything not a whole JPEG/PNG/WebP/HEIC, or an image with markup
hidden in it; 422 when the record already holds max_photos_per_record photos."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, Parameter

from api import observe, records
from api.deps import AppSettings, CurrentUser, DbSession, Store, provide_user, record_audit
from api.photo_links import BASE, PhotoOut, photo_out, session_prefix, signature_ok
from api.settings import EvidenceRules, Settings
from api.types import ErrorOut
from storage import photos
from storage.images import KINDS
from storage.models import Photo
from storage.queries import photos as photo_queries
from storage.queries import records as record_queries
from storage.queries import users as user_queries

# Litestar's own cap on the body: the default photo limit plus room; the handler applies the
# configured max_photo_bytes (from Content-Length, then the body) and answers 413 itself.
MAX_BODY = next(f.default for f in msgspec.structs.fields(Settings) if f.name == "max_photo_bytes") + 64 * 1024
# Query parameters: constraints through Parameter (Litestar ignores msgspec.Meta here); NaN fails
# every range check, so lat=nan is a 400 like lat=91.
QLat = FromQuery[Annotated[float | None, Parameter(ge=-90, le=90, description="WGS-84 latitude at capture")]]
QLon = FromQuery[Annotated[float | None, Parameter(ge=-180, le=180, description="WGS-84 longitude at capture")]]
QMeters = FromQuery[Annotated[float | None, Parameter(ge=0, le=100_000, description="fix accuracy, metres")]]
QTime = FromQuery[Annotated[datetime | None, Parameter(description="device time at capture, RFC 3339 with offset")]]
SessionKey = FromQuery[
    Annotated[str | None, Parameter(max_length=64, description="the session a signed link was made for")]
]
QSha256 = FromQuery[
    Annotated[str | None, Parameter(pattern="^[0-9a-fA-F]{64}$", description="sha256 of the bytes before resizing")]
]


async def settle_record(
    db_session: DbSession, *, attach: records.Attach, record_id: uuid.UUID, rules: EvidenceRules
) -> None:
    """After a photo is stored, its record's status and flags, with what check_attach found: the
    record may not exist yet (and cannot appear before this upload commits, as the claim is
    held), or be of any kind."""
    if attach.record is None:
        return
    record = await record_queries.find_record(db_session, model=attach.record, record_id=record_id, for_update=True)
    if record is not None:
        # What it is judged against (its facility, subject or station), as its kind says.
        await records.settle(db_session, record, await records.kinds.of(record).site_of(db_session, record), rules)


def limits(settings: Settings) -> photos.Limits:
    return photos.Limits(
        max_bytes=settings.max_photo_bytes,
        max_pixels=settings.max_photo_pixels,
        max_per_record=settings.max_photos_per_record,
        naive_utc_offset_h=settings.evidence.exif_naive_utc_offset_h,
    )


@dataclass
class _UploadOperation(Operation):
    """OpenAPI: the body is the raw image, in one of the accepted kinds."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(
            content={kind: binary for kind in KINDS},
            required=True,
            description="the image bytes, judged from the bytes themselves",
        )


_ERRORS = {
    code: ResponseSpec(ErrorOut, description=text)
    for code, text in {
        403: "the record (or task) is someone else's: only its author (or fixer) adds photos",
        409: "the same id came with other bytes or another record",
        413: "over the byte or pixel limit, or a decompression bomb",
        415: "not a whole JPEG, PNG, WebP or HEIC image, or one with markup hidden in it",
        422: "the record already holds the most photos allowed",
        503: "the photo store cannot be reached; nothing was stored",
    }.items()
}
_IMAGE = {200: ResponseSpec(bytes, description="the image", media_type="image/*")}


# Personal images are kept by the browser only briefly: an original (EXIF position and all) is
# revalidated by its ETag each time; a thumbnail or review copy for five minutes, so one screen's
# scrolling does not fetch it again, and what stays in the cache after logout is stale within
# minutes (logout also answers Clear-Site-Data: "cache", api/auth.py).
IMAGE_CACHE = {"original": "private, no-cache", "thumb": "private, max-age=300", "review": "private, max-age=300"}


def _image_response(photo: Photo, data: bytes | None, media_type: str, size: str) -> Response[bytes]:
    cache = IMAGE_CACHE.get(size, "private, no-cache")
    headers = {
        "ETag": f'"{photo.sha256}"',
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
    }
    if data is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


class PhotoController(Controller):
    path = BASE
    tags = ["photos"]

    @put(
        "/{photo_id:uuid}",
        operation_id="PutPhoto",
        status_code=201,
        request_max_body_size=MAX_BODY,
        operation_class=_UploadOperation,
        responses=_ERRORS,
    )
    async def put_photo(
        self,
        photo_id: FromPath[uuid.UUID],
        record_id: FromQuery[uuid.UUID],
        request: Request,
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
        store: Store,
        captured_at: QTime = None,
        lat: QLat = None,
        lon: QLon = None,
        accuracy_m: QMeters = None,
        original_sha256: QSha256 = None,
    ) -> Response[PhotoOut]:
        if (lat is None) != (lon is None):
            raise ValidationException(
                "send lat and lon together, or neither",
                extra=[{"key": "lon" if lon is None else "lat", "message": "missing"}],
            )
        if captured_at is not None and captured_at.utcoffset() is None:
            raise ValidationException(
                "captured_at needs an offset (RFC 3339)", extra=[{"key": "captured_at", "message": "needs an offset"}]
            )
        if request.content_length is not None:
            photos.check_size(request.content_length, limits(settings))  # before reading the body
        attach = await records.check_attach(db_session, user, record_id=record_id)
        capture = photos.Capture(
            captured_at=captured_at,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            original_sha256=original_sha256.lower() if original_sha256 else None,
        )
        data = await request.body()
        async with request.app.state.gates.photo_slot():  # bounded decoding per process, else 503
            started = time.perf_counter()
            photo, created = await photos.put_photo(
                db_session,
                store,
                photo_id=photo_id,
                record_id=record_id,
                data=data,
                uploader_id=user.id,
                org_unit_id=user.org_unit_id,
                capture=capture,
                limits=limits(settings),
                locked=not attach.task,
            )
            if created:
                observe.PHOTO_INGEST.observe(time.perf_counter() - started)
        if created:
            await record_audit(
                db_session,
                user,
                "photo_upload",
                entity="photo",
                entity_id=photo.id,
                record_id=str(record_id),
                sha256=photo.sha256,
            )
            await settle_record(db_session, attach=attach, record_id=record_id, rules=settings.evidence)
        return Response(photo_out(photo, settings), status_code=201 if created else 200)

    async def _visible(
        self,
        request: Request,
        db_session: DbSession,
        settings: Settings,
        photo_id: uuid.UUID,
        path: str,
        exp: int | None,
        session: str | None,
        sig: str | None,
    ) -> Photo:
        """A valid signature for this exact path made for a session that still lives, or a Bearer
        token whose user may see the photo."""
        if signature_ok(settings, path, exp, session, sig):
            prefix = session_prefix(session)
            if prefix is not None and await user_queries.session_alive(db_session, prefix=prefix):
                return await photo_queries.get_visible_photo(
                    db_session, photo_id=photo_id, scope_path=None, uploader_id=None
                )
            if "authorization" not in request.headers:
                raise NotAuthorizedException("this photo link ended with its session; log in again")
        if sig is not None and "authorization" not in request.headers:
            raise NotAuthorizedException("this photo link has expired or was altered; reload the page")
        user = await provide_user(request, db_session)
        return await photo_queries.get_visible_photo(
            db_session,
            photo_id=photo_id,
            scope_path=user.scope_path if user.reviews else None,
            uploader_id=None if user.reviews else user.id,
        )

    async def _serve(
        self,
        request: Request,
        db_session: DbSession,
        settings: Settings,
        store: Store,
        photo_id: uuid.UUID,
        size: photos.Size,
        exp: int | None,
        session: str | None,
        sig: str | None,
    ) -> Response[bytes]:
        path = f"{BASE}/{photo_id}" + ("" if size == "original" else f"/{size}")
        photo = await self._visible(request, db_session, settings, photo_id, path, exp, session, sig)
        if request.headers.get("if-none-match") == f'"{photo.sha256}"':
            return _image_response(photo, None, "", size)
        data, media_type = await photos.read_image(store, photo=photo, size=size, max_pixels=settings.max_photo_pixels)
        return _image_response(photo, data, media_type, size)

    @get("/{photo_id:uuid}", operation_id="GetPhoto", responses=_IMAGE)
    async def get_photo(
        self,
        photo_id: FromPath[uuid.UUID],
        request: Request,
        db_session: DbSession,
        settings: AppSettings,
        store: Store,
        exp: FromQuery[int | None] = None,
        s: SessionKey = None,
        sig: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The original bytes, unchanged, with the kind sniffed at upload."""
        return await self._serve(request, db_session, settings, store, photo_id, "original", exp, s, sig)

    @get("/{photo_id:uuid}/thumb", operation_id="GetPhotoThumb", responses=_IMAGE)
    async def get_thumb(
        self,
        photo_id: FromPath[uuid.UUID],
        request: Request,
        db_session: DbSession,
        settings: AppSettings,
        store: Store,
        exp: FromQuery[int | None] = None,
        s: SessionKey = None,
        sig: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """An upright, EXIF-free JPEG, long side 320."""
        return await self._serve(request, db_session, settings, store, photo_id, "thumb", exp, s, sig)

    @get("/{photo_id:uuid}/review", operation_id="GetPhotoReview", responses=_IMAGE)
    async def get_review(
        self,
        photo_id: FromPath[uuid.UUID],
        request: Request,
        db_session: DbSession,
        settings: AppSettings,
        store: Store,
        exp: FromQuery[int | None] = None,
        s: SessionKey = None,
        sig: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """An upright, EXIF-free JPEG, long side 1600, for the reviewer's screen."""
        return await self._serve(request, db_session, settings, store, photo_id, "review", exp, s, sig)
