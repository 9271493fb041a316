"""A worker's forms on the phone lose nothing and file every photo where it belongs: a half-filled
patrol survives a reload and a killed browser, its item photo travels on its item and is the task's
"before"; and a position far from the site is pointed out before saving. A half-filled station
inspection survives a reload and a killed browser too and is finished offline; a task's fix half
recorded comes back after a reload; a visit draft resumes, and 放弃草稿 removes it from the phone."""

from __future__ import annotations

import asyncio
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
from tests.e2e.supervisor_helpers import Field

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


async def started_again(browser, profile: str, base: str, errors: list[str], record_id: str):
    """The phone's browser started again after it was killed: home, listing the draft of `record_id`
    under 继续填写. Answers the context (the caller closes it), the page and the draft's line."""
    context, page = await persistent_phone(browser, profile)
    try:
        watch(page, errors)
        await page.goto(base + "/")
        draft = page.locator(f"[data-testid=draft-item][data-id='{record_id}']")
        await draft.wait_for()
    except BaseException:
        await context.close()
        raise
    return context, page, draft


async def wait_draft_saved(page, photos: int) -> None:
    await page.wait_for_function(
        f"(() => {{ const d = document.querySelector('[data-testid=draft-status]');"
        f" return d && d.dataset.savedAt !== '' && d.dataset.photos === '{photos}'; }})()"
    )


def accept_dialogs(page) -> list[str]:
    """Leaving a form with a draft asks first (beforeunload): the worker agrees; the list says what was asked."""
    asked: list[str] = []

    async def accept(dialog):
        asked.append(dialog.type)
        await dialog.accept()

    page.on("dialog", accept)
    return asked


async def reload_restored(page) -> None:
    """Reloads the form (the browser asks first) and waits until it is filled from its draft."""
    asked = accept_dialogs(page)
    await page.reload()
    await page.locator("[data-testid=draft-status][data-restored='1']").wait_for()
    assert asked == ["beforeunload"]


STORED = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('xunfang'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const all = (store, how) => new Promise((ok) => { const r = db.transaction(store).objectStore(store)[how](); r.onsuccess = () => ok(r.result); });
  const drafts = await all('drafts', 'getAll');
  const blobs = await all('draftBlobs', 'getAllKeys');
  db.close();
  const entry = (d) => ({ kind: d.kind, photos: d.photos.map((p) => p.id), state: JSON.stringify(d.state) });
  return { drafts: Object.fromEntries(drafts.map((d) => [d.id, entry(d)])), blobs };
}"""


async def stored_drafts(page) -> dict:
    """What the phone keeps in IndexedDB: {"drafts": {id: {kind, photos, state}}, "blobs": [photo ids with bytes]},
    `state` being the form's fields as JSON."""
    return await page.evaluate(STORED)


async def wait_draft_holds(page, draft_id: str, text: str) -> None:
    """The draft on the phone holds what was typed last (it is written just after each change)."""
    held = ""
    for _ in range(200):
        held = (await stored_drafts(page))["drafts"].get(draft_id, {}).get("state", "")
        if text in held:
            return
        await asyncio.sleep(0.1)
    bar = await page.get_by_test_id("draft-status").evaluate("(e) => JSON.stringify(e.dataset) + ' ' + e.innerText")
    raise AssertionError(f"the draft {draft_id} never held {text!r}: it held {held!r}; the screen says {bar}")


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
        await reload_restored(page)
        await page.locator("[data-testid=checklist-structure] .photo[data-state=ready]").wait_for()
        assert await page.get_by_test_id("checklist-structure-note").input_value() == "碑体东侧裂缝约30厘米"
        assert await page.get_by_test_id("checklist-cleanliness-ok").get_attribute("aria-pressed") == "true"
        assert await page.get_by_test_id("checklist-greenery-ok").get_attribute("aria-pressed") == "false"
    finally:
        await context.close()  # the browser is killed with the form open

    context, page, draft = await started_again(browser, profile, base, errors, record_id)
    try:
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


async def test_a_change_the_phone_could_not_keep_is_said_and_kept_once_it_can(browser, live_server, area):
    """IndexedDB can refuse a write (a full or busy disk). The draft bar says the latest change is
    not kept, and the write is tried again without another keystroke: the last words typed before
    the worker pockets the phone are kept."""
    context = await phone_context(browser)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    try:
        watch(page, errors)
        await log_in(page, live_server.url)
        await page.get_by_test_id("new-patrol").click()
        await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
        record_id = await page.get_by_test_id("patrol-form").get_attribute("data-record-id")
        await page.get_by_test_id("checklist-cleanliness-ok").click()
        await wait_draft_saved(page, 0)
        # The disk refuses the drafts' writes for a while.
        await page.evaluate(
            """() => {
                const put = IDBObjectStore.prototype.put;
                window.refuseDrafts = true;
                IDBObjectStore.prototype.put = function (...args) {
                    if (window.refuseDrafts && this.name === "drafts")
                        throw new DOMException("the disk is full", "QuotaExceededError");
                    return put.apply(this, args);
                };
            }"""
        )
        await page.get_by_test_id("patrol-notes").fill("东侧围栏松动，已拍照")
        await page.locator("[data-testid=draft-status][data-unsaved='1']").wait_for()
        assert "未能存入本机" in await page.get_by_test_id("draft-status").inner_text()
        await shot(page, "drafts-unsaved")
        assert "东侧围栏松动" not in (await stored_drafts(page))["drafts"][record_id]["state"]
        # The disk has room again; nobody types anything more.
        await page.evaluate("() => { window.refuseDrafts = false; }")
        await wait_draft_holds(page, record_id, "东侧围栏松动，已拍照")
        await page.locator("[data-testid=draft-status][data-unsaved='']").wait_for()
        assert not errors, errors
    finally:
        await context.close()


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


