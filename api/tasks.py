"""Rectification and follow-up tasks: GET /tasks, GET /tasks/{id}, POST /tasks/{id}/fix|accept|reopen.

A field worker sees and fixes the tasks assigned to them; a supervisor or admin sees every task
in scope, fixes any, and accepts or reopens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api import records
from api.deps import AppSettings, CurrentUser, DbSession, record_audit
from api.photo_links import PhotoOut, photo_out
from api.settings import Settings
from api.types import In, Limit, PhotoIds, Text
from storage.errors import Invalid
from storage.models import Photo, Task
from storage.queries import photos as photo_queries
from storage.queries import tasks, users
from storage.queries import templates as template_queries
from storage.vocabulary import RecordKind, TaskOwnerKind, TaskStatus

Comment = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]

FOLLOW_UP = {"follow_up": "走访跟进"}


async def item_labels(db_session: DbSession) -> dict[str, str]:
    """Labels of every checklist code the templates ever had, and of a visit's follow-up."""
    return {**await template_queries.item_labels(db_session), **FOLLOW_UP}


class TaskFixIn(In):
    photo_ids: PhotoIds = []
    note: Text = ""


class TaskReopenIn(In):
    comment: Comment


class TaskReassignIn(In):
    assignee_id: uuid.UUID


class TaskDeadlineIn(In):
    due_at: datetime


TaskState = Literal["to_fix", "to_accept", "overdue"]
# `state` is a name Litestar keeps for itself: the parameter is named on the wire only.
StateQuery = Annotated[TaskState | None, QueryParameter(name="state", description="what the desk counts")]


class TaskRecordRef(msgspec.Struct):
    kind: RecordKind
    id: uuid.UUID


class TaskOut(msgspec.Struct):
    id: uuid.UUID
    record_kind: RecordKind
    record_id: uuid.UUID
    item: str
    item_label: str
    status: TaskStatus
    detail: str
    org_unit_id: uuid.UUID
    facility_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    place_name: str
    assignee_id: uuid.UUID | None
    assignee_name: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    fix_note: str
    fix_photo_ids: list[uuid.UUID]
    fixed_at: datetime | None
    fixed_by_name: str
    accepted_at: datetime | None
    accepted_by_name: str
    reopen_comment: str
    # Who answers for the fix (the facility's caretaker, else the station's head) and who reported it.
    owner_name: str = ""
    owner_kind: TaskOwnerKind = ""
    reporter_name: str = ""
    # Every record that reported the problem (one task per site and item), oldest first.
    records: list[TaskRecordRef] = msgspec.field(default_factory=list)
    occurrences: int = 1


class TaskDetailOut(TaskOut, kw_only=True):
    before_photos: list[PhotoOut]
    after_photos: list[PhotoOut]
    missing_after_photo_ids: list[uuid.UUID]


class TaskPage(msgspec.Struct):
    items: list[TaskOut]
    next_cursor: str | None


def task_fields(
    t: Task,
    names: dict[uuid.UUID, str],
    labels: dict[str, str],
    people: dict[uuid.UUID, tasks.People] | None = None,
    reported: dict[uuid.UUID, list[tuple[RecordKind, uuid.UUID]]] | None = None,
) -> dict:
    who = (people or {}).get(t.id)
    refs = tasks.reported_by(t, reported or {})
    return dict(
        records=[TaskRecordRef(kind=k, id=i) for k, i in refs],
        occurrences=len(refs),
        owner_name=who.owner_name if who else "",
        owner_kind=who.owner_kind if who else "",
        reporter_name=who.reporter_name if who else "",
        id=t.id,
        record_kind=t.record_kind,
        record_id=t.record_id,
        item=t.item,
        item_label=labels.get(t.item, t.item),
        status=t.status,
        detail=t.detail,
        org_unit_id=t.org_unit_id,
        facility_id=t.facility_id,
        subject_id=t.subject_id,
        # The facility, the person, or for an inspection the station inspected.
        place_name=names.get(t.facility_id or t.subject_id or t.org_unit_id, ""),
        assignee_id=t.assignee_id,
        assignee_name=names.get(t.assignee_id, "") if t.assignee_id else "",
        opened_at=t.opened_at,
        due_at=t.due_at,
        overdue=t.status == "open" and t.due_at < datetime.now(timezone.utc),
        fix_note=t.fix_note,
        fix_photo_ids=list(t.fix_photo_ids),
        fixed_at=t.fixed_at,
        fixed_by_name=names.get(t.fixed_by_id, "") if t.fixed_by_id else "",
        accepted_at=t.accepted_at,
        accepted_by_name=names.get(t.accepted_by_id, "") if t.accepted_by_id else "",
        reopen_comment=t.reopen_comment,
    )


