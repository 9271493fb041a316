"""A supervisor's decision on a record, whatever its kind: approve, return, reopen; it stays in
`reviews` with who, when and why."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.exceptions import PermissionDeniedException

from api.deps import DbSession, Principal, record_audit
from api.records import kinds
from api.records.wire import AuthorOut, ReviewIn, ReviewOut
from storage.db import commit_early
from storage.errors import Conflict, Invalid
from storage.queries import records as record_queries
from storage.queries.records import Record
from storage.vocabulary import AuditEntity

# An approval may be taken back (reopen) this long after it was given.
REOPEN_WINDOW = timedelta(hours=24)

# --- review ------------------------------------------------------------------------------------


async def review(db_session: DbSession, user: Principal, record: Record, data: ReviewIn) -> None:
    """A supervisor's decision; it stays in `reviews` with who, when and why."""
    refusal = await kinds.of(record).refuse_review(db_session, user, record)
    if refusal is not None:
        raise PermissionDeniedException(refusal.detail)
    if not user.reviews:
        raise PermissionDeniedException("only a supervisor or an administrator can review records")
    kind = record_queries.kind_of(type(record))
    if record.author_id == user.id:
        await refuse_own(
            db_session,
            user,
            f"{kind}_review_refused",
            entity=kind,
            entity_id=record.id,
            org_unit_id=record.org_unit_id,
            decision=data.decision,
        )
        raise PermissionDeniedException(f"you cannot review your own {kind}; another supervisor must")
    if data.decision == "return" and not data.comment.strip():
        raise Invalid("say what needs to change: a comment is required to return a record", field="comment")
    if data.decision == "reopen":
        await reopen(db_session, user, record, data.comment.strip())
        return
    if record.status == "approved":
        raise Conflict(f"this {kind} is already approved")
    if record.status == "returned":
        raise Conflict(f"this {kind} was returned and waits for its author to send it again")
    if data.decision == "approve" and record.status == "incomplete":
        raise Conflict(f"this {kind}'s photos have not all arrived yet; approve it when they have")
    status = "approved" if data.decision == "approve" else "returned"
    await record_queries.update_record(
        db_session, record=record, values={"status": status, "updated_at": datetime.now(timezone.utc)}
    )
    await record_queries.add_review(
        db_session,
        record_kind=kind,
        record_id=record.id,
        reviewer_id=user.id,
        decision=data.decision,
        comment=data.comment.strip(),
    )
    await record_audit(
        db_session,
        user,
        f"{kind}_review",
        entity=kind,
        entity_id=record.id,
        org_unit_id=record.org_unit_id,
        decision=data.decision,
    )
    if status == "approved":
        await kinds.of(record).on_approve(db_session, record)


async def reopen(db_session: DbSession, user: Principal, record: Record, comment: str) -> None:
    """Take an approval back: within 24 hours of it, by the approver or a supervisor of a unit
    above the approver's. The record waits for a decision again; the reopen stays in `reviews`."""
    kind = record_queries.kind_of(type(record))
    if not comment:
        raise Invalid(
            "say why the approval is taken back: a comment is required to reopen a record",
            field="comment",
            code="reopen_comment_required",
        )
    if record.status != "approved":
        raise Conflict(f"only an approved {kind} can be reopened; this one is {record.status}")
    last = await record_queries.last_approval(db_session, record_id=record.id)
    if last is None:
        raise Conflict(f"this {kind} has no approval to take back")
    approval, approver_path = last
    if approval.reviewer_id != user.id and not (
        approver_path.startswith(user.scope_path) and approver_path != user.scope_path
    ):
        raise PermissionDeniedException(
            "only the supervisor who approved it, or one above them, can reopen it", extra={"code": "reopen_not_yours"}
        )
    if datetime.now(timezone.utc) - approval.at > REOPEN_WINDOW:
        raise Conflict(
            f"an approval can be taken back within 24 hours; this {kind} was approved "
            f"{approval.at.isoformat(timespec='minutes')}",
            field="decision",
            code="reopen_too_late",
        )
    await record_queries.update_record(
        db_session, record=record, values={"status": "submitted", "updated_at": datetime.now(timezone.utc)}
    )
    await record_queries.add_review(
        db_session, record_kind=kind, record_id=record.id, reviewer_id=user.id, decision="reopen", comment=comment
    )
    await kinds.of(record).on_reopen(db_session, record)
    await record_audit(
        db_session,
        user,
        f"{kind}_reopen",
        entity=kind,
        entity_id=record.id,
        org_unit_id=record.org_unit_id,
        approved_by=str(approval.reviewer_id),
        comment=comment,
    )


async def refuse_own(
    db_session: DbSession,
    user: Principal,
    action: str,
    *,
    entity: AuditEntity,
    entity_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    **detail: Any,
) -> None:
    """Audit who tried to judge their own work; committed now, as the request ends in a 403 that
    rolls everything else back."""
    await record_audit(
        db_session,
        user,
        action,
        entity=entity,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        reason="own_record",
        **detail,
    )
    await commit_early(db_session, "the refusal's audit entry stays: the 403 rolls back the rest")


async def reviews_out(db_session: DbSession, record_id: uuid.UUID) -> list[ReviewOut]:
    return [
        ReviewOut(
            id=r.id,
            decision=r.decision,
            comment=r.comment,
            at=r.at,
            reviewer=AuthorOut(id=u.id, username=u.username, display_name=u.display_name),
        )
        for r, u in await record_queries.reviews_for(db_session, record_id=record_id)
    ]
