"""Everything a person typed is shown as text, never run as markup: facilities, people, users,
org units, notes, issue notes (and so task text) and review comments named with hostile strings,
on every screen of the field PWA and the supervisor workspace, maps and their labels included.

Two checks on each screen: no script ran (`window.__xss` stays unset, and the CSP reports no
violation, which `watch` in conftest turns into a failure), and no element was made from a name
(no <img src=x>, no <svg>, no javascript: link): the names appear as literal text."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select, update

from storage.models import Facility, OrgUnit, Subject, User
from tests.e2e.conftest import log_in, phone_context, shot, wait_for_scope_cached, watch
from tests.e2e.supervisor_helpers import CHECKLIST, Field, desk_log_in, desktop_context

pytestmark = pytest.mark.e2e

IMG = "<img src=x onerror=window.__xss=1>"
SVG = '"><svg onload=window.__xss=2>'
JS = "javascript:window.__xss=3"
FACILITY = f"陵园{IMG}"
SUBJECT = f"{SVG}张"
UNIT = f"{IMG}社区"
WORKER = f"{SVG}工"
SUPERVISOR = f"{JS}"
ISSUE = f"裂缝{IMG}{SVG}"
NOTES = f"{JS} {IMG}"
COMMENT = f"{SVG}请补拍"

NOTHING_RAN = """() => window.__xss === undefined
  && document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], a[href^="javascript:"]').length === 0"""


async def watched_page(context):
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    watch(page, errors)
    return page, errors


async def assert_safe(page, *texts: str, name: str) -> None:
    """The screen shows the hostile texts as text, and nothing ran or was made from them."""
    body = page.locator("body")
    for text in texts:
        await page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=20_000)
    await page.wait_for_timeout(300)  # an onerror/onload would have fired by now
    assert await page.evaluate(NOTHING_RAN), f"markup from a name on {name}: {await body.inner_html()}"
    await shot(page, f"hostile-{name}")


@pytest.fixture
async def hostile(db, area, live_server, photos):
    """The area renamed with hostile strings, and a patrol with hostile notes, returned with a
    hostile comment (its issue opens a task carrying the hostile note)."""
    await db.execute(update(Facility).where(Facility.id == uuid.UUID(area.facility_id)).values(name=FACILITY))
    await db.execute(update(Subject).where(Subject.id == uuid.UUID(area.subject_id)).values(name=SUBJECT))
    await db.execute(update(User).where(User.username == "worker1").values(display_name=WORKER))
    await db.execute(update(User).where(User.username == "super1").values(display_name=SUPERVISOR))
    unit = await db.scalar(select(User.org_unit_id).where(User.username == "worker1"))
    await db.execute(update(OrgUnit).where(OrgUnit.id == unit).values(name=UNIT))
    await db.commit()
    base = live_server.url
    worker = Field(base)
    returned, waiting = (send_patrol(base, worker, area.facility_id, photos) for _ in range(2))
    [task] = worker.get("/tasks", record_id=returned)["items"]
    Field(base, "super1").post(f"/patrols/{returned}/review", {"decision": "return", "comment": COMMENT})
    return {"patrol": returned, "waiting": waiting, "task": task["id"]}


def send_patrol(base: str, worker: Field, facility_id: str, photos) -> str:
    """A patrol with a hostile note and a hostile issue note, as the phone sends it."""
    patrol = str(uuid.uuid4())
    photo = worker.photo(patrol, photos / "orientation_landscape_1.jpg", lat=26.5801, lon=106.7101)
    now = datetime.now(timezone.utc)
    r = httpx.put(
        f"{base}/api/v1/patrols/{patrol}",
        headers=worker.headers,
        timeout=30,
        json={
            "facility_id": facility_id,
            "started_at": (now - timedelta(minutes=40)).isoformat(),
            "ended_at": (now - timedelta(minutes=5)).isoformat(),
            "location": {
                "lat": 26.5801,
                "lon": 106.7101,
                "accuracy_m": 15,
                "captured_at": (now - timedelta(minutes=30)).isoformat(),
            },
            "checklist": [
                {"item": c, "result": "issue" if c == "structure" else "ok", "note": ISSUE if c == "structure" else ""}
                for c in CHECKLIST
            ],
            "notes": NOTES,
            "photo_ids": [photo],
        },
    )
    assert r.status_code == 201, r.text
    return patrol