async def test_a_half_filled_station_inspection_survives_a_reload_and_a_killed_browser_and_is_finished_offline(
    browser, live_server, server_api, area, photos
):
    base = live_server.url
    # The street's supervisor inspects the community's station below it.
    station = next(u for u in server_api.get("admin", "/org-units")["items"] if u["name"] == "东一社区")
    profile = tempfile.mkdtemp(prefix="xunfang-phone-")
    errors: list[str] = []
    context, page = await persistent_phone(browser, profile)
    try:
        watch(page, errors)
        await log_in(page, base, "super1")
        await wait_for_service_worker(page)
        await wait_for_scope_cached(page)

        # Half an inspection: one item fine, the ledger an issue with its note and its own photo, notes.
        await page.get_by_test_id("new-inspection").click()
        await page.locator(f"[data-testid=station-item][data-id='{station['id']}']").click()
        record_id = await page.get_by_test_id("inspection-form").get_attribute("data-record-id")
        await page.get_by_test_id("checklist-service_place-ok").click()
        await page.get_by_test_id("checklist-basic_ledger-issue").click()
        await page.get_by_test_id("checklist-basic_ledger-note").fill("台账未更新到本季度")
        await page.get_by_test_id("checklist-basic_ledger-photo").set_input_files(str(photos / "gps_DSCN0010.jpg"))
        item_tile = page.locator("[data-testid=checklist-basic_ledger] .photo[data-state=ready]")
        await item_tile.wait_for(timeout=30_000)
        photo_id = await item_tile.get_attribute("data-id")
        await page.get_by_test_id("inspection-notes").fill("站内人员在岗，台账待补")
        await wait_draft_saved(page, 1)
        await wait_draft_holds(page, record_id, "站内人员在岗，台账待补")
        assert f"draft={record_id}" in page.url
        kept = await stored_drafts(page)
        assert list(kept["drafts"]) == [record_id] and kept["blobs"] == [photo_id]
        assert kept["drafts"][record_id]["kind"] == "inspection" and kept["drafts"][record_id]["photos"] == [photo_id]

        await reload_restored(page)
        await page.locator(f"[data-testid=checklist-basic_ledger] .photo[data-id='{photo_id}']").wait_for()
        assert await page.get_by_test_id("inspection-notes").input_value() == "站内人员在岗，台账待补"
    finally:
        await context.close()  # the browser is killed with the form open

    context, page, draft = await started_again(browser, profile, base, errors, record_id)
    try:
        assert await draft.get_attribute("data-kind") == "inspection"
        assert "东一社区" in await draft.inner_text() and "1 张照片" in await draft.inner_text()
        await context.set_offline(True)
        await draft.click()

        # It opens as it was left: the station, the answers, the note, the item's photo, the notes.
        await page.locator(
            f"[data-testid=checklist-basic_ledger] .photo[data-state=ready][data-id='{photo_id}']"
        ).wait_for()
        assert await page.get_by_test_id("inspection-form").get_attribute("data-record-id") == record_id
        assert await page.get_by_test_id("station-selected").get_attribute("data-id") == station["id"]
        pressed = {
            code: await page.get_by_test_id(f"checklist-{code}-{result}").get_attribute("aria-pressed")
            for code, result in [
                ("service_place", "ok"),
                ("basic_ledger", "issue"),
                ("work_body", "ok"),
                ("dedicated_staff", "ok"),
            ]
        }
        assert pressed == {
            "service_place": "true",
            "basic_ledger": "true",
            "work_body": "false",
            "dedicated_staff": "false",
        }
        assert await page.get_by_test_id("checklist-basic_ledger-note").input_value() == "台账未更新到本季度"
        assert await page.get_by_test_id("inspection-notes").input_value() == "站内人员在岗，台账待补"

        # Finished with no network: the two items left, then saved to the outbox.
        await page.get_by_test_id("checklist-work_body-ok").click()
        await page.get_by_test_id("checklist-dedicated_staff-ok").click()
        await page.get_by_test_id("record-save").click()
        await page.get_by_test_id("flash").wait_for()
        assert await pending(page) == 2  # the inspection and its one photo
        assert await page.get_by_test_id("drafts").count() == 0
        assert await stored_drafts(page) == {"drafts": {}, "blobs": []}  # the draft and its photo's bytes are gone

        await context.set_offline(False)
        await wait_pending(page, 0)
    finally:
        await context.close()
        shutil.rmtree(profile, ignore_errors=True)
    assert not errors, errors

    inspection = server_api.get("super1", f"/inspections/{record_id}")
    assert inspection["org_unit_id"] == station["id"] and inspection["notes"] == "站内人员在岗，台账待补"
    answers = {c["item"]: (c["result"], c["note"], c.get("photo_ids") or []) for c in inspection["checklist"]}
    assert answers == {
        "service_place": ("ok", "", []),
        "work_body": ("ok", "", []),
        "dedicated_staff": ("ok", "", []),
        "basic_ledger": ("issue", "台账未更新到本季度", [photo_id]),
    }
    assert inspection["photo_ids"] == [photo_id]


