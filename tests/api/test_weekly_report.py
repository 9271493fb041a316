"""The weekly station report: figures that agree with the lists and coverage, remarks, scope, files."""

import io
import uuid
from datetime import date, datetime, time, timedelta, timezone

from openpyxl import load_workbook
from sqlalchemy import select

from storage.models import WeeklyReport
from tests.api.test_inspections import inspection_body
from tests.api.test_patrols import SITE, patrol_body
from tests.builders import add_facility, add_subject, add_visit, login, make_district

CHINA = timezone(timedelta(hours=8))


def last_week() -> tuple[str, date, datetime]:
    """Last week's name, its Monday, and a moment in the middle of it."""
    monday = datetime.now(CHINA).date() - timedelta(days=datetime.now(CHINA).weekday() + 7)
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}", monday, datetime.combine(monday + timedelta(days=2), time(10), CHINA)


async def records_of_last_week(db, client, d):
    """Patrols (one with an issue, one returned), visits and an inspection in street 1, last week."""
    _, _, mid = last_week()
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    await add_facility(db, d.community2, name="西山纪念碑")
    worker, supervisor = await login(client, "worker1"), await login(client, "super1")
    times = {"started_at": mid.isoformat(), "ended_at": (mid + timedelta(minutes=30)).isoformat()}
    ids = [uuid.uuid4() for _ in range(3)]
    for n, patrol_id in enumerate(ids):
        # Each a problem of its own (one item each): the same item again would join the open task.
        checklist = [
            {"item": "cleanliness", "result": "ok", "note": ""},
            {"item": ("structure", "safety", "signage")[n], "result": "issue", "note": "纪念碑基座有裂缝"},
        ]
        response = await client.put(
            f"/api/v1/patrols/{patrol_id}",
            headers=worker,
            json=patrol_body(facility, **times, notes=f"第{n}次", checklist=checklist),
        )
        assert response.status_code == 201, response.text
    returned = await client.post(
        f"/api/v1/patrols/{ids[2]}/review", headers=supervisor, json={"decision": "return", "comment": "请补照片"}
    )
    assert returned.status_code == 200
    subject = await add_subject(db, d.community1)
    await add_visit(
        db,
        d.community1,
        d.users["worker1"],
        subject,
        visit_type="holiday",
        cash_yuan=500,
        goods="米、油",
        visited_at=mid,
    )
    await add_visit(db, d.community1, d.users["worker1"], subject, visited_at=mid + timedelta(days=1))
    await add_visit(db, d.community1, d.users["worker1"], subject, visited_at=mid - timedelta(days=7))  # week before
    await db.commit()
    response = await client.put(
        f"/api/v1/inspections/{uuid.uuid4()}", headers=supervisor, json=inspection_body(d.community1, **times)
    )
    assert response.status_code == 201, response.text


