"""An administrator at the desk: role and unit changes asked, applied and said; units as a tree with
their levels in words; the audit log as sentences with filters; imports that list every bad
field of every row; a facility edited on its own page, implausible positions refused in Chinese."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.supervisor_helpers import Field, open_as
from tests.e2e.test_supervisor_desk import each_screen, no_english

pytestmark = pytest.mark.e2e

BAD_CSV = (
    "名称,类型,保护级别,所属单位,纬度,经度,巡查周期\n"
    "7,宝塔,特级,东一社区,26.5,106.7,0\n"
    "英名墙,纪念碑/亭,县级,不存在的社区,0,0,30\n"
).encode("utf-8-sig")
GOOD_CSV = (
    "名称,类型,保护级别,所属单位,纬度,经度\n"
    "英名碑,纪念碑/亭,县级,东一社区,26.59,106.72\n"
    "抗战纪念亭,亭,县级,东一社区,26.6,106.73\n"
).encode("utf-8-sig")


async def test_admin_changes_a_role_with_confirmation_and_the_log_says_it(browser, live_server, area):
    base = live_server.url
    context, page, errors = await open_as(browser, base, "admin", "/admin/users")
    try:
        row = page.locator("[data-testid=user-row][data-username=worker1]")
        await row.wait_for()
        # The unit picker shows the hierarchy with levels in words.
        options = await row.get_by_test_id("user-unit").locator("option").all_inner_texts()
        assert any(o.strip().startswith("└") and "社区" in o for o in options), options
        await row.get_by_test_id("user-role").select_option("supervisor")
        confirm = page.get_by_test_id("confirm")
        await confirm.wait_for()
        assert "网格员" in await confirm.inner_text() and "站长/科室" in await confirm.inner_text()
        await shot(page, "desk-admin-01-confirm-role-zh")
        assert Field(base, "admin").get("/users", q="worker1")["items"][0]["role"] == "field_worker"  # not yet
        await page.get_by_test_id("confirm-apply").click()
        message = page.get_by_test_id("admin-message")
        await message.wait_for()
        assert "Worker1" in await message.inner_text() and "站长/科室" in await message.inner_text()
        await shot(page, "desk-admin-02-role-changed-zh")
        assert Field(base, "admin").get("/users", q="worker1")["items"][0]["role"] == "supervisor"

        # The audit log reads as a sentence, with the old and the new value, filtered by action.
        await page.goto(f"{base}/#/admin/audit")
        await page.get_by_test_id("audit-action").select_option("user_update")
        await page.wait_for_function(
            "() => { const rows = [...document.querySelectorAll('[data-testid=audit-row]')];"
            " return rows.length > 0 && rows.every(r => r.dataset.action === 'user_update'); }"
        )
        sentence = page.locator("[data-testid=audit-row][data-action=user_update]")
        text = await sentence.first.inner_text()
        assert "修改用户「Worker1」" in text and "角色：网格员 → 站长/科室" in text, text
        await page.get_by_test_id("audit-actor").select_option(area.users["worker2"])
        await page.get_by_text("没有符合条件的记录").wait_for()
        await page.get_by_test_id("audit-actor").select_option("")
        await page.wait_for_function("document.querySelector('[aria-busy=false] [data-testid=audit-row]') !== null")
        await no_english(page)
        await shot(page, "desk-admin-03-audit-zh")
        assert not errors, errors
    finally:
        await context.close()


async def test_imports_list_every_bad_field_and_accept_screen_labels(browser, live_server, area):
    base = live_server.url
    context, page, errors = await open_as(browser, base, "super1", "/ledger/facilities")
    try:
        box = page.get_by_test_id("import-facilities")
        await box.wait_for()
        await box.get_by_test_id("import-file").set_input_files(
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}
        )
        await box.get_by_test_id("import-send").click()
        table = page.get_by_test_id("import-errors")
        await table.wait_for()
        cells = {
            (await r.get_attribute("data-line"), await r.get_attribute("data-field"))
            for r in await page.get_by_test_id("import-error").all()
        }
        assert {
            ("2", "name"),
            ("2", "kind"),
            ("2", "protection_level"),
            ("2", "patrol_interval_days"),
            ("3", "org_unit"),
        } <= cells, cells
        text = await table.inner_text()
        assert "2 行共" in text and "不存在的社区" in text and "巡查周期" in text, text
        await no_english(page)
        await shot(page, "desk-admin-04-import-errors-zh")

        await box.get_by_test_id("import-file").set_input_files(
            {"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}
        )
        await box.get_by_test_id("import-send").click()
        await page.get_by_test_id("import-ok").wait_for()
        await page.locator("[data-testid=ledger-row]", has_text="抗战纪念亭").wait_for()
        await shot(page, "desk-admin-05-imported-zh")

        # A facility opens on its own page; a position of 0,0 is refused with a reason in Chinese.
        await page.locator("[data-testid=ledger-row]", has_text="抗战纪念亭").click()
        await page.get_by_test_id("facility-page").wait_for()
        await page.get_by_test_id("edit-lat").fill("0")
        await page.get_by_test_id("edit-lon").fill("0")
        await page.get_by_test_id("edit-save").click()
        message = page.get_by_test_id("edit-message")
        await message.wait_for()
        assert "0,0" in await message.inner_text() and "经纬度" in await message.inner_text()
        await no_english(page)
        await shot(page, "desk-admin-06-facility-refused-zh")
        await page.get_by_test_id("edit-lat").fill("26.601")
        await page.get_by_test_id("edit-lon").fill("106.731")
        await page.get_by_test_id("edit-caretaker").fill("东一社区 刘德华")
        await page.get_by_test_id("edit-save").click()
        await page.wait_for_function("document.querySelector('[data-testid=edit-message]')?.innerText === '已保存'")
        await shot(page, "desk-admin-07-facility-saved-zh")

        async def send_bad_file(page) -> None:
            await page.get_by_test_id("import-file").set_input_files(
                {"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}
            )
            await page.get_by_test_id("import-send").click()
            await page.get_by_test_id("import-errors").wait_for()

        await each_screen(
            page, base, "desk-screen", [("import-errors", "/ledger/facilities", "ledger-row")], send_bad_file
        )
        assert not errors, errors
    finally:
        await context.close()


async def test_admin_screens_in_both_languages(browser, live_server, area):
    base = live_server.url
    context, page, errors = await open_as(browser, base, "admin", "/admin/users")
    try:
        await each_screen(
            page,
            base,
            "desk-admin-screen",
            [
                ("users", "/admin/users", "user-row"),
                ("units", "/admin/units", "unit-row"),
                ("audit", "/admin/audit", "audit-row"),
                ("ledger", "/ledger/facilities", "ledger-row"),
            ],
        )
        assert not errors, errors
    finally:
        await context.close()
