"""The handlers every record kind shares, built from its descriptor: PUT, GET and review of one
record at /api/v1/<kind>s/{id}, and the filters and page of its list. A kind's controller
subclasses `RecordController` with its descriptor and adds only its list handler, for the query
parameter that names its site (facility_id, subject_id; an inspection's site is its unit).

The handlers are written once over the type variables `In` and `Out`; Litestar puts each
kind's wire types in their place (the controller's signature namespace), so the OpenAPI
document names `PatrolIn`, `VisitOut`, ... as before, under the operation ids PutPatrol,
GetVisit, ReviewInspection, ..."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.params import FromQuery, JSONBody

from api.dates import check_time
from api.deps import AppSettings, CurrentUser, DbSession
from api.records.evidence import detail
from api.records.kinds import Kind
from api.records.put import put_answer
from api.records.review import review
from api.records.wire import RecordOut, ReviewIn, Since, Until, created, visible_author
from api.types import In as InBase
from api.types import Limit
from storage.queries import records as record_queries
from storage.vocabulary import RecordStatus

In = TypeVar("In", bound=InBase)
Out = TypeVar("Out", bound=RecordOut)


# The verb of each shared handler's operation id (PutPatrol, GetVisit, ReviewInspection).
_VERBS = {"put_one": "Put", "get_one": "Get", "review_one": "Review"}
# The record's id in the handlers' paths, named per kind when the controller is made: the path
# says {patrol_id}, {visit_id}, ... as each kind's own handlers always have.
_ID = "{record_id:uuid}"


@dataclass(frozen=True)
class ListFilters:
    """What every record list filters on; the kind's handler adds its site."""

    status: RecordStatus | None
    org_unit_id: uuid.UUID | None
    author_id: uuid.UUID | None
    since: Any
    until: Any
    cursor: str | None
    limit: int


def list_filters(
    status: FromQuery[RecordStatus | None] = None,
    org_unit_id: FromQuery[uuid.UUID | None] = None,
    author_id: FromQuery[uuid.UUID | None] = None,
    since: Since = None,
    until: Until = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> ListFilters:
    return ListFilters(
        status, org_unit_id, author_id, check_time(since, "from"), check_time(until, "to"), cursor, limit
    )


Filters = NamedDependency[ListFilters]


class RecordController(Controller, Generic[In, Out]):
    kind: ClassVar[Kind[Any]]
    dependencies = {"filters": Provide(list_filters, sync_to_thread=False)}

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

    async def record(
        self, request: Request[Any, Any, Any], db_session: DbSession, user: CurrentUser, **how: Any
    ) -> Any:
        """The path's record, if it is in the caller's scope (404 otherwise)."""
        return await record_queries.get_record(
            db_session, model=self.kind.model, record_id=self.record_id(request), scope_path=user.scope_path, **how
        )

    async def page(
        self, db_session: DbSession, user: CurrentUser, filters: ListFilters, site_id: uuid.UUID | None = None
    ) -> tuple[list[Out], str | None]:
        """A page of the kind's records, newest first; a field worker's own only."""
        rows, next_cursor = await record_queries.list_records(
            db_session,
            model=self.kind.model,
            scope_path=user.scope_path,
            author_id=visible_author(user) or filters.author_id,
            status=filters.status,
            site_id=site_id,
            org_unit_id=filters.org_unit_id,
            since=filters.since,
            until=filters.until,
            cursor=filters.cursor,
            limit=filters.limit,
        )
        return list(await self.kind.answer(db_session, list(rows))), next_cursor

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
        record = await self.record(request, db_session, user, author_id=visible_author(user))
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
        record = await self.record(request, db_session, user, for_update=True)
        await review(db_session, user, record, data)
        return await detail(db_session, settings, self.kind, record)
