"""The phone's home tells the truth and a station head writes the weekly report on the phone:
a returned record fixed and sent again leaves home's 已退回 at once (before the server has it);
today's due places are listed nearest first; worker1, head of 东一社区, submits the week's remarks
offline, they go when the phone is back online, once, even when the first answer is lost on the
way back, and the desk shows them as submitted. Screenshots: test-artifacts/screenshots/home-*."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from storage.models import Facility, OrgUnit, Subject, WeeklyReport
from tests.e2e.conftest import (
    HERE,
    assert_accessible,
    log_in,
    phone_context,
    shot,
    wait_for_scope_cached,
    wait_pending,
    watch,
)
from tests.e2e.supervisor_helpers import Field
from tests.e2e.test_stations import desk

pytestmark = pytest.mark.e2e

AT = (26.5801, 106.7101)
REMARKS = "本周完成巡查两次，消防器材已更换；下周补齐走访台账。"


async def test_a_returned_record_sent_again_leaves_home_at_once(page, phone, live_server, server_api, area, photos, db):
    base = live_server.url
    await db.execute(update(Facility).values(last_patrol_at=datetime.now(timezone.utc) - timedelta(days=60)))
    await db.commit()
    worker = Field(base)
    record_id = worker.patrol(area.facility_id, [photos / "orientation_landscape_1.jpg"], at=AT, issue="台阶松动")
    server_api.post("super1", f"/patrols/{record_id}/review", {"decision": "return", "comment": "请写明台阶位置"})

    await log_in(page, base)
    await wait_for_scope_cached(page)
    returned = page.locator(f"[data-testid=home-returned][data-id='{record_id}']")
    await returned.wait_for()
    assert "请写明台阶位置" in await returned.inner_text()
    # Today's round: both facilities are overdue; the one the phone stands at first.
    due = page.get_by_test_id("due-item")
    await due.first.wait_for()
    assert await due.first.get_attribute("data-id") == area.facility_id
    assert int(await due.first.get_attribute("data-distance")) < 50
    await shot(page, "home-01-returned-and-due")

    # Fixed with no signal: home no longer lists it as returned, though the server has not heard yet.
    await page.goto(f"{base}/#/patrol/{record_id}/edit")
    await page.wait_for_function(
        "document.querySelector('[data-testid=checklist-structure-note]')?.value === '台阶松动'"
    )
    await phone.set_offline(True)
    await page.get_by_test_id("checklist-structure-note").fill("东侧第三级台阶松动，已设警示")
    await page.get_by_test_id("record-save").click()
    await page.get_by_test_id("flash").wait_for()
    await page.get_by_test_id("new-patrol").wait_for()  # back on home
    await page.get_by_test_id("needs-you").wait_for()
    await page.wait_for_timeout(500)  # whatever home would still draw from its cached list
    assert await returned.count() == 0
    assert await page.get_by_test_id("home-count-returned").count() == 0
    assert server_api.get("worker1", f"/patrols/{record_id}")["status"] == "returned"
    await shot(page, "home-02-resent-offline")

    await phone.set_offline(False)
    await wait_pending(page, 0)
    assert server_api.get("worker1", f"/patrols/{record_id}")["status"] == "submitted"
    await page.reload()
    await page.get_by_test_id("needs-you").wait_for()
    await page.wait_for_timeout(500)
    assert await returned.count() == 0


async def test_the_station_head_submits_the_weekly_remarks_offline_once(browser, live_server, server_api, area, db):
    base = live_server.url
    community1 = next(u for u in server_api.get("admin", "/org-units")["items"] if u["name"] == "东一社区")
    await db.execute(
        update(OrgUnit)
        .where(OrgUnit.id == community1["id"])
        .values(
            lat=HERE["latitude"], lon=HERE["longitude"], address="东一社区服务中心", head_user_id=area.users["worker1"]
        )
    )
    await db.commit()
    # Service workers off: page.route must see every request of the page.
    context = await phone_context(browser, service_workers="block")
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    watch(page, errors)
    page.on("dialog", lambda d: d.accept())  # 提交后不能再修改: yes
    cut = {"puts": 0}

    async def lose_the_first_answer(route):
        if route.request.method == "PUT":
            cut["puts"] += 1
            if cut["puts"] == 1:
                await route.fetch()  # the remarks reach the server...
                await route.abort("connectionreset")  # ...and the answer is lost on the way back
                return
        await route.continue_()

    try:
        await log_in(page, base)
        await wait_for_scope_cached(page)
        entry = page.get_by_test_id("home-weekly")
        await entry.wait_for()
        assert "东一社区" in await entry.inner_text()
        await entry.click()
        await page.get_by_test_id("weekly-figures").wait_for()
        week = server_api.get("super1", "/reports/weekly")["week"]
        await shot(page, "home-03-weekly")
        await assert_accessible(page, "weekly report")

        await context.set_offline(True)
        await page.get_by_test_id("weekly-remarks-input").fill(REMARKS)
        await page.get_by_test_id("weekly-submit").click()
        await page.get_by_test_id("weekly-queued").wait_for()
        await wait_pending(page, 1)
        await shot(page, "home-04-weekly-queued-offline")
        row = next(
            u
            for u in server_api.get("super1", "/reports/weekly", week=week)["units"]
            if u["org_unit_id"] == community1["id"]
        )
        assert row["submitted_at"] is None and row["remarks"] == ""

        await page.route(lambda url: "/api/v1/reports/weekly/" in url, lose_the_first_answer)
        await page.get_by_test_id("flash").wait_for(state="detached", timeout=10_000)  # the save's own notice
        await context.set_offline(False)
        await wait_pending(page, 0, timeout=60_000)
        # Sent in the background: a short notice says what went.
        await page.get_by_test_id("flash").get_by_text("已上传：1 份周报").wait_for()
        assert cut["puts"] == 2  # sent again after the lost answer, and taken as done
        await page.get_by_test_id("weekly-submitted").wait_for()
        assert REMARKS in await page.get_by_test_id("weekly-remarks-text").inner_text()
        assert await page.get_by_test_id("weekly-error").count() == 0
        states = await page.evaluate("""async () => {
          const db = await new Promise((ok, no) => { const r = indexedDB.open('xunfang'); r.onsuccess = () => ok(r.result); r.onerror = no; });
          const all = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
          return all.map((i) => [i.kind, i.state]);
        }""")
        assert states == [["weekly", "sent"]]
        await shot(page, "home-05-weekly-submitted")
    finally:
        await context.close()
    assert not errors, errors

    row = next(
        u
        for u in server_api.get("super1", "/reports/weekly", week=week)["units"]
        if u["org_unit_id"] == community1["id"]
    )
    assert row["remarks"] == REMARKS and row["submitted_at"] and row["remarks_by"] == "Worker1"
    stored = await db.scalar(
        select(func.count()).select_from(WeeklyReport).where(WeeklyReport.org_unit_id == community1["id"])
    )
    assert stored == 1

    # The desk shows them submitted.
    desk_context, desk_page = await desk(browser, base, "super1")
    try:
        await desk_page.goto(f"{base}/#/stations")
        await desk_page.get_by_test_id("weekly-week").select_option(week)
        remarks = desk_page.locator(f"[data-testid=remarks][data-id='{community1['id']}']")
        await remarks.get_by_test_id("remarks-text").wait_for()
        text = await remarks.inner_text()
        assert REMARKS in text and "已提交" in text
        assert await remarks.get_by_test_id("remarks-input").count() == 0
    finally:
        await desk_context.close()


async def test_overdue_people_open_a_picker_longest_overdue_first(page, live_server, area, db):
    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    await db.execute(update(Subject).where(Subject.id == area.other_subject_id).values(last_visit_at=long_ago))
    await db.execute(
        update(Subject).where(Subject.id == area.subject_id).values(last_visit_at=long_ago + timedelta(days=200))
    )
    await db.commit()
    await log_in(page, live_server.url)
    await wait_for_scope_cached(page)
    await page.get_by_test_id("home-count-overdue-subjects").click()
    await page.get_by_test_id("due-screen").wait_for()
    items = page.get_by_test_id("due-item")
    await items.first.wait_for()
    # 王德福 is farther from the phone but longer overdue: first. No facility is listed.
    assert [await items.nth(i).get_attribute("data-id") for i in range(await items.count())] == [
        area.other_subject_id,
        area.subject_id,
    ]
    await items.first.click()
    await page.get_by_test_id("subject-selected").wait_for()
    assert await page.get_by_test_id("subject-selected").get_attribute("data-id") == area.other_subject_id
