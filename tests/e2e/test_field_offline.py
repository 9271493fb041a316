"""The phone in the field: records made with no network arrive once, with their photos, when it
returns; a dropped upload resumes; a returned record is corrected and sent again."""

from __future__ import annotations

import pytest

from storage.checklists import PATROL_CODES
from tests.e2e.conftest import (
    log_in,
    pending,
    phone_context,
    shot,
    wait_for_scope_cached,
    wait_for_service_worker,
    wait_pending,
)

pytestmark = pytest.mark.e2e

CHECKLIST = PATROL_CODES


async def save(page) -> None:
    """Save the form; it lands in the outbox (the notice says so) before any sending."""
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()


async def fill_patrol(page, area, photo_files, issue_note="碑体东侧裂缝约30厘米") -> str:
    await page.get_by_test_id("new-patrol").click()
    facility = page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']")
    await facility.wait_for()
    await page.wait_for_function("(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''")
    # nearest first: the phone stands at this facility
    assert await page.get_by_test_id("facility-item").first.get_attribute("data-id") == area.facility_id
    await facility.click()
    for code in CHECKLIST:
        await page.get_by_test_id(f"checklist-{code}-{'issue' if code == 'structure' else 'ok'}").click()
    await page.get_by_test_id("checklist-structure-note").fill(issue_note)
    await page.get_by_test_id("photo-input").set_input_files([str(p) for p in photo_files])
    await page.wait_for_function(
        f"document.querySelectorAll('.photo[data-state=ready]').length === {len(photo_files)}", timeout=30_000
    )
    await page.wait_for_function("(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''")
    return await page.get_by_test_id("patrol-form").get_attribute("data-record-id")


async def test_patrol_logged_offline_arrives_once_with_its_photos(page, phone, live_server, server_api, area, photos):
    base = live_server.url
    await page.goto(base + "/")
    await shot(page, "01-login")
    await log_in(page, base)
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    await shot(page, "02-home")

    await phone.set_offline(True)
    files = [photos / "gps_DSCN0010.jpg", photos / "orientation_landscape_6.jpg", photos / "hdr_iphone_hdr_YES.jpg"]
    record_id = await fill_patrol(page, area, files)
    await shot(page, "03-patrol-form")
    await save(page)
    assert await pending(page) == 4  # the record and its three photos
    await shot(page, "04-home-waiting")

    await page.reload()  # the phone was closed and opened again, still with no signal
    await page.get_by_test_id("new-patrol").wait_for()
    await wait_pending(page, 4)  # counted from IndexedDB again after the restart
    await page.get_by_test_id("outbox").click()
    await page.get_by_test_id("outbox-item").first.wait_for()
    assert await page.locator("[data-testid=outbox-item][data-state=waiting]").count() == 4
    # records and photos counted apart, and their bytes
    assert "还有 1 条巡查 · 3 张照片待上传" in await page.get_by_test_id("outbox-progress").inner_text()
    assert "待上传：1 条巡查 · 3 张照片" in await page.get_by_test_id("sync-status").inner_text()
    assert "离线" in await page.get_by_test_id("sync-status").inner_text()
    await shot(page, "05-outbox-offline")

    await phone.set_offline(False)
    await wait_pending(page, 0)
    patrol = server_api.get("worker1", f"/patrols/{record_id}")
    assert patrol["status"] == "submitted"
    assert len(patrol["photos"]) == 3
    assert {c["item"]: c["result"] for c in patrol["checklist"]}["structure"] == "issue"
    assert patrol["location"]["accuracy_m"] is not None
    listed = server_api.get("super1", "/patrols", facility_id=area.facility_id)["items"]
    assert [p["id"] for p in listed] == [record_id]  # exactly once
    # super1 sees it with its photos and the server's flags: the first photo's EXIF GPS is in Italy
    seen = server_api.get("super1", f"/patrols/{record_id}")
    assert len(seen["photos"]) == 3 and "far_from_site" in {f["code"] for f in seen["flags"]}
    big = next(p for p in patrol["photos"] if p["capture"]["captured_at"] and max(p["width"], p["height"]) == 2048)
    assert big["taken_at"] is not None  # the iPhone photo was resized and kept its EXIF time
    await shot(page, "06-outbox-sent")


async def test_visit_logged_offline_arrives_once_with_its_photos(page, phone, live_server, server_api, area, photos):
    base = live_server.url
    await log_in(page, base)
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    await phone.set_offline(True)

    await page.get_by_test_id("new-visit").click()
    await page.wait_for_function("(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''")
    await page.locator(f"[data-testid=subject-item][data-id='{area.subject_id}']").click()
    await page.get_by_test_id("visit-type").select_option("holiday")
    await page.get_by_test_id("visit-summary").fill("春节慰问，老人身体尚可，反映屋顶漏雨。")
    await page.get_by_test_id("visit-needs").fill("屋顶维修")
    await page.get_by_test_id("visit-cash").fill("500")
    await page.get_by_test_id("visit-goods").fill("米、油各一份")
    await page.get_by_test_id("visit-follow-up").check()
    await page.get_by_test_id("photo-input").set_input_files(
        [str(photos / "gps_DSCN0012.jpg"), str(photos / "mobile_jolla.jpg")]
    )
    await page.wait_for_function("document.querySelectorAll('.photo[data-state=ready]').length === 2", timeout=30_000)
    record_id = await page.get_by_test_id("visit-form").get_attribute("data-record-id")
    await shot(page, "07-visit-form")
    await save(page)
    assert await pending(page) == 3

    await page.reload()
    await page.get_by_test_id("new-visit").wait_for()
    await wait_pending(page, 3)
    await phone.set_offline(False)
    await wait_pending(page, 0)
    visit = server_api.get("worker1", f"/visits/{record_id}")
    assert visit["visit_type"] == "holiday"
    assert visit["assistance"]["cash_yuan"] == 500
    assert visit["follow_up_needed"] is True
    assert len(visit["photos"]) == 2
    assert [v["id"] for v in server_api.get("super1", "/visits", subject_id=area.subject_id)["items"]] == [record_id]


