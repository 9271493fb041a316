"""Rectification (整改) and follow-up tasks: opened from records, fixed, accepted or reopened.

`sync_tasks_for_patrol` / `sync_tasks_for_visit` are called after a record is stored: each
checklist `issue` and each visit with follow_up_needed has exactly one task, keyed by
(record_id, item), whatever number of times the record is sent. One problem is one task: a record
reporting an item whose site already has an open task for it joins that task (task_records lists
every record that reported it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, Invalid, NotFound
from storage.models import Facility, Inspection, OrgUnit, Patrol, Subject, Task, TaskRecord, User, Visit
from storage.queries.common import in_scope, in_unit, keyset_page, names_by_id, unit_path
from storage.record_tables import INSPECTIONS, PATROLS, TABLES, VISITS, Record, table_named
from storage.vocabulary import RecordKind, TaskOwnerKind

FOLLOW_UP = "follow_up"
STATUSES = ("open", "fixed", "accepted", "cancelled")
# What the desk's badges count, as conditions: the badge and the list filtered on it agree.
STATES: dict[str, Any] = {
    "to_fix": lambda: (Task.status == "open",),
    "to_accept": lambda: (Task.status == "fixed",),
    "overdue": lambda: (Task.status == "open", Task.due_at < func.now()),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TaskRules:
    """Deadlines (整改时限) in days; api/settings.py reads them from the environment once."""

    patrol_issue_due_days: int = 15
    follow_up_due_days: int = 7


def _site_of(record_kind: str, values: dict[str, Any]) -> tuple[Any, uuid.UUID]:
    """The site a task is about: a facility, a subject, or (an inspection) the station's unit; a
    task names it by the column its record does."""
    name = table_named(record_kind).site_name
    return getattr(Task, name), values[name]


async def _open_task_of_site(
    session: AsyncSession, *, record_kind: str, values: dict[str, Any], item: str
) -> Task | None:
    """The site's open task for this item, if there is one. Holds a lock on (site, item) until the
    transaction ends, so two records reporting the same problem at once make one task."""
    column, site_id = _site_of(record_kind, values)
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"task:{site_id}:{item}"))))
    return await session.scalar(
        select(Task)
        .where(column == site_id, Task.record_kind == record_kind, Task.item == item, Task.status == "open")
        .order_by(Task.opened_at)
        .limit(1)
        .with_for_update()
    )


async def _link(session: AsyncSession, *, task_id: uuid.UUID, record_id: uuid.UUID, record_kind: str) -> None:
    await session.execute(
        insert(TaskRecord)
        .values(task_id=task_id, record_id=record_id, record_kind=record_kind)
        .on_conflict_do_nothing(index_elements=["task_id", "record_id"])
    )


async def _sync(session: AsyncSession, *, record_id: uuid.UUID, record_kind: str, wanted: dict[str, dict]) -> None:
    """Make the record's tasks match `wanted` (item -> columns of a new task). An item whose site
    already has an open task joins it (one task per problem) instead of opening another."""
    existing = {
        t.item: t
        for t in (await session.scalars(select(Task).where(Task.record_id == record_id).with_for_update())).all()
    }
    joined = {
        t.item: t
        for t in (
            await session.scalars(
                select(Task)
                .join(TaskRecord, TaskRecord.task_id == Task.id)
                .where(TaskRecord.record_id == record_id, Task.record_id != record_id)
            )
        ).all()
    }
    for item, values in wanted.items():
        task = existing.get(item)
        if task is None and item in joined:
            continue
        if task is None:
            shared = await _open_task_of_site(session, record_kind=record_kind, values=values, item=item)
            if shared is not None:
                await _link(session, task_id=shared.id, record_id=record_id, record_kind=record_kind)
                shared.updated_at = _now()
                continue
            # ON CONFLICT: two deliveries of the same record racing each other make one task.
            made = await session.scalar(
                insert(Task)
                .values(id=uuid.uuid4(), record_id=record_id, record_kind=record_kind, item=item, **values)
                .on_conflict_do_nothing(index_elements=["record_id", "item"])
                .returning(Task.id)
            )
            if made is not None:
                await _link(session, task_id=made, record_id=record_id, record_kind=record_kind)
        elif task.status in ("open", "cancelled"):
            if task.status == "cancelled":
                # Reported again after its cancellation: another record may have opened the problem's task since.
                shared = await _open_task_of_site(session, record_kind=record_kind, values=values, item=item)
                if shared is not None:
                    await _link(session, task_id=shared.id, record_id=record_id, record_kind=record_kind)
                    shared.updated_at = _now()
                    continue
            task.detail = values["detail"]
            if task.status == "cancelled":
                task.status, task.opened_at = "open", _now()
            task.updated_at = _now()
            await _link(session, task_id=task.id, record_id=record_id, record_kind=record_kind)
    for item, task in existing.items():
        if item not in wanted and task.status == "open":
            # Other records still report the problem: the task stays open without this one.
            await session.execute(
                delete(TaskRecord).where(TaskRecord.task_id == task.id, TaskRecord.record_id == record_id)
            )
            others = await session.scalar(
                select(func.count()).select_from(TaskRecord).where(TaskRecord.task_id == task.id)
            )
            if not others:
                task.status = "cancelled"
            task.updated_at = _now()
    for item, task in joined.items():
        if item not in wanted and task.status == "open":
            await session.execute(
                delete(TaskRecord).where(TaskRecord.task_id == task.id, TaskRecord.record_id == record_id)
            )
            task.updated_at = _now()
    await session.flush()


async def caretaker_user(session: AsyncSession, *, facility_id: uuid.UUID) -> uuid.UUID | None:
    """The facility's caretaker (管护责任人) as a user: one active account whose display name or
    username is the caretaker's name and whose unit covers the facility; else None."""
    row = (
        await session.execute(
            select(Facility.caretaker, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Facility.org_unit_id)
            .where(Facility.id == facility_id)
        )
    ).first()
    name = (row.caretaker or "").strip() if row else ""
    if not name:
        return None
    found = (
        await session.execute(
            select(User.id, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == User.org_unit_id)
            .where(User.is_active.is_(True), or_(User.display_name == name, User.username == name))
        )
    ).all()
    covering = [user_id for user_id, path in found if row is not None and row.path.startswith(path)]
    return covering[0] if len(covering) == 1 else None


