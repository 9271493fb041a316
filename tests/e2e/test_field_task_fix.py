"""A rectification task fixed on the phone with no network: the worker opens the task assigned to
them, takes after photos and writes a note, saves to the outbox; after a reload still offline it is
waiting; when the network returns the task arrives as fixed with its photos, once."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import log_in, pending, shot, wait_for_scope_cached, wait_for_service_worker, wait_pending
from tests.e2e.supervisor_helpers import Field

pytestmark = pytest.mark.e2e

CACHED = """async ([taskId]) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('xunfang'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const get = (key) => new Promise((ok) => { const r = db.transaction('cache').objectStore('cache').get(key); r.onsuccess = () => ok(r.result?.value); });
  const detail = await get('task:' + taskId);
  const thumbs = detail ? await Promise.all(detail.before_photos.map((p) => get('thumb:' + p.id))) : [];
  db.close();
  return !!detail && thumbs.length > 0 && thumbs.every(Boolean);
}"""


async def wait_task_cached(page, task_id: str) -> None:
    """The task's detail and before thumbnails are on the phone."""
    for _ in range(100):
        if await page.evaluate(CACHED, [task_id]):
            return
        await asyncio.sleep(0.3)
    raise AssertionError("the task was not cached for offline use")


async def test_task_fixed_offline_arrives_once_with_its_after_photos(page, phone, live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id,
        [photos / "orientation_landscape_1.jpg"],
        at=(26.5801, 106.7101),
        issue="纪念碑基座东侧裂缝约30厘米",
    )
    [task] = worker.get("/tasks", record_id=patrol)["items"]
    task_id = task["id"]
    assert task["status"] == "open"

    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url.split('?')[0]}") if "/api/v1/" in r.url else None)

    await log_in(page, base)
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("home-count-tasks").wait_for()  # home counts what needs the worker
    assert await page.get_by_test_id("home-count-tasks").get_attribute("data-count") == "1"
    await wait_task_cached(page, task_id)

    await phone.set_offline(True)
    await page.get_by_test_id("home-count-tasks").click()
    item = page.locator(f"[data-testid=task-item][data-id='{task_id}']")
    await item.wait_for()
    await item.click()
    await page.get_by_test_id("task-fix-form").wait_for()
    assert "纪念碑基座东侧裂缝约30厘米" in await page.get_by_test_id("task").inner_text()
    await page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=task-before] img')].some(i => i.complete && i.naturalWidth > 0)"
    )
    await page.get_by_test_id("task-fix-photo").set_input_files(
        [str(photos / "orientation_portrait_5.jpg"), str(photos / "gps_DSCN0010.jpg")]
    )
    await page.wait_for_function("document.querySelectorAll('.photo[data-state=ready]').length === 2", timeout=30_000)
    await page.get_by_test_id("task-fix-note").fill("已用水泥砂浆修补裂缝并清理基座")
    fix_id = await page.get_by_test_id("task-fix-form").get_attribute("data-fix-id")
    await shot(page, "12-task-fix-form")
    await page.get_by_test_id("task-fix-save").click()
    await page.get_by_test_id("flash").wait_for()
    assert await pending(page) == 3  # the fix and its two photos
    assert await item.get_attribute("data-fix") == "waiting"
    await shot(page, "13-tasks-fix-waiting")

    await page.reload()  # closed and opened again, still with no signal
    await wait_pending(page, 3)
    await page.goto(f"{base}/#/tasks/{task_id}")
    await page.locator("[data-testid=task-fix-pending][data-state=waiting]").wait_for()
    assert await page.get_by_test_id("task-fix-form").count() == 0  # no second fix while one waits
    await shot(page, "14-task-fix-pending-offline")
    await page.get_by_test_id("outbox").click()
    await page.locator(
        f"[data-testid=outbox-item][data-id='{fix_id}'][data-kind=taskfix][data-state=waiting]"
    ).wait_for()
    assert await page.locator("[data-testid=outbox-item][data-state=waiting]").count() == 3
    await shot(page, "15-outbox-task-fix")
    assert not any("/fix" in s or s.startswith("PUT ") for s in sent)

    await phone.set_offline(False)
    await wait_pending(page, 0)
    await page.locator(f"[data-testid=outbox-item][data-id='{fix_id}'][data-state=sent]").wait_for()
    fixed = worker.get(f"/tasks/{task_id}")
    assert fixed["status"] == "fixed"
    assert fixed["fix_note"] == "已用水泥砂浆修补裂缝并清理基座"
    assert len(fixed["after_photos"]) == 2 and fixed["missing_after_photo_ids"] == []
    assert all(p["capture"]["lat"] is not None for p in fixed["after_photos"])  # position taken at the shutter
    assert [s for s in sent if s.endswith("/fix")] == [f"POST {base}/api/v1/tasks/{task_id}/fix"]  # once
    assert len([s for s in sent if s.startswith("PUT ") and "/photos/" in s]) == 2
    await page.goto(f"{base}/#/tasks/{task_id}")
    await page.locator("[data-testid=task-fix-pending][data-state=sent]").wait_for()
    await shot(page, "16-task-fix-sent")
