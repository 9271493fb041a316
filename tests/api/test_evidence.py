"""The evidence rules of product.md as pure functions: inputs in, flags out. No database."""

import uuid
from datetime import datetime, timedelta, timezone

from api.evidence import PhotoEvidence, Position, RecordEvidence, Site, compute_flags, distance_m
from api.settings import EvidenceRules

RULES = EvidenceRules()
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
SITE = Site(position=Position(26.5923, 106.7132), geofence_m=200, noun_zh="设施")
AT_SITE = Position(26.5925, 106.7134, 10)


def patrol(**changes) -> RecordEvidence:
    values = dict(
        kind="patrol",
        start=NOW - timedelta(minutes=40),
        end=NOW - timedelta(minutes=10),
        position=AT_SITE,
        photo_ids=[uuid.uuid4()],
    )
    values.update(changes)
    return RecordEvidence(**values)


def photo(**changes) -> PhotoEvidence:
    values = dict(
        id=uuid.uuid4(),
        exif_time=NOW - timedelta(minutes=20),
        device_time=None,
        exif_position=None,
        capture_position=AT_SITE,
    )
    values.update(changes)
    return PhotoEvidence(**values)


def codes(record, photos=(), site=SITE) -> list[str]:
    return [f.code for f in compute_flags(record, list(photos), site, NOW, RULES)]


def test_a_clean_patrol_at_the_site_has_no_flags():
    assert codes(patrol(), [photo()]) == []


def test_haversine_distance_matches_a_known_pair():
    # Tiananmen to the Temple of Heaven is about 3.5 km.
    d = distance_m(Position(39.9087, 116.3975), Position(39.8822, 116.4066))
    assert 3_000 < d < 3_200


def test_a_record_without_position_is_flagged_no_location():
    assert codes(patrol(position=None), [photo()]) == ["no_location"]


def test_accuracy_worse_than_100_m_is_low_accuracy():
    assert "low_accuracy" in codes(patrol(position=Position(26.5925, 106.7134, 150)), [photo()])


def test_a_record_2_km_away_is_far_from_site_with_the_distance_in_the_detail():
    far = Position(26.6103, 106.7132, 10)
    flags = compute_flags(patrol(position=far), [photo()], SITE, NOW, RULES)
    assert [f.code for f in flags] == ["far_from_site"]
    assert "2.0 km" in flags[0].detail
    assert "2.0 公里" in flags[0].detail_zh and "km" not in flags[0].detail_zh  # units in the reader's language


def test_low_accuracy_says_its_figures_in_each_language():
    flags = compute_flags(patrol(position=Position(26.5925, 106.7134, 1500)), [photo()], SITE, NOW, RULES)
    low = next(f for f in flags if f.code == "low_accuracy")
    assert "1.5 km" in low.detail and "1.5 公里" in low.detail_zh and "km" not in low.detail_zh


def test_the_fix_accuracy_is_allowed_for_at_the_geofence_edge():
    edge = Position(26.5923 + 0.0025, 106.7132, 80)  # ~278 m, but +/-80 m could be inside 200 m
    assert codes(patrol(position=edge), [photo()]) == []


def test_exif_gps_of_a_downloaded_photo_far_away_is_flagged():
    italy = photo(exif_position=Position(43.467, 11.885))
    assert codes(patrol(), [italy]) == ["far_from_site"]


def test_photo_taken_three_hours_before_the_patrol_is_a_time_mismatch():
    early = photo(exif_time=NOW - timedelta(hours=3, minutes=40))
    assert codes(patrol(), [early]) == ["photo_time_mismatch"]


def test_device_time_is_used_when_the_photo_has_no_exif_time():
    assert codes(patrol(), [photo(exif_time=None, device_time=NOW - timedelta(days=2))]) == ["photo_time_mismatch"]


def test_times_ahead_of_the_server_clock_are_future_time():
    ahead = patrol(start=NOW + timedelta(minutes=30), end=NOW + timedelta(minutes=50))
    assert "future_time" in codes(ahead, [photo(exif_time=NOW + timedelta(minutes=40))])


def test_a_patrol_without_photos_is_missing_photos():
    assert codes(patrol(photo_ids=[])) == ["missing_photos"]


def test_an_issue_item_without_its_photo_is_missing_photos():
    flags = codes(patrol(issue_items_without_photos=["structure"]), [photo()])
    assert flags == ["missing_photos"]


def test_a_visit_may_have_no_photo_when_a_reason_is_given():
    visit = RecordEvidence(
        kind="visit", start=NOW, end=NOW, position=AT_SITE, photo_ids=[], no_photo_reason="老人不愿拍照"
    )
    assert codes(visit) == []
    assert codes(RecordEvidence(kind="visit", start=NOW, end=NOW, position=AT_SITE, photo_ids=[])) == ["missing_photos"]


def test_a_reused_photo_names_the_other_record():
    other = uuid.uuid4()
    flags = compute_flags(patrol(), [photo(reused_in=other)], SITE, NOW, RULES)
    assert [f.code for f in flags] == ["reused_photo"]
    assert str(other) in flags[0].detail


def test_a_home_without_a_known_position_cannot_be_far():
    nowhere = Site(position=None, geofence_m=300, noun_zh="住址")
    assert codes(patrol(position=Position(30.0, 120.0, 5)), [photo(capture_position=None)], site=nowhere) == []
