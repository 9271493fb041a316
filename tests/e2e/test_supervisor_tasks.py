"""A rectification task: opened by a patrol issue, fixed by the worker with an after photo, and
accepted by the supervisor with before and after photos side by side."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.supervisor_helpers import Field, open_as

pytestmark = pytest.mark.e2e


async def test_accept_a_rectification_with_before_and_after_photos(browser, live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id,
        [photos / "orientation_landscape_1.jpg"],
        at=(26.5801, 106.7101),
        issue="纪念碑基座东侧裂缝约30厘米",
    )
    [task] = worker.get("/tasks", record_id=patrol)["items"]
    after = worker.photo(task["id"], photos / "orientation_portrait_5.jpg", lat=26.5801, lon=106.7101)
    worker.post(f"/tasks/{task['id']}/fix", {"photo_ids": [after], "note": "已用水泥砂浆修补并清理"})

    context, page, errors = await open_as(browser, base, "super1", "/tasks?status=fixed")
    try:
        row = page.locator(f"[data-testid=task-row][data-id='{task['id']}']")
        await row.wait_for()
        await shot(page, "supervisor-05-tasks")
        await row.click()
        await page.get_by_test_id("task").wait_for()
        before, after_box = page.get_by_test_id("before"), page.get_by_test_id("after")
        await page.wait_for_function(
            "['before','after'].every(k => [...document.querySelectorAll(`[data-testid=${k}] img`)]"
            ".some(i => i.complete && i.naturalWidth > 0))"
        )
        assert await before.get_by_test_id("thumb").count() == 1
        assert await after_box.get_by_test_id("thumb").count() == 1
        assert "已用水泥砂浆修补并清理" in await after_box.inner_text()
        await shot(page, "supervisor-06-task-before-after")
        await page.get_by_test_id("accept").click()
        await page.locator("[data-testid=task] [data-status=accepted]").wait_for()
        await shot(page, "supervisor-07-task-accepted")
        assert worker.get(f"/tasks/{task['id']}")["status"] == "accepted"
        assert not errors, errors
    finally:
        await context.close()


async def test_reopen_needs_a_comment(browser, live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id, [photos / "orientation_landscape_3.jpg"], at=(26.5801, 106.7101), issue="护栏松动"
    )
    [task] = worker.get("/tasks", record_id=patrol)["items"]
    after = worker.photo(task["id"], photos / "orientation_landscape_8.jpg", lat=26.5801, lon=106.7101)
    worker.post(f"/tasks/{task['id']}/fix", {"photo_ids": [after], "note": "已加固"})
    context, page, errors = await open_as(browser, base, "super1", f"/tasks/{task['id']}")
    try:
        await page.get_by_test_id("reopen").click()
        await page.get_by_test_id("send-reopen").click()
        await page.get_by_role("alert").wait_for()
        await page.get_by_test_id("reopen-comment").fill("护栏仍然晃动，请重新加固")
        await page.get_by_test_id("send-reopen").click()
        await page.locator("[data-testid=task] [data-status=open]").wait_for()
        assert worker.get(f"/tasks/{task['id']}")["reopen_comment"] == "护栏仍然晃动，请重新加固"
        assert not errors, errors
    finally:
        await context.close()
