"""Shared by the supervisor e2e tests: a desktop browser context and records made through the API
as the field worker's phone would make them (record PUT, photo PUT with capture metadata)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from storage.checklists import PATROL_CODES
from tests.builders import PASSWORD
from tests.e2e.conftest import log_in, watch

CHECKLIST = PATROL_CODES


async def desktop_context(browser):
    """A supervisor's office PC: 1440x900, Chinese locale and time zone."""
    return await browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )


class Field:
    """A field worker's phone talking to the live server."""

    def __init__(self, base: str, username: str = "worker1") -> None:
        r = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        self.base, self.headers = base, {"Authorization": f"Bearer {r.json()['access_token']}"}

    def photo(self, record_id: str, path: Path, *, lat: float, lon: float) -> str:
        photo_id = str(uuid.uuid4())
        at = (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat()
        r = httpx.put(
            f"{self.base}/api/v1/photos/{photo_id}",
            content=path.read_bytes(),
            timeout=60,
            params={"record_id": record_id, "lat": lat, "lon": lon, "accuracy_m": 8, "captured_at": at},
            headers={**self.headers, "Content-Type": "image/jpeg"},
        )
        assert r.status_code == 201, r.text
        return photo_id

    def patrol(
        self,
        facility_id: str,
        photos: list[Path],
        *,
        at: tuple[float, float],
        issue: str | None = None,
        located: bool = True,
    ) -> str:
        record_id = str(uuid.uuid4())
        photo_ids = [self.photo(record_id, p, lat=at[0], lon=at[1]) for p in photos]
        now = datetime.now(timezone.utc)
        body = {
            "facility_id": facility_id,
            "started_at": (now - timedelta(minutes=40)).isoformat(),
            "ended_at": (now - timedelta(minutes=5)).isoformat(),
            "location": {
                "lat": at[0],
                "lon": at[1],
                "accuracy_m": 15,
                "captured_at": (now - timedelta(minutes=30)).isoformat(),
            }
            if located
            else None,
            "checklist": [
                {
                    "item": c,
                    "result": "issue" if c == "structure" and issue else "ok",
                    "note": issue if c == "structure" and issue else "",
                    **({"photo_ids": photo_ids[:1]} if c == "structure" and issue else {}),
                }
                for c in CHECKLIST
            ],
            "notes": "例行巡查",
            "photo_ids": photo_ids,
        }
        r = httpx.put(f"{self.base}/api/v1/patrols/{record_id}", json=body, headers=self.headers, timeout=30)
        assert r.status_code == 201, r.text
        return record_id

    def post(self, path: str, body: dict) -> dict:
        r = httpx.post(f"{self.base}/api/v1{path}", json=body, headers=self.headers, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str, **params) -> dict:
        r = httpx.get(f"{self.base}/api/v1{path}", params=params, headers=self.headers, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


async def open_as(browser, base: str, username: str, route: str):
    context = await desktop_context(browser)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    watch(page, errors)
    await page.goto(base + "/")
    if username.startswith("worker"):
        await log_in(page, base, username)
    else:
        await desk_log_in(page, username)
    await page.goto(f"{base}/#{route}")
    return context, page, errors


async def desk_log_in(page, username: str) -> None:
    """Supervisors and admins land on their desk (the review queue), not the phone's home."""
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("desk").wait_for()
