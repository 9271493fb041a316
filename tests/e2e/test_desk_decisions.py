"""Decisions at the desk are deliberate: approving asks first and names the record, a second key
press never decides on a record nobody picked, an approval is taken back within 24 hours with a
reason, a batch of flag-free records is approved all or none, the 整改 badge opens the list on what
it counted, and a person's numbers stay masked until 显示号码."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from storage.models import AuditEntry, Patrol, Task
from storage.queries.tasks import sync_tasks_for_patrol
from tests.builders import add_facility, add_patrol, add_subject, make_district
from tests.e2e.conftest import Api, assert_accessible, shot
from tests.e2e.supervisor_helpers import open_as

pytestmark = pytest.mark.e2e


async def look(page, name: str) -> None:
    """axe finds nothing serious, then the screenshot, in Chinese and then in English."""
    await assert_accessible(page, name)
    await shot(page, f"{name}-zh")
    await page.get_by_test_id("lang-switch").click()
    await page.wait_for_function("document.documentElement.lang === 'en'")
    await page.evaluate("window.scrollTo(0, 0); document.querySelector('.desk-main')?.scrollTo(0, 0)")
    await shot(page, f"{name}-en")
    await page.get_by_test_id("lang-switch").click()
    await page.wait_for_function("document.documentElement.lang !== 'en'")
    await page.evaluate("document.activeElement && document.activeElement.blur()")  # keys go to the page again


async def _statuses(db, ids) -> list[str]:
    db.expire_all()
    rows = dict((await db.execute(select(Patrol.id, Patrol.status).where(Patrol.id.in_(ids)))).all())
    return [rows[i] for i in ids]


async def _patrols(db, n: int):
    """A district and `n` flag-free patrols by worker1, each at its own facility, awaiting review."""
    d = await make_district(db)
    made = []
    for i in range(n):
        facility = await add_facility(db, d.community1, name=f"烈士陵园{i + 1}号")
        made.append((await add_patrol(db, d.community1, d.users["worker1"], facility)).id)
    await db.commit()
    return d, made


async def test_approval_needs_the_confirmation_and_pressing_a_twice_approves_one_record(browser, live_server, db):
    _, ids = await _patrols(db, 3)
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        await page.get_by_test_id("queue-item").first.wait_for()
        first = await page.get_by_test_id("queue-item").first.get_attribute("data-id")
        await page.locator(f"[data-testid=record][data-id='{first}']").wait_for()
        # a asks first and names the record: place, author and time.
        await page.keyboard.press("a")
        confirm = page.get_by_test_id("approve-confirm")
        await confirm.wait_for()
        what = await page.get_by_test_id("approve-what").inner_text()
        assert "烈士陵园" in what and "Worker1" in what and ":" in what, what
        await page.keyboard.press("a")  # a second a decides nothing
        assert await _statuses(db, ids) == ["submitted"] * 3
        await look(page, "h20a-queue-confirm")
        await page.keyboard.press("Enter")
        await page.get_by_test_id("decided").wait_for()
        # The selection does not move onto the next record: a, a and Enter again decide nothing.
        await page.get_by_test_id("no-selection").wait_for()
        for key in ("a", "a", "Enter", "A"):
            await page.keyboard.press(key)
        await page.wait_for_timeout(300)
        statuses = await _statuses(db, ids)
        assert sorted(statuses) == ["approved", "submitted", "submitted"], statuses
        assert statuses[[str(i) for i in ids].index(first)] == "approved"
        await look(page, "h20a-queue-after-decision")

        # The button asks too; cancelled, nothing happens. Shift+A approves the picked record at once.
        await page.keyboard.press("j")
        second = await page.locator("[data-testid=queue-item][aria-pressed=true]").get_attribute("data-id")
        await page.locator(f"[data-testid=record][data-id='{second}']").wait_for()
        await page.get_by_test_id("approve").click()
        await page.get_by_test_id("approve-no").click()
        await confirm.wait_for(state="detached")
        assert sorted(await _statuses(db, ids)) == ["approved", "submitted", "submitted"]
        await page.keyboard.press("Shift+A")
        await page.get_by_test_id("decided").wait_for()
        await page.keyboard.press("Shift+A")
        await page.wait_for_timeout(300)
        assert sorted(await _statuses(db, ids)) == ["approved", "approved", "submitted"]
        assert not errors, errors
    finally:
        await context.close()


async def test_keys_pressed_back_to_back_act_on_what_the_screen_shows(browser, live_server, db):
    """A quick hand: Esc closes the confirmation and Shift+A, pressed before the next frame is
    painted, approves at once, and a second Shift+A while that approval is on its way sends
    nothing. Each key is its own task, as on a keyboard, so the page has rendered between them;
    the keys must not answer to the screen as it was a key earlier."""
    _, ids = await _patrols(db, 1)
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        await page.locator(f"[data-testid=record][data-id='{ids[0]}']").wait_for()
        await page.keyboard.press("a")
        await page.get_by_test_id("approve-confirm").wait_for()
        await page.evaluate(
            """() => new Promise((done) => {
                const press = (key, shiftKey) =>
                    window.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true }));
                press("Escape", false);
                setTimeout(() => press("A", true), 0);
                setTimeout(() => { press("A", true); done(); }, 1);
            })"""
        )
        await page.get_by_test_id("decided").wait_for()
        assert await _statuses(db, ids) == ["approved"]
        # The second Shift+A, pressed while the first approval was on its way, sent nothing.
        reviews = await db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "patrol_review")
        )
        assert reviews == 1, reviews
        assert await page.locator(".sv [role=alert]").count() == 0
        assert not errors, errors
    finally:
        await context.close()


async def test_the_queue_on_a_phone_fits_its_width(browser, live_server, db):
    await _patrols(db, 2)
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        await page.set_viewport_size({"width": 360, "height": 800})
        await page.get_by_test_id("queue-item").first.wait_for()
        await page.get_by_test_id("batch-approve").wait_for()
        await shot(page, "h20a-queue-phone-zh")
        await page.get_by_test_id("lang-switch").click()
        await page.wait_for_function("document.documentElement.lang === 'en'")
        await shot(page, "h20a-queue-phone-en")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
        assert not errors, errors
    finally:
        await context.close()


async def test_reopen_within_24_hours_with_a_reason(browser, live_server, db):
    _, [patrol] = await _patrols(db, 1)
    Api(live_server.url).post("super1", f"/patrols/{patrol}/review", {"decision": "approve", "comment": ""})
    context, page, errors = await open_as(browser, live_server.url, "super1", f"/review/patrol/{patrol}")
    try:
        await page.get_by_test_id("reopen-record").wait_for()
        await page.get_by_test_id("reopen-record-open").click()
        await page.get_by_test_id("reopen-record-send").click()  # no reason: refused on the page
        await page.locator("[data-testid=reopen-record] [role=alert]").wait_for()
        assert await _statuses(db, [patrol]) == ["approved"]
        await page.get_by_test_id("reopen-record-comment").fill("误点通过，照片未核对")
        await look(page, "h20a-record-reopen")
        await page.get_by_test_id("reopen-record-send").click()
        await page.wait_for_function(
            "document.querySelector('[data-testid=record-status]')?.textContent.includes('待审核')"
        )
        assert await _statuses(db, [patrol]) == ["submitted"]
        await page.locator("[data-testid=review-entry][data-decision=reopen]").wait_for()
        assert "误点通过" in await page.locator("[data-testid=review-entry][data-decision=reopen]").inner_text()
        # It waits for a decision again: the decision bar is back, with ready-made return reasons.
        await page.get_by_test_id("return").click()
        reason = page.get_by_test_id("return-reason").first
        await reason.wait_for()
        await reason.click()
        assert (await page.get_by_test_id("return-comment").input_value()).strip()
        await look(page, "h20a-record-return-reasons")
        assert (
            await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "patrol_reopen"))
            == 1
        )
        assert not errors, errors
    finally:
        await context.close()


async def test_a_batch_refusal_names_a_record_decided_meanwhile_by_its_place_not_its_id(browser, live_server, db):
    _, ids = await _patrols(db, 2)
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        await page.get_by_test_id("queue-item").first.wait_for()
        # Another supervisor approves one after this page was loaded: it leaves the list.
        await db.execute(update(Patrol).where(Patrol.id == ids[0]).values(status="approved"))
        await db.commit()
        await page.get_by_test_id("batch-approve").click()
        await page.get_by_test_id("batch-yes").click()
        refused = page.get_by_test_id("batch-refused")
        await refused.wait_for()
        # The list is loaded again without it (the count drops), and the refusal still names it.
        await page.wait_for_function(
            "document.querySelector('[data-testid=batch-approve]')?.textContent.includes('(1)')"
        )
        text = await refused.inner_text()
        assert "烈士陵园1号" in text and "已不在待审核状态" in text and str(ids[0]) not in text, text
        assert await _statuses(db, ids) == ["approved", "submitted"]
        assert not errors, errors
    finally:
        await context.close()


async def test_batch_approve_refuses_a_flagged_record_and_approves_nothing(browser, live_server, db):
    _, ids = await _patrols(db, 3)
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        await page.get_by_test_id("queue-item").first.wait_for()
        button = page.get_by_test_id("batch-approve")
        assert "(3)" in await button.inner_text()
        # A late photo flags one of them after the page was loaded.
        await db.execute(
            update(Patrol)
            .where(Patrol.id == ids[1])
            .values(flags=[{"code": "far_from_site", "detail": "the photo was taken 1.2 km from the site"}])
        )
        await db.commit()
        await button.click()
        await page.get_by_test_id("batch-confirm").wait_for()
        assert "3" in await page.get_by_test_id("batch-confirm").inner_text()
        await look(page, "h20a-queue-batch-confirm")
        await page.get_by_test_id("batch-yes").click()
        refused = page.get_by_test_id("batch-refused")
        await refused.wait_for()
        # The list is loaded again: the flagged one shows its flag and the count leaves it out.
        await page.wait_for_function(
            "document.querySelector('[data-testid=batch-approve]')?.textContent.includes('(2)')"
        )
        text = await refused.inner_text()
        assert "烈士陵园2号" in text and "有证据提示" in text and "烈士陵园1号" not in text, text
        assert await _statuses(db, ids) == ["submitted"] * 3
        await look(page, "h20a-queue-batch-refused")
        # Loaded again, the flagged one is left out: the other two go together.
        await page.reload()
        await page.get_by_test_id("queue-item").first.wait_for()
        await page.wait_for_function(
            "document.querySelector('[data-testid=batch-approve]')?.textContent.includes('(2)')"
        )
        await page.get_by_test_id("batch-approve").click()
        await page.get_by_test_id("batch-yes").click()
        await page.get_by_test_id("decided").wait_for()
        assert await _statuses(db, ids) == ["approved", "submitted", "approved"]
        assert await page.get_by_test_id("queue-item").count() == 1
        assert not errors, errors
    finally:
        await context.close()


async def test_the_tasks_badge_and_the_list_agree(browser, live_server, db):
    d = await make_district(db)
    made = []
    for i in range(3):
        facility = await add_facility(db, d.community1, name=f"纪念碑{i + 1}号")
        patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": f"裂缝{i + 1}"})
        await sync_tasks_for_patrol(db, patrol=patrol)
        made.append(await db.scalar(select(Task).where(Task.record_id == patrol.id)))
    made[0].status = "fixed"
    await db.commit()
    context, page, errors = await open_as(browser, live_server.url, "super1", "/review")
    try:
        nav = page.get_by_test_id("desk-nav-tasks")
        badge = nav.get_by_test_id("desk-count-tasks")
        await badge.first.wait_for()
        assert await badge.first.get_attribute("title") == "1 项待验收"
        await nav.click()
        rows = page.get_by_test_id("task-row")
        await rows.first.wait_for()
        await page.wait_for_function("document.querySelectorAll('[data-testid=task-row]').length === 1")
        assert await rows.first.get_attribute("data-id") == str(made[0].id)
        assert await page.get_by_test_id("task-state").input_value() == "to_accept"
        await look(page, "h20a-tasks-to-accept")
        # The other states list what they say.
        await page.get_by_test_id("task-state").select_option("to_fix")
        await page.wait_for_function("document.querySelectorAll('[data-testid=task-row]').length === 2")
        # The same crack reported again on 纪念碑2号 joins its open task: one row, reported twice.
        again = await add_patrol(
            db, d.community1, d.users["worker1"], made[1].facility_id, issues={"structure": "裂缝变长"}
        )
        await sync_tasks_for_patrol(db, patrol=again)
        await db.commit()
        await page.goto(f"{live_server.url}/#/tasks?state=to_fix")
        await page.get_by_test_id("task-occurrences").wait_for()
        assert await page.get_by_test_id("task-row").count() == 2
        await look(page, "h20a-tasks-to-fix")
        await page.locator(f"[data-testid=task-row][data-id='{made[1].id}'] a").click()
        await page.get_by_test_id("task-reports").wait_for()
        assert await page.get_by_test_id("task-reports").locator("a").count() == 2
        await look(page, "h20a-task-reported-twice")
        assert not errors, errors
    finally:
        await context.close()


async def test_a_persons_numbers_are_masked_until_shown_and_only_showing_is_audited(browser, live_server, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, phone="13812345678", id_number="520102195001011234")
    context, page, errors = await open_as(browser, live_server.url, "super1", f"/ledger/subject/{subject}")
    try:
        await page.get_by_test_id("masked-numbers").wait_for()
        body = await page.locator("main").inner_text()
        assert "1******5678" in body and "13812345678" not in body and "520102195001011234" not in body
        await look(page, "h20a-person-masked")
        count = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "subject_view_numbers")
        assert await db.scalar(count) == 0
        await page.get_by_test_id("reveal-numbers").click()
        await page.get_by_test_id("edit-phone").wait_for()
        assert await page.get_by_test_id("edit-phone").input_value() == "13812345678"
        assert await page.get_by_test_id("edit-id_number").input_value() == "520102195001011234"
        assert await db.scalar(count) == 1
        await shot(page, "h20a-person-revealed-zh")
        # Saving another field leaves the numbers as they are.
        await page.get_by_test_id("edit-address").fill("东一社区幸福路 8 号")
        await page.get_by_test_id("edit-save").click()
        await page.get_by_test_id("edit-message").wait_for()
        assert await db.scalar(count) == 1
        assert not errors, errors
    finally:
        await context.close()


async def test_an_admin_edits_the_ready_made_return_reasons(browser, live_server, db):
    await make_district(db)
    context, page, errors = await open_as(browser, live_server.url, "admin", "/admin/reasons")
    try:
        rows = page.get_by_test_id("reason-row")
        await rows.first.wait_for()
        before = await rows.count()
        await rows.first.locator("input").first.fill("照片模糊，请在白天重新拍摄")
        await page.get_by_test_id("reason-remove").last.click()
        await look(page, "h20a-admin-reasons")
        await page.get_by_test_id("reasons-save").click()
        await page.get_by_test_id("reasons-message").wait_for()
        reasons = Api(live_server.url).get("super1", "/return-reasons")
        assert len(reasons) == before - 1
        assert reasons[0]["text"]["zh"] == "照片模糊，请在白天重新拍摄"
        assert not errors, errors
    finally:
        await context.close()
