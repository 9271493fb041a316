"""Every desk screen, as an admin at an office PC (1440x900) and on a phone (360x800), in both
languages: axe-core finds nothing serious or critical (the photo viewer and the reassign
confirmation open, as dialogs with names), and no screen is wider than the phone. Screenshots of
each go to test-artifacts/screenshots/desk-*."""

from __future__ import annotations

import pytest

from tests.builders import PASSWORD
from tests.e2e.conftest import assert_accessible, shot
from tests.e2e.supervisor_helpers import Field, desk_log_in

pytestmark = pytest.mark.e2e


def screens(area, patrol: str, task: str, photo: str) -> list[tuple[str, str, str]]:
    """(name, route, a test id that shows the screen has drawn)."""
    return [
        ("queue", "/review", "review-queue"),
        ("record", f"/review/patrol/{patrol}", "thumb"),
        ("tasks", "/tasks", "task-row"),
        ("task", f"/tasks/{task}", "task-tools"),
        ("dashboard", "/dashboard", "coverage"),
        ("ledger-facilities", "/ledger/facilities", "ledger-row"),
        ("ledger-subjects", "/ledger/subjects", "ledger-row"),
        ("facility", f"/ledger/facility/{area.facility_id}", "facility-page"),
        ("subject", f"/ledger/subject/{area.subject_id}", "subject-page"),
        ("facility-new", "/ledger/facility/new", "facility-page"),
        ("subject-new", "/ledger/subject/new", "subject-page"),
        ("stations", "/stations", "weekly-table"),
        ("templates", "/templates", "templates"),
        ("users", "/admin/users", "admin-users"),
        ("units", "/admin/units", "admin-units"),
        ("audit", "/admin/audit", "audit-list"),
        ("account", "/admin/account", "admin-account"),
        ("photo", f"/photo/{photo}", "photo-page"),
    ]


async def _open(page, base: str, route: str, ready: str) -> None:
    await page.goto(f"{base}/#{route}")
    await page.get_by_test_id(ready).first.wait_for()
    if route == "/stations":  # a station's details (the admin's own unit is the district, no station)
        await page.get_by_test_id("weekly-unit").select_option(label="东一社区")
        await page.get_by_test_id("station-card").wait_for()
    await page.wait_for_timeout(150)  # late layout (maps, lazy images) settles


async def _arrange(live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id, [photos / "orientation_landscape_1.jpg"], at=(26.5801, 106.7101), issue="碑体裂缝"
    )
    record = worker.get(f"/patrols/{patrol}")
    tasks = Field(base, "super1").get("/tasks")["items"]
    return base, patrol, tasks[0]["id"], record["photos"][0]["id"]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
async def test_every_desk_screen_is_accessible_at_the_office(browser, live_server, area, photos, locale):
    base, patrol, task, photo = await _arrange(live_server, area, photos)
    context = await browser.new_context(
        viewport={"width": 1440, "height": 900}, locale=locale, timezone_id="Asia/Shanghai"
    )
    lang = "zh" if locale == "zh-CN" else "en"
    await context.add_init_script(f"localStorage.setItem('xunfang.lang', '{'en' if lang == 'en' else 'zh-CN'}')")
    page = await context.new_page()
    page.set_default_timeout(20_000)
    try:
        await page.goto(base + "/")
        await desk_log_in(page, "admin")
        for name, route, ready in screens(area, patrol, task, photo):
            await _open(page, base, route, ready)
            await assert_accessible(page, f"{name} ({locale})")
            await shot(page, f"desk-{lang}-1440-{name}", full_page=True)
            if name == "record":  # the photo viewer, a dialog with a name
                await page.get_by_test_id("thumb").first.click()
                await page.get_by_test_id("viewer").wait_for()
                await assert_accessible(page, f"photo viewer ({locale})")
                await shot(page, f"desk-{lang}-1440-viewer")
                await page.get_by_test_id("viewer-close").click()
            if name == "task":  # the reassign confirmation, a dialog with a name
                await page.get_by_test_id("reassign-to").select_option(index=1)
                await page.get_by_test_id("reassign").click()
                await page.get_by_test_id("confirm-reassign").wait_for()
                await assert_accessible(page, f"reassign confirmation ({locale})")
                await shot(page, f"desk-{lang}-1440-reassign")
    finally:
        await context.close()


WIDTH = """() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
  wide: [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.sv-scroll, .sv-table-wrap, [data-scroll]')
      && getComputedStyle(e).position !== 'fixed';
  }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`) })"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
async def test_no_desk_screen_is_wider_than_a_phone(browser, live_server, area, photos, locale):
    base, patrol, task, photo = await _arrange(live_server, area, photos)
    context = await browser.new_context(
        viewport={"width": 360, "height": 800},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        timezone_id="Asia/Shanghai",
    )
    lang = "zh" if locale == "zh-CN" else "en"
    await context.add_init_script(f"localStorage.setItem('xunfang.lang', '{'en' if lang == 'en' else 'zh-CN'}')")
    page = await context.new_page()
    page.set_default_timeout(20_000)
    try:
        await page.goto(base + "/")
        await page.get_by_test_id("login-username").fill("admin")  # on a phone an admin lands on its home
        await page.get_by_test_id("login-password").fill(PASSWORD)
        await page.get_by_test_id("login-submit").click()
        await page.get_by_test_id("login-username").wait_for(state="detached")
        too_wide = {}
        for name, route, ready in screens(area, patrol, task, photo):
            await _open(page, base, route, ready)
            await shot(page, f"desk-{lang}-360-{name}", full_page=True)
            width = await page.evaluate(WIDTH)
            if width["page"] > 360 or width["body"] > 360:
                too_wide[name] = width
            if name == "queue":
                title = page.locator("[data-testid=review-queue] h1").first
                box = await title.bounding_box()
                assert box and box["height"] < 80, f"the queue's title wraps ({box})"
                hint = page.locator("[data-testid=review-queue] .sv-keys")
                assert await hint.count() == 0 or not await hint.first.is_visible(), "a keyboard hint on a phone"
            if name in ("queue", "record", "task", "dashboard", "account"):
                await assert_accessible(page, f"{name} at 360 px ({locale})")
        assert too_wide == {}, too_wide
    finally:
        await context.close()
