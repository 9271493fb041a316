"""Pure image work, no I/O: sniff the kind from bytes, refuse polyglots, decode once under a pixel
limit, read EXIF (time, GPS), make upright EXIF-free derivatives and a 64-bit difference hash.

Everything here is synchronous and CPU-bound; storage/photos.py runs it in a worker thread."""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageFile, ImageOps

from storage.errors import BadImage, TooLarge

pillow_heif.register_heif_opener()
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never half-decoded
# Our own pixel limit is stricter than Pillow's; turn its warning into an error we can catch.
warnings.simplefilter("error", Image.DecompressionBombWarning)

REVIEW_SIDE = 1600
THUMB_SIDE = 320
KINDS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
ACCEPTED = "JPEG, PNG, WebP or HEIC"


# --- what kind of file is it, judged from the bytes ------------------------------------------


def sniff_kind(data: bytes) -> str | None:
    """The content type the magic bytes claim, or None when they claim no accepted kind."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None


# --- polyglots: markup hidden where a browser or a sniffer could find it ---------------------

# Tags a browser would act on, then a delimiter; never looked for inside compressed pixel data,
# where any byte sequence can occur by chance.
_MARKUP = re.compile(
    rb"<(?:script|html|body|head|svg|iframe|object|embed|form|img|!doctype)[\s/>]"
    rb"|javascript:",
    re.IGNORECASE,
)
# A marker that can follow entropy-coded data (SOFn, DHT, EOI, SOS, DQT, DRI, APPn, COM, ...); any
# other 0xFF pair there is stuffing, a restart, or damage the decoder will judge.
_JPEG_MARKER = re.compile(rb"\xff[\xc0-\xcf\xd9-\xfe]")


def _jpeg_walk(data: bytes, start: int) -> tuple[list[tuple[int, int]], int]:
    """Metadata spans (APPn, COM) of the JPEG at `start`, and the offset just past its EOI. Lenient
    like libjpeg: bytes where a marker should be are skipped; whether the image decodes is Pillow's
    call, this only finds where markup could hide."""
    spans: list[tuple[int, int]] = []
    i, n = start + 2, len(data)
    while i < n:
        if data[i] != 0xFF or data[i + 1 : i + 2] in (b"\x00", b""):
            found = _JPEG_MARKER.search(data, i)
            if not found:
                break
            i = found.start()
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return spans, i
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:
            continue
        length = int.from_bytes(data[i : i + 2], "big")
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            spans.append((i + 2, min(i + length, n)))
        i += max(length, 2)
        if marker == 0xDA:  # start of scan: skip entropy-coded data up to the next real marker
            found = _JPEG_MARKER.search(data, i)
            i = found.start() if found else n
    return spans, n  # no EOI: the decoder will call it truncated


def _png_walk(data: bytes) -> tuple[list[tuple[int, int]], int]:
    spans: list[tuple[int, int]] = []
    i, n = 8, len(data)
    while i + 8 <= n:
        length, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
        body = (i + 8, min(i + 8 + length, n))
        i = body[0] + length + 4  # data and CRC
        if kind == b"IEND":
            return spans, min(i, n)
        if kind not in (b"IDAT", b"fdAT"):
            spans.append(body)
    return spans, n


def _webp_walk(data: bytes) -> tuple[list[tuple[int, int]], int]:
    spans, end = [], min(8 + int.from_bytes(data[4:8], "little"), len(data))
    i = 12
    while i + 8 <= end:
        kind, length = data[i : i + 4], int.from_bytes(data[i + 4 : i + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            spans.append((i + 8, min(i + 8 + length, end)))
        i += 8 + length + (length & 1)
    return spans, end


def _heic_walk(data: bytes) -> tuple[list[tuple[int, int]], int]:
    spans, i, n = [], 0, len(data)
    while i + 8 <= n:
        size, kind, head = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8], 8
        if size == 1:
            size, head = int.from_bytes(data[i + 8 : i + 16], "big"), 16
        elif size == 0:
            size = n - i
        if size < head:
            raise BadImage("the HEIC structure is damaged (a box has an impossible size)")
        if kind != b"mdat":
            spans.append((i + head, min(i + size, n)))
        i += size
    return spans, n


def find_markup(data: bytes, kind: str) -> str | None:
    """Where markup hides in an image file, if it does: in a metadata segment, or after the end."""
    gaps: list[tuple[int, int]] = []
    if kind == "image/jpeg":
        spans, end = _jpeg_walk(data, 0)
        # Phones append more images (MPF depth maps, previews): skip their pixels too.
        while (soi := data.find(b"\xff\xd8\xff", end)) >= 0:
            gaps.append((end, soi))
            more, end = _jpeg_walk(data, soi)
            spans += more
    else:
        walk = {"image/png": _png_walk, "image/webp": _webp_walk, "image/heic": _heic_walk}[kind]
        spans, end = walk(data)
    gaps.append((end, len(data)))
    for a, b in spans:
        if _MARKUP.search(data, a, b):
            return "a metadata segment holds HTML or script"
    if any(_MARKUP.search(data, a, b) for a, b in gaps):
        return "bytes after the end of the image hold HTML or script"
    return None


# --- EXIF: capture time and GPS ---------------------------------------------------------------


def exif_time(value: Any, offset: Any, *, naive_offset_h: float) -> datetime | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" (+ optional "+08:00" offset tag) as an aware datetime.
    Blank, zeroed or garbled values give None; without an offset the local zone is assumed."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        naive = datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    zone = timezone(timedelta(hours=naive_offset_h))
    if isinstance(offset, str):
        found = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset.strip("\x00 "))
        if found:
            minutes = int(found[2]) * 60 + int(found[3])
            if minutes < 15 * 60:
                zone = timezone(timedelta(minutes=-minutes if found[1] == "-" else minutes))
    return naive.replace(tzinfo=zone)


def _degrees(value: Any) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return result if math.isfinite(result) else None


def gps_position(gps: Mapping[int, Any]) -> tuple[float, float] | None:
    """(lat, lon) from a GPS IFD with its N/S and E/W refs; None when absent, empty, out of range
    or the 0/0 placeholder some phones write instead of removing the block."""
    lat, lon = _degrees(gps.get(2)), _degrees(gps.get(4))
    if lat is None or lon is None:
        return None
    if str(gps.get(1, "N")).strip("\x00 ").upper() == "S":
        lat = -lat
    if str(gps.get(3, "E")).strip("\x00 ").upper() == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (abs(lat) < 1e-9 and abs(lon) < 1e-9):
        return None
    return round(lat, 7), round(lon, 7)


def read_exif(img: Image.Image, *, naive_offset_h: float) -> tuple[datetime | None, tuple[float, float] | None]:
    """Capture time and GPS position, each recovered on its own: a damaged block loses only itself."""
    try:
        exif = img.getexif()
    except Exception:  # damaged EXIF is the phone's problem, not a reason to refuse the photo
        return None, None
    taken_at = position = None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        taken_at = exif_time(sub.get(0x9003), sub.get(0x9011), naive_offset_h=naive_offset_h) or exif_time(
            sub.get(0x9004), sub.get(0x9012), naive_offset_h=naive_offset_h
        )
    except Exception:  # noqa: S110 - a damaged block loses only itself
        pass
    try:
        position = gps_position(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # noqa: S110 - a damaged block loses only itself
        pass
    return taken_at, position


# --- perceptual hash --------------------------------------------------------------------------


def dhash(img: Image.Image) -> int:
    """64-bit difference hash: 9x8 greyscale, one bit per horizontal neighbour pair (left > right)."""
    small = img.convert("L").resize((9, 8), Image.Resampling.BOX)
    px = small.tobytes()
    bits = 0
    for y in range(8):
        row = px[y * 9 : (y + 1) * 9]
        for x in range(8):
            bits = (bits << 1) | (row[x] > row[x + 1])
    return bits


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit hash, most significant first."""
    return tuple((value >> shift) & 0xFFFF for shift in (48, 32, 16, 0))  # type: ignore[return-value]


