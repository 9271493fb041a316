"""Tables, as typed SQLAlchemy 2 models. Migrations in storage/migrations are the source of truth
for the schema; these models must match them (tests/storage/test_migrations.py checks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.checklists import PATROL_V1
from storage.vocabulary import (
    DECISIONS,
    RECORD_KINDS,
    RECORD_STATUSES,
    ROLES,
    STATION_STANDARDS,
    TASK_STATUSES,
    TEMPLATE_KINDS,
    UNIT_LEVELS,
    VISIT_TYPES,
    AuditAction,
    AuditEntity,
    Decision,
    FacilityKind,
    ProtectionLevel,
    RecordKind,
    RecordStatus,
    Role,
    StationStandard,
    SubjectCategory,
    TaskStatus,
    TemplateKind,
    UnitLevel,
    VisitType,
    check_in,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OrgUnit(Base):
    __tablename__ = "org_units"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[UnitLevel] = mapped_column(String(16))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    # "/<root id>/.../<own id>/": scope is one prefix match on an indexed column.
    path: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    # The service station of a street or community unit (unused for a district).
    address: Mapped[str] = mapped_column(Text, server_default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    geofence_m: Mapped[int] = mapped_column(Integer, server_default=text("300"))
    head_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    standard: Mapped[StationStandard | None] = mapped_column(String(16))
    demonstration: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    __table_args__ = (
        CheckConstraint(check_in("level", UNIT_LEVELS), name="level"),
        CheckConstraint(check_in("standard", STATION_STANDARDS), name="standard"),
        Index("ix_org_units_path_prefix", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(String(16))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (CheckConstraint(check_in("role", ROLES), name="role"),)


class AuthToken(Base):
    """Opaque bearer tokens, stored hashed, so a stolen database does not yield live sessions."""

    __tablename__ = "auth_tokens"
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class LoginFailure(Base):
    """A login attempt is noted here before its password is checked (unconfirmed), then confirmed
    as a failure or deleted on success; api/auth.py counts these under a lock."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    confirmed: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )


