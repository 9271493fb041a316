"""The admin forms on the desk: one facility added by hand with the import's rules (swapped latitude
and longitude named as such, in both languages), a person whose identity number's check digit is
wrong, a station's details saved, and a CSV sent twice that says the second time changed nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.supervisor_helpers import open_as

pytestmark = pytest.mark.e2e

FACILITIES = "名称,类型,保护级别,所属单位,纬度,经度\n青山烈士陵园,陵园,省级,东一社区,26.59,106.71\n松柏岭烈士墓,零散烈士墓,未定级,东一社区,26.61,106.73\n"


def unit_id(server_api, name: str) -> str:
    units = server_api.get("admin", "/org-units")
    return next(u["id"] for u in (units if isinstance(units, list) else units["items"]) if u["name"] == name)


async def test_a_facility_added_by_hand_is_checked_like_an_import(browser, live_server, area, server_api):
    context, page, errors = await open_as(browser, live_server.url, "admin", "/ledger/facility/new")
    try:
        await page.get_by_test_id("edit-name").fill("红星烈士纪念碑")
        await page.get_by_test_id("edit-org_unit_id").select_option(unit_id(server_api, "东一社区"))
        await page.get_by_test_id("edit-lat").fill("106.71")
        await page.get_by_test_id("edit-lon").fill("26.58")
        await page.get_by_test_id("edit-save").click()
        message = page.get_by_test_id("edit-message")
        await message.wait_for()
        assert "填反" in await message.inner_text() and "纬度" in await message.inner_text()
        await shot(page, "desk-zh-1440-facility-swapped")
        await page.get_by_test_id("lang-switch").click()
        await page.get_by_test_id("edit-save").click()
        await page.wait_for_function(
            "document.querySelector('[data-testid=edit-message]')?.innerText.includes('swapped')"
        )
        await shot(page, "desk-en-1440-facility-swapped")
        await page.get_by_test_id("edit-lat").fill("26.58")
        await page.get_by_test_id("edit-lon").fill("106.71")
        await page.get_by_test_id("edit-save").click()
        await page.wait_for_function(
            "location.hash.startsWith('#/ledger/facility/') && !location.hash.endsWith('/new')"
        )
        await page.wait_for_function("document.querySelector('h1')?.innerText === '红星烈士纪念碑'")
        await page.get_by_test_id("lang-switch").click()
        assert not errors, errors
    finally:
        await context.close()


async def test_a_person_with_a_wrong_check_digit_is_told_so(browser, live_server, area):
    context, page, errors = await open_as(browser, live_server.url, "super1", "/ledger/subject/new")
    try:
        await page.get_by_test_id("edit-name").fill("陈玉珍")
        await page.get_by_test_id("edit-id_number").fill("520102195001011234")
        await page.get_by_test_id("edit-phone").fill("1391234567")
        await page.get_by_test_id("edit-save").click()
        message = page.get_by_test_id("edit-message")
        await message.wait_for()
        text = await message.inner_text()
        assert "电话" in text and "11 位手机号" in text, text  # the first rule broken, by field and rule
        await page.get_by_test_id("edit-phone").fill("13912345678")
        await page.get_by_test_id("edit-save").click()
        await page.wait_for_function(
            "document.querySelector('[data-testid=edit-message]')?.innerText.includes('校验码')"
        )
        await shot(page, "desk-zh-1440-subject-checksum")
        assert not errors, errors
    finally:
        await context.close()


async def test_the_same_csv_twice_says_nothing_changed(browser, live_server, area, tmp_path):
    csv = tmp_path / "facilities.csv"
    csv.write_text(FACILITIES, encoding="utf-8-sig")
    context, page, errors = await open_as(browser, live_server.url, "super1", "/ledger/facilities")
    try:
        for expected in ("新增 2 条，更新 0 条，0 条没有变化", "新增 0 条，更新 0 条，2 条没有变化"):
            await page.get_by_test_id("import-file").set_input_files(str(csv))
            await page.get_by_test_id("import-send").click()
            await page.wait_for_function(
                f"document.querySelector('[data-testid=import-ok]')?.innerText.includes('{expected}')"
            )
        await shot(page, "desk-zh-1440-import-unchanged")
        assert not errors, errors
    finally:
        await context.close()


async def test_a_station_s_details_are_saved_from_the_desk(browser, live_server, area, server_api):
    context, page, errors = await open_as(browser, live_server.url, "super1", "/stations")
    try:
        await page.get_by_test_id("weekly-unit").select_option(label="东一社区")
        await page.get_by_test_id("station-card").wait_for()
        await page.get_by_test_id("station-address").fill("东一路 8 号")
        await page.get_by_test_id("station-lat").fill("26.5805")
        await page.get_by_test_id("station-lon").fill("106.7105")
        await page.get_by_test_id("station-standard").select_option("seven_ones")
        await page.get_by_test_id("station-demo").check()
        await page.get_by_test_id("station-save").click()
        await page.get_by_test_id("station-message").wait_for()
        assert "已保存" in await page.get_by_test_id("station-message").inner_text()
        await shot(page, "desk-zh-1440-station-saved", full_page=True)
        station = server_api.get("super1", f"/org-units/{unit_id(server_api, '东一社区')}")["station"]
        assert station["address"] == "东一路 8 号" and station["standard"] == "seven_ones" and station["demonstration"]
        assert station["location"] == {"lat": 26.5805, "lon": 106.7105}
        assert not errors, errors
    finally:
        await context.close()