async def sync_tasks_for_patrol(
    session: AsyncSession, *, patrol: Patrol, rules: TaskRules | None = None, new: bool = False
) -> None:
    """`new`: the record was just created, so it has no tasks yet to update or cancel. The owner is
    the facility's caretaker when that person is a user, else the patrol's author."""
    rules = rules or TaskRules()
    due = patrol.started_at + timedelta(days=rules.patrol_issue_due_days)
    issues = [e for e in patrol.checklist or [] if e.get("result") == "issue" and e.get("item")]
    owner = (await caretaker_user(session, facility_id=patrol.facility_id) if issues else None) or patrol.author_id
    wanted = {
        str(entry.get("item")): dict(
            org_unit_id=patrol.org_unit_id,
            facility_id=patrol.facility_id,
            assignee_id=owner,
            detail=str(entry.get("note") or ""),
            due_at=due,
        )
        for entry in issues
    }
    if wanted or not new:
        await _sync(session, record_id=patrol.id, record_kind=PATROLS.kind, wanted=wanted)


async def sync_tasks_for_visit(
    session: AsyncSession, *, visit: Visit, rules: TaskRules | None = None, new: bool = False
) -> None:
    """One open follow-up per subject: a later visit that needs one joins it."""
    rules = rules or TaskRules()
    wanted: dict[str, dict] = {}
    if visit.follow_up_needed:
        contact = await session.scalar(select(Subject.contact_user_id).where(Subject.id == visit.subject_id))
        wanted[FOLLOW_UP] = dict(
            org_unit_id=visit.org_unit_id,
            subject_id=visit.subject_id,
            assignee_id=contact or visit.author_id,
            detail=visit.needs or visit.summary or "",
            due_at=visit.visited_at + timedelta(days=rules.follow_up_due_days),
        )
    if wanted or not new:
        await _sync(session, record_id=visit.id, record_kind=VISITS.kind, wanted=wanted)


