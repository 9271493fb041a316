"""What a person types cannot break the district's files: text no file can hold is refused on the
way in (every request body, api/types.py), and whatever is already stored is cleaned on the way
out (storage/plain_text.py) by every writer: the ledgers' XLSX and CSV, the weekly XLSX and PDF."""

import io
import logging
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from storage import plain_text
from storage.models import AuditEntry, Inspection, OrgUnit, Patrol, Visit, WeeklyReport
from tests.api.test_inspections import inspection_body
from tests.api.test_patrols import SITE, patrol_body
from tests.api.test_weekly_report import last_week
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district

NONCHARS = "前\ufffe\uffff后"
C0 = "备\x01注\x07\x1b完"  # PostgreSQL stores no NUL at all
SIXTY_LINES = "\n".join(["行"] * 60)


async def hostile_district(db, client):
    """A district whose stored texts hold everything the re-test found: non-characters in notes,
    C0 and U+FFFE in weekly remarks and a unit name, and a unit name of sixty lines."""
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": NONCHARS})
    patrol.notes = NONCHARS
    subject = await add_subject(db, d.community1)
    visit = await add_visit(db, d.community1, d.users["worker1"], subject)
    visit.summary = NONCHARS + C0
    await db.commit()
    supervisor = await login(client, "super1")
    inspection_id = uuid.uuid4()
    response = await client.put(
        f"/api/v1/inspections/{inspection_id}", headers=supervisor, json=inspection_body(d.community1)
    )
    assert response.status_code == 201, response.text
    await db.execute(update(Inspection).where(Inspection.id == inspection_id).values(notes=NONCHARS + C0))
    await db.execute(update(OrgUnit).where(OrgUnit.id == d.community1.id).values(name=SIXTY_LINES))
    await db.execute(update(OrgUnit).where(OrgUnit.id == d.community2.id).values(name="西\x01一\ufffe社区"))
    week = last_week()[0]
    for unit in (d.street1, d.street2, d.district):
        db.add(
            WeeklyReport(
                org_unit_id=unit.id, week=week, remarks="本周" + C0 + NONCHARS, remarks_by_id=d.users["admin"].id
            )
        )
    await db.commit()
    return d, week


def _texts(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]


async def test_stored_hostile_texts_leave_every_ledger_and_weekly_file_whole(client, db):
    _, week = await hostile_district(db, client)
    admin = await login(client, "admin")
    for kind in ("patrols", "visits", "inspections"):
        for fmt in ("xlsx", "csv"):
            response = await client.get(f"/api/v1/exports/{kind}.{fmt}", headers=admin)
            assert response.status_code == 200, (kind, fmt, response.text[:300])
            text = "".join(_texts(response.content)) if fmt == "xlsx" else response.content.decode("utf-8-sig")
            assert not any(ch in text for ch in "\ufffe\uffff\x01\x07\x1b"), (kind, fmt)
            assert "前" in text and "后" in text
    xlsx = await client.get("/api/v1/exports/weekly.xlsx", params={"week": week}, headers=admin)
    assert xlsx.status_code == 200, xlsx.text[:300]
    texts = _texts(xlsx.content)
    assert any(t.startswith("本周备 注") for t in texts) and not any("\ufffe" in t or "\x07" in t for t in texts)
    assert "西 一 社区" in texts  # the unit's name, cleaned
    assert "行 行 行" in " ".join(texts) and not any("\n" in t and t.startswith("行") for t in texts)
    pdf = await client.get("/api/v1/exports/weekly.pdf", params={"week": week}, headers=admin)
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.content.startswith(b"%PDF-")


async def test_stored_hostile_texts_are_still_shown_in_lists_and_records(client, db):
    """Answers read stored rows back through the request types (a checklist, an award): text
    from before the input rules is shown as stored, not refused as if it were a request."""
    d, _ = await hostile_district(db, client)
    visit = await db.scalar(select(Visit))
    visit.award = {"grade": "third_class", "co_deliverer": "武装部\x01"}
    await db.commit()
    for who in ("worker1", "super1"):
        headers = await login(client, who)
        for kind in ("patrols", "visits", "inspections"):
            listed = await client.get(f"/api/v1/{kind}", headers=headers)
            assert listed.status_code == 200, (who, kind, listed.text[:300])
            for item in listed.json()["items"]:
                one = await client.get(f"/api/v1/{kind}/{item['id']}", headers=headers)
                assert one.status_code == 200, (who, kind, one.text[:300])
    patrols = (await client.get("/api/v1/patrols", headers=await login(client, "super1"))).json()["items"]
    assert any(i["note"] == NONCHARS for p in patrols for i in p["checklist"])


