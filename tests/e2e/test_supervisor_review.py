"""A supervisor reviews a flagged patrol in the queue: flags in plain words, photos in the viewer,
the map, and a return with a comment, by keyboard."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.supervisor_helpers import Field, open_as

pytestmark = pytest.mark.e2e


async def test_review_a_flagged_record_and_return_it(browser, live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    clean = worker.patrol(area.facility_id, [photos / "orientation_landscape_6.jpg"], at=(26.5801, 106.7101))
    flagged = worker.patrol(
        area.facility_id,
        [photos / "gps_DSCN0010.jpg", photos / "mobile_jolla.jpg"],
        at=(26.5900, 106.7200),
        issue="碑体东侧裂缝约30厘米",
    )
    context, page, errors = await open_as(browser, base, "super1", "/review?sort=most_flagged")
    try:
        queue = page.get_by_test_id("queue-item")
        await queue.first.wait_for()
        assert await queue.count() == 2
        assert await queue.first.get_attribute("data-id") == flagged  # most flagged first
        record = page.locator(f"[data-testid=record][data-id='{flagged}']")
        await record.wait_for()
        flags = page.locator("[data-testid=flags] li")
        codes = {await f.get_attribute("data-flag") for f in await flags.all()}
        assert {"far_from_site", "photo_time_mismatch"} <= codes
        assert "离现场太远" in await page.get_by_test_id("flags").inner_text()
        assert await page.get_by_test_id("thumb").count() == 2
        await page.wait_for_function(
            "document.querySelectorAll('[data-testid=thumb] img').length === 2 && "
            "[...document.querySelectorAll('[data-testid=thumb] img')].every(i => i.naturalWidth > 0)"
        )
        await shot(page, "supervisor-01-queue-flagged")
        await page.locator("[data-testid=map] [data-shape=geofence]").wait_for()  # the site's geofence circle
        for shape in ("site", "record", "photo-1", "photo-2"):
            assert await page.locator(f"[data-testid=map] [data-shape={shape}]").count() == 1, shape
        assert await page.get_by_test_id("blank-map").is_visible()  # no tile source: a blank grid
        await page.get_by_test_id("map").scroll_into_view_if_needed()
        await shot(page, "supervisor-01b-record-map")

        await page.keyboard.press("j")
        await page.locator(f"[data-testid=record][data-id='{clean}']").wait_for()
        await page.keyboard.press("k")
        await record.wait_for()

        await page.get_by_test_id("thumb").first.click()
        viewer = page.get_by_test_id("viewer")
        await viewer.wait_for()
        await page.get_by_test_id("zoom-in").click()
        assert await viewer.locator("img").get_attribute("data-zoom") == "1.50"
        await page.get_by_test_id("original").click()
        await page.wait_for_function(
            "document.querySelector('[data-testid=viewer] img').src.includes('/photos/') && "
            "!document.querySelector('[data-testid=viewer] img').src.includes('/review?') && "
            "document.querySelector('[data-testid=viewer] img').naturalWidth > 0"
        )
        await shot(page, "supervisor-02-viewer-original")
        await page.keyboard.press("Escape")
        await viewer.wait_for(state="detached")

        await page.keyboard.press("r")
        comment = page.get_by_test_id("return-comment")
        await comment.wait_for()
        await comment.fill("照片不是现场拍的，请到现场补拍裂缝近景")
        await shot(page, "supervisor-03-return-comment")
        await comment.press("Control+Enter")
        await page.get_by_test_id("decided").wait_for()
        assert await queue.count() == 1
        await shot(page, "supervisor-04-after-return")

        detail = worker.get(f"/patrols/{flagged}")
        assert detail["status"] == "returned"
        assert detail["reviews"][0]["comment"] == "照片不是现场拍的，请到现场补拍裂缝近景"
        assert not errors, errors
    finally:
        await context.close()


async def test_another_streets_supervisor_sees_an_empty_queue(browser, live_server, area, photos):
    base = live_server.url
    Field(base).patrol(area.facility_id, [photos / "gps_DSCN0012.jpg"], at=(26.58, 106.71))
    context, page, errors = await open_as(browser, base, "super2", "/review")
    try:
        await page.get_by_test_id("queue-empty").wait_for()
        assert await page.get_by_test_id("queue-item").count() == 0
        assert not errors, errors
    finally:
        await context.close()