def _before_photos(record: Any, item_code: str, photos: Sequence[Photo]) -> list[Photo]:
    """A record's photos of the problem: exactly those its checklist item names, else the record's own."""
    before = list(photos)
    if record.photo_ids:
        before = [p for p in before if p.id in set(record.photo_ids)] or before
    item = next((i for i in getattr(record, "checklist", None) or [] if i.get("item") == item_code), None)
    # Exactly those: a photo of the item still on its way is not replaced by the record's others.
    if item and item.get("photo_ids"):
        shown = {str(i) for i in item["photo_ids"]}
        before = [p for p in before if str(p.id) in shown]
    return before


async def _detail(db_session: DbSession, settings: Settings, task: Task) -> TaskDetailOut:
    names = await tasks.names(db_session, tasks=[task])
    people = await tasks.people(db_session, tasks=[task])
    reported = await tasks.records_of(db_session, task_ids=[task.id])
    before = []
    # The "before" photos of every record that reported the problem, the first report's first.
    records = await tasks.records_by_ids(db_session, refs=tasks.reported_by(task, reported))
    photos = await photo_queries.photos_of_records(db_session, record_ids=[r.id for r in records])
    for record in records:
        before += _before_photos(record, task.item, photos[record.id])
    # After photos are uploaded with record_id=<task id>; another record's photo does not count.
    after = [
        p for p in await photo_queries.get_photos(db_session, ids=list(task.fix_photo_ids)) if p.record_id == task.id
    ]
    received = {p.id for p in after}
    return TaskDetailOut(
        **task_fields(task, names, await item_labels(db_session), people, reported),
        before_photos=[photo_out(p, settings) for p in before],
        after_photos=[photo_out(p, settings) for p in after],
        missing_after_photo_ids=[i for i in task.fix_photo_ids if i not in received],
    )


