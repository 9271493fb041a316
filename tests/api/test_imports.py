"""CSV import of facilities and subjects: all rows or none, each bad row named by line and reason."""

from sqlalchemy import func, select

from storage.models import AuditEntry, Facility, Subject
from tests.builders import login, make_district

FACILITIES = """名称,类型,保护级别,所属单位,纬度,经度,地址,巡查周期,管护责任人
青山烈士陵园,陵园,省级,东一社区,26.59,106.71,青山路1号,30,周志强
松柏岭零散烈士墓,零散烈士墓,未定级,东一社区,26.61,106.73,,180,张伟
"""


async def _post(client, headers, kind, text, query=""):
    return await client.post(
        f"/api/v1/imports/{kind}{query}",
        headers={**headers, "Content-Type": "text/csv"},
        content=text.encode("utf-8-sig"),
    )


async def test_facilities_import_with_chinese_headers(client, db):
    await make_district(db)
    response = await _post(client, await login(client, "super1"), "facilities", FACILITIES)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    kinds = dict((await db.execute(select(Facility.name, Facility.kind))).all())
    assert kinds == {"青山烈士陵园": "cemetery", "松柏岭零散烈士墓": "scattered_grave"}
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "facility_import"))
    assert audit.detail["count"] == 2


async def test_one_bad_row_imports_nothing_and_names_every_bad_line(client, db):
    await make_district(db)
    text = FACILITIES + "坏数据,陵园,省级,东一社区,95,106.7,,30,\n无单位,纪念碑,县级,不存在的社区,26.5,106.7,,30,\n"
    response = await _post(client, await login(client, "super1"), "facilities", text)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(4, "location.lat"), (5, "org_unit")]
    assert all(e["reason"] for e in errors)
    assert await db.scalar(select(func.count()).select_from(Facility)) == 0