async def sync_tasks_for_inspection(
    session: AsyncSession, *, inspection: Inspection, rules: TaskRules | None = None, new: bool = False
) -> None:
    """Each `issue` of a station inspection is a rectification task owned by the station head
    (unassigned while the station has none)."""
    rules = rules or TaskRules()
    head = await session.scalar(select(OrgUnit.head_user_id).where(OrgUnit.id == inspection.org_unit_id))
    due = inspection.started_at + timedelta(days=rules.patrol_issue_due_days)
    wanted = {
        str(entry.get("item")): dict(
            org_unit_id=inspection.org_unit_id, assignee_id=head, detail=str(entry.get("note") or ""), due_at=due
        )
        for entry in inspection.checklist or []
        if entry.get("result") == "issue" and entry.get("item")
    }
    if wanted or not new:
        await _sync(session, record_id=inspection.id, record_kind=INSPECTIONS.kind, wanted=wanted)


# --- reading -------------------------------------------------------------------------------


async def list_tasks(
    session: AsyncSession,
    *,
    scope_path: str,
    status: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    assignee_id: uuid.UUID | None = None,
    record_id: uuid.UUID | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[Task], str | None]:
    """Newest first. Without a status filter, cancelled tasks are left out. `state` is what the
    desk counts (storage/queries/desk.py): to_fix (open), to_accept (fixed), overdue (open and
    past its deadline)."""
    query = select(Task).where(in_scope(Task.org_unit_id, scope_path))
    query = query.where(Task.status == status) if status else query.where(Task.status != "cancelled")
    if state in STATES:
        query = query.where(*STATES[state]())
    if org_unit_id:
        query = query.where(in_unit(Task.org_unit_id, org_unit_id))
    if overdue is not None:
        late = (Task.status == "open") & (Task.due_at < func.now())
        query = query.where(late if overdue else ~late)
    if assignee_id:
        query = query.where(Task.assignee_id == assignee_id)
    if record_id:
        query = query.where(
            or_(
                Task.record_id == record_id,
                Task.id.in_(select(TaskRecord.task_id).where(TaskRecord.record_id == record_id)),
            )
        )
    return await keyset_page(session, query, time_col=Task.opened_at, id_col=Task.id, cursor=cursor, limit=limit)


async def get_task(session: AsyncSession, *, task_id: uuid.UUID, scope_path: str, for_update: bool = False) -> Task:
    query = select(Task).where(Task.id == task_id, in_scope(Task.org_unit_id, scope_path))
    task = await session.scalar(query.with_for_update() if for_update else query)
    if task is None:
        raise NotFound("no such task in your scope", field="task_id", code="task_not_found")
    return task


async def find_task(session: AsyncSession, *, task_id: uuid.UUID) -> Task | None:
    """Any task with this id, whatever its scope (the caller decides what that means)."""
    return await session.get(Task, task_id)


async def task_in_scope(session: AsyncSession, *, task: Task, scope_path: str) -> bool:
    return bool(await session.scalar(select(in_scope(Task.org_unit_id, scope_path)).where(Task.id == task.id)))


async def names(session: AsyncSession, *, tasks: Sequence[Task]) -> dict[uuid.UUID, str]:
    """Display names of the facilities, subjects, inspected stations and people the tasks mention,
    in a lookup per kind."""
    wanted: dict[Any, set[uuid.UUID]] = {}
    for table in TABLES:  # each kind's sites (an inspection's: the station, its unit)
        sites = {getattr(t, table.site_name) for t in tasks if t.record_kind == table.kind}
        wanted.setdefault(table.site_model, set()).update(i for i in sites if i)
    wanted[User] = {i for t in tasks for i in (t.assignee_id, t.fixed_by_id, t.accepted_by_id) if i}
    return await names_by_id(session, wanted=wanted)


async def record_of(session: AsyncSession, *, task: Task) -> Record | None:
    return await session.get(table_named(task.record_kind).model, task.record_id)


