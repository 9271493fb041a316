"""The supervisor's desktop: their own navigation with what waits for them, records and tasks as a
reviewer reads them, reassigning and moving a deadline (audited), and every screen in both
languages at 1440x900 with no English sentence from the server on a Chinese screen."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.builders import PASSWORD
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.supervisor_helpers import Field, open_as

pytestmark = pytest.mark.e2e

# Three English words in a row: a server sentence that slipped through untranslated.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")


async def no_english(page) -> None:
    text = await page.locator("main").inner_text()
    found = ENGLISH.findall(text)
    assert not found, found


async def set_language(page, base: str, lang: str, route: str) -> None:
    await page.evaluate(f"localStorage.setItem('xunfang.lang', '{lang}')")
    await page.goto(f"{base}/#{route}")
    await page.reload()
    await page.get_by_test_id("desk").wait_for()


async def each_screen(page, base: str, prefix: str, screens: list[tuple[str, str, str | None]], act=None) -> None:
    """Every (name, route, test id to wait for) in Chinese then English: a screenshot of each at
    1440x900, and on the Chinese screens no English sentence. `act(page)` runs before each shot."""
    for lang in ("zh-CN", "en"):
        await set_language(page, base, lang, screens[0][1])
        for name, route, ready in screens:
            await page.goto(f"{base}/#{route}")
            if ready:
                await page.get_by_test_id(ready).first.wait_for()
            await page.wait_for_function(
                "!/正在加载|Loading/.test(document.querySelector('main')?.innerText ?? '正在加载')"
            )
            await page.wait_for_timeout(400)  # images and map tiles settle
            if act:
                await act(page)
            if lang == "zh-CN":
                await no_english(page)
            await assert_accessible(page, f"{prefix}-{name}-{lang}")
            await shot(page, f"{prefix}-{name}-{'zh' if lang == 'zh-CN' else 'en'}")


def _work(base: str, area, photos) -> dict[str, str]:
    worker = Field(base)
    issue = worker.patrol(
        area.facility_id,
        [photos / "orientation_landscape_1.jpg", photos / "orientation_landscape_3.jpg"],
        at=(26.5801, 106.7101),
        issue="纪念碑基座东侧裂缝约30厘米",
    )
    reused = worker.patrol(area.facility_id, [photos / "orientation_landscape_1.jpg"], at=(26.5801, 106.7101))
    blind = worker.patrol(
        area.far_facility_id, [photos / "orientation_portrait_5.jpg"], at=(26.62, 106.76), located=False
    )
    [task] = worker.get("/tasks", record_id=issue)["items"]
    return {"issue": issue, "reused": reused, "blind": blind, "task": task["id"]}


async def test_supervisor_desk_navigation_records_and_tasks(browser, live_server, area, photos):
    base = live_server.url
    ids = _work(base, area, photos)
    context, page, errors = await open_as(browser, base, "super1", "/")
    try:
        # Lands on the desk's review queue, with its own navigation and counts, not the phone's tabs.
        await page.wait_for_url(re.compile(r"#/review$"))
        assert await page.get_by_test_id("nav-home").count() == 0
        for key in ("review", "tasks", "stats", "ledger", "admin"):
            assert await page.get_by_test_id(f"desk-nav-{key}").is_visible(), key
        nav = await page.locator(".desk-nav").inner_text()
        assert all(word in nav for word in ("审核", "整改", "统计", "台账", "管理")), nav
        count = page.get_by_test_id("desk-count-review")
        await count.wait_for()
        assert (await count.inner_text()).startswith("3")
        await page.get_by_test_id("queue-item").first.wait_for()
        await shot(page, "desk-01-queue-zh")

        # A reused photo links to the other record and shows both pictures side by side.
        await page.goto(f"{base}/#/review/patrol/{ids['reused']}")
        reused = page.get_by_test_id("reused")
        await reused.wait_for()
        assert await reused.get_attribute("data-other") == ids["issue"]
        link = page.get_by_test_id("reused-link")
        await link.wait_for()
        await page.wait_for_function(
            "[...document.querySelectorAll('[data-testid=reused] img')].length === 2 && "
            "[...document.querySelectorAll('[data-testid=reused] img')].every(i => i.naturalWidth > 0)"
        )
        await no_english(page)
        await shot(page, "desk-02-reused-photo-zh")

        # Issue photos next to their checklist row.
        await link.click()
        row = page.locator("[data-testid=checklist-row][data-item=structure]")
        await row.wait_for()
        await row.get_by_test_id("issue-photo").wait_for()
        await row.scroll_into_view_if_needed()
        await shot(page, "desk-03-issue-photos-zh")

        # A record without a position says so, and never "精度 0 米".
        await page.goto(f"{base}/#/review/patrol/{ids['blind']}")
        await page.get_by_test_id("no-position").wait_for()
        body = await page.locator("main").inner_text()
        assert "精度 0 米" not in body and "没有位置" in body
        assert "XUNFANG_MAP_TILE_URL" in await page.get_by_test_id("blank-map").inner_text()
        await shot(page, "desk-04-no-position-zh")

        # Tasks: column headers; the owner is the station head (no caretaker), not the reporter.
        await page.get_by_test_id("desk-nav-tasks").click()
        task_row = page.locator(f"[data-testid=task-row][data-id='{ids['task']}']")
        await task_row.wait_for()
        headers = await page.locator(".sv-tasks thead").inner_text()
        assert all(h in headers for h in ("地点", "问题", "负责人", "处理人", "上报人", "整改时限", "状态")), headers
        owner = await task_row.get_by_test_id("task-owner").inner_text()
        assert "Super1" in owner and "Worker1" not in owner
        await shot(page, "desk-05-tasks-zh")

        # Reassign (confirmed, said, audited) and move the deadline (said, audited).
        await task_row.click()
        await page.get_by_test_id("task-tools").wait_for()
        boss_id = area.users["super1"]
        await page.locator(f"[data-testid=reassign-to] option[value='{boss_id}']").wait_for(state="attached")
        await page.get_by_test_id("reassign-to").select_option(value=boss_id)
        await page.get_by_test_id("reassign").click()
        await page.get_by_test_id("confirm-reassign").click()
        await page.get_by_test_id("task-done").wait_for()
        assert "Super1" in await page.get_by_test_id("task-done").inner_text()
        new_day = (datetime.now(timezone.utc) + timedelta(days=45)).strftime("%Y-%m-%d")
        await page.get_by_test_id("new-deadline").fill(new_day)
        await page.get_by_test_id("set-deadline").click()
        await page.wait_for_function(
            "document.querySelector('[data-testid=task-done]')?.innerText.includes('整改时限')"
        )
        history = page.get_by_test_id("task-history")
        await page.wait_for_function(
            "document.querySelectorAll('[data-testid=task-history] [data-testid=audit-row]').length >= 2"
        )
        text = await history.inner_text()
        assert "改派整改" in text and "Worker1 → Super1" in text, text
        assert "修改整改时限" in text, text
        await no_english(page)
        await shot(page, "desk-06-task-reassigned-zh")
        api = httpx.post(f"{base}/api/v1/auth/login", json={"username": "super1", "password": PASSWORD}).json()
        headers_ = {"Authorization": f"Bearer {api['access_token']}"}
        log = httpx.get(
            f"{base}/api/v1/audit-log", params={"entity": "task", "entity_id": ids["task"]}, headers=headers_
        ).json()
        assert {"task_reassign", "task_deadline"} <= {e["action"] for e in log["items"]}

        # A refused deadline reads in Chinese, naming the field, never the server's English.
        await page.get_by_test_id("new-deadline").fill("2020-01-01")
        await page.get_by_test_id("set-deadline").click()
        error = page.get_by_test_id("task-tools-error")
        await error.wait_for()
        assert "已经过去" in await error.inner_text()
        await no_english(page)

        # The dashboard never sets "patrolled 1 / due 1" beside "1 overdue, not patrolled".
        await page.get_by_test_id("desk-nav-stats").click()
        card = page.get_by_test_id("card-facilities")
        await card.wait_for()
        figures = await card.inner_text()
        m = re.search(r"已巡查 (\d+) / 应巡查 (\d+)", figures)
        late = int(re.search(r"逾期未巡查 (\d+) 处", figures).group(1))
        assert m, figures
        if m.group(1) == m.group(2):
            assert late == 0, figures
        await shot(page, "desk-07-dashboard-zh")

        # Every desk screen in both languages.
        await each_screen(
            page,
            base,
            "desk-screen",
            [
                ("review", "/review", "queue-item"),
                ("record", f"/review/patrol/{ids['reused']}", "reused"),
                ("tasks", "/tasks", "task-row"),
                ("task", f"/tasks/{ids['task']}", "task-tools"),
                ("dashboard", "/dashboard", "card-facilities"),
                ("ledger-facilities", "/ledger/facilities", "ledger-row"),
                ("ledger-subjects", "/ledger/subjects", "ledger-row"),
                ("facility", f"/ledger/facility/{area.facility_id}", "edit-name"),
                ("subject", f"/ledger/subject/{area.subject_id}", "edit-name"),
                ("audit", "/admin/audit", "audit-row"),
                ("units", "/admin/units", "unit-row"),
            ],
        )
        assert not errors, errors
    finally:
        await context.close()
