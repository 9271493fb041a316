"""Visit subjects: GET/POST /subjects, GET/PATCH /subjects/{id}. Numbers masked unless revealed (audited)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody

from api.deps import AppSettings, CurrentUser, DbSession, record_audit
from api.masking import mask_id_number, mask_phone
from api.plausible import check_values
from api.types import In, Limit, Place, Point, SubjectName, Text, column_length
from storage.models import Subject
from storage.queries import org_units, subjects, users
from storage.vocabulary import SubjectCategory

Category = SubjectCategory
# Checked by api/plausible.py (the same rules as the CSV import), which names the rule broken.
Phone = Annotated[
    str,
    msgspec.Meta(
        max_length=column_length(Subject.phone),
        description=(
            "an 11-digit mobile number (1[3-9]...) or a landline with its area code (0851-85551234); empty: none"
        ),
    ),
]
IdNumber = Annotated[
    str,
    msgspec.Meta(
        max_length=column_length(Subject.id_number),
        description=("an 18-character identity number (GB 11643) whose check digit matches; empty: not known"),
    ),
]
Days = Annotated[int, msgspec.Meta(ge=1, le=3660)]
Geofence = Annotated[int, msgspec.Meta(ge=10, le=50_000)]


class SubjectIn(In):
    name: SubjectName
    category: Category
    org_unit_id: uuid.UUID
    address: Text = ""
    location: Place | None = None
    phone: Phone = ""
    id_number: IdNumber = ""
    contact_user_id: FromQuery[uuid.UUID | None] = None
    visit_interval_days: Days | None = None  # None: the category's interval from settings
    geofence_m: Geofence | None = None  # None: the home geofence of the evidence rules
    notes: Text = ""


class SubjectPatch(In):
    name: SubjectName | msgspec.UnsetType = msgspec.UNSET
    category: Category | msgspec.UnsetType = msgspec.UNSET
    org_unit_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    address: Text | msgspec.UnsetType = msgspec.UNSET
    location: Place | None | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    id_number: IdNumber | msgspec.UnsetType = msgspec.UNSET
    contact_user_id: uuid.UUID | None | msgspec.UnsetType = msgspec.UNSET
    visit_interval_days: Days | msgspec.UnsetType = msgspec.UNSET
    geofence_m: Geofence | msgspec.UnsetType = msgspec.UNSET
    notes: Text | msgspec.UnsetType = msgspec.UNSET


class SubjectOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    category: Category
    address: str
    location: Point | None
    org_unit_id: uuid.UUID
    phone_masked: str
    id_number_masked: str
    contact_user_id: uuid.UUID | None
    visit_interval_days: int
    geofence_m: int
    last_visit_at: datetime | None
    next_due_at: datetime
    overdue: bool
    notes: str
    # Only on GET /subjects/{id}?reveal=true, for a supervisor or admin in scope; each is audited.
    phone: str | msgspec.UnsetType = msgspec.UNSET
    id_number: str | msgspec.UnsetType = msgspec.UNSET


class SubjectPage(msgspec.Struct):
    items: list[SubjectOut]
    next_cursor: str | None


def subject_out(s: Subject, *, full_numbers: bool = False) -> SubjectOut:
    due = (s.last_visit_at or s.created_at) + timedelta(days=s.visit_interval_days)
    out = SubjectOut(
        id=s.id,
        name=s.name,
        category=s.category,
        address=s.address,
        location=Point(lat=s.lat, lon=s.lon) if s.lat is not None and s.lon is not None else None,
        org_unit_id=s.org_unit_id,
        phone_masked=mask_phone(s.phone),
        id_number_masked=mask_id_number(s.id_number),
        contact_user_id=s.contact_user_id,
        visit_interval_days=s.visit_interval_days,
        geofence_m=s.geofence_m,
        last_visit_at=s.last_visit_at,
        next_due_at=due,
        overdue=due < datetime.now(timezone.utc),
        notes=s.notes,
    )
    if full_numbers:
        out.phone, out.id_number = s.phone, s.id_number
    return out


def _columns(data: SubjectIn | SubjectPatch) -> dict[str, object]:
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    for name in ("visit_interval_days", "geofence_m"):
        if name in values and values[name] is None:
            del values[name]  # a default from settings: the caller decides
    if "location" in values:
        point = values.pop("location")
        values.update(lat=point.lat if point else None, lon=point.lon if point else None)
    if isinstance(values.get("id_number"), str):
        values["id_number"] = values["id_number"].strip().upper()
    if isinstance(values.get("phone"), str):
        values["phone"] = values["phone"].strip()
    return values


async def _check_refs(db_session: DbSession, user: CurrentUser, values: dict[str, object]) -> None:
    if "org_unit_id" in values:
        await org_units.get_unit(db_session, unit_id=values["org_unit_id"], scope_path=user.scope_path)  # type: ignore[arg-type]
    if values.get("contact_user_id"):
        await users.get_user(db_session, user_id=values["contact_user_id"], scope_path=user.scope_path)  # type: ignore[arg-type]


class SubjectController(Controller):
    path = "/api/v1/subjects"
    tags = ["subjects"]

    @get(operation_id="ListSubjects")
    async def list_subjects(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        category: FromQuery[Category | None] = None,
        overdue: FromQuery[bool | None] = None,
        contact_user_id: FromQuery[uuid.UUID | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 200,
    ) -> SubjectPage:
        rows, next_cursor = await subjects.list_subjects(
            db_session,
            scope_path=user.scope_path,
            org_unit_id=org_unit_id,
            category=category,
            overdue=overdue,
            contact_user_id=contact_user_id,
            cursor=cursor,
            limit=limit,
        )
        return SubjectPage(items=[subject_out(s) for s in rows], next_cursor=next_cursor)

    @post(operation_id="CreateSubject")
    async def create_subject(
        self, data: JSONBody[SubjectIn], user: CurrentUser, db_session: DbSession, settings: AppSettings
    ) -> SubjectOut:
        user.require("supervisor", "admin")
        values = _columns(data)
        check_values(values)
        values["visit_interval_days"] = data.visit_interval_days or settings.visit_interval_for(data.category)
        values["geofence_m"] = data.geofence_m or settings.evidence.home_geofence_m
        await _check_refs(db_session, user, values)
        subject = await subjects.create_subject(db_session, values=values)
        await record_audit(
            db_session, user, "subject_create", entity="subject", entity_id=subject.id, org_unit_id=subject.org_unit_id
        )
        return subject_out(subject)  # masked: full numbers only on the audited GET

    @get("/{subject_id:uuid}", operation_id="GetSubject")
    async def get_subject(
        self, subject_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession, reveal: FromQuery[bool] = False
    ) -> SubjectOut:
        """Masked numbers; `reveal=true` (supervisor or admin in scope) answers the full ones and
        writes an audit entry. Nothing else reveals them."""
        subject = await subjects.get_subject(db_session, subject_id=subject_id, scope_path=user.scope_path)
        if reveal:
            if not user.reviews:
                raise PermissionDeniedException("only a supervisor or an administrator can see a person's full numbers")
            await record_audit(
                db_session,
                user,
                "subject_view_numbers",
                entity="subject",
                entity_id=subject.id,
                org_unit_id=subject.org_unit_id,
            )
        return subject_out(subject, full_numbers=reveal)

    @patch("/{subject_id:uuid}", operation_id="UpdateSubject")
    async def update_subject(
        self, subject_id: FromPath[uuid.UUID], data: JSONBody[SubjectPatch], user: CurrentUser, db_session: DbSession
    ) -> SubjectOut:
        user.require("supervisor", "admin")
        subject = await subjects.get_subject(db_session, subject_id=subject_id, scope_path=user.scope_path)
        values = _columns(data)
        check_values(values)
        await _check_refs(db_session, user, values)
        subject = await subjects.update_subject(db_session, subject=subject, values=values)
        # Record which fields changed, never their values: the log must not become a copy of PII.
        await record_audit(
            db_session,
            user,
            "subject_update",
            entity="subject",
            entity_id=subject.id,
            org_unit_id=subject.org_unit_id,
            changed=sorted(values),
        )
        return subject_out(subject)  # masked: full numbers only on the audited GET