async def records_of(
    session: AsyncSession, *, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[RecordKind, uuid.UUID]]]:
    """Every record that reported each task, oldest first: (kind, id)."""
    out: dict[uuid.UUID, list[tuple[RecordKind, uuid.UUID]]] = {i: [] for i in task_ids}
    if task_ids:
        for task_id, kind, record_id in (
            await session.execute(
                select(TaskRecord.task_id, TaskRecord.record_kind, TaskRecord.record_id)
                .where(TaskRecord.task_id.in_(set(task_ids)))
                .order_by(TaskRecord.joined_at, TaskRecord.record_id)
            )
        ).all():
            out[task_id].append((kind, record_id))
    return out


def reported_by(
    task: Task, found: dict[uuid.UUID, list[tuple[RecordKind, uuid.UUID]]]
) -> list[tuple[RecordKind, uuid.UUID]]:
    """A task's records; a task written without its list (a bulk load) has its opening record."""
    return found.get(task.id) or [(task.record_kind, task.record_id)]


async def records_by_ids(session: AsyncSession, *, refs: Sequence[tuple[RecordKind, uuid.UUID]]) -> list[Record]:
    """The records named, in the order given (those not found left out)."""
    found: dict[uuid.UUID, Record] = {}
    for table in TABLES:
        model, ids = table.model, {i for k, i in refs if k == table.kind}
        if ids:
            found.update((r.id, r) for r in (await session.scalars(select(model).where(model.id.in_(ids)))).all())
    return [found[i] for _, i in refs if i in found]


# --- changing ------------------------------------------------------------------------------


async def fix_task(session: AsyncSession, *, task: Task, by: uuid.UUID, photo_ids: list[uuid.UUID], note: str) -> bool:
    """Record the fix. False when the same fix was already recorded (a resend from a phone whose
    answer was lost, even after a supervisor accepted or reopened it): nothing changes. A new fix
    after a reopen brings new after photos or a new note, so it is never mistaken for the old one."""
    if task.fixed_at is not None and list(task.fix_photo_ids) == photo_ids and task.fix_note == note:
        return False
    if task.status != "open":
        raise Conflict(f"this task is {task.status}; only an open task can be fixed", field="status")
    task.status, task.fix_photo_ids, task.fix_note = "fixed", photo_ids, note
    task.fixed_at, task.fixed_by_id = _now(), by
    task.updated_at = _now()
    await session.flush()
    return True


async def accept_task(session: AsyncSession, *, task: Task, by: uuid.UUID) -> None:
    if task.status != "fixed":
        raise Conflict(f"this task is {task.status}; only a fixed task can be accepted", field="status")
    task.status, task.accepted_at, task.accepted_by_id = "accepted", _now(), by
    task.updated_at = _now()
    await session.flush()


async def reopen_task(session: AsyncSession, *, task: Task, comment: str) -> None:
    if task.status not in ("fixed", "accepted"):
        raise Conflict(f"this task is {task.status}; only a fixed or accepted task can be reopened", field="status")
    task.status, task.reopen_comment = "open", comment
    task.accepted_at = task.accepted_by_id = None
    task.updated_at = _now()
    await session.flush()


async def reassign_task(session: AsyncSession, *, task: Task, assignee: User) -> uuid.UUID | None:
    """Give the task to another person; returns who had it. The person's unit must cover the
    task's place, or they could not open it."""
    if task.status not in ("open", "fixed"):
        raise Conflict(
            f"this task is {task.status}; only an open or fixed task can be reassigned",
            field="status",
            code="task_not_reassignable",
        )
    if not assignee.is_active:
        raise Invalid(
            "this account is disabled; choose someone who can sign in", field="assignee_id", code="assignee_disabled"
        )
    place, own = await unit_path(session, task.org_unit_id), await unit_path(session, assignee.org_unit_id)
    if not (place and own and place.startswith(own)):
        raise Invalid(
            "this person's unit does not cover the task's place, so they could not open it",
            field="assignee_id",
            code="assignee_out_of_scope",
        )
    before = task.assignee_id
    task.assignee_id, task.updated_at = assignee.id, _now()
    await session.flush()
    return before


