"""A worker's forms on the phone lose nothing and file every photo where it belongs: a half-filled
patrol survives a reload and a killed browser, its item photo travels on its item and is the task's
"before"; and a position far from the site is pointed out before saving."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    HERE,
    chromium_path,
    log_in,
    pending,
    phone_context,
    shot,
    wait_for_scope_cached,
    wait_for_service_worker,
    wait_pending,
    watch,
)

pytestmark = pytest.mark.e2e


async def persistent_phone(browser, profile: str):
    """A phone whose browser keeps its storage on disk: closing it is the tab being killed."""
    context = await browser.browser_type.launch_persistent_context(
        profile,
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 800},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    page = context.pages[0] if context.pages else await context.new_page()
    page.set_default_timeout(20_000)
    return context, page


async def wait_draft_saved(page, photos: int) -> None:
    await page.wait_for_function(
        f"(() => {{ const d = document.querySelector('[data-testid=draft-status]');"
        f" return d && d.dataset.savedAt !== '' && d.dataset.photos === '{photos}'; }})()"
    )


async def test_a_half_filled_patrol_survives_a_reload_and_a_killed_browser_and_its_item_photo_is_the_tasks_before(
    browser, live_server, server_api, area, photos
):
    base = live_server.url
    profile = tempfile.mkdtemp(prefix="xunfang-phone-")
    errors: list[str] = []
    context, page = await persistent_phone(browser, profile)
    try:
        watch(page, errors)
        await log_in(page, base)
        await wait_for_service_worker(page)
        await wait_for_scope_cached(page)

        # Half a patrol: two items answered, the structure an issue with its note and its own photo.
        await page.get_by_test_id("new-patrol").click()
        await page.wait_for_function(
            "(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''"
        )
        await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
        record_id = await page.get_by_test_id("patrol-form").get_attribute("data-record-id")
        await page.get_by_test_id("checklist-cleanliness-ok").click()
        await page.get_by_test_id("checklist-structure-issue").click()
        await page.get_by_test_id("checklist-structure-note").fill("碑体东侧裂缝约30厘米")
        await page.get_by_test_id("checklist-structure-photo").set_input_files(
            str(photos / "orientation_landscape_6.jpg")
        )
        item_tile = page.locator("[data-testid=checklist-structure] .photo[data-state=ready]")
        await item_tile.wait_for(timeout=30_000)
        photo_id = await item_tile.get_attribute("data-id")
        await wait_draft_saved(page, 1)
        assert f"draft={record_id}" in page.url  # the address names the draft: a reload reopens it
        await shot(page, "drafts-01-half-patrol")

        # A reload asks first (beforeunload), and the form comes back as it was.
        asked: list[str] = []

        async def accept(dialog):
            asked.append(dialog.type)
            await dialog.accept()

        page.on("dialog", accept)
        await page.reload()
        await page.locator("[data-testid=draft-status][data-restored='1']").wait_for()
        assert asked == ["beforeunload"]
        await page.locator("[data-testid=checklist-structure] .photo[data-state=ready]").wait_for()
        assert await page.get_by_test_id("checklist-structure-note").input_value() == "碑体东侧裂缝约30厘米"
        assert await page.get_by_test_id("checklist-cleanliness-ok").get_attribute("aria-pressed") == "true"
        assert await page.get_by_test_id("checklist-greenery-ok").get_attribute("aria-pressed") == "false"
    finally:
        await context.close()  # the browser is killed with the form open

    context, page = await persistent_phone(browser, profile)
    try:
        watch(page, errors)
        await page.goto(base + "/")
        draft = page.locator(f"[data-testid=draft-item][data-id='{record_id}']")
        await draft.wait_for()
        assert "红军烈士陵园" in await draft.inner_text()
        await shot(page, "drafts-02-home-continue")
        await context.set_offline(True)
        await draft.click()
        tile = page.locator(f"[data-testid=checklist-structure] .photo[data-state=ready][data-id='{photo_id}']")
        await tile.wait_for()
        assert await page.get_by_test_id("patrol-form").get_attribute("data-record-id") == record_id

        # 全部正常: the five unanswered items become OK, the issue stays an issue.
        await page.get_by_test_id("checklist-all-ok").click()
        assert await page.get_by_test_id("checklist-structure-issue").get_attribute("aria-pressed") == "true"
        assert await page.get_by_test_id("checklist-surveillance-ok").get_attribute("aria-pressed") == "true"
        assert await page.get_by_test_id("checklist-all-ok").count() == 0
        await page.get_by_test_id("record-save").click()
        await page.get_by_test_id("flash").wait_for()
        assert await pending(page) == 2  # the patrol and its one photo; the draft is never sent
        assert await page.get_by_test_id("drafts").count() == 0  # saved: the draft is gone

        await context.set_offline(False)
        await wait_pending(page, 0)
    finally:
        await context.close()
        shutil.rmtree(profile, ignore_errors=True)
    assert not errors, errors

    patrol = server_api.get("worker1", f"/patrols/{record_id}")
    items = {c["item"]: c for c in patrol["checklist"]}
    assert items["structure"]["photo_ids"] == [photo_id]
    assert patrol["photo_ids"] == [photo_id] and [p["id"] for p in patrol["photos"]] == [photo_id]
    assert items["greenery"]["result"] == "ok"
    [task] = server_api.get("worker1", "/tasks", record_id=record_id)["items"]
    assert task["item"] == "structure"
    detail = server_api.get("worker1", f"/tasks/{task['id']}")
    assert [p["id"] for p in detail["before_photos"]] == [photo_id]


# 700 m due north of the facility (26.5800, 106.7100): 0.0063 degrees of latitude.
AWAY = {"latitude": 26.5800 + 700 / 111_195, "longitude": 106.7100, "accuracy": 12}


async def test_a_position_700_m_from_the_facility_is_pointed_out_before_saving(browser, live_server, server_api, area):
    context = await phone_context(browser, geolocation=AWAY)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    watch(page, errors)
    try:
        await log_in(page, live_server.url)
        await wait_for_scope_cached(page)
        await page.get_by_test_id("new-patrol").click()
        await page.wait_for_function(
            "(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''"
        )
        await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
        far = page.locator("[data-testid=onsite-warning][data-code=far]")
        await far.wait_for()
        assert "700 米" in await far.inner_text() and "200 米" in await far.inner_text()
        assert await far.get_by_test_id("warning-relocate").count() == 1
        await page.get_by_test_id("checklist-all-ok").click()
        await far.scroll_into_view_if_needed()
        await shot(page, "drafts-03-far-warning")

        # A warning, never a block: the record saves, and the server flags what the phone said.
        record_id = await page.get_by_test_id("patrol-form").get_attribute("data-record-id")
        await page.get_by_test_id("record-save").click()
        await page.get_by_test_id("flash").wait_for()
        await wait_pending(page, 0)
        flags = {f["code"] for f in server_api.get("worker1", f"/patrols/{record_id}")["flags"]}
        assert "far_from_site" in flags

        # At the facility, a new fix clears the warning.
        await page.get_by_test_id("new-patrol").click()
        await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
        await far.wait_for()
        await context.set_geolocation(HERE)
        await page.get_by_test_id("warning-relocate").click()
        await far.wait_for(state="detached")
    finally:
        await context.close()
    assert not errors, errors


async def test_a_returned_patrols_item_photo_stays_on_its_item_when_corrected(
    page, live_server, server_api, area, photos
):
    base = live_server.url
    await log_in(page, base)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("new-patrol").click()
    await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
    await page.get_by_test_id("checklist-structure-issue").click()
    await page.get_by_test_id("checklist-structure-note").fill("台阶松动")
    await page.get_by_test_id("checklist-structure-photo").set_input_files(str(photos / "orientation_landscape_1.jpg"))
    await page.get_by_test_id("photo-input").set_input_files(str(photos / "orientation_landscape_8.jpg"))
    await page.wait_for_function("document.querySelectorAll('.photo[data-state=ready]').length === 2", timeout=30_000)
    item_photo = await page.locator("[data-testid=checklist-structure] .photo[data-state=ready]").get_attribute(
        "data-id"
    )
    record_id = await page.get_by_test_id("patrol-form").get_attribute("data-record-id")
    await page.get_by_test_id("checklist-all-ok").click()
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await wait_pending(page, 0)
    server_api.post("super1", f"/patrols/{record_id}/review", {"decision": "return", "comment": "请写明第几级台阶"})

    await page.goto(f"{base}/#/patrol/{record_id}/edit")
    kept = page.locator(f"[data-testid=checklist-structure] .photo[data-state=uploaded][data-id='{item_photo}']")
    await kept.wait_for()  # on its item, not moved to the general strip
    assert await page.locator(f"[data-testid=photo-strip] .photo[data-id='{item_photo}']").count() == 1
    await page.get_by_test_id("checklist-structure-note").fill("东侧第三级台阶松动")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await wait_pending(page, 0)
    patrol = server_api.get("worker1", f"/patrols/{record_id}")
    structure = {c["item"]: c for c in patrol["checklist"]}["structure"]
    assert structure["note"] == "东侧第三级台阶松动" and structure["photo_ids"] == [item_photo]
    assert len(patrol["photo_ids"]) == 2 and item_photo in patrol["photo_ids"]
