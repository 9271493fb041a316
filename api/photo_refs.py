"""How the supervisor screens and the ledger point at a photo: its links and where it was taken."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import msgspec

from api.types import Point
from storage.models import Photo


class PhotoRef(msgspec.Struct):
    id: uuid.UUID
    record_id: uuid.UUID
    url: str
    thumb_url: str
    width: int
    height: int
    taken_at: datetime | None
    captured_at: datetime | None
    location: Point | None
    accuracy_m: float | None
    exif_location: Point | None


def thumb_path(photo_id: uuid.UUID) -> str:
    return f"/api/v1/photos/{photo_id}/thumb"


def photo_ref(p: Photo) -> PhotoRef:
    return PhotoRef(
        id=p.id, record_id=p.record_id, url=f"/api/v1/photos/{p.id}", thumb_url=thumb_path(p.id),
        width=p.width, height=p.height, taken_at=p.taken_at, captured_at=p.captured_at,
        location=Point(lat=p.lat, lon=p.lon) if p.lat is not None and p.lon is not None else None,
        accuracy_m=p.accuracy_m,
        exif_location=Point(lat=p.exif_lat, lon=p.exif_lon) if p.exif_lat is not None and p.exif_lon is not None
        else None,
    )


def photo_refs(photos: Iterable[Photo]) -> list[PhotoRef]:
    return [photo_ref(p) for p in photos]
