"""The evidence flags of product.md, as pure functions: what the server received in, flags out.

Nothing here trusts what the phone says about itself beyond the raw values it sent; the
thresholds are EvidenceRules settings. Unit-tested without a database (tests/api/test_evidence.py).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

import msgspec

from api.settings import EvidenceRules
from storage.vocabulary import RECORD_KIND_ZH, FlagCode, RecordKind

EARTH_RADIUS_M = 6_371_008.8


class Flag(msgspec.Struct, frozen=True):
    code: FlagCode
    detail: str
    detail_zh: str


class Position(msgspec.Struct, frozen=True):
    lat: float
    lon: float
    accuracy_m: float | None = None


class Site(msgspec.Struct, frozen=True):
    """The facility or the subject's home, and how far from it evidence may be."""

    position: Position | None
    geofence_m: float
    noun_zh: str  # 设施 or 住址, for the reviewer's sentence


class PhotoEvidence(msgspec.Struct, frozen=True):
    id: uuid.UUID
    exif_time: datetime | None
    device_time: datetime | None
    exif_position: Position | None
    capture_position: Position | None
    reused_in: uuid.UUID | None = None  # another record already holding the same picture
    # The same picture is evidence in a record outside the street of this one: flagged without
    # naming that record, which the readers of this one may not see.
    reused_elsewhere: bool = False


class RecordEvidence(msgspec.Struct, frozen=True):
    kind: RecordKind
    start: datetime
    end: datetime
    position: Position | None
    photo_ids: list[uuid.UUID]
    issue_items_without_photos: list[str] = []  # codes
    no_photo_reason: str | None = None
    item_labels: dict[str, dict[str, str]] = {}  # code -> {"zh", "en"}, from the record's checklist version


def distance_m(a: Position, b: Position) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _metres(value: float) -> tuple[str, str]:
    """A distance in English and in Chinese."""
    if value >= 1000:
        return f"{value / 1000:.1f} km", f"{value / 1000:.1f} 公里"
    return f"{value:.0f} m", f"{value:.0f} 米"


def _duration(gap: timedelta) -> tuple[str, str]:
    hours = gap.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.1f} h", f"{hours:.1f} 小时"
    return f"{hours / 24:.0f} days", f"{hours / 24:.0f} 天"


def _far(what: str, what_zh: str, pos: Position, site: Site) -> Flag | None:
    """Beyond the geofence even if the fix is off by its whole stated accuracy."""
    if site.position is None:
        return None
    gap = distance_m(pos, site.position)
    slack = min(pos.accuracy_m or 0.0, 1000.0)  # a fix claiming ±50 km excuses nothing
    if gap - slack <= site.geofence_m:
        return None
    (gap_en, gap_zh), (acc_en, acc_zh) = _metres(gap), _metres(pos.accuracy_m or 0.0)
    accuracy = f", accuracy {acc_en}" if pos.accuracy_m is not None else ""
    accuracy_zh = f"，定位精度 {acc_zh}" if pos.accuracy_m is not None else ""
    return Flag(
        "far_from_site",
        f"{what} is {gap_en} from the site (geofence {site.geofence_m:.0f} m{accuracy})",
        f"{what_zh}距{site.noun_zh} {gap_zh}（范围 {site.geofence_m:.0f} 米{accuracy_zh}）",
    )


def location_flags(record: RecordEvidence, photos: list[PhotoEvidence], site: Site, rules: EvidenceRules) -> list[Flag]:
    flags: list[Flag] = []
    if record.position is None:
        flags.append(Flag("no_location", "the record has no position", "记录没有定位"))
    else:
        if record.position.accuracy_m is not None and record.position.accuracy_m > rules.low_accuracy_m:
            en, zh = _metres(record.position.accuracy_m)
            flags.append(
                Flag(
                    "low_accuracy",
                    f"position accuracy is {en} (worse than {rules.low_accuracy_m:.0f} m)",
                    f"定位精度 {zh}，低于 {rules.low_accuracy_m:.0f} 米要求",
                )
            )
        flags.append(_far("the record's position", "记录位置", record.position, site))  # type: ignore[arg-type]
    for n, photo in enumerate(photos, 1):
        if photo.capture_position:
            flags.append(_far(f"photo {n} (taken at)", f"照片{n}拍摄位置", photo.capture_position, site))  # type: ignore[arg-type]
        if photo.exif_position:
            flags.append(_far(f"photo {n} (EXIF GPS)", f"照片{n}的EXIF定位", photo.exif_position, site))  # type: ignore[arg-type]
    return [f for f in flags if f is not None]


def time_flags(record: RecordEvidence, photos: list[PhotoEvidence], now: datetime, rules: EvidenceRules) -> list[Flag]:
    flags: list[Flag] = []
    window = timedelta(hours=rules.photo_time_window_h)
    ahead = now + timedelta(minutes=rules.future_tolerance_min)
    if record.start > ahead or record.end > ahead:
        flags.append(
            Flag("future_time", "the record's time is ahead of the server's clock", "记录时间晚于服务器当前时间")
        )
    for n, photo in enumerate(photos, 1):
        taken = photo.exif_time or photo.device_time
        if taken is None:
            continue
        source = "EXIF" if photo.exif_time else "device"
        if taken > ahead:
            flags.append(
                Flag(
                    "future_time",
                    f"photo {n} ({source} time) is ahead of the server's clock",
                    f"照片{n}的拍摄时间晚于服务器当前时间",
                )
            )
        elif taken < record.start - window or taken > record.end + window:
            gap, gap_zh = _duration((record.start - taken) if taken < record.start else (taken - record.end))
            flags.append(
                Flag(
                    "photo_time_mismatch",
                    f"photo {n} was taken ({source} time) {gap} outside the record's time",
                    f"照片{n}拍摄时间与记录时间相差 {gap_zh}",
                )
            )
    return flags


def photo_flags(record: RecordEvidence, photos: list[PhotoEvidence]) -> list[Flag]:
    flags: list[Flag] = []
    for n, photo in enumerate(photos, 1):
        if photo.reused_in or photo.reused_elsewhere:
            where = f"record {photo.reused_in}" if photo.reused_in else "a record of another street"
            flags.append(
                Flag("reused_photo", f"photo {n} is already evidence in {where}", f"照片{n}已作为另一条记录的佐证")
            )
    if record.kind in ("patrol", "inspection"):
        if not record.photo_ids:
            flags.append(
                Flag(
                    "missing_photos",
                    f"the {record.kind} has no photo",
                    f"{RECORD_KIND_ZH[record.kind]}记录没有照片",
                )
            )
        for item in record.issue_items_without_photos:
            label = record.item_labels.get(item, {})
            flags.append(
                Flag(
                    "missing_photos",
                    f"the issue '{label.get('en', item)}' has no photo",
                    f"问题项“{label.get('zh', item)}”没有照片",
                )
            )
    elif not record.photo_ids and not (record.no_photo_reason or "").strip():
        flags.append(
            Flag("missing_photos", "the visit has no photo and no reason for none", "走访记录既无照片也未说明原因")
        )
    return flags


def compute_flags(
    record: RecordEvidence, photos: list[PhotoEvidence], site: Site, now: datetime, rules: EvidenceRules
) -> list[Flag]:
    return [
        *location_flags(record, photos, site, rules),
        *time_flags(record, photos, now, rules),
        *photo_flags(record, photos),
    ]