def _may_see(user: CurrentUser, task: Task) -> None:
    if not user.reviews and task.assignee_id != user.id:
        raise PermissionDeniedException("only the task's assignee or a supervisor can see this task")


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @get(operation_id="ListTasks")
    async def list_tasks(
        self,
        user: CurrentUser,
        db_session: DbSession,
        status: FromQuery[TaskStatus | None] = None,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        overdue: FromQuery[bool | None] = None,
        assignee_id: FromQuery[uuid.UUID | None] = None,
        record_id: FromQuery[uuid.UUID | None] = None,
        task_state: StateQuery = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> TaskPage:
        """`state` is what the desk's badges count: to_fix, to_accept, overdue."""
        if not user.reviews:
            if assignee_id not in (None, user.id):
                raise PermissionDeniedException("a field worker sees only the tasks assigned to them")
            assignee_id = user.id
        rows, next_cursor = await tasks.list_tasks(
            db_session,
            scope_path=user.scope_path,
            status=status,
            org_unit_id=org_unit_id,
            overdue=overdue,
            assignee_id=assignee_id,
            record_id=record_id,
            state=task_state,
            cursor=cursor,
            limit=limit,
        )
        names = await tasks.names(db_session, tasks=rows)
        people = await tasks.people(db_session, tasks=rows)
        labels = await item_labels(db_session)
        reported = await tasks.records_of(db_session, task_ids=[t.id for t in rows])
        return TaskPage(
            items=[TaskOut(**task_fields(t, names, labels, people, reported)) for t in rows], next_cursor=next_cursor
        )

    @get("/{task_id:uuid}", operation_id="GetTask")
    async def get_task(
        self, task_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession, settings: AppSettings
    ) -> TaskDetailOut:
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path)
        _may_see(user, task)
        return await _detail(db_session, settings, task)

    @post("/{task_id:uuid}/fix", operation_id="FixTask", status_code=200)
    async def fix_task(
        self,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskFixIn],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> TaskDetailOut:
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path, for_update=True)
        _may_see(user, task)
        if len(set(data.photo_ids)) != len(data.photo_ids):
            raise Invalid("a photo is listed twice", field="photo_ids")
        if records.kinds.named(task.record_kind).fix_needs_photo:
            if not data.photo_ids:
                raise Invalid(
                    "a rectification needs at least one photo of the fixed site (an after photo)", field="photo_ids"
                )
        elif not (data.note.strip() or data.photo_ids):
            raise Invalid("say what was done for the follow-up (a note), or add a photo", field="note")
        if await tasks.fix_task(db_session, task=task, by=user.id, photo_ids=data.photo_ids, note=data.note):
            await record_audit(
                db_session,
                user,
                "task_fix",
                entity="task",
                entity_id=task.id,
                org_unit_id=task.org_unit_id,
                photos=len(data.photo_ids),
            )
        return await _detail(db_session, settings, task)

    @post("/{task_id:uuid}/accept", operation_id="AcceptTask", status_code=200)
    async def accept_task(
        self, task_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession, settings: AppSettings
    ) -> TaskDetailOut:
        user.require("supervisor", "admin")
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path, for_update=True)
        if task.status == "fixed" and task.fixed_by_id == user.id:
            await records.refuse_own(
                db_session, user, "task_accept_refused", entity="task", entity_id=task.id, org_unit_id=task.org_unit_id
            )
            raise PermissionDeniedException("you cannot accept your own fix; another supervisor must")
        await tasks.accept_task(db_session, task=task, by=user.id)
        await record_audit(
            db_session, user, "task_accept", entity="task", entity_id=task.id, org_unit_id=task.org_unit_id
        )
        return await _detail(db_session, settings, task)

    @post("/{task_id:uuid}/reopen", operation_id="ReopenTask", status_code=200)
    async def reopen_task(
        self,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskReopenIn],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> TaskDetailOut:
        user.require("supervisor", "admin")
        if not data.comment.strip():
            raise Invalid("say why the task is reopened (a comment)", field="comment", code="reopen_comment_required")
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path, for_update=True)
        await tasks.reopen_task(db_session, task=task, comment=data.comment)
        await record_audit(
            db_session,
            user,
            "task_reopen",
            entity="task",
            entity_id=task.id,
            org_unit_id=task.org_unit_id,
            comment=data.comment,
        )
        return await _detail(db_session, settings, task)

    @post("/{task_id:uuid}/reassign", operation_id="ReassignTask", status_code=200)
    async def reassign_task(
        self,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskReassignIn],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> TaskDetailOut:
        """Give the task to another person in scope (supervisor, admin); audited with both names."""
        user.require("supervisor", "admin")
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path, for_update=True)
        assignee = await users.get_user(db_session, user_id=data.assignee_id, scope_path=user.scope_path)
        names = await tasks.names(db_session, tasks=[task])  # the old assignee's name, before it changes
        before = await tasks.reassign_task(db_session, task=task, assignee=assignee)
        if before != assignee.id:
            await record_audit(
                db_session,
                user,
                "task_reassign",
                entity="task",
                entity_id=task.id,
                org_unit_id=task.org_unit_id,
                field="assignee",
                old=names.get(before, "") if before else "",
                new=assignee.display_name,
                old_id=str(before) if before else None,
                new_id=str(assignee.id),
            )
        return await _detail(db_session, settings, task)

    @post("/{task_id:uuid}/deadline", operation_id="SetTaskDeadline", status_code=200)
    async def set_task_deadline(
        self,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[TaskDeadlineIn],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> TaskDetailOut:
        """Move the deadline (supervisor, admin); audited with the old and the new day."""
        user.require("supervisor", "admin")
        if data.due_at.tzinfo is None:
            raise Invalid("give the deadline with its time zone offset (e.g. +08:00)", field="due_at")
        task = await tasks.get_task(db_session, task_id=task_id, scope_path=user.scope_path, for_update=True)
        before = await tasks.set_deadline(db_session, task=task, due_at=data.due_at)
        if before != task.due_at:
            await record_audit(
                db_session,
                user,
                "task_deadline",
                entity="task",
                entity_id=task.id,
                org_unit_id=task.org_unit_id,
                field="due_at",
                old=before.isoformat(),
                new=task.due_at.isoformat(),
            )
        return await _detail(db_session, settings, task)