async def test_visit_without_photo_needs_only_a_reason(page, live_server, server_api, area):
    await log_in(page, live_server.url)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("new-visit").click()
    await page.wait_for_function("(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''")
    await page.locator(f"[data-testid=subject-item][data-id='{area.other_subject_id}']").click()
    await page.get_by_test_id("visit-summary").fill("电话预约后上门，老人不愿拍照。")
    await page.get_by_test_id("record-save").click()
    await page.get_by_role("alert").first.wait_for()  # neither photo nor reason: asked for one
    await page.get_by_test_id("visit-no-photo-reason").fill("老人不愿拍照")
    record_id = await page.get_by_test_id("visit-form").get_attribute("data-record-id")
    await save(page)
    await wait_pending(page, 0)
    visit = server_api.get("worker1", f"/visits/{record_id}")
    assert visit["no_photo_reason"] == "老人不愿拍照" and visit["photo_ids"] == []


async def test_dropped_connection_during_a_photo_upload_still_arrives_once(
    browser, live_server, server_api, area, photos
):
    # Service workers off: page.route must see every request of the page.
    context = await phone_context(browser, service_workers="block")
    page = await context.new_page()
    page.set_default_timeout(20_000)
    cut = {"done": 0}

    async def drop_first_answer(route):
        if route.request.method == "PUT" and not cut["done"]:
            cut["done"] = 1
            await route.fetch()  # the upload reaches the server...
            await route.abort("connectionreset")  # ...and the answer is lost on the way back
        else:
            await route.continue_()

    try:
        await log_in(page, live_server.url)
        await wait_for_scope_cached(page)
        await page.route(lambda url: "/api/v1/photos/" in url, drop_first_answer)
        record_id = await fill_patrol(page, area, [photos / "gps_DSCN0021.jpg", photos / "orientation_landscape_3.jpg"])
        await save(page)
        await wait_pending(page, 0, timeout=60_000)
        assert cut["done"] == 1
        patrol = server_api.get("worker1", f"/patrols/{record_id}")
        assert len(patrol["photos"]) == 2 and patrol["status"] == "submitted"
        assert [p["id"] for p in server_api.get("super1", "/patrols", facility_id=area.facility_id)["items"]] == [
            record_id
        ]
    finally:
        await context.close()


async def test_returned_patrol_is_corrected_and_sent_again(page, live_server, server_api, area, photos):
    base = live_server.url
    await log_in(page, base)
    await wait_for_scope_cached(page)
    record_id = await fill_patrol(page, area, [photos / "orientation_landscape_1.jpg"], issue_note="台阶松动")
    await save(page)
    await wait_pending(page, 0)

    server_api.post(
        "super1", f"/patrols/{record_id}/review", {"decision": "return", "comment": "请补拍台阶全景并写明位置"}
    )

    await page.get_by_test_id("nav-records").click()
    item = page.locator(f"[data-testid=record-item][data-id='{record_id}']")
    await item.wait_for()
    assert await item.get_attribute("data-status") == "returned"
    await shot(page, "08-records-returned")
    await item.click()
    await page.get_by_test_id("return-comment").wait_for()
    assert "请补拍台阶全景" in await page.get_by_test_id("return-comment").inner_text()
    await shot(page, "09-record-returned-detail")
    await page.get_by_test_id("record-edit").click()
    await page.get_by_test_id("checklist-structure-note").wait_for()
    await page.wait_for_function(
        "document.querySelector('[data-testid=checklist-structure-note]').value === '台阶松动'"
    )
    await page.get_by_test_id("checklist-structure-note").fill("东侧第三级台阶松动，已设警示")
    await page.get_by_test_id("photo-input").set_input_files([str(photos / "orientation_landscape_8.jpg")])
    await page.wait_for_function("document.querySelectorAll('.photo[data-state=ready]').length === 1", timeout=30_000)
    assert await page.get_by_test_id("patrol-form").get_attribute("data-record-id") == record_id
    await shot(page, "10-patrol-correcting")
    await save(page)
    await wait_pending(page, 0)

    patrol = server_api.get("worker1", f"/patrols/{record_id}")
    assert patrol["status"] == "submitted"
    assert {c["item"]: c["note"] for c in patrol["checklist"]}["structure"] == "东侧第三级台阶松动，已设警示"
    assert len(patrol["photos"]) == 2
    assert [r["decision"] for r in patrol["reviews"]] == ["return"]
    assert [p["id"] for p in server_api.get("super1", "/patrols", facility_id=area.facility_id)["items"]] == [record_id]


async def test_interface_switches_to_english(page, live_server, area):
    await page.goto(live_server.url + "/")
    await page.get_by_test_id("lang-switch").click()
    assert await page.get_by_test_id("login-submit").inner_text() == "Log in"
    await log_in(page, live_server.url)
    assert "New patrol" in await page.get_by_test_id("new-patrol").inner_text()
    await shot(page, "11-home-english")