async def test_figures_agree_with_the_lists_and_the_coverage_report_for_the_same_days(client, db):
    d = await make_district(db)
    await records_of_last_week(db, client, d)
    week, monday, _ = last_week()
    supervisor = await login(client, "super1")
    report = await client.get(
        "/api/v1/reports/weekly", params={"org_unit_id": str(d.street1.id), "week": week}, headers=supervisor
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["week"], body["from"], body["to"]) == (
        week,
        monday.isoformat(),
        (monday + timedelta(days=6)).isoformat(),
    )
    assert [u["name"] for u in body["units"]] == ["东街道", "东一社区"]
    figures = body["units"][0]["figures"]

    days = {"from": monday.isoformat(), "to": (monday + timedelta(days=6)).isoformat()}
    coverage = (
        await client.get(
            "/api/v1/reports/coverage", params={"org_unit_id": str(d.street1.id), **days}, headers=supervisor
        )
    ).json()["total"]
    since = datetime.combine(monday, time(), CHINA)
    span = {"from": since.isoformat(), "to": (since + timedelta(days=7)).isoformat(), "limit": 200}
    patrols = (await client.get("/api/v1/patrols", params=span, headers=supervisor)).json()["items"]
    visits = (await client.get("/api/v1/visits", params=span, headers=supervisor)).json()["items"]
    inspections = (await client.get("/api/v1/inspections", params=span, headers=supervisor)).json()["items"]

    assert figures["patrols_done"] == 2 == len([p for p in patrols if p["status"] != "returned"])
    assert figures["patrols_done"] == sum(n for s, n in coverage["patrols_by_status"].items() if s != "returned")
    assert figures["patrols_due"] == coverage["facilities"]["due"]
    assert figures["visits"] == coverage["visits_by_type"] == {"holiday": 1, "routine": 1}
    assert len(visits) == figures["visits_total"] == 2
    assert figures["cash_yuan"] == coverage["cash_yuan"] == 500 and figures["goods"] == coverage["goods_visits"] == 1
    assert figures["inspections_done"] == len(inspections) == 1
    assert figures["inspections_done"] == sum(coverage["inspections_by_status"].values())
    # Tasks open when the record arrives (today): each patrol's structure issue and the inspection's.
    assert figures["tasks_opened"] == 0
    this_week = (
        await client.get("/api/v1/reports/weekly", params={"org_unit_id": str(d.street1.id)}, headers=supervisor)
    ).json()["units"][0]["figures"]
    assert this_week["tasks_opened"] == 4 and this_week["tasks_overdue"] == 0
    assert figures["flagged_records"] == 2 + 1 + 1  # patrols, the returned one and the inspection lack photos
    # The week before had one visit; fewer patrols than this week is not "worse".
    assert body["units"][0]["previous"]["visits_total"] == 1
    assert "patrols_done" not in body["units"][0]["worse"] and "flagged_records" in body["units"][0]["worse"]
    # The district sees street 1's figures in its row for the street.
    admin = await login(client, "admin")
    district = (await client.get("/api/v1/reports/weekly", params={"week": week}, headers=admin)).json()
    assert [u["name"] for u in district["units"]] == ["示范区", "东街道", "西街道"]
    assert district["units"][1]["figures"] == figures
    assert district["units"][0]["figures"]["patrols_done"] == 2


async def test_a_street_supervisor_cannot_read_another_streets_report(client, db):
    d = await make_district(db)
    super2, worker = await login(client, "super2"), await login(client, "worker1")
    params = {"org_unit_id": str(d.street1.id)}
    assert (await client.get("/api/v1/reports/weekly", params=params, headers=super2)).status_code == 404
    assert (await client.get("/api/v1/exports/weekly.pdf", params=params, headers=super2)).status_code == 404
    put = await client.put(
        f"/api/v1/reports/weekly/{d.street1.id}/{last_week()[0]}", json={"remarks": "x"}, headers=super2
    )
    assert put.status_code == 404
    # A field worker reads no report, unless they head the station.
    own = {"org_unit_id": str(d.community1.id)}
    assert (await client.get("/api/v1/reports/weekly", params=own, headers=worker)).status_code == 404


async def test_the_head_adds_remarks_and_submits_and_then_they_are_final(client, db):
    d = await make_district(db)
    d.community1.head_user_id = d.users["worker1"].id
    await db.commit()
    head = await login(client, "worker1")
    week = last_week()[0]
    url = f"/api/v1/reports/weekly/{d.community1.id}/{week}"
    draft = await client.put(url, json={"remarks": "本周台账已补齐"}, headers=head)
    assert draft.status_code == 200, draft.text
    assert draft.json()["submitted_at"] is None
    done = await client.put(url, json={"remarks": "本周台账已补齐，消防器材已更换", "submit": True}, headers=head)
    assert done.status_code == 200 and done.json()["submitted_at"]
    assert (await client.put(url, json={"remarks": "改"}, headers=head)).status_code == 409
    supervisor = await login(client, "super1")
    report = (await client.get("/api/v1/reports/weekly", params={"week": week}, headers=supervisor)).json()
    row = next(u for u in report["units"] if u["org_unit_id"] == str(d.community1.id))
    assert (row["remarks"], row["remarks_by"]) == ("本周台账已补齐，消防器材已更换", "Worker1")
    for bad in ("2026-48", "2026-W60", "9999-W01"):
        response = await client.put(
            f"/api/v1/reports/weekly/{d.community1.id}/{bad}", json={"remarks": "x"}, headers=supervisor
        )
        expected = 400 if bad.startswith("9999") else 422  # out of range (api/dates.py), or no such week
        assert response.status_code == expected, bad
        assert (
            await client.get("/api/v1/reports/weekly", params={"week": bad}, headers=supervisor)
        ).status_code == expected


