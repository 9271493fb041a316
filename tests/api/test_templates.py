"""Checklist templates: versions as data, and records validated against the version they name."""

import uuid

from sqlalchemy import select

from storage.checklists import PATROL_CODES, PATROL_V1
from storage.models import Patrol
from tests.api.test_patrols import patrol_body
from tests.builders import add_facility, add_patrol, login, make_district

URL = "/api/v1/checklist-templates"


def with_item(template: dict, code: str, zh: str) -> list[dict]:
    return [
        *template["items"],
        {
            "code": code,
            "label": {"zh": zh, "en": "Fire extinguishers"},
            "hint": {"zh": "灭火器在有效期内", "en": "Within their date"},
        },
    ]


async def active(client, headers, key: str) -> dict:
    response = await client.get(URL, headers=headers)
    assert response.status_code == 200, response.text
    return next(t for t in response.json()["items"] if t["key"] == key)


async def test_every_user_reads_the_default_templates_with_labels_and_hints(client, db):
    await make_district(db)
    worker = await login(client, "worker1")
    templates = {t["key"]: t for t in (await client.get(URL, headers=worker)).json()["items"]}
    assert set(templates) == {"patrol", "seven_ones", "four_haves"}
    patrol = templates["patrol"]
    assert patrol["id"] == str(PATROL_V1) and patrol["version"] == 1 and patrol["active"]
    assert [i["code"] for i in patrol["items"]] == PATROL_CODES
    assert patrol["items"][0]["label"] == {"zh": "环境卫生", "en": "Cleanliness"}
    assert patrol["items"][0]["hint"]["zh"]
    assert len(templates["seven_ones"]["items"]) == 7 and templates["seven_ones"]["kind"] == "inspection"
    assert templates["seven_ones"]["applies_to"] == {"standard": "seven_ones"}
    assert len(templates["four_haves"]["items"]) == 4


async def test_only_an_admin_changes_templates(client, db):
    await make_district(db)
    supervisor = await login(client, "super1")
    patrol = await active(client, supervisor, "patrol")
    response = await client.put(f"{URL}/patrol", json={"items": patrol["items"]}, headers=supervisor)
    assert response.status_code == 403
    new = {"key": "night", "kind": "patrol", "name": "夜间巡查", "items": patrol["items"][:2]}
    assert (await client.post(URL, json=new, headers=supervisor)).status_code == 403


async def test_a_new_version_leaves_old_records_intact_and_checks_new_ones_against_it(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=26.5923, lon=106.7132)
    old = await add_patrol(db, d.community1, d.users["worker1"], facility)
    await db.commit()
    admin, worker = await login(client, "admin"), await login(client, "worker1")
    v1 = await active(client, admin, "patrol")

    response = await client.put(f"{URL}/patrol", json={"items": with_item(v1, "fire_kit", "消防器材")}, headers=admin)
    assert response.status_code == 201, response.text
    v2 = response.json()
    assert v2["version"] == 2 and v2["active"] and v2["id"] != v1["id"]
    assert (await active(client, worker, "patrol"))["id"] == v2["id"]
    # The earlier version stays readable, for the records filled with it.
    earlier = (await client.get(f"{URL}/{v1['id']}", headers=worker)).json()
    assert earlier["version"] == 1 and not earlier["active"] and len(earlier["items"]) == 7

    # The old record keeps its version and its items.
    await db.refresh(old)
    assert old.template_id == PATROL_V1 and len(old.checklist) == 7

    # A new patrol without template_id is filled against the active version, new item and all.
    checklist = [{"item": "fire_kit", "result": "ok", "note": ""}]
    new = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility, checklist=checklist), headers=worker
    )
    assert new.status_code == 201, new.text
    assert new.json()["template_id"] == v2["id"]
    # A phone that cached version 1 may still send it, but not with an item version 1 lacks.
    on_v1 = patrol_body(facility, template_id=v1["id"])
    assert (await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=on_v1, headers=worker)).status_code == 201
    wrong = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}",
        headers=worker,
        json=patrol_body(facility, template_id=v1["id"], checklist=checklist),
    )
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "checklist[0].item" and "fire_kit" in wrong.json()["detail"]


async def test_an_item_not_in_the_template_is_422_naming_it_and_stores_nothing(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1)
    worker = await login(client, "worker1")
    body = patrol_body(
        facility,
        checklist=[
            {"item": "cleanliness", "result": "ok", "note": ""},
            {"item": "lighting", "result": "ok", "note": ""},
        ],
    )
    response = await client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=worker)
    assert response.status_code == 422
    assert response.json()["field"] == "checklist[1].item" and "lighting" in response.json()["detail"]
    assert (await db.scalars(select(Patrol))).all() == []
    inspection_template = (await active(client, worker, "seven_ones"))["id"]
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", headers=worker, json=patrol_body(facility, template_id=inspection_template)
    )
    assert response.status_code == 422 and response.json()["field"] == "template_id"


