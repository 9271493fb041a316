"""The coverage dashboard with its charts and facility map, a ledger export read back with
openpyxl, and the admin screens (CSV import that names bad rows, audit log)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import shot
from tests.e2e.supervisor_helpers import Field, open_as

pytestmark = pytest.mark.e2e


async def test_dashboard_and_export_read_back(browser, live_server, area, photos):
    base = live_server.url
    worker = Field(base)
    patrol = worker.patrol(
        area.facility_id, [photos / "orientation_landscape_1.jpg"], at=(26.5801, 106.7101), issue="碑文字迹模糊"
    )
    context, page, errors = await open_as(browser, base, "super1", "/dashboard")
    try:
        coverage = page.get_by_test_id("coverage")
        await coverage.wait_for()
        assert "1" in await page.get_by_test_id("card-tasks").inner_text()
        await page.locator("[data-testid=facility-map] [data-shape]").first.wait_for()
        assert await page.locator("[data-testid=facility-map] [data-shape]").count() == 2
        await shot(page, "supervisor-08-dashboard")
        await page.get_by_test_id("facility-map").scroll_into_view_if_needed()
        await shot(page, "supervisor-09-dashboard-map")

        async with page.expect_download() as info:
            await page.get_by_test_id("export-patrols-xlsx").click()
        download = await info.value
        assert download.suggested_filename.startswith("巡查台账_东街道_") and download.suggested_filename.endswith(
            ".xlsx"
        )
        data = open(await download.path(), "rb").read()
        rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
        header, *body = rows
        assert len(body) == 1
        row = dict(zip(header, body[0], strict=False))
        assert row["记录编号"] == patrol and row["设施"] == "红军烈士陵园"
        assert row["设施完好"] == "问题：碑文字迹模糊" and row["状态"] == "待审核"
        link = row["照片1"]  # the url as text, and a cell hyperlink to it
        assert link.startswith(base) and "/#/photo/" in link

        async with page.expect_download() as info:
            await page.get_by_test_id("export-visits-csv").click()
        csv_bytes = open(await (await info.value).path(), "rb").read()
        assert csv_bytes.startswith(b"\xef\xbb\xbf")

        await page.goto(link)  # the ledger's link opens the photo for a signed-in user
        await page.wait_for_function("document.querySelector('.sv-photo-full')?.naturalWidth > 0")
        assert not errors, errors
    finally:
        await context.close()


async def test_admin_imports_facilities_and_names_bad_rows(browser, live_server, area, tmp_path):
    base = live_server.url
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "名称,类型,保护级别,所属单位,纬度,经度\n青山烈士陵园,陵园,省级,东一社区,26.59,106.71\n"
        "坏行,陵园,省级,东一社区,95,106.71\n",
        encoding="utf-8-sig",
    )
    good = tmp_path / "good.csv"
    good.write_text(
        "名称,类型,保护级别,所属单位,纬度,经度\n青山烈士陵园,陵园,省级,东一社区,26.59,106.71\n", encoding="utf-8-sig"
    )
    context, page, errors = await open_as(browser, base, "admin", "/ledger/facilities")
    try:
        box = page.get_by_test_id("import-facilities")
        await box.wait_for()
        await box.get_by_test_id("import-file").set_input_files(str(bad))
        await box.get_by_test_id("import-send").click()
        problems = box.get_by_test_id("import-errors")
        await problems.wait_for()
        assert "第 3 行" in await problems.inner_text()
        await shot(page, "supervisor-10-import-errors")
        await box.get_by_test_id("import-file").set_input_files(str(good))
        await box.get_by_test_id("import-send").click()
        await box.get_by_test_id("import-ok").wait_for()
        await page.get_by_test_id("desk-nav-admin").click()
        await page.locator("[data-testid=user-row][data-username=worker1]").wait_for()
        await shot(page, "supervisor-11-admin-users")
        await page.get_by_test_id("tab-audit").click()
        await page.get_by_test_id("audit-action").select_option("facility_import")
        row = page.locator("[data-testid=audit-row][data-action=facility_import]")
        await row.first.wait_for()
        assert "导入设施" in await row.first.inner_text() and "共 1 条" in await row.first.inner_text()
        await shot(page, "supervisor-12-audit-log")
        assert not errors, errors
    finally:
        await context.close()