class Facility(Base):
    __tablename__ = "facilities"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FacilityKind] = mapped_column(String(32))
    protection_level: Mapped[ProtectionLevel] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(Text, server_default="")
    lat: Mapped[float]
    lon: Mapped[float]
    geofence_m: Mapped[int] = mapped_column(Integer, server_default=text("200"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    patrol_interval_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    caretaker: Mapped[str] = mapped_column(Text, server_default="")
    protection_boundary: Mapped[str] = mapped_column(Text, server_default="")
    # Set when a patrol is approved: overdue is last_patrol_at + interval < now.
    last_patrol_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Subject(Base):
    __tablename__ = "subjects"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[SubjectCategory] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(Text, server_default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    geofence_m: Mapped[int] = mapped_column(Integer, server_default=text("300"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32), server_default="")
    id_number: Mapped[str] = mapped_column(String(32), server_default="")
    contact_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    visit_interval_days: Mapped[int] = mapped_column(Integer, server_default=text("90"))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    last_visit_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class _RecordColumns:
    """Columns patrols and visits share: who, where, evidence and review state."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # made by the phone
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    location_captured_at: Mapped[datetime | None] = mapped_column(Timestamp)
    photo_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    status: Mapped[RecordStatus] = mapped_column(String(16))
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    body_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ChecklistTemplate(Base):
    """One version of a checklist (storage/checklists.py holds the defaults). A change is a new row
    with the same key and the next version; records keep the version they were filled with."""

    __tablename__ = "checklist_templates"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[TemplateKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    applies_to: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (
        CheckConstraint(check_in("kind", TEMPLATE_KINDS), name="kind"),
        Index("uq_checklist_templates_key_version", "key", "version", unique=True),
        # One active version per key.
        Index("uq_checklist_templates_key_active", "key", unique=True, postgresql_where=text("active")),
    )


class Patrol(_RecordColumns, Base):
    __tablename__ = "patrols"
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facilities.id"))
    # The checklist version the patrol was filled against; rows written without one (bulk loads,
    # rows from before templates) are on the default patrol template's first version.
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checklist_templates.id"), server_default=text(f"'{PATROL_V1}'")
    )
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    ended_at: Mapped[datetime] = mapped_column(Timestamp)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    notes: Mapped[str] = mapped_column(Text, server_default="")
    __table_args__ = (
        CheckConstraint(check_in("status", RECORD_STATUSES), name="status"),
        # Keyset pages, newest first, overall and per unit / facility / author / status.
        Index("ix_patrols_started_at_id", "started_at", "id"),
        Index("ix_patrols_org_unit_id_started_at_id", "org_unit_id", "started_at", "id"),
        Index("ix_patrols_facility_id_started_at", "facility_id", "started_at"),
        Index("ix_patrols_author_id_started_at", "author_id", "started_at"),
        Index("ix_patrols_status_started_at", "status", "started_at"),
    )


class Visit(_RecordColumns, Base):
    __tablename__ = "visits"
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    visit_type: Mapped[VisitType] = mapped_column(String(16))
    visited_at: Mapped[datetime] = mapped_column(Timestamp)
    summary: Mapped[str] = mapped_column(Text, server_default="")
    needs: Mapped[str] = mapped_column(Text, server_default="")
    cash_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    goods: Mapped[str] = mapped_column(Text, server_default="")
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    no_photo_reason: Mapped[str | None] = mapped_column(Text)
    award: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    __table_args__ = (
        CheckConstraint(check_in("status", RECORD_STATUSES), name="status"),
        CheckConstraint(check_in("visit_type", VISIT_TYPES), name="visit_type"),
        Index("ix_visits_visited_at_id", "visited_at", "id"),
        Index("ix_visits_org_unit_id_visited_at_id", "org_unit_id", "visited_at", "id"),
        Index("ix_visits_subject_id_visited_at", "subject_id", "visited_at"),
        Index("ix_visits_author_id_visited_at", "author_id", "visited_at"),
        Index("ix_visits_status_visited_at", "status", "visited_at"),
    )


class Inspection(_RecordColumns, Base):
    """A station inspection (服务站督导, "回头看"): `org_unit_id` is the station inspected, from above."""

    __tablename__ = "inspections"
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    ended_at: Mapped[datetime] = mapped_column(Timestamp)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    notes: Mapped[str] = mapped_column(Text, server_default="")
    __table_args__ = (
        CheckConstraint(check_in("status", RECORD_STATUSES), name="status"),
        Index("ix_inspections_started_at_id", "started_at", "id"),
        Index("ix_inspections_org_unit_id_started_at_id", "org_unit_id", "started_at", "id"),
        Index("ix_inspections_author_id_started_at", "author_id", "started_at"),
        Index("ix_inspections_status_started_at", "status", "started_at"),
    )


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    record_kind: Mapped[RecordKind] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[Decision] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, server_default="")
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (
        CheckConstraint(check_in("record_kind", RECORD_KINDS), name="record_kind"),
        CheckConstraint(check_in("decision", DECISIONS), name="decision"),
        Index("ix_reviews_record_id_at", "record_id", "at"),
    )


class ReturnReason(Base):
    """A ready-made comment for returning a record (照片不清楚, ...), in both languages; an admin edits them."""

    __tablename__ = "return_reasons"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Photo(Base):
    """One piece of photo evidence. Its bytes live in the object store at originals/<sha256>;
    a photo may arrive before its record, so record_id is not a foreign key."""

    __tablename__ = "photos"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # made by the phone
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    uploader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None] = mapped_column(Timestamp)  # from EXIF
    exif_lat: Mapped[float | None]
    exif_lon: Mapped[float | None]
    captured_at: Mapped[datetime | None] = mapped_column(Timestamp)  # the phone's word
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    # 64-bit difference hash, and its four 16-bit bands: two hashes within Hamming distance 3
    # share at least one band exactly, so near-duplicate search is four indexed lookups.
    phash: Mapped[int] = mapped_column(BigInteger)
    phash_b0: Mapped[int] = mapped_column(Integer, index=True)
    phash_b1: Mapped[int] = mapped_column(Integer, index=True)
    phash_b2: Mapped[int] = mapped_column(Integer, index=True)
    phash_b3: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class RecordClaim(Base):
    """Who owns a record id before the record exists: the first uploader of a photo for it.
    Photos may arrive before their record, so without this anyone could attach to (or later
    take) an id they learned; the record PUT and further photos must come from the owner."""

    __tablename__ = "record_claims"
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class AuditEntry(Base):
    """Append-only: triggers in the migrations refuse UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_username: Mapped[str] = mapped_column(String(64), server_default="")
    ip: Mapped[str] = mapped_column(String(64), server_default="")
    action: Mapped[AuditAction] = mapped_column(String(48), index=True)
    entity: Mapped[AuditEntity] = mapped_column(String(32), server_default="")
    entity_id: Mapped[str] = mapped_column(String(64), server_default="", index=True)
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


# --- Rectification and follow-up tasks (整改 / 跟进) ------------------------------------------


class Task(Base):
    """A checklist `issue` of a patrol, or a visit's follow-up, to be fixed and accepted.

    Keyed by (record_id, item): re-sending a record never makes a second task. `item` is the
    checklist code for patrols and "follow_up" for visits. A corrected record that no longer has
    the issue moves a still-open task to `cancelled` (kept, not deleted, so the history stays)."""

    __tablename__ = "tasks"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    record_kind: Mapped[RecordKind] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    item: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facilities.id"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[TaskStatus] = mapped_column(String(16), server_default="open")
    detail: Mapped[str] = mapped_column(Text, server_default="")
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    opened_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    fix_note: Mapped[str] = mapped_column(Text, server_default="")
    fix_photo_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    fixed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    fixed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reopen_comment: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (
        CheckConstraint(check_in("record_kind", RECORD_KINDS), name="record_kind"),
        CheckConstraint(check_in("status", TASK_STATUSES), name="status"),
        Index("uq_tasks_record_id_item", "record_id", "item", unique=True),
        # Keyset pages newest first, overall and per unit; overdue and per-assignee lookups.
        Index("ix_tasks_opened_at_id", "opened_at", "id"),
        Index("ix_tasks_org_unit_id_status_opened_at", "org_unit_id", "status", "opened_at"),
        Index("ix_tasks_status_due_at", "status", "due_at"),
        Index("ix_tasks_assignee_id_status", "assignee_id", "status"),
        # A site's open task for an item (one task per problem).
        Index("ix_tasks_facility_id_item_open", "facility_id", "item", postgresql_where=text("status = 'open'")),
        Index("ix_tasks_subject_id_item_open", "subject_id", "item", postgresql_where=text("status = 'open'")),
    )


class TaskRecord(Base):
    """Every record that reported a task's problem: the one that opened it, and each later record
    of the same site and item that joined it while it was open."""

    __tablename__ = "task_records"
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    record_kind: Mapped[RecordKind] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (CheckConstraint(check_in("record_kind", RECORD_KINDS), name="record_kind"),)


class WeeklyReport(Base):
    """A station head's remarks on one unit's week (ISO week, China time); figures are computed."""

    __tablename__ = "weekly_reports"
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # 2026-W48
    remarks: Mapped[str] = mapped_column(Text, server_default="")
    remarks_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class WeeklyFigures(Base):
    """Each unit's own weekly figures for a week that is over, computed once and kept until a record,
    task, facility or subject of that week or before changes (triggers in the migration delete the
    rows from that week on): a past week's report reads these instead of probing every site."""

    __tablename__ = "weekly_figures"
    org_unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday, China time
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    __table_args__ = (Index("ix_weekly_figures_week_start", "week_start"),)


class SiteFigures(Base):
    """One unit's own facility and subject figures (total, due, patrolled or visited) for a period of
    whole days, computed once and kept until a record of one of its sites from before the period's
    end, or any site, changes (triggers in migration c5f1a9d8e243 delete the rows)."""

    __tablename__ = "site_figures"
    org_unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    since: Mapped[datetime] = mapped_column(Timestamp, primary_key=True)
    until: Mapped[datetime] = mapped_column(Timestamp, primary_key=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class RecordTally(Base):
    """What the records of one unit, China day, kind, status and visit type add up to, kept by
    triggers (migration a7d3e5f20c61) as records are written, moved, reviewed or deleted. A key may
    have a few rows (concurrent writers each add to their own); readers sum them."""

    __tablename__ = "record_tallies"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # patrol | visit | inspection
    status: Mapped[str] = mapped_column(String(16))
    visit_type: Mapped[VisitType] = mapped_column(String(16))  # "" but for visits
    n: Mapped[int] = mapped_column(BigInteger)
    cash: Mapped[Decimal] = mapped_column(Numeric)
    goods: Mapped[int] = mapped_column(BigInteger)  # records with goods
    flagged: Mapped[int] = mapped_column(BigInteger)  # records with at least one flag
    __table_args__ = (Index("ix_record_tallies_day", "day", "org_unit_id", "kind", "status", "visit_type"),)


# --- Indexes for the coverage report (storage/queries/reports.py) ---------------------------
# "The last approved patrol of this facility before the period" and "the last counted visit of
# this subject" are one index probe each, however many unapproved records a site has.
Index(
    "ix_patrols_facility_id_started_at_approved",
    Patrol.facility_id,
    Patrol.started_at,
    postgresql_where=Patrol.status == "approved",
)
Index(
    "ix_visits_subject_id_visited_at_counted",
    Visit.subject_id,
    Visit.visited_at,
    postgresql_where=Visit.status.in_(("submitted", "approved")),
)
