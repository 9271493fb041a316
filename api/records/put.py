"""The idempotent PUT of a record, whatever its kind.

- the phone makes the id, so the same body sent again is a 200 and never a second record;
- a changed body is accepted until a supervisor approves (a returned record may be resent);
- the record's writes are storage's (storage/queries/records.py); this module says when.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import msgspec

from api.deps import DbSession, Principal, record_audit
from api.evidence import Site
from api.records.evidence import evaluate, with_evidence
from api.records.kinds import Kind
from api.records.wire import body_hash
from api.settings import EvidenceRules
from storage.errors import Conflict
from storage.models import Photo
from storage.queries import records as record_queries
from storage.queries.records import R

# --- the idempotent PUT ------------------------------------------------------------------------


async def put_record(
    db_session: DbSession,
    user: Principal,
    *,
    model: type[R],
    record_id: uuid.UUID,
    digest: str,
    values: dict[str, Any],
    site: Site,
    rules: EvidenceRules,
) -> tuple[R, bool, list[Photo] | None]:
    """Store the record with its status and flags settled; returns it, whether it was created, and
    its arrived photos (None when the same body came again and nothing was looked at)."""
    kind = record_queries.kind_of(model)
    now = datetime.now(timezone.utc)
    owner = await record_queries.claim_record(db_session, record_id=record_id, owner_id=user.id)
    # Under the claim's lock: a delivery of this id that raced ours has committed by now.
    existing = await record_queries.find_record(db_session, model=model, record_id=record_id, for_update=True)
    if existing is not None and existing.author_id != user.id:
        raise Conflict(f"this {kind} id belongs to a record by someone else; start a new record")
    if owner != user.id:
        raise Conflict(f"this {kind} id belongs to someone else's photos; start a new record")
    if existing is not None:
        if existing.body_hash == digest:
            return existing, False, None
        if existing.status == "approved":
            raise Conflict(f"this {kind} was approved by a supervisor and can no longer change")
        # A returned or pending record sent again goes back into the queue.
        record = await record_queries.update_record(
            db_session,
            record=existing,
            values={**values, "body_hash": digest, "status": "submitted", "updated_at": now},
        )
    else:
        record = model(
            **values,
            id=record_id,
            author_id=user.id,
            body_hash=digest,
            status="submitted",
            received_at=now,
            updated_at=now,
        )
    photos = await evaluate(db_session, record, site, rules)
    if existing is None:
        await record_queries.insert_record(db_session, record=record)
    await record_audit(
        db_session,
        user,
        f"{kind}_{'update' if existing else 'create'}",
        entity=kind,
        entity_id=record_id,
        org_unit_id=record.org_unit_id,
    )
    await db_session.flush()
    return record, existing is None, photos


async def put_answer(
    db_session: DbSession,
    user: Principal,
    settings: Any,
    kind: Kind[R],
    *,
    record_id: uuid.UUID,
    data: msgspec.Struct,
    values: dict[str, Any],
    site: Site,
) -> tuple[Any, bool]:
    """A kind's PUT after its own checks: the record stored, its tasks synced, and its answer (with
    its photos, and its reviews unless it is new); and whether it was created."""
    record, created, photos = await put_record(
        db_session,
        user,
        model=kind.model,
        record_id=record_id,
        digest=body_hash(data),
        values=values,
        site=site,
        rules=settings.evidence,
    )
    await kind.sync_tasks(db_session, record, created, settings.tasks)
    [out] = await kind.answer(db_session, [record])
    return await with_evidence(db_session, settings, out, record, photos, new=created), created
