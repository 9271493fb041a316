"""Photo evidence: upload, idempotent resend, what is refused (and that nothing is then stored),
access by scope or signed link, and the reuse search the evidence flags rely on."""

from __future__ import annotations

import hashlib
import io
import uuid
import zlib

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select

from api.app import create_app
from api.photo_links import sign
from storage import images
from storage.models import Photo
from storage.object_store import original_key, review_key
from storage.queries.photos import get_photos, photos_for_record, reuse_of
from tests.builders import login, make_district

# --- helpers ----------------------------------------------------------------------------------


def unique(jpeg: bytes) -> bytes:
    """The same picture with a fresh COM segment: new sha256, so no earlier test stored it."""
    note = f"test {uuid.uuid4()}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def blank_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A 1-bit greyscale PNG of zeros: a few hundred bytes claiming width x height pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(height if rows is None else rows)) + squeeze.flush()
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


async def upload(
    client: AsyncTestClient,
    headers: dict[str, str],
    data: bytes,
    *,
    photo_id: uuid.UUID | None = None,
    record_id: uuid.UUID | None = None,
    content_type: str = "image/jpeg",
    **params,
):
    photo_id, record_id = photo_id or uuid.uuid4(), record_id or uuid.uuid4()
    return await client.put(
        f"/api/v1/photos/{photo_id}",
        params={"record_id": str(record_id), **params},
        content=data,
        headers={**headers, "Content-Type": content_type},
    )


def spy_puts(app, monkeypatch) -> list[str]:
    """Every key the app writes to the object store."""
    store, keys = app.state.store, []
    real_put = store.put

    async def put(key, data, content_type):
        keys.append(key)
        await real_put(key, data, content_type)

    monkeypatch.setattr(store, "put", put)
    return keys


async def photo_rows(db) -> int:
    return await db.scalar(select(func.count()).select_from(Photo))


@pytest.fixture
async def worker(client, db) -> dict[str, str]:
    await make_district(db)
    return await login(client, "worker1")


# --- accepted ---------------------------------------------------------------------------------


async def test_a_gps_photo_is_stored_with_its_exif_time_and_position(client, worker, photos):
    response = await upload(client, worker, (photos / "gps_DSCN0010.jpg").read_bytes())
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["width"], body["height"], body["bytes"]) == (640, 480, 161713)
    assert body["sha256"] == hashlib.sha256((photos / "gps_DSCN0010.jpg").read_bytes()).hexdigest()
    assert body["taken_at"] == "2008-10-22T08:28:39Z"  # naive EXIF time read as UTC+8
    assert body["exif_location"] == pytest.approx({"lat": 43.4674483, "lon": 11.8851267})
    assert body["capture"] == {"captured_at": None, "lat": None, "lon": None, "accuracy_m": None}
    assert "sig=" in body["url"] and body["thumb_url"].startswith(f"/api/v1/photos/{body['id']}/thumb?exp=")


