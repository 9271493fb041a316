"""Every field screen as a worker finds it, in Chinese and in English, on a 360x800 phone: what
needs them is on home (the returned record with the supervisor's comment, open tasks, overdue
places), no server English, code or id reaches them, validation sits next to its field and goes
as soon as it is fixed, a file that is not a photo says so and can only be discarded, and axe-core
finds no serious or critical violation. Screenshots: test-artifacts/screenshots/field-*.png."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.e2e.conftest import (
    assert_accessible,
    log_in,
    shot,
    wait_for_scope_cached,
    wait_for_service_worker,
    wait_pending,
)
from tests.e2e.supervisor_helpers import CHECKLIST, Field

pytestmark = pytest.mark.e2e

AT = (26.5801, 106.7101)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Three English words in a row: a server sentence ("photo 1 is already evidence in record ...").
ENGLISH = re.compile(r"\b[A-Za-z]+ [A-Za-z]+ [A-Za-z]+\b")
RETURN_COMMENT = "照片与上次相同，请到现场重拍"


def make_visit(worker: Field, subject_id: str) -> str:
    record_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    body = {
        "subject_id": subject_id,
        "visit_type": "holiday",
        "visited_at": (now - timedelta(minutes=30)).isoformat(),
        "location": {"lat": 26.5810, "lon": 106.7110, "accuracy_m": 10, "captured_at": now.isoformat()},
        "summary": "春节慰问，老人身体尚可。",
        "needs": "屋顶漏雨，希望维修",
        "assistance": {"cash_yuan": 500, "goods": "米、油各一份"},
        "follow_up_needed": True,
        "photo_ids": [],
        "no_photo_reason": "老人不愿拍照",
        "award": None,
    }
    r = httpx.put(f"{worker.base}/api/v1/visits/{record_id}", json=body, headers=worker.headers, timeout=30)
    assert r.status_code == 201, r.text
    return record_id


async def screen(page, name: str, lang: str, *, strict: bool = True) -> str:
    """Screenshot, axe, and on a Chinese screen no English sentence; never a raw id. Returns the text."""
    await page.wait_for_timeout(300)  # let thumbnails and fetched lists land
    await shot(page, f"field-{name}-{lang}")  # what the phone shows
    await shot(page, f"field-{name}-{lang}-full", full_page=True)  # and the whole screen, scrolled
    await assert_accessible(page, f"{name} ({lang})")
    text = await page.locator("body").inner_text()
    assert not UUID.search(text), f"a raw id on {name} ({lang}): {text}"
    if lang == "zh-CN" and strict:
        assert not ENGLISH.search(text), f"English on the Chinese screen {name}: {ENGLISH.search(text).group(0)!r}"
    return text


async def use_language(page, base: str, lang: str) -> None:
    await page.evaluate(f"localStorage.setItem('xunfang.lang', '{lang}')")
    await page.goto(base + "/")
    await page.reload()
    await page.get_by_test_id("new-patrol").wait_for()


async def test_every_field_screen_in_both_languages(page, live_server, server_api, area, photos):
    base = live_server.url
    worker = Field(base)
    picture = photos / "orientation_landscape_1.jpg"
    first = worker.patrol(area.facility_id, [picture], at=AT, issue="纪念碑基座东侧裂缝约30厘米")
    [task] = worker.get("/tasks", record_id=first)["items"]
    again = worker.patrol(area.facility_id, [picture], at=AT)  # the same picture: flagged reused_photo
    assert "reused_photo" in {f["code"] for f in server_api.get("worker1", f"/patrols/{again}")["flags"]}
    server_api.post("super1", f"/patrols/{again}/review", {"decision": "return", "comment": RETURN_COMMENT})
    visit = make_visit(worker, area.subject_id)

    await page.goto(base + "/")
    await screen(page, "login", "zh-CN")
    await log_in(page, base)
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    if await page.get_by_test_id("persist-refused").count():  # headless Chromium refuses; a worker taps it away
        await page.get_by_test_id("persist-refused").get_by_role("button").click()

    for lang in ("zh-CN", "en"):
        await use_language(page, base, lang)
        # Home: the returned record with the comment, and counts of what waits
        returned = page.locator(f"[data-testid=home-returned][data-id='{again}']")
        await returned.wait_for()
        assert RETURN_COMMENT in await returned.inner_text()
        assert await page.get_by_test_id("home-count-returned").get_attribute("data-count") == "1"
        await page.get_by_test_id("home-count-tasks").wait_for()
        open_tasks = server_api.get("worker1", "/tasks", status="open", assignee_id=area.users["worker1"])["items"]
        assert await page.get_by_test_id("home-count-tasks").get_attribute("data-count") == str(len(open_tasks))
        await screen(page, "home", lang)

        # My records and the returned record: its flags in the user's words, no id
        await page.get_by_test_id("nav-records").click()
        await page.locator(f"[data-testid=record-item][data-id='{again}']").wait_for()
        await screen(page, "records", lang)
        await returned_detail(page, base, again, first, lang)

        # A visit's page: needs, cash, goods, follow-up, the reason for no photo
        await page.goto(f"{base}/#/records/visit/{visit}")
        facts = page.get_by_test_id("visit-facts")
        await facts.wait_for()
        text = await facts.inner_text()
        assert "屋顶漏雨" in text and "米、油各一份" in text and "老人不愿拍照" in text and "500" in text
        await screen(page, "visit-record", lang)

        # Correcting the returned record: the comment, and the photo it already has (not a blank tile)
        await page.goto(f"{base}/#/patrol/{again}/edit")
        await page.get_by_test_id("form-return-comment").get_by_text(RETURN_COMMENT, exact=False).wait_for()
        await page.wait_for_function(
            "[...document.querySelectorAll('.photo[data-state=uploaded] img')].some((i) => i.complete && i.naturalWidth > 0)"
        )
        await screen(page, "patrol-correcting", lang)

        # Pickers: no save button before a choice
        await page.goto(f"{base}/#/patrol/new")
        await page.get_by_test_id("facility-item").first.wait_for()
        assert await page.get_by_test_id("record-save").count() == 0
        await screen(page, "patrol-picker", lang)
        await page.goto(f"{base}/#/visit/new")
        await page.get_by_test_id("subject-item").first.wait_for()
        assert await page.get_by_test_id("record-save").count() == 0
        await screen(page, "visit-picker", lang)
        await page.locator(f"[data-testid=subject-item][data-id='{area.subject_id}']").click()
        await page.get_by_test_id("record-save").click()
        await page.get_by_test_id("error-summary").wait_for()
        await screen(page, "visit-errors", lang)
        await page.get_by_test_id("visit-summary").fill("上门走访")
        await page.get_by_test_id("error-summary").wait_for(state="detached")

        # Tasks, outbox, menu. Leaving the visit form with changes asks first; its draft is discarded.
        await page.get_by_test_id("draft-status").wait_for()  # the change is kept on the phone
        await page.goto(f"{base}/#/tasks")
        await page.get_by_test_id("leave-dialog").wait_for()
        await screen(page, "leave-dialog", lang)
        await page.get_by_test_id("leave-discard").click()
        await page.locator(f"[data-testid=task-item][data-id='{task['id']}']").wait_for()
        await screen(page, "tasks", lang)
        await page.locator(f"[data-testid=task-item][data-id='{task['id']}']").click()
        await page.get_by_test_id("task-fix-form").wait_for()
        await screen(page, "task", lang)
        await page.get_by_test_id("outbox").click()
        await page.get_by_test_id("outbox-screen").wait_for()
        await screen(page, "outbox", lang)
        await page.get_by_test_id("nav-menu").click()
        await page.get_by_test_id("logout").wait_for()
        await screen(page, "menu", lang)
        await page.get_by_test_id("nav-home").click()


async def returned_detail(page, base: str, again: str, first: str, lang: str) -> None:
    await page.goto(f"{base}/#/records/patrol/{again}")
    await page.get_by_test_id("return-comment").wait_for()
    flags = page.get_by_test_id("record-flags")
    await flags.wait_for()
    text = await flags.inner_text()
    assert first not in text and "evidence in record" not in text
    assert ("另一条记录" in text) if lang == "zh-CN" else ("Reused photo" in text)
    await screen(page, "record-returned", lang)


async def open_form(page, base: str, kind: str, item_id: str) -> None:
    """Logged in with the scope on the phone, a new patrol or visit for this facility or person."""
    await log_in(page, base)
    await wait_for_scope_cached(page)
    await page.get_by_test_id(f"new-{kind}").click()
    picker = "facility-item" if kind == "patrol" else "subject-item"
    await page.locator(f"[data-testid={picker}][data-id='{item_id}']").click()
    if kind == "visit":
        await page.get_by_test_id("visit-summary").fill("上门走访")


async def test_patrol_errors_sit_by_their_item_and_clear_when_fixed(page, live_server, area, photos):
    await open_form(page, live_server.url, "patrol", area.facility_id)
    await page.get_by_test_id("record-save").click()
    for code in CHECKLIST:
        await page.get_by_test_id(f"error-item-{code}").wait_for()
    assert "环境卫生" in await page.get_by_test_id("error-item-cleanliness").inner_text()
    await shot(page, "field-patrol-errors-zh-CN")
    await assert_accessible(page, "patrol with errors")
    # the save bar is one line and the button: it never covers a third of the screen
    bar = await page.locator(".savebar").bounding_box()
    assert bar["height"] < 800 / 5, bar

    for code in CHECKLIST:
        await page.get_by_test_id(f"checklist-{code}-{'issue' if code == 'structure' else 'ok'}").click()
        await page.get_by_test_id(f"error-item-{code}").wait_for(state="detached")  # gone as soon as set
    await page.get_by_test_id("error-note-structure").wait_for()
    assert "设施完好" in await page.get_by_test_id("error-note-structure").inner_text()
    await page.get_by_test_id("error-photos").wait_for()
    await page.get_by_test_id("checklist-structure-note").fill("台阶松动")
    await page.get_by_test_id("error-note-structure").wait_for(state="detached")
    await page.get_by_test_id("photo-input").set_input_files([str(photos / "orientation_landscape_3.jpg")])
    await page.get_by_test_id("error-photos").wait_for(state="detached")
    await page.get_by_test_id("save-problems").wait_for(state="detached")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await wait_pending(page, 0)
    assert "已保存并已上传" in await page.get_by_test_id("flash").inner_text()


async def test_a_file_that_is_not_a_photo_says_so_and_can_only_be_discarded(page, phone, live_server, area):
    await open_form(page, live_server.url, "visit", area.subject_id)
    await page.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": b"this is a note, not a picture " * 40}]
    )
    await page.locator(".photo[data-state=unreadable]").wait_for()
    assert "无法显示" in await page.locator(".photo[data-state=unreadable]").inner_text()
    await shot(page, "field-photo-unreadable-zh-CN")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await page.get_by_test_id("outbox").click()
    failed = page.locator("[data-testid=outbox-item][data-kind=photo][data-state=failed]")
    await failed.wait_for(timeout=45_000)
    text = await failed.inner_text()
    assert "不是照片" in text and "415" not in text and "image" not in text.lower()
    assert await failed.get_by_test_id("outbox-retry").count() == 0
    assert await failed.get_by_test_id("outbox-discard").count() == 1
    pill = await page.get_by_test_id("sync-status").inner_text()
    assert "失败" in pill, pill  # failed for good is not "waiting"
    await screen(page, "outbox-failed", "zh-CN")


async def test_a_heic_photo_the_browser_cannot_show_gets_a_clear_tile_and_is_sent(
    page, live_server, server_api, area, photos
):
    await open_form(page, live_server.url, "visit", area.subject_id)
    await page.get_by_test_id("photo-input").set_input_files([str(photos / "heic_IMG_5195.HEIC")])
    tile = page.locator(".photo[data-state=unreadable]")
    await tile.wait_for()
    assert "HEIC" in await tile.inner_text()
    await shot(page, "field-photo-heic-zh-CN")
    record_id = await page.get_by_test_id("visit-form").get_attribute("data-record-id")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()  # in the outbox, then sent
    await wait_pending(page, 0, timeout=60_000)
    assert len(server_api.get("worker1", f"/visits/{record_id}")["photos"]) == 1


async def test_offline_lists_and_pill_say_offline(page, phone, live_server, area):
    base = live_server.url
    await log_in(page, base)
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    await phone.set_offline(True)
    await page.reload()
    await page.get_by_test_id("new-patrol").wait_for()
    await page.wait_for_function("document.querySelector('[data-testid=sync-status]')?.dataset.pending !== undefined")
    assert "离线" in await page.get_by_test_id("sync-status").inner_text()
    assert "已全部上传" not in await page.get_by_test_id("sync-status").inner_text()
    await page.get_by_test_id("nav-records").click()
    await page.get_by_test_id("records-offline").wait_for()
    assert "还没有记录" not in await page.get_by_test_id("records-screen").inner_text()
    await screen(page, "records-offline", "zh-CN")
