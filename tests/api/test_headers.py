"""The browser's defences on every response: CSP, no framing, nosniff, no referrer, permissions,
HSTS over TLS, and personal data never kept by a cache."""

import uuid

import pytest

from api import headers as security
from api.map_config import map_config
from tests.builders import add_facility, login, make_district

FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


def assert_defended(response) -> dict[str, list[str]]:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    permissions = response.headers["permissions-policy"]
    assert "geolocation=(self)" in permissions and "camera=(self)" in permissions
    csp = _directives(response.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"], "no inline script, no eval, no other host"
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    return csp


async def test_the_app_shell_its_files_and_errors_carry_the_defences(client):
    for path in ("/", "/manifest.webmanifest", "/sw.js", "/no-such-file", "/api/v1/health", "/api/v1/nothing-here"):
        response = await client.get(path)
        assert_defended(response)
        assert "strict-transport-security" not in response.headers, "plain HTTP: no HSTS"
    shell = await client.get("/")
    assert shell.headers["cache-control"] == "no-cache"


async def test_a_login_failure_and_a_missing_token_are_defended_too(client, db):
    await make_district(db)
    bad = await client.post("/api/v1/auth/login", json={"username": "worker1", "password": "wrong"})
    assert bad.status_code == 401
    assert_defended(bad)
    assert bad.headers["cache-control"] == "no-store"
    assert_defended(await client.get("/api/v1/facilities"))


async def test_personal_data_json_is_never_cached(client, db):
    d = await make_district(db)
    await add_facility(db, d.community1, name="东山烈士陵园")
    await db.commit()
    h = await login(client, "super1")
    for path in (
        "/api/v1/facilities",
        "/api/v1/subjects",
        "/api/v1/me",
        "/api/v1/review-queue",
        "/api/v1/exports/visits.csv",
    ):
        response = await client.get(path, headers=h)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["cache-control"] == "no-store", path
        assert_defended(response)


async def test_photo_originals_are_private_and_not_kept_for_a_year(client, db, photos):
    await make_district(db)
    await db.commit()
    h = await login(client, "worker1")
    photo_id = uuid.uuid4()
    put = await client.put(
        f"/api/v1/photos/{photo_id}",
        params={"record_id": str(uuid.uuid4())},
        content=(photos / "gps_DSCN0021.jpg").read_bytes(),
        headers={**h, "Content-Type": "image/jpeg"},
    )
    assert put.status_code == 201, put.text
    original = await client.get(f"/api/v1/photos/{photo_id}", headers=h)
    assert original.status_code == 200
    cache = original.headers["cache-control"]
    assert "private" in cache and "max-age=31536000" not in cache and "immutable" not in cache
    assert original.headers["content-security-policy"] == "sandbox"
    thumb = await client.get(f"/api/v1/photos/{photo_id}/thumb", headers=h)
    assert "private" in thumb.headers["cache-control"]


async def test_hsts_over_tls_and_behind_a_proxy_that_says_so(client):
    direct = await client.get("https://testserver.local/")
    assert direct.headers["strict-transport-security"].startswith("max-age=31536000")
    proxied = await client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in proxied.headers["strict-transport-security"]
    plain = await client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert "strict-transport-security" not in plain.headers


@pytest.fixture
def tiles(monkeypatch):
    def configure(url: str, subdomains: str = "") -> None:
        monkeypatch.setenv("XUNFANG_MAP_TILE_URL", url)
        monkeypatch.setenv("XUNFANG_MAP_SUBDOMAINS", subdomains)
        map_config.cache_clear()
        security.policy.cache_clear()

    yield configure
    monkeypatch.undo()
    map_config.cache_clear()
    security.policy.cache_clear()


async def test_the_map_tile_hosts_from_the_settings_are_allowed_for_images_only(client, tiles):
    tiles("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8", "1234")
    csp = assert_defended(await client.get("/"))
    hosts = [f"https://webrd0{n}.is.autonavi.com" for n in "1234"]
    assert all(h in csp["img-src"] and h in csp["connect-src"] for h in hosts)
    assert not any("autonavi" in s for s in csp["script-src"] + csp["default-src"])
    tiles("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}")
    assert "https://ta.tianditu.gov.cn" in _directives(policy := security.policy())["img-src"]
    assert "tk=KEY" not in policy


def test_a_tile_url_that_is_not_a_plain_host_adds_nothing():
    assert security.tile_sources("javascript:alert(1)//{z}", "") == []
    assert security.tile_sources("https://evil.example; script-src *//{z}", "") == []
    assert security.tile_sources(None, "") == []