@pytest.mark.parametrize(
    "name, taken_at, location",
    [
        ("heic_IMG_5195.HEIC", "2021-04-11T20:47:53Z", {"lat": 39.0513444, "lon": -94.2887722}),
        ("hdr_iphone_hdr_YES.jpg", "2015-04-10T12:12:23Z", {"lat": 40.4469722, "lon": -3.7247528}),
        ("mobile_jolla.jpg", "2014-09-21T08:00:56Z", None),
        ("Canon_40D.jpg", "2008-05-30T07:56:01Z", None),  # an empty GPS block is no position
        ("corrupted.jpg", "2015-09-08T03:02:17Z", None),  # damaged EXIF, pixels decode
        ("invalid_image01088.jpg", None, None),  # no EXIF at all
    ],
)
async def test_each_fixture_kind_uploads(client, worker, photos, name, taken_at, location):
    response = await upload(client, worker, (photos / name).read_bytes())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["taken_at"] == taken_at
    assert body["exif_location"] == (pytest.approx(location) if location else None)
    thumb = await client.get(body["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


async def test_heic_is_served_back_byte_for_byte_as_heic(client, worker, photos):
    data = (photos / "heic_IMG_5195.HEIC").read_bytes()
    body = (await upload(client, worker, data, content_type="image/heic")).json()
    original = await client.get(f"/api/v1/photos/{body['id']}", headers=worker)
    assert original.status_code == 200
    assert original.content == data and original.headers["content-type"] == "image/heic"
    assert (body["width"], body["height"]) == (2566, 3313)


async def test_png_bytes_labelled_jpeg_are_judged_by_bytes(client, worker):
    data = encode(Image.new("RGB", (40, 30), (200, 30, 30)), "PNG")
    response = await upload(client, worker, data, content_type="image/jpeg")
    assert response.status_code == 201, response.text
    original = await client.get(response.json()["url"])
    assert original.headers["content-type"] == "image/png" and original.content == data


async def test_webp_and_transparent_png_make_jpeg_derivatives(client, worker):
    webp = encode(Image.new("RGB", (300, 200), (10, 120, 10)), "WEBP", quality=80)
    png = encode(Image.new("RGBA", (30, 20), (0, 0, 255, 0)), "PNG")
    for data in (webp, png):
        body = (await upload(client, worker, data, content_type="image/webp")).json()
        thumb = Image.open(io.BytesIO((await client.get(body["thumb_url"])).content))
        assert thumb.format == "JPEG" and thumb.mode == "RGB"


async def test_capture_fields_from_the_phone_are_kept(client, worker, photos):
    sha = "ab" * 32
    response = await upload(
        client,
        worker,
        unique((photos / "Canon_40D.jpg").read_bytes()),
        captured_at="2026-11-24T09:30:00+08:00",
        lat="26.58",
        lon="106.71",
        accuracy_m="12.5",
        original_sha256=sha.upper(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["capture"] == {
        "captured_at": "2026-11-24T01:30:00Z",
        "lat": 26.58,
        "lon": 106.71,
        "accuracy_m": 12.5,
    }


@pytest.mark.parametrize(
    "name, portrait",
    [
        ("orientation_landscape_1.jpg", False),
        ("orientation_landscape_3.jpg", False),
        ("orientation_landscape_6.jpg", False),
        ("orientation_landscape_8.jpg", False),
        ("orientation_portrait_5.jpg", True),
    ],
)
async def test_thumbnails_come_out_upright_and_exif_free(client, worker, photos, name, portrait):
    body = (await upload(client, worker, (photos / name).read_bytes())).json()
    assert (body["height"] > body["width"]) is portrait
    for link, side in ((body["thumb_url"], 320), (body["review_url"], 600)):
        img = Image.open(io.BytesIO((await client.get(link)).content))
        assert max(img.size) == side and (img.height > img.width) is portrait
        assert len(img.getexif()) == 0 and "exif" not in img.info
    if not portrait:  # all four landscapes show the same upright scene
        upright = Image.open(photos / "orientation_landscape_1.jpg")
        assert images.distance(images.dhash(upright), images.dhash(img)) <= 3


async def test_review_size_has_a_long_side_of_1600_and_is_made_once_on_first_request(app, client, worker, photos):
    body = (await upload(client, worker, (photos / "hdr_iphone_hdr_YES.jpg").read_bytes())).json()
    first = await client.get(body["review_url"])
    review = Image.open(io.BytesIO(first.content))
    assert review.size == (1600, 1200)
    assert len(review.getexif()) == 0
    assert await app.state.store.exists(review_key(body["sha256"]))  # kept for the next reviewer
    assert (await client.get(body["review_url"])).content == first.content


# --- resends ----------------------------------------------------------------------------------


async def test_same_bytes_twice_returns_200_and_stores_the_original_once(app, client, worker, photos, db, monkeypatch):
    puts = spy_puts(app, monkeypatch)
    data, photo_id, record_id = unique((photos / "Canon_40D.jpg").read_bytes()), uuid.uuid4(), uuid.uuid4()
    first = await upload(client, worker, data, photo_id=photo_id, record_id=record_id)
    again = await upload(client, worker, data, photo_id=photo_id, record_id=record_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["sha256"] == first.json()["sha256"] and again.json()["taken_at"] == first.json()["taken_at"]
    assert puts.count(original_key(first.json()["sha256"])) == 1 and len(puts) == 2  # original + thumb
    assert await photo_rows(db) == 1


async def test_same_bytes_under_another_photo_id_is_201_with_one_original(app, client, worker, photos, db, monkeypatch):
    puts = spy_puts(app, monkeypatch)
    data = unique((photos / "Canon_40D.jpg").read_bytes())
    first = await upload(client, worker, data)
    second = await upload(client, worker, data)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"] and first.json()["sha256"] == second.json()["sha256"]
    assert puts.count(original_key(first.json()["sha256"])) == 1
    assert await photo_rows(db) == 2


async def test_same_id_with_other_bytes_or_another_record_is_409(client, worker, photos):
    photo_id, record_id = uuid.uuid4(), uuid.uuid4()
    data = (photos / "Canon_40D.jpg").read_bytes()
    assert (await upload(client, worker, data, photo_id=photo_id, record_id=record_id)).status_code == 201
    other_bytes = await upload(client, worker, unique(data), photo_id=photo_id, record_id=record_id)
    other_record = await upload(client, worker, data, photo_id=photo_id)
    assert (other_bytes.status_code, other_record.status_code) == (409, 409)
    assert other_bytes.json()["field"] == "id" and other_record.json()["field"] == "record_id"


async def test_a_thirteenth_photo_for_a_record_is_422(client, worker, db):
    record_id = uuid.uuid4()
    for shade in range(12):
        data = encode(Image.new("L", (8, 8), shade * 20), "PNG")
        assert (await upload(client, worker, data, record_id=record_id)).status_code == 201
    extra = await upload(client, worker, encode(Image.new("L", (8, 8), 255), "PNG"), record_id=record_id)
    assert extra.status_code == 422 and "12" in extra.json()["detail"]
    assert len(await photos_for_record(db, record_id=record_id)) == 12


# --- refused, and nothing stored --------------------------------------------------------------


async def assert_refused(app, client, worker, db, monkeypatch, data: bytes, status: int) -> dict:
    puts = spy_puts(app, monkeypatch)
    response = await upload(client, worker, data)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert puts == [] and await photo_rows(db) == 0
    assert not await app.state.store.exists(original_key(hashlib.sha256(data).hexdigest()))
    return response.json()


async def test_a_text_file_labelled_jpeg_is_415_and_nothing_is_stored(app, client, worker, db, monkeypatch):
    await assert_refused(app, client, worker, db, monkeypatch, f"hello {uuid.uuid4()}".encode(), 415)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
async def test_other_image_kinds_are_415(app, client, worker, db, monkeypatch, fmt):
    img = Image.new("RGB", (20, 20), (uuid.uuid4().int % 255, 0, 0))
    await assert_refused(app, client, worker, db, monkeypatch, encode(img, fmt), 415)


async def test_an_svg_is_415(app, client, worker, db, monkeypatch):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    await assert_refused(app, client, worker, db, monkeypatch, svg, 415)


async def test_a_truncated_jpeg_is_415(app, client, worker, db, monkeypatch, photos):
    data = (photos / "gps_DSCN0012.jpg").read_bytes()
    await assert_refused(app, client, worker, db, monkeypatch, data[: len(data) // 2], 415)


async def test_a_truncated_png_is_415(app, client, worker, db, monkeypatch):
    data = encode(Image.effect_noise((200, 200), 60), "PNG")
    await assert_refused(app, client, worker, db, monkeypatch, data[: len(data) // 2], 415)


async def test_a_png_decompression_bomb_is_413(app, client, worker, db, monkeypatch):
    bomb = blank_png(8000, 8000)  # 64 MP of zeros in a few kilobytes: over our 50 MP limit
    assert len(bomb) < 20_000
    body = await assert_refused(app, client, worker, db, monkeypatch, bomb, 413)
    assert "megapixels" in body["detail"]


async def test_a_png_beyond_pillows_own_bomb_guard_is_413(app, client, worker, db, monkeypatch):
    await assert_refused(app, client, worker, db, monkeypatch, blank_png(30_000, 30_000, rows=4), 413)


async def test_html_in_a_jpeg_comment_is_415(app, client, worker, db, monkeypatch, photos):
    note = b"<html><body><script>alert(document.cookie)</script></body></html>"
    jpeg = (photos / "Canon_40D.jpg").read_bytes()
    polyglot = jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]
    body = await assert_refused(app, client, worker, db, monkeypatch, polyglot, 415)
    assert "HTML" in body["detail"]


async def test_script_after_the_jpeg_end_is_415(app, client, worker, db, monkeypatch, photos):
    polyglot = (photos / "Canon_40D.jpg").read_bytes() + b"\n<script>fetch('/api/v1/me')</script>\n"
    await assert_refused(app, client, worker, db, monkeypatch, polyglot, 415)


async def test_svg_in_a_png_text_chunk_is_415(app, client, worker, db, monkeypatch):
    png = encode(Image.new("RGB", (10, 10)), "PNG")
    text = png_chunk(b"tEXt", b"Comment\x00<svg onload=alert(1)>")
    await assert_refused(app, client, worker, db, monkeypatch, png[:33] + text + png[33:], 415)


async def test_a_body_over_the_configured_limit_is_413(settings, engine, db, photos):
    small = msgspec.structs.replace(settings, max_photo_bytes=50_000)
    async with AsyncTestClient(create_app(small), raise_server_exceptions=False) as client:
        await make_district(db)
        headers = await login(client, "worker1")
        response = await upload(client, headers, (photos / "gps_DSCN0010.jpg").read_bytes())
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        assert (await upload(client, headers, (photos / "Canon_40D.jpg").read_bytes())).status_code == 201
    assert await photo_rows(db) == 1


async def test_a_content_length_over_the_limit_is_413_before_the_body_is_read(client, worker):
    async def body():
        yield b"\xff\xd8\xff"

    response = await client.put(
        f"/api/v1/photos/{uuid.uuid4()}",
        params={"record_id": str(uuid.uuid4())},
        content=body(),
        headers={**worker, "Content-Length": str(26 * 1024 * 1024)},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "params, field",
    [
        ({"lat": "nan", "lon": "10"}, "lat"),
        ({"lat": "91", "lon": "10"}, "lat"),
        ({"lat": "10", "lon": "-inf"}, "lon"),
        ({"lat": "10"}, "lon"),
        ({"accuracy_m": "-1"}, "accuracy_m"),
        ({"captured_at": "2026-11-24T09:30:00"}, "captured_at"),
        ({"original_sha256": "abc"}, "original_sha256"),
    ],
)
async def test_bad_capture_parameters_are_400_naming_the_field(client, worker, photos, db, params, field):
    response = await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes(), **params)
    assert response.status_code == 400, response.text
    assert field in (response.json().get("field") or response.json()["detail"])
    assert await photo_rows(db) == 0


async def test_uploading_needs_a_login(client, photos):
    response = await upload(client, {}, (photos / "Canon_40D.jpg").read_bytes())
    assert response.status_code == 401


# --- who may see a photo ----------------------------------------------------------------------


async def test_the_original_comes_back_unchanged_with_safe_headers(client, worker, photos):
    data = (photos / "gps_DSCN0021.jpg").read_bytes()
    body = (await upload(client, worker, data)).json()
    response = await client.get(f"/api/v1/photos/{body['id']}", headers=worker)
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.headers["cache-control"] == "private, no-cache"  # revalidated, never kept a year
    again = await client.get(
        f"/api/v1/photos/{body['id']}", headers={**worker, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_another_units_worker_cannot_get_a_photo(client, worker, photos):
    body = (await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes())).json()
    for username, status in (("worker2", 404), ("super2", 404), ("super1", 200), ("admin", 200)):
        headers = await login(client, username)
        for suffix in ("", "/thumb", "/review"):
            response = await client.get(f"/api/v1/photos/{body['id']}{suffix}", headers=headers)
            assert response.status_code == status, (username, suffix)


async def test_a_signed_thumb_url_works_without_a_token_and_fails_when_tampered_or_expired(
    client, worker, photos, settings
):
    body = (await upload(client, worker, (photos / "Canon_40D.jpg").read_bytes())).json()
    assert (await client.get(body["thumb_url"])).status_code == 200
    path, query = body["thumb_url"].split("?")
    exp, session, sig = (part.split("=", 1)[1] for part in query.split("&"))
    tampered = f"{path}?exp={int(exp) + 900}&s={session}&sig={sig}"
    other_path = f"/api/v1/photos/{body['id']}?exp={exp}&s={session}&sig={sig}"  # the thumb's signature on the original
    expired = f"{path}?exp=1000&s={session}&sig={sign(settings, path, 1000, session)}"
    for link in (tampered, other_path, expired, path):
        assert (await client.get(link)).status_code == 401, link
    assert (await client.get(f"/api/v1/photos/{uuid.uuid4()}/thumb")).status_code == 401


# --- reuse search -----------------------------------------------------------------------------


async def test_reuse_of_finds_exact_and_reencoded_copies_in_other_records_only(client, worker, photos, db):
    original, other = (photos / "mobile_jolla.jpg").read_bytes(), (photos / "gps_DSCN0021.jpg").read_bytes()
    img = Image.open(io.BytesIO(original))
    reencoded = encode(img.resize((img.width // 2, img.height // 2)), "JPEG", quality=70)
    r1, r2, r3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ids = {}
    for name, data, record in [("a", original, r1), ("same_record_copy", reencoded, r1), ("unrelated", other, r1)]:
        ids[name] = uuid.UUID((await upload(client, worker, data, record_id=record)).json()["id"])
    first = await get_photos(db, ids=list(ids.values()))
    assert [p.id for p in first] == list(ids.values())
    assert await reuse_of(db, photos=first, record_id=r1, max_distance=3) == {}

    exact = uuid.UUID((await upload(client, worker, original, record_id=r2)).json()["id"])
    resized = uuid.UUID((await upload(client, worker, reencoded, record_id=r3)).json()["id"])
    assert (await get_photos(db, ids=[exact]))[0].sha256 != (await get_photos(db, ids=[resized]))[0].sha256
    assert await reuse_of(db, photos=await get_photos(db, ids=[exact]), record_id=r2, max_distance=3) == {exact: r1}
    assert await reuse_of(db, photos=await get_photos(db, ids=[resized]), record_id=r3, max_distance=3) == {resized: r1}
    back = await reuse_of(
        db, photos=await get_photos(db, ids=[ids["a"], ids["unrelated"]]), record_id=r1, max_distance=3
    )
    assert back == {ids["a"]: r2}  # earliest other record; the unrelated photo has no twin


async def test_reuse_of_without_band_filter_beyond_distance_3(client, worker, photos, db):
    data = (photos / "gps_DSCN0010.jpg").read_bytes()
    a = (await upload(client, worker, data)).json()["id"]
    b = (await upload(client, worker, unique(data))).json()["id"]
    rows = await get_photos(db, ids=[uuid.UUID(a), uuid.UUID(b)])
    found = await reuse_of(db, photos=rows[:1], record_id=rows[0].record_id, max_distance=10)
    assert found == {rows[0].id: rows[1].record_id}


async def test_two_different_featureless_photos_are_not_taken_for_the_same_picture(client, worker, db):
    from storage.queries.photos import get_photos, reuse_of

    def flat(colour: tuple[int, int, int]) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (640, 480), colour).save(out, "JPEG")
        return out.getvalue()

    first = (await upload(client, worker, flat((0, 0, 0)))).json()
    second = (await upload(client, worker, flat((250, 250, 250)))).json()
    [photo] = await get_photos(db, ids=[uuid.UUID(second["id"])])
    assert await reuse_of(db, photos=[photo], record_id=uuid.UUID(second["record_id"]), max_distance=3) == {}
    assert first["sha256"] != second["sha256"]


# --- whose record a photo may join ------------------------------------------------------------


def shade_png(shade: int) -> bytes:
    return encode(Image.new("L", (8, 8), shade), "PNG")


async def _patrol(client, headers, db, unit, patrol_id, photo_ids=()):
    from tests.api.test_patrols import patrol_body
    from tests.builders import add_facility

    facility = await add_facility(db, unit, lat=26.5923, lon=106.7132)
    body = patrol_body(facility, photo_ids=[str(i) for i in photo_ids])
    return await client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=headers)


async def test_another_streets_worker_cannot_fill_someone_elses_record(client, db):
    d = await make_district(db)
    owner, intruder = await login(client, "worker1"), await login(client, "worker2")
    patrol_id = uuid.uuid4()
    assert (await _patrol(client, owner, db, d.community1, patrol_id)).status_code == 201
    for shade in range(12):
        refused = await upload(client, intruder, shade_png(shade * 20), record_id=patrol_id)
        assert refused.status_code == 403, refused.text
    assert await photos_for_record(db, record_id=patrol_id) == []
    for shade in range(12):  # the owner still has room for all twelve
        assert (await upload(client, owner, shade_png(shade * 20 + 1), record_id=patrol_id)).status_code == 201


async def test_the_first_uploader_of_a_record_id_owns_it_before_the_record_exists(client, db):
    d = await make_district(db)
    owner, intruder = await login(client, "worker1"), await login(client, "worker2")
    patrol_id, first = uuid.uuid4(), uuid.uuid4()
    assert (await upload(client, owner, shade_png(10), photo_id=first, record_id=patrol_id)).status_code == 201
    assert (await upload(client, intruder, shade_png(30), record_id=patrol_id)).status_code == 403
    taken = await _patrol(client, intruder, db, d.community2, patrol_id)
    assert taken.status_code == 409, taken.text
    mine = await _patrol(client, owner, db, d.community1, patrol_id, photo_ids=[first])
    assert mine.status_code == 201, mine.text
    assert [p["id"] for p in mine.json()["photos"]] == [str(first)]


async def test_only_the_fixer_or_a_supervisor_in_scope_adds_photos_to_a_task(client, db):
    from storage.models import Task
    from storage.queries.tasks import sync_tasks_for_patrol
    from tests.builders import add_facility, add_patrol

    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": "碑体裂缝"})
    await sync_tasks_for_patrol(db, patrol=patrol)
    await db.commit()
    task_id = await db.scalar(select(Task.id))
    for name, status in (("worker2", 403), ("super2", 403), ("worker1", 201), ("super1", 201)):
        response = await upload(
            client, await login(client, name), shade_png(len(name) * 9 + status % 7), record_id=task_id
        )
        assert response.status_code == status, (name, response.text)
    # "before" photos are the patrol's own: only its author adds them
    before = await upload(client, await login(client, "worker2"), shade_png(99), record_id=patrol.id)
    assert before.status_code == 403


async def test_a_reused_photo_names_records_of_the_same_street_only(client, db, photos):
    d = await make_district(db)
    data = (photos / "gps_DSCN0010.jpg").read_bytes()
    elsewhere = uuid.uuid4()
    assert (await upload(client, await login(client, "worker2"), data, record_id=elsewhere)).status_code == 201
    worker1 = await login(client, "worker1")
    photo = uuid.uuid4()
    assert (await upload(client, worker1, data, photo_id=photo, record_id=uuid.uuid4())).status_code == 201
    patrol_id = uuid.uuid4()
    assert (await upload(client, worker1, data, record_id=patrol_id)).status_code == 201
    photo_id = await db.scalar(select(Photo.id).where(Photo.record_id == patrol_id))
    body = (await _patrol(client, worker1, db, d.community1, patrol_id, photo_ids=[photo_id])).json()
    [reused] = [f for f in body["flags"] if f["code"] == "reused_photo"]
    assert str(elsewhere) not in reused["detail"]
    same_street = await db.scalar(select(Photo.record_id).where(Photo.id == photo))
    assert str(same_street) in reused["detail"]  # the street's own earlier record is named

    # a record in street 2 whose only earlier twin is elsewhere names none
    other = uuid.uuid4()
    worker2 = await login(client, "worker2")
    assert (await upload(client, worker2, data, record_id=other)).status_code == 201
    pid = await db.scalar(select(Photo.id).where(Photo.record_id == other))
    body2 = (await _patrol(client, worker2, db, d.community2, other, photo_ids=[pid])).json()
    [flag2] = [f for f in body2["flags"] if f["code"] == "reused_photo"]
    assert str(elsewhere) in flag2["detail"] or "another street" in flag2["detail"]
    for record in (patrol_id, same_street):
        assert str(record) not in flag2["detail"]


async def test_a_resend_to_a_full_record_is_200_even_when_other_photos_share_its_bytes(settings, engine, db, photos):
    """The same bytes may be evidence several times over; a resend is still a resend, not a
    thirteenth photo."""
    roomy = msgspec.structs.replace(settings, max_photos_per_record=1)
    data = (photos / "gps_DSCN0010.jpg").read_bytes()
    async with AsyncTestClient(create_app(roomy), raise_server_exceptions=False) as client:
        await make_district(db)
        headers = await login(client, "worker1")
        for _ in range(2):  # older twins, in records of their own
            assert (await upload(client, headers, data)).status_code == 201
        photo_id, record_id = uuid.uuid4(), uuid.uuid4()
        assert (await upload(client, headers, data, photo_id=photo_id, record_id=record_id)).status_code == 201
        again = await upload(client, headers, data, photo_id=photo_id, record_id=record_id)
        assert again.status_code == 200, again.text
    assert await photo_rows(db) == 3