async def test_subjects_import_with_contact_and_gb18030(client, db):
    await make_district(db)
    text = (
        "name,category,org_unit,phone,id_number,contact_username,lat,lon\n"
        "张桂兰,烈士遗属,东一社区,13812345678,520102195001011231,worker1,26.59,106.72\n"
        "李德明,hardship_veteran,东一社区,,,,,\n"
    )
    response = await client.post(
        "/api/v1/imports/subjects",
        content=text.encode("gb18030"),
        headers={**await login(client, "super1"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    names = (await db.scalars(select(Subject.name).order_by(Subject.name))).all()
    assert sorted(names) == ["张桂兰", "李德明"]


async def test_dry_run_checks_without_storing(client, db):
    await make_district(db)
    response = await _post(client, await login(client, "super1"), "facilities", FACILITIES, "?dry_run=true")
    assert response.status_code == 200 and response.json()["checked"] == 2
    assert await db.scalar(select(func.count()).select_from(Facility)) == 0


async def test_unknown_columns_bad_values_and_duplicates_are_reported(client, db):
    await make_district(db)
    text = "name,category,org_unit,colour\n张三,烈士遗属,东一社区,red\n李四,外星人,东一社区,\n"
    response = await _post(client, await login(client, "super1"), "subjects", text)
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "colour"), (3, "category")]
    dupes = await _post(
        client,
        await login(client, "super1"),
        "facilities",
        FACILITIES + "青山烈士陵园,陵园,省级,东一社区,26.59,106.71,,30,\n",
    )
    assert dupes.json()["errors"] == [
        {"line": 4, "field": "name", "reason": "the same name and unit as line 2", "rule": "duplicate_row", "limit": 2}
    ]


async def test_units_outside_scope_workers_and_empty_files_are_refused(client, db):
    await make_district(db)
    other = await _post(client, await login(client, "super2"), "facilities", FACILITIES)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "org_unit"
    worker = await _post(client, await login(client, "worker1"), "facilities", FACILITIES)
    assert worker.status_code == 403
    h = await login(client, "super1")
    assert (await _post(client, h, "facilities", "")).status_code == 422
    assert (await _post(client, h, "facilities", "名称,类型\n")).status_code == 422
    binary = await client.post(
        "/api/v1/imports/facilities", content=b"\xff\xfe\x00\x81" * 10, headers={**h, "Content-Type": "text/csv"}
    )
    assert 400 <= binary.status_code < 500


async def test_every_bad_field_of_every_row_is_reported_at_once(client, db):
    await make_district(db)
    text = (
        "名称,类型,保护级别,所属单位,纬度,经度,巡查周期\n"
        "7,宝塔,特级,东一社区,26.5,106.7,0\n"
        "好名字,纪念碑/亭,县级,不存在的社区,0,0,30\n"
    )
    response = await _post(client, await login(client, "super1"), "facilities", text)
    assert response.status_code == 422, response.text
    found = {(e["line"], e["field"]) for e in response.json()["errors"]}
    assert {(2, "kind"), (2, "protection_level"), (2, "patrol_interval_days")} <= found
    assert (3, "org_unit") in found
    assert response.json()["detail"].startswith("2 rows")


async def test_the_labels_the_screens_show_are_accepted_as_well_as_codes(client, db):
    await make_district(db)
    text = (
        "名称,类型,保护级别,所属单位,纬度,经度\n"
        "英名碑,纪念碑/亭,县级,东一社区,26.5,106.7\n"
        "抗战亭,亭,县级,东一社区,26.51,106.7\n"
        "陵园,cemetery,county,东一社区,26.52,106.7\n"
    )
    response = await _post(client, await login(client, "super1"), "facilities", text)
    assert response.status_code == 201, response.text
    kinds = dict((await db.execute(select(Facility.name, Facility.kind))).all())
    assert kinds == {"英名碑": "monument", "抗战亭": "monument", "陵园": "cemetery"}


async def test_implausible_rows_are_refused_with_a_reason(client, db):
    await make_district(db)
    text = (
        "名称,类型,保护级别,所属单位,纬度,经度\n"
        "3,陵园,县级,东一社区,26.5,106.7\n"
        "零点,陵园,县级,东一社区,0,0\n"
        "巴黎,陵园,县级,东一社区,48.85,2.35\n"
    )
    response = await _post(client, await login(client, "super1"), "facilities", text)
    errors = {(e["line"], e["field"]): e["reason"] for e in response.json()["errors"]}
    assert "digits" in errors[(2, "name")]
    assert "0,0" in errors[(3, "location")]
    assert "outside China" in errors[(4, "location")]


async def test_a_template_file_has_the_headers_the_import_reads(client, db):
    await make_district(db)
    h = await login(client, "super1")
    response = await client.get("/api/v1/imports/facilities/template.csv", headers=h)
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("名称,类型,保护级别,所属单位,纬度,经度")
    # The template's own example row passes the check once its unit is a real one.
    filled = text.replace("某某社区服务站", "东一社区")
    checked = await _post(client, h, "facilities", filled, "?dry_run=true")
    assert checked.status_code == 200, checked.text
    subjects = await client.get("/api/v1/imports/subjects/template.csv", headers=h)
    assert subjects.content.decode("utf-8-sig").startswith("姓名,类别")


async def test_a_missing_required_column_is_reported_once_per_row(client, db):
    await make_district(db)
    response = await _post(
        client, await login(client, "super1"), "facilities", "名称,所属单位,纬度,经度\n纪念亭,东一社区,26.5,106.7\n"
    )
    fields = [e["field"] for e in response.json()["errors"]]
    assert sorted(fields) == ["kind", "protection_level"], fields


async def test_the_same_file_again_changes_nothing_and_says_so(client, db):
    await make_district(db)
    h = await login(client, "super1")
    first = await _post(client, h, "facilities", FACILITIES)
    assert first.status_code == 201, first.text
    assert {k: first.json()[k] for k in ("created", "updated", "unchanged", "rejected")} == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [],
    }
    again = await _post(client, h, "facilities", FACILITIES)
    assert again.status_code == 201, again.text
    assert {k: again.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    assert again.json()["ids"] == first.json()["ids"]
    assert await db.scalar(select(func.count()).select_from(Facility)) == 2
    audit = (
        await db.scalars(select(AuditEntry).where(AuditEntry.action == "facility_import").order_by(AuditEntry.id))
    ).all()
    assert audit[-1].detail["unchanged"] == 2 and audit[-1].detail["created"] == 0


async def test_a_changed_row_updates_its_facility_instead_of_adding_a_copy(client, db):
    await make_district(db)
    h = await login(client, "super1")
    await _post(client, h, "facilities", FACILITIES)
    changed = (
        FACILITIES.replace("青山路1号,30,周志强", "青山路2号,30,周志强").replace("180,张伟", "180,张伟")
        + "红星纪念碑,纪念碑,县级,东一社区,26.62,106.74,,30,\n"
    )
    dry = await _post(client, h, "facilities", changed, "?dry_run=true")
    assert {k: dry.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
    }
    response = await _post(client, h, "facilities", changed)
    assert {k: response.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
    }
    assert await db.scalar(select(Facility.address).where(Facility.name == "青山烈士陵园")) == "青山路2号"
    assert await db.scalar(select(func.count()).select_from(Facility)) == 3


async def test_subjects_are_matched_by_identity_number_and_only_given_columns_change(client, db):
    await make_district(db)
    h = await login(client, "super1")
    text = (
        "姓名,类别,所属单位,电话,身份证号\n张桂兰,烈士遗属,东一社区,13812345678,520102195001011231\n"
        "李德明,困难退役军人,东一社区,,\n"
    )
    assert (await _post(client, h, "subjects", text)).json()["created"] == 2
    # the same person under a corrected name and a new phone; the notes column is not in the file
    renamed = (
        "姓名,类别,所属单位,电话,身份证号\n张桂兰（母）,烈士遗属,东一社区,0851-85551234,520102195001011231\n"
        "李德明,困难退役军人,东一社区,,\n"
    )
    response = await _post(client, h, "subjects", renamed)
    assert {k: response.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    rows = (await db.execute(select(Subject.name, Subject.phone).order_by(Subject.name))).all()
    assert sorted(rows) == [("张桂兰（母）", "0851-85551234"), ("李德明", "")]


async def test_bad_phone_and_identity_numbers_are_rejected_with_field_and_rule(client, db):
    await make_district(db)
    text = (
        "姓名,类别,所属单位,电话,身份证号,纬度,经度\n"
        "甲,烈士遗属,东一社区,1381234567,520102195001011234,26.5,106.7\n"  # 10 digits; check digit wrong
        "乙,烈士遗属,东一社区,13812345678,5201021950010112,106.7,26.5\n"
    )  # 16 characters; swapped
    response = await _post(client, await login(client, "super1"), "subjects", text)
    assert response.status_code == 422
    body = response.json()
    got = {(e["line"], e["field"], e.get("rule")) for e in body["rejected"]}
    assert got == {
        (2, "phone", "phone_format"),
        (2, "id_number", "id_number_checksum"),
        (3, "id_number", "id_number_format"),
        (3, "location", "position_swapped"),
    }
    assert body["created"] == 0 and body["errors"] == body["rejected"]
    assert await db.scalar(select(func.count()).select_from(Subject)) == 0