async def test_template_rules_codes_unique_standard_named_keys_unique(client, db):
    await make_district(db)
    admin = await login(client, "admin")
    v1 = await active(client, admin, "patrol")
    twice = [*v1["items"], v1["items"][0]]
    response = await client.put(f"{URL}/patrol", json={"items": twice}, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "items[7].code"
    no_standard = {"key": "street_extra", "kind": "inspection", "name": "街道专项", "items": v1["items"][:1]}
    assert (await client.post(URL, json=no_standard, headers=admin)).status_code == 422
    taken = {"key": "patrol", "kind": "patrol", "name": "巡查", "items": v1["items"][:1]}
    assert (await client.post(URL, json=taken, headers=admin)).status_code == 409
    bad_code = {
        "key": "night",
        "kind": "patrol",
        "name": "夜间",
        "items": [{"code": "Fire Kit", "label": {"zh": "消防"}}],
    }
    assert (await client.post(URL, json=bad_code, headers=admin)).status_code in (400, 422)
    assert (await client.put(f"{URL}/nosuch", json={"items": v1["items"]}, headers=admin)).status_code == 404
    made = await client.post(
        URL,
        headers=admin,
        json={
            "key": "cemetery_only",
            "kind": "patrol",
            "name": "陵园巡查",
            "items": v1["items"][:3],
            "applies_to": {"facility_kinds": ["cemetery"]},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1 and made.json()["applies_to"] == {"facility_kinds": ["cemetery"]}
    everything = (await client.get(URL, params={"all_versions": "true"}, headers=admin)).json()["items"]
    assert {t["key"] for t in everything} >= {"patrol", "cemetery_only"}


async def test_a_patrol_of_a_kind_with_its_own_template_is_filled_against_it(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=26.5923, lon=106.7132)
    admin, worker = await login(client, "admin"), await login(client, "worker1")
    v1 = await active(client, admin, "patrol")
    made = (
        await client.post(
            URL,
            headers=admin,
            json={
                "key": "cemetery_only",
                "kind": "patrol",
                "name": "陵园巡查",
                "items": v1["items"][:3],
                "applies_to": {"facility_kinds": ["cemetery"]},
            },
        )
    ).json()
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}",
        headers=worker,
        json=patrol_body(facility, checklist=[{"item": "cleanliness", "result": "ok", "note": ""}]),
    )
    assert response.json()["template_id"] == made["id"]


async def test_the_ledger_keeps_an_item_a_new_version_added(client, db):
    import io

    from openpyxl import load_workbook

    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=26.5923, lon=106.7132)
    admin, worker = await login(client, "admin"), await login(client, "worker1")
    v1 = await active(client, admin, "patrol")
    await client.put(f"{URL}/patrol", json={"items": with_item(v1, "fire_kit", "消防器材")}, headers=admin)
    checklist = [
        {"item": "cleanliness", "result": "ok", "note": ""},
        {"item": "fire_kit", "result": "issue", "note": "灭火器过期"},
    ]
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility, checklist=checklist), headers=worker
    )
    assert response.status_code == 201, response.text
    xlsx = await client.get("/api/v1/exports/patrols.xlsx", headers=admin)
    header, row = list(load_workbook(io.BytesIO(xlsx.content), read_only=True).active.iter_rows(values_only=True))
    assert dict(zip(header, row, strict=False))["其他检查项"] == "消防器材：问题：灭火器过期"


async def test_an_item_an_admin_added_reads_as_its_label_in_tasks_and_the_ledger(client, db):
    d = await make_district(db)
    facility = await add_facility(db, d.community1, lat=26.5923, lon=106.7132)
    admin, worker = await login(client, "admin"), await login(client, "worker1")
    v1 = await active(client, admin, "patrol")
    assert (
        await client.put(f"{URL}/patrol", json={"items": with_item(v1, "fire_kit", "消防器材")}, headers=admin)
    ).status_code == 201
    checklist = [{"item": "fire_kit", "result": "issue", "note": "灭火器过期"}]
    patrol = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", headers=worker, json=patrol_body(facility, checklist=checklist, photo_ids=[])
    )
    assert patrol.status_code == 201, patrol.text

    tasks = (await client.get("/api/v1/tasks", headers=admin)).json()["items"]
    assert [(t["item"], t["item_label"]) for t in tasks] == [("fire_kit", "消防器材")]
    ledger = await client.get("/api/v1/exports/patrols.csv", headers=admin)
    assert ledger.status_code == 200, ledger.text
    assert "消防器材：问题：灭火器过期" in ledger.text and "问题项“消防器材”没有照片" in ledger.text
    assert "fire_kit" not in ledger.text  # neither in the item column nor in the evidence flags
