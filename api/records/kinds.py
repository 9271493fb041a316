"""A record kind as one descriptor: what the shared machinery (put, evidence, review, photos,
the batch review) needs to know of patrols, visits and inspections, said once per kind.

Each kind's module (api/patrols.py, api/visits.py, api/inspections.py) makes its `Kind`,
registers it, and subclasses api/records/routes.RecordController with it; the shared code looks a
kind up by its model or its name, never branches on it. Adding a record kind: README.md, "Adding
a record kind".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from api.evidence import Site
from api.settings import TaskRules
from storage.record_tables import R, RecordTable
from storage.vocabulary import BatchRefusalReason, RecordKind


async def _nothing(session: AsyncSession, record: Any) -> None:
    return None


@dataclass(frozen=True)
class Refusal:
    """Why a supervisor may not decide on a record of this kind: a stable word and a sentence."""

    reason: BatchRefusalReason
    detail: str


async def _anyone(session: AsyncSession, user: Principal, record: Any) -> Refusal | None:
    return None


@dataclass(frozen=True)
class Kind(Generic[R]):
    # What storage knows of the kind: its code, model, site and time (storage/record_tables.py).
    table: RecordTable[R]
    # Its wire types: what the phone PUTs and what the API answers.
    data: type[Any]
    out: type[Any]
    # The kind's own checks of a PUT body, and the record's columns and site (404/422 here).
    prepare: Callable[[AsyncSession, Principal, Any], Awaitable[tuple[dict[str, Any], Site]]]
    # What the record is judged against: its facility, subject or station.
    site_of: Callable[[AsyncSession, R], Awaitable[Site]]
    # The answers for stored rows (the author's and the site's names looked up once for all).
    answer: Callable[[AsyncSession, list[R]], Awaitable[Sequence[Any]]]
    # Tasks opened or closed by what the record found.
    sync_tasks: Callable[[AsyncSession, R, bool, TaskRules], Awaitable[Any]]
    # What an approval counts for its site (last patrolled, last visited), and its taking back.
    on_approve: Callable[[AsyncSession, R], Awaitable[None]] = _nothing
    on_reopen: Callable[[AsyncSession, R], Awaitable[None]] = _nothing
    # Closing one of its tasks needs an after photo (a site was fixed); else a note or a photo (a
    # follow-up was done).
    fix_needs_photo: bool = True
    # Who may not decide on a record beyond the rules for all kinds (its own author, a field worker).
    refuse_review: Callable[[AsyncSession, Principal, R], Awaitable[Refusal | None]] = _anyone

    @property
    def name(self) -> RecordKind:
        return self.table.kind

    @property
    def model(self) -> type[R]:
        return self.table.model


_BY_MODEL: dict[type, Kind[Any]] = {}
_BY_NAME: dict[str, Kind[Any]] = {}


def register(kind: Kind[R]) -> Kind[R]:
    _BY_MODEL[kind.model] = kind
    _BY_NAME[kind.name] = kind
    return kind


def of(record: R) -> Kind[R]:
    """The descriptor of a stored record's kind."""
    return _BY_MODEL[type(record)]


def of_model(model: type[R]) -> Kind[R]:
    return _BY_MODEL[model]


def named(name: str) -> Kind[Any]:
    return _BY_NAME[name]
