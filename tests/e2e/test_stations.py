"""The station network on the phone and the desk: a street supervisor inspects a community station
offline against the checklist the phone cached earlier; the admin reviews it; the weekly report
counts it. An admin adds a patrol item and the next patrol on a phone shows it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from storage.checklists import FOUR_HAVES_V1
from storage.models import OrgUnit
from tests.builders import PASSWORD
from tests.e2e.conftest import (
    HERE,
    assert_accessible,
    log_in,
    shot,
    wait_for_scope_cached,
    wait_for_service_worker,
    wait_pending,
)
from tests.e2e.supervisor_helpers import desk_log_in

pytestmark = pytest.mark.e2e


async def look(page, name: str) -> None:
    """axe finds nothing serious on the screen, then its screenshot."""
    await assert_accessible(page, name)
    await shot(page, name)


def admin_put(base: str, path: str, body: dict) -> dict:
    token = httpx.post(f"{base}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).json()[
        "access_token"
    ]
    r = httpx.put(f"{base}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def desk(browser, base: str, username: str):
    context = await browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await page.goto(base + "/")
    await desk_log_in(page, username)
    return context, page


async def test_an_offline_inspection_on_a_cached_template_is_synced_reviewed_and_counted(
    page, phone, browser, live_server, server_api, area, db, photos
):
    base = live_server.url
    community = server_api.get("admin", "/org-units")["items"]
    community1 = next(u for u in community if u["name"] == "东一社区")
    await db.execute(
        update(OrgUnit)
        .where(OrgUnit.name == "东一社区")
        .values(
            lat=HERE["latitude"], lon=HERE["longitude"], address="东一社区服务中心", head_user_id=area.users["worker1"]
        )
    )
    await db.commit()

    await log_in(page, base, "super1")
    await wait_for_service_worker(page)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("new-inspection").wait_for()  # stations and templates are on the phone
    # The admin changes the standard after the phone cached it: the phone fills the version it had.
    four = server_api.get("admin", f"/checklist-templates/{FOUR_HAVES_V1}")
    admin_put(
        base,
        "/checklist-templates/four_haves",
        {
            "items": [
                *four["items"],
                {"code": "fire_kit", "label": {"zh": "有消防器材", "en": "Fire kit"}, "hint": {"zh": "", "en": ""}},
            ]
        },
    )

    await phone.set_offline(True)
    await page.get_by_test_id("new-inspection").click()
    await page.locator(f"[data-testid=station-item][data-id='{community1['id']}']").click()
    assert await page.get_by_test_id("inspection-template").get_attribute("data-id") == str(FOUR_HAVES_V1)
    for item in four["items"]:
        code = item["code"]
        await page.get_by_test_id(f"checklist-{code}-{'issue' if code == 'basic_ledger' else 'ok'}").click()
    await page.get_by_test_id("checklist-basic_ledger-note").fill("台账未更新到本季度")
    await page.get_by_test_id("checklist-basic_ledger-photo").set_input_files(str(photos / "gps_DSCN0010.jpg"))
    await page.wait_for_function("document.querySelectorAll('.photo[data-state=ready]').length === 1", timeout=30_000)
    await page.wait_for_function("(document.querySelector('[data-testid=position]')?.dataset.accuracy || '') !== ''")
    record_id = await page.get_by_test_id("inspection-form").get_attribute("data-record-id")
    await look(page, "stations-01-inspection-form")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await wait_pending(page, 2)

    await phone.set_offline(False)
    await wait_pending(page, 0)
    inspection = server_api.get("super1", f"/inspections/{record_id}")
    assert inspection["template_id"] == str(FOUR_HAVES_V1) and inspection["status"] == "submitted"
    tasks = server_api.get("worker1", "/tasks", status="open")["items"]
    assert [t["item"] for t in tasks if t["record_kind"] == "inspection"] == ["basic_ledger"]

    # Its author may not judge it: the desk says so instead of offering buttons the server refuses.
    context, own = await desk(browser, base, "super1")
    try:
        await own.goto(f"{base}/#/review/inspection/{record_id}")
        await own.get_by_test_id("own-record").wait_for()
        assert await own.get_by_test_id("approve").count() == 0
    finally:
        await context.close()

    context, admin = await desk(browser, base, "admin")
    try:
        await admin.goto(f"{base}/#/review/inspection/{record_id}")
        # The record lists the task it raised, linked to the task's page.
        raised = admin.locator(f"[data-testid=raised-task][data-id='{tasks[0]['id']}']")
        await raised.wait_for()
        assert "有基本台账" in await raised.inner_text() and "待整改" in await raised.inner_text()
        assert await raised.locator("a").get_attribute("href") == f"#/tasks/{tasks[0]['id']}"
        await admin.get_by_test_id("approve").click()
        await admin.get_by_test_id("approve-yes").click()  # approving asks first, naming the record
        await admin.wait_for_function(
            "document.querySelector('[data-testid=record-status]')?.textContent.includes('已通过')"
        )
        await look(admin, "stations-02-inspection-reviewed")
        assert server_api.get("admin", f"/inspections/{record_id}")["status"] == "approved"

        await admin.goto(f"{base}/#/stations")
        week = server_api.get("admin", "/reports/weekly")["week"]
        await admin.get_by_test_id("weekly-week").select_option(week)
        street1 = next(u for u in community if u["name"] == "东街道")
        cell = admin.locator(f"[data-testid=weekly-row][data-id='{street1['id']}'] [data-testid=fig-inspections_done]")
        await admin.wait_for_function(
            f"document.querySelector(\"[data-testid=weekly-row][data-id='{street1['id']}'] [data-testid=fig-inspections_done]\")"
            "?.textContent.trim().startsWith('1')"
        )
        assert (await cell.text_content()).strip().startswith("1")
        link = admin.locator(f"[data-testid=inspection-link][href$='{record_id}']")
        assert "已通过" in await link.inner_text()  # the status in words, not its code
        await look(admin, "stations-03-weekly-report")
        # In English the long headers wrap; the units' names keep room to be read (not a
        # character a line beside twelve unwrapped headers).
        await admin.get_by_test_id("lang-switch").click()
        await admin.wait_for_function(
            "document.querySelector('[data-testid=weekly-table] thead th')?.textContent === 'Unit'"
        )
        name_widths = await admin.eval_on_selector_all(
            "[data-testid=weekly-row] th",
            "cells => cells.map(c => c.getBoundingClientRect().width / parseFloat(getComputedStyle(c).fontSize))",
        )
        assert name_widths and min(name_widths) >= 8, name_widths
        assert "Approved" in await link.inner_text()
        await admin.evaluate("window.scrollTo(0, 0)")
        await look(admin, "stations-03-weekly-report-en")
    finally:
        await context.close()

    # Back on the supervisor's phone, 我的记录 lists the inspection with its verdict.
    await page.goto(f"{base}/#/records")
    await page.get_by_test_id("records-tab-inspection").click()
    item = page.locator(f"[data-testid=record-item][data-id='{record_id}']")
    await item.wait_for()
    assert await item.get_attribute("data-status") == "approved" and "东一社区" in await item.inner_text()
    await item.click()
    detail = page.get_by_test_id("record-detail")
    await detail.wait_for()
    ledger = next(i["label"]["zh"] for i in four["items"] if i["code"] == "basic_ledger")
    assert f"{ledger}：台账未更新到本季度" in await detail.inner_text()
    await look(page, "stations-04-my-inspection")
    # In English the label and the note are joined as English is punctuated.
    await page.goto(f"{base}/#/menu")
    await page.get_by_test_id("lang-switch").click()
    await page.goto(f"{base}/#/records/inspection/{record_id}")
    ledger_en = next(i["label"]["en"] for i in four["items"] if i["code"] == "basic_ledger")
    await page.wait_for_function(
        f"document.querySelector('[data-testid=record-detail]')?.innerText.includes('{ledger_en}: ')"
    )


async def test_an_item_the_admin_adds_shows_on_the_next_patrol_and_old_records_keep_theirs(
    page, browser, live_server, server_api, area
):
    base = live_server.url
    context, admin = await desk(browser, base, "admin")
    try:
        await admin.goto(f"{base}/#/templates")
        # The daily patrol's checklist opens first, then the standards from the street down.
        await admin.locator("[data-testid=template-editor][data-key=patrol]").wait_for()
        tabs = await admin.get_by_test_id("template-tab").evaluate_all("tabs => tabs.map(t => t.dataset.key)")
        assert tabs == ["patrol", "seven_ones", "four_haves"]
        await admin.get_by_test_id("item-add").click()
        await admin.get_by_test_id("item-code-7").fill("fire_kit")
        await admin.get_by_test_id("item-zh-7").fill("消防器材")
        await admin.get_by_test_id("item-en-7").fill("Fire extinguishers")
        await admin.get_by_test_id("item-hint-zh-7").fill("灭火器在有效期内")
        await admin.get_by_test_id("template-save").click()
        await admin.get_by_test_id("template-saved").wait_for()
        await look(admin, "stations-04-template-editor")
    finally:
        await context.close()
    patrol = next(t for t in server_api.get("worker1", "/checklist-templates")["items"] if t["key"] == "patrol")
    assert patrol["version"] == 2 and patrol["items"][-1]["code"] == "fire_kit"

    await log_in(page, base, "worker1")
    await wait_for_scope_cached(page)
    await page.get_by_test_id("new-patrol").click()
    await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
    await page.get_by_test_id("checklist-fire_kit").wait_for()
    assert "消防器材" in await page.get_by_test_id("checklist-fire_kit").text_content()
    await look(page, "stations-05-patrol-with-new-item")
    # In English the item reads as the admin labelled it in English.
    await page.goto(f"{base}/#/menu")
    await page.get_by_test_id("lang-switch").click()
    await page.goto(f"{base}/#/patrol/new")
    await page.locator(f"[data-testid=facility-item][data-id='{area.facility_id}']").click()
    await page.get_by_test_id("checklist-fire_kit").wait_for()
    assert "Fire extinguishers" in await page.get_by_test_id("checklist-fire_kit").text_content()
    await look(page, "stations-06-patrol-with-new-item-en")
    await page.goto(f"{base}/#/inspection/new")
    await look(page, "stations-07-inspection-en")
