"""The handlers every record kind shares, built from its descriptor: PUT, GET and review of one
record at /api/v1/<kind>s/{id}. A kind's controller subclasses `RecordController` with its
descriptor and adds only its list (whose filters are its own).

The handlers are written once over the type variables `In` and `Out`; Litestar puts each
kind's wire types in their place (the controller's signature namespace), so the OpenAPI
document names `PatrolIn`, `VisitOut`, ... as before, under the operation ids PutPatrol,
GetVisit, ReviewInspection, ..."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Generic, TypeVar

from litestar import Controller, Request, Response, get, post, put
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.params import JSONBody

from api.deps import AppSettings, CurrentUser, DbSession
from api.records.evidence import detail
from api.records.kinds import Kind
from api.records.put import put_answer
from api.records.review import review
from api.records.wire import RecordOut, ReviewIn, created, visible_author
from api.types import In as InBase
from storage.queries import records as record_queries

In = TypeVar("In", bound=InBase)
Out = TypeVar("Out", bound=RecordOut)


# The verb of each shared handler's operation id (PutPatrol, GetVisit, ReviewInspection).
_VERBS = {"put_one": "Put", "get_one": "Get", "review_one": "Review"}
# The record's id in the handlers' paths, named per kind when the controller is made: the path
# says {patrol_id}, {visit_id}, ... as each kind's own handlers always have.
_ID = "{record_id:uuid}"


class RecordController(Controller, Generic[In, Out]):
    kind: ClassVar[Kind[Any]]

    def __init__(self, owner: Any) -> None:
        super().__init__(owner)
        # The kind's wire types for the type variables (Litestar expands them from here).
        # (A type variable as a key is Litestar's way; mypy allows it only as a type.)
        types = {In: self.kind.data, Out: self.kind.out}  # type: ignore[misc]
        self.signature_namespace = {**self.signature_namespace, **types}

    def get_route_handlers(self) -> list[BaseRouteHandler]:
        handlers = super().get_route_handlers()
        for handler in handlers:
            if isinstance(handler, HTTPRouteHandler) and handler.handler_name in _VERBS:
                # Named as each kind's own handlers were (the summary is Litestar's default, from the name).
                handler.operation_id = handler.summary = _VERBS[handler.handler_name] + self.kind.name.capitalize()
                handler.paths = {p.replace(_ID, f"{{{self.kind.name}_id:uuid}}") for p in handler.paths}
                if handler.handler_name == "put_one":
                    # The first delivery of an id answers 201, with the kind's own answer.
                    handler.responses = created(self.kind.out)
        return handlers

    def record_id(self, request: Request[Any, Any, Any]) -> uuid.UUID:
        return request.path_params[f"{self.kind.name}_id"]

    @put(f"/{_ID}", status_code=200)
    async def put_one(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[In],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> Response[Out]:
        """Store the record (the phone makes its id; the same body again changes nothing)."""
        values, site = await self.kind.prepare(db_session, user, data)
        out, is_new = await put_answer(
            db_session,
            user,
            settings,
            self.kind,
            record_id=self.record_id(request),
            data=data,
            values=values,
            site=site,
        )
        return Response(out, status_code=201 if is_new else 200)

    @get(f"/{_ID}")
    async def get_one(
        self, request: Request[Any, Any, Any], user: CurrentUser, db_session: DbSession, settings: AppSettings
    ) -> Out:
        """The record with its photos (fresh signed links) and reviews; a field worker sees their own."""
        record = await record_queries.get_record(
            db_session,
            model=self.kind.model,
            record_id=self.record_id(request),
            scope_path=user.scope_path,
            author_id=visible_author(user),
        )
        return await detail(db_session, settings, self.kind, record)

    @post(f"/{_ID}/review", status_code=200)
    async def review_one(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ReviewIn],
        user: CurrentUser,
        db_session: DbSession,
        settings: AppSettings,
    ) -> Out:
        """Approve, return or reopen."""
        record = await record_queries.get_record(
            db_session,
            model=self.kind.model,
            record_id=self.record_id(request),
            scope_path=user.scope_path,
            for_update=True,
        )
        await review(db_session, user, record, data)
        return await detail(db_session, settings, self.kind, record)
