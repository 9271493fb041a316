"""GET /settings/evidence: the thresholds of the evidence flags (api/evidence.py), so the phone
warns on site by the server's own rules instead of a second copy of them."""

from __future__ import annotations

import msgspec
from litestar import get

from api.deps import AppSettings, CurrentUser


class EvidenceRulesOut(msgspec.Struct, frozen=True):
    """What the phone can check before saving. Each site's own geofence comes with the site
    (facilities, subjects, stations); the two defaults are for a site without one."""

    low_accuracy_m: float
    facility_geofence_m: int
    home_geofence_m: int
    photo_time_window_h: float
    future_tolerance_min: float
    exif_naive_utc_offset_h: float


@get("/api/v1/settings/evidence", operation_id="GetEvidenceRules", tags=["records"])
async def get_evidence_rules(user: CurrentUser, settings: AppSettings) -> EvidenceRulesOut:
    """Any signed-in user: the numbers every record is flagged by (the near-duplicate photo
    threshold stays on the server)."""
    r = settings.evidence
    return EvidenceRulesOut(
        low_accuracy_m=r.low_accuracy_m,
        facility_geofence_m=r.facility_geofence_m,
        home_geofence_m=r.home_geofence_m,
        photo_time_window_h=r.photo_time_window_h,
        future_tolerance_min=r.future_tolerance_min,
        exif_naive_utc_offset_h=r.exif_naive_utc_offset_h,
    )
