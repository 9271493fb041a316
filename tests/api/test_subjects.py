"""Visit subjects: personal numbers masked everywhere; a supervisor reveals one person's, audited."""

from sqlalchemy import func, select

from storage.models import AuditEntry
from tests.builders import add_subject, login, make_district


async def test_lists_show_masked_numbers_only(client, db):
    d = await make_district(db)
    await add_subject(db, d.community1, phone="13812345678", id_number="520102195001011234")
    supervisor = await login(client, "super1")
    [item] = (await client.get("/api/v1/subjects", headers=supervisor)).json()["items"]
    assert item["phone_masked"] == "1******5678"
    assert item["id_number_masked"] == "5201**********1234"
    assert "phone" not in item and "id_number" not in item


async def test_a_plain_get_answers_masked_numbers_and_is_not_audited(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, phone="13812345678")
    supervisor = await login(client, "super1")
    body = (await client.get(f"/api/v1/subjects/{subject}", headers=supervisor)).json()
    assert body["phone_masked"] == "1******5678" and "phone" not in body and "id_number" not in body
    assert (
        await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "subject_view_numbers"))
        == 0
    )


async def test_reveal_answers_full_numbers_to_a_supervisor_and_is_audited(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1, phone="13812345678", id_number="520102195001011234")
    supervisor = await login(client, "super1")
    body = (await client.get(f"/api/v1/subjects/{subject}?reveal=true", headers=supervisor)).json()
    assert (body["phone"], body["id_number"]) == ("13812345678", "520102195001011234")
    views = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "subject_view_numbers"))).all()
    assert [(v.actor_username, v.entity_id) for v in views] == [("super1", str(subject))]


async def test_a_field_worker_cannot_reveal_and_nothing_is_audited(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    worker = await login(client, "worker1")
    response = await client.get(f"/api/v1/subjects/{subject}?reveal=true", headers=worker)
    assert response.status_code == 403
    assert "13812345678" not in response.text
    assert (
        await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "subject_view_numbers"))
        == 0
    )


async def test_reveal_outside_scope_is_404_and_not_audited(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community2)
    supervisor = await login(client, "super1")
    assert (await client.get(f"/api/v1/subjects/{subject}?reveal=true", headers=supervisor)).status_code == 404
    assert (
        await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "subject_view_numbers"))
        == 0
    )


async def test_a_field_worker_never_sees_full_numbers(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community1)
    worker = await login(client, "worker1")
    body = (await client.get(f"/api/v1/subjects/{subject}", headers=worker)).json()
    assert "phone" not in body and body["phone_masked"] == "1******5678"


async def test_another_streets_subject_does_not_exist_for_the_caller(client, db):
    d = await make_district(db)
    subject = await add_subject(db, d.community2)
    supervisor = await login(client, "super1")
    assert (await client.get(f"/api/v1/subjects/{subject}", headers=supervisor)).status_code == 404


async def test_creating_and_editing_subjects_needs_a_supervisor_and_checks_numbers(client, db):
    d = await make_district(db)
    body = {
        "name": "陈玉珍",
        "category": "martyr_family",
        "org_unit_id": str(d.community1.id),
        "phone": "13912345678",
        "id_number": "52010219500101108x",
    }
    worker = await login(client, "worker1")
    assert (await client.post("/api/v1/subjects", json=body, headers=worker)).status_code == 403
    supervisor = await login(client, "super1")
    created = await client.post("/api/v1/subjects", json=body, headers=supervisor)
    assert created.status_code == 201, created.text
    assert created.json()["id_number_masked"].endswith("X")
    bad = await client.patch(
        f"/api/v1/subjects/{created.json()['id']}", json={"id_number": "12345"}, headers=supervisor
    )
    assert bad.status_code == 422 and bad.json()["field"] == "id_number"
    assert bad.json()["rule"] == "id_number_format" and "18 characters" in bad.json()["detail"]
    audit = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "subject_create"))).all()
    assert len(audit) == 1 and "13912345678" not in str(audit[0].detail)


async def test_the_contact_person_must_be_in_scope(client, db):
    d = await make_district(db)
    supervisor = await login(client, "super1")
    body = {
        "name": "陈玉珍",
        "category": "martyr_family",
        "org_unit_id": str(d.community1.id),
        "contact_user_id": str(d.users["worker2"].id),
    }
    assert (await client.post("/api/v1/subjects", json=body, headers=supervisor)).status_code == 404


async def test_a_new_subject_gets_its_categorys_contact_interval(client, db, monkeypatch):
    d = await make_district(db)
    from litestar.testing import AsyncTestClient

    from api.app import create_app
    from api.settings import Settings

    monkeypatch.setenv("XUNFANG_VISIT_INTERVALS", "hardship_veteran=30")
    async with AsyncTestClient(create_app(Settings.from_env())) as configured:
        supervisor = await login(configured, "super1")
        body = {"name": "周海波", "category": "hardship_veteran", "org_unit_id": str(d.community1.id)}
        hardship = (await configured.post("/api/v1/subjects", json=body, headers=supervisor)).json()
        other = (
            await configured.post("/api/v1/subjects", json={**body, "category": "other_veteran"}, headers=supervisor)
        ).json()
        chosen = (
            await configured.post("/api/v1/subjects", json={**body, "visit_interval_days": 14}, headers=supervisor)
        ).json()
    assert (hardship["visit_interval_days"], other["visit_interval_days"], chosen["visit_interval_days"]) == (
        30,
        90,
        14,
    )