async def set_deadline(session: AsyncSession, *, task: Task, due_at: datetime) -> datetime:
    """Move the deadline (整改时限); returns the old one."""
    if task.status not in ("open", "fixed"):
        raise Conflict(
            f"this task is {task.status}; only an open or fixed task gets a new deadline",
            field="status",
            code="task_not_reassignable",
        )
    if due_at <= _now():
        raise Invalid("the new deadline has already passed; choose a later day", field="due_at", code="deadline_past")
    if due_at > _now() + timedelta(days=3 * 366):
        raise Invalid("the new deadline is more than three years away", field="due_at", code="deadline_too_far")
    before = task.due_at
    task.due_at, task.updated_at = due_at, _now()
    await session.flush()
    return before


NOBODY: tuple[str, TaskOwnerKind] = ("", "")


@dataclass(frozen=True)
class People:
    """Who answers for a task (owner) and who reported it, by name, for the screens."""

    owner_name: str
    owner_kind: TaskOwnerKind
    reporter_name: str


async def people(session: AsyncSession, *, tasks: Sequence[Task]) -> dict[uuid.UUID, People]:
    """The owner is the facility's caretaker (管护责任人) when it has one, else the station's head:
    the named head, else the supervisor, of the nearest unit at or above the task's unit; a visit's follow-up belongs
    to the subject's contact. The reporter is the record's author. A few lookups for a page."""
    if not tasks:
        return {}
    caretakers = dict(
        (
            await session.execute(
                select(Facility.id, Facility.caretaker).where(
                    Facility.id.in_({t.facility_id for t in tasks if t.facility_id})
                )
            )
        ).all()
    )
    contacts = dict(
        (
            await session.execute(
                select(Subject.id, User.display_name)
                .join(User, User.id == Subject.contact_user_id)
                .where(Subject.id.in_({t.subject_id for t in tasks if t.subject_id}))
            )
        ).all()
    )
    reporters: dict[uuid.UUID, str] = {}
    for table in TABLES:
        model, ids = table.model, {t.record_id for t in tasks if t.record_kind == table.kind}
        if ids:
            reporters.update(
                (
                    await session.execute(
                        select(model.id, User.display_name)
                        .join(User, User.id == model.author_id)
                        .where(model.id.in_(ids))
                    )
                ).all()
            )
    paths = dict(
        (
            await session.execute(
                select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_({t.org_unit_id for t in tasks}))
            )
        ).all()
    )
    chain = {uuid.UUID(p) for path in paths.values() for p in path.strip("/").split("/") if p}
    heads: dict[uuid.UUID, str] = {}
    for unit_id, name in (
        await session.execute(
            select(User.org_unit_id, User.display_name)
            .where(User.org_unit_id.in_(chain), User.role == "supervisor", User.is_active.is_(True))
            .order_by(User.username.desc())
        )
    ).all():
        heads[unit_id] = name  # the first by username wins where a unit has several
    # A station's named head (站长, org_units.head_user_id) comes before any supervisor of its unit.
    heads.update(
        (
            await session.execute(
                select(OrgUnit.id, User.display_name)
                .join(User, User.id == OrgUnit.head_user_id)
                .where(OrgUnit.id.in_(chain))
            )
        ).all()
    )
    out: dict[uuid.UUID, People] = {}
    for t in tasks:
        ancestors = [uuid.UUID(p) for p in reversed(paths.get(t.org_unit_id, "").strip("/").split("/")) if p]
        head = next((heads[u] for u in ancestors if u in heads), "")
        care = (caretakers.get(t.facility_id) or "").strip() if t.facility_id else ""
        contact = contacts.get(t.subject_id, "") if t.subject_id else ""
        # The first of them who is known answers for it.
        known: list[tuple[str, TaskOwnerKind]] = [(care, "caretaker"), (contact, "contact"), (head, "station_head")]
        owner, kind = next((who for who in known if who[0]), NOBODY)
        out[t.id] = People(owner_name=owner, owner_kind=kind, reporter_name=reporters.get(t.record_id, ""))
    return out