async def test_the_same_submission_sent_again_is_answered_as_before_and_stored_once(client, db):
    """A phone's outbox resends a submission whose answer it lost: that is not a failure."""
    d = await make_district(db)
    d.community1.head_user_id = d.users["worker1"].id
    await db.commit()
    head = await login(client, "worker1")
    week = last_week()[0]
    url = f"/api/v1/reports/weekly/{d.community1.id}/{week}"
    body = {"remarks": "消防器材已更换", "submit": True}
    first = await client.put(url, json=body, headers=head)
    again = await client.put(url, json=body, headers=head)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.json() == first.json()
    rows = (await db.execute(select(WeeklyReport).where(WeeklyReport.org_unit_id == d.community1.id))).scalars().all()
    assert [(r.week, r.remarks) for r in rows] == [(week, "消防器材已更换")]
    # Different remarks, or the same ones as a mere draft, are still refused once submitted.
    assert (await client.put(url, json={"remarks": "改了", "submit": True}, headers=head)).status_code == 409
    assert (await client.put(url, json={"remarks": "消防器材已更换"}, headers=head)).status_code == 409


async def test_xlsx_and_an_a4_pdf_with_an_embedded_chinese_font(client, db):
    d = await make_district(db)
    d.community1.name = '=HYPERLINK("http://evil")'
    await db.commit()
    admin = await login(client, "admin")
    week = last_week()[0]
    await client.put(
        f"/api/v1/reports/weekly/{d.street1.id}/{week}", json={"remarks": "东街道本周无异常"}, headers=admin
    )
    xlsx = await client.get("/api/v1/exports/weekly.xlsx", params={"week": week}, headers=admin)
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = [sheet.cell(row=r, column=1) for r in range(3, sheet.max_row + 1)]
    assert [c.value for c in names][:3] == ["示范区", "东街道", "西街道"]
    evil = next(c for c in names if "HYPERLINK" in str(c.value))
    assert evil.data_type == "s"
    pdf = await client.get("/api/v1/exports/weekly.pdf", params={"week": week}, headers=admin)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 841.89 595.28]" in pdf.content  # A4, landscape
    assert b"NotoSansCJK" in pdf.content and b"/FontFile" in pdf.content  # the font travels with the file


async def test_a_past_weeks_figures_are_kept_until_a_record_of_that_week_changes(client, db):
    from sqlalchemy import func, select

    from storage.models import WeeklyFigures

    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    week, monday, mid = last_week()
    supervisor = await login(client, "super1")
    kept = select(func.count()).select_from(WeeklyFigures).where(WeeklyFigures.week_start == monday)
    params = {"org_unit_id": str(d.street1.id), "week": week}

    async def visits() -> int:
        body = (await client.get("/api/v1/reports/weekly", params=params, headers=supervisor)).json()
        return body["units"][0]["figures"]["visits_total"]

    assert await visits() == 0
    assert await db.scalar(kept) == 2  # last week's figures of street 1 and its community are kept
    await add_visit(db, d.community1, d.users["worker1"], subject, visited_at=mid)  # a late record of last week
    await db.commit()
    assert await db.scalar(kept) == 0  # (the week before stays: nothing before it changed)
    assert await visits() == 1