async def test_creating_and_editing_answer_with_masked_numbers_only(client, db):
    """Full numbers go out on one audited page (GET /subjects/{id}), not in the answers of a write."""
    d = await make_district(db)
    supervisor = await login(client, "super1")
    body = {
        "name": "陈玉珍",
        "category": "martyr_family",
        "org_unit_id": str(d.community1.id),
        "phone": "13912345678",
        "id_number": "520102195001011231",
    }
    created = await client.post("/api/v1/subjects", json=body, headers=supervisor)
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/api/v1/subjects/{created.json()['id']}", json={"phone": "13700001111"}, headers=supervisor
    )
    assert patched.status_code == 200, patched.text
    for answer, phone in ((created.json(), "13912345678"), (patched.json(), "13700001111")):
        assert "phone" not in answer and "id_number" not in answer
        assert phone not in str(answer) and "520102195001011231" not in str(answer)
        assert answer["phone_masked"] == f"{phone[:1]}******{phone[-4:]}"  # at most half shown
        assert answer["id_number_masked"] == "5201**********1231"


async def test_implausible_subjects_are_refused_and_no_position_is_fine(client, db):
    d = await make_district(db)
    h = await login(client, "super1")
    body = {"name": "陈玉珍", "category": "martyr_family", "org_unit_id": str(d.community1.id)}
    digit = await client.post("/api/v1/subjects", headers=h, json={**body, "name": "12"})
    assert digit.status_code == 422 and digit.json()["field"] == "name"
    swapped = await client.post("/api/v1/subjects", headers=h, json={**body, "location": {"lat": 26.5, "lon": 10.0}})
    assert swapped.status_code == 422 and "outside China" in swapped.json()["detail"]
    created = await client.post("/api/v1/subjects", headers=h, json=body)  # a home without a position yet
    assert created.status_code == 201, created.text
    zero = await client.patch(
        f"/api/v1/subjects/{created.json()['id']}", headers=h, json={"location": {"lat": 0, "lon": 0}}
    )
    assert zero.status_code == 422 and zero.json()["field"] == "location"


async def test_phone_and_identity_number_rules_are_named_on_create_and_edit(client, db):
    """The same rules as the CSV import (api/plausible.py): an 11-digit mobile or a landline with
    its area code; 18 characters whose check digit matches (GB 11643)."""
    d = await make_district(db)
    h = await login(client, "super1")
    body = {"name": "陈玉珍", "category": "martyr_family", "org_unit_id": str(d.community1.id)}
    ten = await client.post("/api/v1/subjects", json={**body, "phone": "1391234567"}, headers=h)
    assert ten.status_code == 422, ten.text
    assert (ten.json()["field"], ten.json()["rule"]) == ("phone", "phone_format")
    assert "11-digit mobile" in ten.json()["detail"] and "area code" in ten.json()["detail"]
    for good in ("13912345678", "0851-85551234", "010 12345678", "+86 139 1234 5678"):
        ok = await client.post("/api/v1/subjects", json={**body, "phone": good}, headers=h)
        assert ok.status_code == 201, (good, ok.text)
    checksum = await client.post("/api/v1/subjects", json={**body, "id_number": "520102195001011234"}, headers=h)
    assert (checksum.status_code, checksum.json()["rule"]) == (422, "id_number_checksum")
    born = await client.post("/api/v1/subjects", json={**body, "id_number": "520102195013011237"}, headers=h)
    assert born.json()["rule"] == "id_number_birth_date"
    subject = (await client.post("/api/v1/subjects", json=body, headers=h)).json()["id"]
    patched = await client.patch(f"/api/v1/subjects/{subject}", json={"phone": "12345"}, headers=h)
    assert (patched.status_code, patched.json()["field"], patched.json()["rule"]) == (422, "phone", "phone_format")


async def test_swapped_latitude_and_longitude_are_named_as_the_likely_mistake(client, db):
    d = await make_district(db)
    h = await login(client, "super1")
    body = {
        "name": "陈玉珍",
        "category": "martyr_family",
        "org_unit_id": str(d.community1.id),
        "location": {"lat": 106.71, "lon": 26.58},
    }
    swapped = await client.post("/api/v1/subjects", json=body, headers=h)
    assert swapped.status_code == 422, swapped.text
    assert swapped.json()["field"] == "location" and swapped.json()["rule"] == "position_swapped"
    assert "swapped" in swapped.json()["detail"]
    body["location"] = {"lat": 46.0, "lon": 126.0 + 10}
    abroad = await client.post("/api/v1/subjects", json=body, headers=h)
    assert abroad.status_code == 422 and abroad.json()["rule"] == "position_outside_china"
