"""storage/images.py without a database: kinds, polyglots, EXIF time and GPS, orientation, dHash."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from PIL import Image, TiffImagePlugin

from storage import images
from storage.errors import BadImage, TooLarge

CHINA = timezone(timedelta(hours=8))


def decode(data: bytes, kind: str = "image/jpeg", max_pixels: int = 50_000_000) -> images.Decoded:
    return images.decode(data, kind=kind, max_pixels=max_pixels, naive_offset_h=8)


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def rational(*parts: float) -> tuple:
    return tuple(TiffImagePlugin.IFDRational(Fraction(p).limit_denominator(10**6)) for p in parts)


# --- kinds and polyglots ----------------------------------------------------------------------


def test_kinds_are_sniffed_from_magic_bytes(photos):
    img = Image.new("RGB", (4, 4))
    assert images.sniff_kind((photos / "Canon_40D.jpg").read_bytes()) == "image/jpeg"
    assert images.sniff_kind(encode(img, "PNG")) == "image/png"
    assert images.sniff_kind(encode(img, "WEBP")) == "image/webp"
    assert images.sniff_kind((photos / "heic_IMG_5195.HEIC").read_bytes()) == "image/heic"
    for other in (encode(img, "GIF"), encode(img, "BMP"), b"<html></html>", b"", b"\xff\xd8"):
        assert images.sniff_kind(other) is None


def test_no_fixture_is_mistaken_for_a_polyglot(photos):
    for path in photos.iterdir():
        if path.suffix.lower() in (".jpg", ".heic"):
            data = path.read_bytes()
            assert images.find_markup(data, images.sniff_kind(data)) is None, path.name


def test_markup_in_a_jpeg_comment_or_after_its_end_is_found(photos):
    jpeg = (photos / "Canon_40D.jpg").read_bytes()
    note = b"<!DOCTYPE html><p>hi"
    in_comment = jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]
    assert "metadata" in images.find_markup(in_comment, "image/jpeg")
    assert "after the end" in images.find_markup(jpeg + b"<iframe src=x>", "image/jpeg")
    assert "after the end" in images.find_markup(jpeg + b"\x00" * 100 + b"<SCRIPT>", "image/jpeg")


def test_markup_bytes_inside_compressed_pixels_are_not_a_polyglot(photos):
    jpeg = bytearray((photos / "Canon_40D.jpg").read_bytes())
    sos = jpeg.rindex(b"\xff\xda")  # the main image, not the EXIF thumbnail
    start = sos + 2 + int.from_bytes(jpeg[sos + 2 : sos + 4], "big") + 40
    jpeg[start : start + 8] = b"<script>"  # entropy-coded data: any bytes may occur there
    assert images.find_markup(bytes(jpeg), "image/jpeg") is None
    png = encode(Image.new("RGB", (8, 8)), "PNG")
    idat = png.index(b"IDAT")
    fake = png[: idat + 4] + b"<svg>" + png[idat + 9 :]
    assert images.find_markup(fake, "image/png") is None


def test_a_second_jpeg_after_the_first_is_walked_not_scanned(photos):
    jpeg = (photos / "Canon_40D.jpg").read_bytes()
    second = bytearray(jpeg)
    sos = second.rindex(b"\xff\xda")
    start = sos + 2 + int.from_bytes(second[sos + 2 : sos + 4], "big") + 40
    second[start : start + 6] = b"<html>"
    assert images.find_markup(jpeg + b"\x00\x00" + bytes(second), "image/jpeg") is None
    assert images.find_markup(jpeg + bytes(second) + b"<html>", "image/jpeg") is not None


def test_markup_in_webp_metadata_is_found():
    webp = encode(Image.new("RGB", (8, 8)), "WEBP", exif=b"Exif\x00\x00<script>x</script>")
    assert images.find_markup(webp, "image/webp") is not None
    assert images.find_markup(encode(Image.new("RGB", (8, 8)), "WEBP"), "image/webp") is None


# --- EXIF time and GPS ------------------------------------------------------------------------


def test_exif_time_without_offset_is_china_time():
    assert images.exif_time("2008:10:22 16:28:39", None, naive_offset_h=8) == datetime(
        2008, 10, 22, 16, 28, 39, tzinfo=CHINA
    )


def test_exif_time_uses_its_offset_tag():
    taken = images.exif_time(b"2021:04:11 15:47:53\x00", "-05:00", naive_offset_h=8)
    assert taken == datetime(2021, 4, 11, 20, 47, 53, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["    :  :     :  :  ", "0000:00:00 00:00:00", "", None, 42, "2008-10-22"])
def test_blank_or_garbled_exif_times_are_none(value):
    assert images.exif_time(value, None, naive_offset_h=8) is None


def test_gps_with_refs_gives_signed_degrees():
    gps = {1: "S", 2: rational(33, 51, 54), 3: "W", 4: rational(151, 12, 36)}
    assert images.gps_position(gps) == pytest.approx((-33.865, -151.21))


@pytest.mark.parametrize(
    "gps",
    [
        {},  # an empty block
        {0: b"\x02\x02\x00\x00"},  # version only (Canon_40D)
        {1: "N", 2: rational(0, 0, 0), 3: "E", 4: rational(0, 0, 0)},  # the 0/0 placeholder
        {1: "N", 2: rational(95, 0, 0), 3: "E", 4: rational(10, 0, 0)},  # out of range
        {1: "N", 2: (TiffImagePlugin.IFDRational(1, 0),) * 3, 3: "E", 4: rational(10, 0, 0)},  # x/0
    ],
)
def test_gps_placeholders_give_no_position(gps):
    assert images.gps_position(gps) is None


def test_exif_of_the_fixtures(photos):
    def facts(name):
        return images.read_exif(Image.open(photos / name), naive_offset_h=8)

    taken, where = facts("gps_DSCN0010.jpg")
    assert taken == datetime(2008, 10, 22, 16, 28, 39, tzinfo=CHINA)
    assert where == pytest.approx((43.4674483, 11.8851267))
    assert facts("Canon_40D.jpg")[1] is None
    assert facts("invalid_image01088.jpg") == (None, None)
    assert facts("heic_IMG_5195.HEIC")[0].utcoffset() == timedelta(hours=-5)


# --- decoding, orientation, limits ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, size",
    [
        ("orientation_landscape_1.jpg", (600, 450)),
        ("orientation_landscape_3.jpg", (600, 450)),
        ("orientation_landscape_6.jpg", (600, 450)),
        ("orientation_landscape_8.jpg", (600, 450)),
        ("orientation_portrait_5.jpg", (450, 600)),
    ],
)
def test_derivatives_are_upright_and_carry_no_exif(photos, name, size):
    decoded = decode((photos / name).read_bytes())
    assert (decoded.width, decoded.height) == size
    thumb = Image.open(io.BytesIO(decoded.thumb_jpeg))
    assert (thumb.width > thumb.height) == (size[0] > size[1]) and max(thumb.size) == 320
    assert "exif" not in thumb.info and len(thumb.getexif()) == 0
    if size[0] > size[1]:  # the same scene as orientation 1, once turned upright
        assert images.distance(decoded.phash, decode((photos / "orientation_landscape_1.jpg").read_bytes()).phash) <= 3


def test_a_big_jpeg_is_decoded_once_at_reduced_scale(photos):
    data = (photos / "hdr_iphone_hdr_YES.jpg").read_bytes()
    decoded = decode(data)
    assert (decoded.width, decoded.height) == (3264, 2448)  # the original's size, not the draft's
    assert Image.open(io.BytesIO(decoded.thumb_jpeg)).size == (320, 240)
    review = Image.open(io.BytesIO(images.review_image(data, kind="image/jpeg", max_pixels=50_000_000)))
    assert review.size == (1600, 1200)
    assert len(review.getexif()) == 0


def test_a_truncated_jpeg_is_bad(photos):
    data = (photos / "mobile_jolla.jpg").read_bytes()
    with pytest.raises(BadImage):
        decode(data[: len(data) * 2 // 3])


def test_the_pixel_limit_is_checked_before_decoding(photos):
    with pytest.raises(TooLarge, match="megapixels"):
        decode((photos / "gps_DSCN0010.jpg").read_bytes(), max_pixels=640 * 480 - 1)


def test_bytes_of_one_kind_are_not_decoded_as_another(photos):
    with pytest.raises(BadImage):
        decode((photos / "Canon_40D.jpg").read_bytes(), kind="image/png")


def test_sixteen_bit_and_palette_pngs_make_rgb_derivatives():
    for img in (Image.new("I;16", (20, 10), 40_000), Image.new("P", (20, 10), 3), Image.new("LA", (20, 10))):
        thumb = Image.open(io.BytesIO(decode(encode(img, "PNG"), kind="image/png").thumb_jpeg))
        assert thumb.mode == "RGB" and thumb.size == (20, 10)


# --- dHash ------------------------------------------------------------------------------------


def test_dhash_distance_of_a_resized_reencoded_copy_is_small(photos):
    for name in ("gps_DSCN0010.jpg", "mobile_jolla.jpg", "hdr_iphone_hdr_YES.jpg"):
        data = (photos / name).read_bytes()
        img = Image.open(io.BytesIO(data))
        copy = encode(img.resize((img.width // 2, img.height // 2)), "JPEG", quality=70)
        assert images.distance(decode(data).phash, decode(copy).phash) <= 3, name


def test_dhash_of_different_photos_is_far_apart(photos):
    hashes = [
        decode((photos / name).read_bytes()).phash
        for name in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "mobile_jolla.jpg", "Canon_40D.jpg")
    ]
    assert min(images.distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]) > 10


def test_bands_split_the_hash_and_one_matches_within_distance_3():
    rng = random.Random(7)
    for _ in range(500):
        value = rng.getrandbits(64)
        b = images.bands(value)
        assert (b[0] << 48 | b[1] << 32 | b[2] << 16 | b[3]) == value
        near = value
        for bit in rng.sample(range(64), rng.randint(0, 3)):
            near ^= 1 << bit
        assert images.distance(value, near) <= 3
        assert any(x == y for x, y in zip(b, images.bands(near), strict=False))
