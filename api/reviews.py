"""Decisions on many records at once, and the ready-made return comments.

POST /reviews/batch approves flag-free records awaiting the caller's decision, all or none: one
record that carries a flag, waits for no decision, or is not the caller's to decide, and nothing
is approved (422 naming every such record). GET /return-reasons lists ready-made comments for a
return; an admin replaces them with PUT."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from api import records
from api.deps import CurrentUser, DbSession, record_audit
from api.records import ReviewIn
from api.types import In
from storage.errors import Invalid, NotFound
from storage.queries import records as record_queries
from storage.queries import return_reasons
from storage.vocabulary import BatchRefusalReason, ErrorCode, RecordKind


class RecordRef(In):
    kind: RecordKind
    id: uuid.UUID


class BatchIn(In):
    decision: Literal["approve"]
    records: Annotated[list[RecordRef], msgspec.Meta(min_length=1, max_length=100)]


class BatchOut(msgspec.Struct):
    approved: int
    records: list[RecordRef]


class Refused(msgspec.Struct):
    kind: RecordKind
    id: uuid.UUID
    reason: BatchRefusalReason
    detail: str


class BatchRefusal(msgspec.Struct):
    """The 422 of a batch: nothing was approved. An ErrorOut (api/errors.py) with the records named."""

    status_code: int
    detail: str
    code: ErrorCode
    field: str
    refused: list[Refused]


class ReasonText(msgspec.Struct):
    zh: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ReturnReasonIO(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_]{1,32}$")]
    text: ReasonText


async def _refusal(db_session: DbSession, user: CurrentUser, ref: RecordRef) -> Refused | None:
    """Why this record cannot be approved in a batch by this user, if it cannot."""

    def no(reason: BatchRefusalReason, detail: str) -> Refused:
        return Refused(kind=ref.kind, id=ref.id, reason=reason, detail=detail)

    kind = records.kinds.named(ref.kind)
    try:
        record = await record_queries.get_record(
            db_session,
            model=kind.model,
            record_id=ref.id,
            scope_path=user.scope_path,
            for_update=True,
        )
    except NotFound:
        return no("not_found", f"no such {ref.kind} in your scope")
    if record.author_id == user.id:
        return no("own_record", f"this {ref.kind} is your own; another supervisor decides on it")
    if record.status != "submitted":
        return no("not_awaiting", f"this {ref.kind} is {record.status}, not awaiting a decision")
    if record.flags:
        codes = ", ".join(str(f.get("code")) for f in record.flags)
        return no("flagged", f"this {ref.kind} carries flags ({codes}); decide on it on its own")
    refusal = await kind.refuse_review(db_session, user, record)
    return None if refusal is None else no(refusal.reason, refusal.detail)


class ReviewBatchController(Controller):
    path = "/api/v1"
    tags = ["review"]

    @post(
        "/reviews/batch",
        operation_id="ReviewBatch",
        status_code=200,
        responses={
            422: ResponseSpec(
                BatchRefusal, generate_examples=False, description="nothing was approved: the records named cannot be"
            )
        },
    )
    async def review_batch(
        self, data: JSONBody[BatchIn], user: CurrentUser, db_session: DbSession
    ) -> Response[BatchOut]:
        """Approve up to 100 flag-free records awaiting the caller's decision, in one transaction."""
        if not user.reviews:
            raise PermissionDeniedException("only a supervisor or an administrator can review records")
        if len({r.id for r in data.records}) != len(data.records):
            raise Invalid("the batch names the same record twice", field="records")
        # Locked in one order, so two batches sharing records wait for each other instead of deadlocking.
        refs = sorted(data.records, key=lambda r: r.id)
        refused = [r for r in [await _refusal(db_session, user, ref) for ref in refs] if r is not None]
        if refused:
            named = "; ".join(f"{r.kind} {r.id}: {r.detail}" for r in refused)
            detail = (
                f"nothing was approved: {len(refused)} of {len(refs)} records cannot be approved together ({named})"
            )
            refusal = {"field": "records", "code": "invalid", "refused": msgspec.to_builtins(refused)}
            raise HTTPException(detail, status_code=422, extra=refusal)
        for ref in refs:
            record = await record_queries.get_record(
                db_session,
                model=records.kinds.named(ref.kind).model,
                record_id=ref.id,
                scope_path=user.scope_path,
                for_update=True,
            )
            await records.review(db_session, user, record, ReviewIn(decision="approve"))
        await record_audit(db_session, user, "review_batch", entity="review", approved=len(refs))
        return Response(BatchOut(approved=len(refs), records=data.records))

    @get("/return-reasons", operation_id="ListReturnReasons")
    async def list_return_reasons(self, user: CurrentUser, db_session: DbSession) -> list[ReturnReasonIO]:
        """Ready-made comments for returning a record, in both languages."""
        return [
            ReturnReasonIO(code=r.code, text=ReasonText(zh=r.text_zh, en=r.text_en))
            for r in await return_reasons.list_reasons(db_session)
        ]

    @put("/return-reasons", operation_id="PutReturnReasons", status_code=200)
    async def put_return_reasons(
        self,
        data: JSONBody[Annotated[list[ReturnReasonIO], msgspec.Meta(max_length=50)]],
        user: CurrentUser,
        db_session: DbSession,
    ) -> list[ReturnReasonIO]:
        """Replace the whole list (admin); audited."""
        user.require("admin")
        codes = [r.code for r in data]
        if len(set(codes)) != len(codes):
            raise Invalid("two reasons have the same code", field="code")
        texts = [(r.code, r.text.zh.strip(), r.text.en.strip()) for r in data]
        if any(not zh or not en for _, zh, en in texts):
            raise Invalid("each reason needs its text in Chinese and in English", field="text")
        await return_reasons.replace_reasons(db_session, reasons=texts)
        await record_audit(db_session, user, "return_reasons_update", entity="return_reasons", codes=codes)
        return [ReturnReasonIO(code=c, text=ReasonText(zh=zh, en=en)) for c, zh, en in texts]