def distance(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


# --- one decode, everything derived from it ---------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    width: int  # upright, as a viewer sees it
    height: int
    taken_at: datetime | None
    exif_location: tuple[float, float] | None
    phash: int  # unsigned 64-bit, of the upright thumbnail
    thumb_jpeg: bytes


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if img.mode.startswith("I"):  # 16-bit greyscale
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return img if img.mode == "RGB" else img.convert("RGB")


def _jpeg(img: Image.Image, side: int, quality: int, icc: bytes | None) -> tuple[Image.Image, bytes]:
    img = img.copy()
    # Pillow's default filter: a quarter cheaper than LANCZOS, and alike at these sizes.
    img.thumbnail((side, side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    out = io.BytesIO()
    img.save(
        out,
        "JPEG",
        quality=quality,
        optimize=True,
        progressive=side > THUMB_SIDE,
        **({"icc_profile": icc} if icc else {}),
    )  # colour profile yes, EXIF never
    return img, out.getvalue()


def _open(data: bytes, kind: str, max_pixels: int, side: int) -> tuple[Image.Image, int, int]:
    """Decode the whole stream (JPEGs scaled down in the decoder via draft mode: libjpeg still
    reads every coefficient, so a truncated or damaged stream raises all the same)."""
    try:
        img = Image.open(io.BytesIO(data), formats=[KINDS[kind]])
        width, height = img.size
        if width * height > max_pixels or width <= 0 or height <= 0:
            raise TooLarge(f"the image has {width}x{height} pixels; the limit is {max_pixels / 1e6:.0f} megapixels")
        if kind == "image/jpeg":
            scale = side / max(width, height)
            img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        img.load()
        return img, width, height  # the stored size, not the decoder's reduced one
    except TooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(f"the image declares too many pixels; the limit is {max_pixels / 1e6:.0f} megapixels") from exc
    except Exception as exc:  # Pillow and pillow-heif raise many types for damaged input
        raise BadImage(
            f"the file is not a complete {ACCEPTED} image ({exc.__class__.__name__}); "
            "send the photo again from the phone"
        ) from exc


def _upright(img: Image.Image) -> Image.Image:
    try:
        upright = ImageOps.exif_transpose(img)
    except Exception:  # a damaged orientation tag: keep the pixels as stored
        upright = img
    return _rgb(upright)


def decode(data: bytes, *, kind: str, max_pixels: int, naive_offset_h: float) -> Decoded:
    """Check the image by decoding it once, at thumbnail scale, and derive what upload needs: its
    facts, the thumbnail and the perceptual hash. The review-size image is made on first request
    (review_image), so an upload costs about what storing the bytes and a thumbnail costs.
    Raises BadImage (415) for anything damaged or of another kind, TooLarge (413) over the limit."""
    img, width, height = _open(data, kind, max_pixels, THUMB_SIDE)
    taken_at, position = read_exif(img, naive_offset_h=naive_offset_h)
    orientation = 1
    try:
        orientation = int(img.getexif().get(0x0112, 1))
    except Exception:  # noqa: S110 - unreadable orientation: take the pixels as they are
        pass
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    thumb, thumb_jpeg = _jpeg(_upright(img), THUMB_SIDE, 80, img.info.get("icc_profile"))
    return Decoded(
        width=width, height=height, taken_at=taken_at, exif_location=position, phash=dhash(thumb), thumb_jpeg=thumb_jpeg
    )


def review_image(data: bytes, *, kind: str, max_pixels: int) -> bytes:
    """The upright, EXIF-free review-size JPEG (long side 1600) of a stored original."""
    img, _, _ = _open(data, kind, max_pixels, REVIEW_SIDE)
    return _jpeg(_upright(img), REVIEW_SIDE, 85, img.info.get("icc_profile"))[1]