@pytest.mark.parametrize(
    "text, lines, cleaned",
    [
        ("a\x00b\x08c\x0bd\x0ce\x1ff\x7fg\x85h\x9fi", True, "a b c d e f g h i"),
        ("前\ufffe\uffff后\ufdd0\U0001fffe\U0010ffff", True, "前  后   "),
        ("一\t二\n三\r\n四", True, "一\t二\n三\r\n四"),
        ("一\t二\n三\r\n四", False, "一 二 三  四"),
    ],
)
def test_clean_leaves_nothing_a_file_cannot_hold(text, lines, cleaned):
    assert plain_text.clean(text, lines=lines) == cleaned
    assert plain_text.problem(cleaned, lines=lines) is None


def test_one_line_bounds_a_name_for_a_table_cell():
    assert plain_text.one_line(SIXTY_LINES) == ("行 " * 30)[:59] + "…"
    assert len(plain_text.one_line("长" * 500)) == plain_text.NAME_CHARS
    assert plain_text.one_line("  东\x01街道 \n ") == "东 街道"


# --- on the way in: every request body ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["前\ufffe\uffff后", "a\x00b", "响\x07铃", "\x1b[31m红", "\ufdd0", "\U0001ffff", "\x85"]
)
async def test_a_patrol_note_with_a_control_character_or_non_character_is_400_naming_it(client, db, bad):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", headers=worker, json=patrol_body(facility, notes=f"备注{bad}")
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "notes"
    item = patrol_body(facility)["checklist"]
    item[1]["note"] = bad
    nested = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", headers=worker, json=patrol_body(facility, checklist=item)
    )
    assert nested.status_code == 400 and nested.json()["field"].startswith("checklist"), nested.text
    assert (await db.scalars(select(Patrol))).all() == []


async def test_notes_keep_their_lines_and_tabs(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=SITE[0], lon=SITE[1])
    worker = await login(client, "worker1")
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", headers=worker, json=patrol_body(facility, notes="第一行\r\n第二行\t完")
    )
    assert response.status_code == 201, response.text


async def test_weekly_remarks_with_control_characters_are_400_and_nothing_is_stored(client, db):
    d = await make_district(db)
    admin = await login(client, "admin")
    for bad in ("本周\x01", "本周\ufffe"):
        response = await client.put(
            f"/api/v1/reports/weekly/{d.street1.id}/{last_week()[0]}", json={"remarks": bad}, headers=admin
        )
        assert response.status_code == 400 and response.json()["field"] == "remarks", response.text
    assert (await db.scalars(select(WeeklyReport))).all() == []


@pytest.mark.parametrize("bad", ["一\n二", "东\t街道", "东\x00街道", "东\ufffe街道"])
async def test_a_unit_name_is_one_line_without_control_characters(client, db, bad):
    d = await make_district(db)
    admin = await login(client, "admin")
    created = await client.post("/api/v1/org-units", json={"name": bad, "parent_id": str(d.street1.id)}, headers=admin)
    assert created.status_code == 400 and created.json()["field"] == "name", created.text
    renamed = await client.patch(f"/api/v1/org-units/{d.community1.id}", json={"name": bad}, headers=admin)
    assert renamed.status_code == 400 and renamed.json()["field"] == "name", renamed.text
    subject = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "worker9",
            "display_name": bad,
            "password": "long enough",
            "role": "field_worker",
            "org_unit_id": str(d.community1.id),
        },
    )
    assert subject.status_code == 400 and subject.json()["field"] == "display_name", subject.text


async def test_a_password_may_hold_any_character(client, db):
    await make_district(db)
    response = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "x\x01\ufffe"})
    assert response.status_code == 401


async def test_an_admin_renames_a_unit_and_the_rename_is_audited(client, db):
    d = await make_district(db)
    await db.execute(update(OrgUnit).where(OrgUnit.id == d.community1.id).values(name=SIXTY_LINES))
    await db.commit()
    supervisor, admin = await login(client, "super1"), await login(client, "admin")
    refused = await client.patch(f"/api/v1/org-units/{d.community1.id}", json={"name": "东一社区"}, headers=supervisor)
    assert refused.status_code == 403
    response = await client.patch(f"/api/v1/org-units/{d.community1.id}", json={"name": "东一社区"}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "东一社区" and response.json()["station"] is not None
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "org_unit_rename"))
    assert entry is not None and entry.detail["changes"]["name"] == [SIXTY_LINES, "东一社区"]
    assert (await client.patch(f"/api/v1/org-units/{d.community1.id}", json={}, headers=admin)).status_code == 422


def test_no_fpdf_warning_quotes_what_people_typed(caplog):
    from api import weekly_print
    from api.weekly_report import WeeklyOut

    report = WeeklyOut(
        week="2026-W48", from_=__import__("datetime").date(2026, 11, 23), to=__import__("datetime").date(2026, 11, 29)
    )
    with caplog.at_level(logging.DEBUG):
        weekly_print.pdf(report, "𓀀東街道ᚠ")  # an Egyptian hieroglyph and a rune: not in Noto Sans CJK
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "missing" in logged  # the warning stays
    assert "𓀀" not in logged and "ᚠ" not in logged and "13000" not in logged.lower() and "16a0" not in logged.lower()