async def test_hostile_names_are_text_on_every_field_screen(browser, live_server, area, hostile):
    base = live_server.url
    context = await phone_context(browser)
    page, errors = await watched_page(context)
    try:
        await log_in(page, base)
        await wait_for_scope_cached(page)
        await assert_safe(page, name="field-home")
        await page.goto(f"{base}/#/patrol/new")
        await assert_safe(page, FACILITY, name="field-patrol-pick")
        await page.goto(f"{base}/#/visit/new")
        await assert_safe(page, SUBJECT, name="field-visit-pick")
        await page.goto(f"{base}/#/records")
        await assert_safe(page, FACILITY, name="field-records")
        await page.goto(f"{base}/#/records/patrol/{hostile['patrol']}")
        await assert_safe(page, FACILITY, COMMENT, name="field-record")
        await page.goto(f"{base}/#/tasks")
        await assert_safe(page, FACILITY, name="field-tasks")
        await page.goto(f"{base}/#/tasks/{hostile['task']}")
        await assert_safe(page, FACILITY, ISSUE, name="field-task")
        await page.goto(f"{base}/#/patrol/{hostile['patrol']}/edit")
        await assert_safe(page, FACILITY, name="field-patrol-edit")
        await page.goto(f"{base}/#/menu")
        await assert_safe(page, WORKER, name="field-menu")
        assert not errors, errors
    finally:
        await context.close()


async def test_hostile_names_are_text_on_every_supervisor_and_admin_screen(browser, live_server, area, hostile):
    base = live_server.url
    for user, screens in [
        (
            "super1",
            [
                ("/review", [FACILITY], "queue"),
                (f"/review/patrol/{hostile['waiting']}", [FACILITY, WORKER, NOTES, ISSUE], "record"),
                (f"/review/patrol/{hostile['patrol']}", [FACILITY, COMMENT, SUPERVISOR], "returned-record"),
                ("/tasks?status=open", [FACILITY], "tasks"),
                (f"/tasks/{hostile['task']}", [FACILITY, ISSUE], "task"),
                ("/dashboard", [UNIT], "dashboard"),
                ("/admin/units", [UNIT], "admin-units"),
                ("/ledger/facilities", [FACILITY], "ledger-facilities"),
                ("/ledger/subjects", [SUBJECT], "ledger-subjects"),
                ("/admin/audit", [], "admin-audit"),
            ],
        ),
        ("admin", [("/admin/users", [WORKER, SUPERVISOR], "admin-users")]),
    ]:
        context = await desktop_context(browser)
        page, errors = await watched_page(context)
        try:
            await page.goto(base + "/")
            await desk_log_in(page, user)
            for route, texts, name in screens:
                await page.goto(f"{base}/#{route}")
                await assert_safe(page, *texts, name=f"{user}-{name}")
                if name in ("record", "dashboard"):
                    await check_map_labels(page, name, area.facility_id)
            assert not errors, errors
        finally:
            await context.close()


async def check_map_labels(page, name: str, facility_id: str) -> None:
    """The map's labels (Leaflet tooltips) carry the names as text: hover the site to open one."""
    testid, shape = ("map", "site") if name == "record" else ("facility-map", facility_id)
    target = page.locator(f"[data-testid={testid}] [data-shape='{shape}']")
    await target.wait_for()
    await target.dispatch_event("mouseover")  # other dots may lie on top of it
    await page.wait_for_function(
        "t => [...document.querySelectorAll('.leaflet-tooltip')].some(e => e.textContent.includes(t))",
        arg=FACILITY,
        timeout=10_000,
    )
    assert await page.evaluate(NOTHING_RAN), f"markup from a name in a map label on {name}"
    await page.get_by_test_id(testid).scroll_into_view_if_needed()
    await shot(page, f"hostile-{name}-map-label")