async def test_a_half_recorded_task_fix_comes_back_after_a_reload_and_arrives_with_its_photo_and_note(
    page, live_server, server_api, area, photos
):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id, [photos / "orientation_landscape_1.jpg"], at=(26.5801, 106.7101), issue="台阶松动"
    )
    [task] = worker.get("/tasks", record_id=patrol)["items"]
    await log_in(page, base)
    await wait_for_scope_cached(page)

    # On the task's screen: an after photo and half a note, then the page is reloaded.
    await page.goto(f"{base}/#/tasks/{task['id']}")
    form = page.get_by_test_id("task-fix-form")
    await form.wait_for()
    fix_id = await form.get_attribute("data-fix-id")
    await page.get_by_test_id("task-fix-photo").set_input_files(str(photos / "orientation_portrait_5.jpg"))
    tile = form.locator(".photo[data-state=ready]")
    await tile.wait_for(timeout=30_000)
    photo_id = await tile.get_attribute("data-id")
    await page.get_by_test_id("task-fix-note").fill("已加固东侧台阶")
    await wait_draft_saved(page, 1)
    await wait_draft_holds(page, fix_id, "已加固东侧台阶")
    kept = (await stored_drafts(page))["drafts"]
    assert list(kept) == [fix_id] and kept[fix_id]["kind"] == "taskfix" and kept[fix_id]["photos"] == [photo_id]

    await reload_restored(page)
    await form.locator(f".photo[data-state=ready][data-id='{photo_id}']").wait_for()
    assert await form.get_attribute("data-fix-id") == fix_id  # the same fix, carried on
    assert await page.get_by_test_id("task-fix-note").input_value() == "已加固东侧台阶"

    # Home lists it under 继续填写, and it reopens on the task.
    await page.evaluate("() => { location.hash = '#/'; }")
    await page.get_by_test_id("leave-keep").click()  # leaving the form asks first
    draft = page.locator(f"[data-testid=draft-item][data-id='{fix_id}']")
    await draft.wait_for()
    assert await draft.get_attribute("data-kind") == "taskfix"
    await draft.click()
    await form.locator(f".photo[data-state=ready][data-id='{photo_id}']").wait_for()

    await page.get_by_test_id("task-fix-note").fill("已加固东侧台阶，重新勾缝")
    await page.get_by_test_id("task-fix-save").click()
    await page.get_by_test_id("flash").wait_for()
    await wait_pending(page, 0)
    assert await stored_drafts(page) == {"drafts": {}, "blobs": []}
    fixed = worker.get(f"/tasks/{task['id']}")
    assert fixed["status"] == "fixed" and fixed["fix_note"] == "已加固东侧台阶，重新勾缝"
    assert [p["id"] for p in fixed["after_photos"]] == [photo_id]


async def test_a_visit_draft_comes_back_after_a_reload_and_is_gone_once_discarded(page, live_server, area):
    base = live_server.url
    await log_in(page, base)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("new-visit").click()
    await page.locator(f"[data-testid=subject-item][data-id='{area.subject_id}']").click()
    record_id = await page.get_by_test_id("visit-form").get_attribute("data-record-id")
    await page.get_by_test_id("visit-type").select_option("holiday")
    await page.get_by_test_id("visit-summary").fill("老人身体尚好，谈到冬季取暖")
    await page.get_by_test_id("visit-cash").fill("500")
    await page.get_by_test_id("visit-goods").fill("米一袋、油一桶")
    await wait_draft_saved(page, 0)
    await wait_draft_holds(page, record_id, "米一袋、油一桶")

    await reload_restored(page)
    assert await page.get_by_test_id("subject-selected").get_attribute("data-id") == area.subject_id
    assert await page.get_by_test_id("visit-type").input_value() == "holiday"
    assert await page.get_by_test_id("visit-summary").input_value() == "老人身体尚好，谈到冬季取暖"
    assert await page.get_by_test_id("visit-cash").input_value() == "500"
    assert await page.get_by_test_id("visit-goods").input_value() == "米一袋、油一桶"

    # 放弃草稿 asks once more, then the draft is gone: not on home, not on the phone.
    await page.get_by_test_id("draft-discard").click()
    await page.get_by_test_id("draft-discard-yes").click()
    await page.get_by_test_id("new-visit").wait_for()
    assert await page.locator(f"[data-testid=draft-item][data-id='{record_id}']").count() == 0
    assert await stored_drafts(page) == {"drafts": {}, "blobs": []}
    assert await pending(page) == 0  # a draft is never sent
