"""Checklist templates: versions by key, the active one, and which one a record is filled against."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, Invalid, NotFound
from storage.models import ChecklistTemplate


async def list_templates(
    session: AsyncSession, *, kind: str | None = None, active_only: bool = True
) -> Sequence[ChecklistTemplate]:
    query = select(ChecklistTemplate).order_by(ChecklistTemplate.kind, ChecklistTemplate.key, ChecklistTemplate.version)
    if kind:
        query = query.where(ChecklistTemplate.kind == kind)
    if active_only:
        query = query.where(ChecklistTemplate.active)
    return (await session.scalars(query)).all()


async def get_template(session: AsyncSession, *, template_id: uuid.UUID) -> ChecklistTemplate:
    template = await session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound("no such checklist template version", field="template_id")
    return template


async def template_for_key(session: AsyncSession, *, key: str) -> ChecklistTemplate:
    """The newest version of `key`."""
    template = await session.scalar(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.key == key)
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
    )
    if template is None:
        raise NotFound(f"no checklist template with the key {key}", field="key")
    return template


async def create_template(
    session: AsyncSession, *, values: dict[str, Any], created_by_id: uuid.UUID | None
) -> ChecklistTemplate:
    if await session.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.key == values["key"]).limit(1)):
        raise Conflict(f"a template with the key {values['key']} exists; PUT a new version of it", field="key")
    template = ChecklistTemplate(**values, id=uuid.uuid4(), version=1, active=True, created_by_id=created_by_id)
    session.add(template)
    await session.flush()
    return template


async def new_version(
    session: AsyncSession, *, key: str, values: dict[str, Any], created_by_id: uuid.UUID | None
) -> ChecklistTemplate:
    """The next version of `key` becomes the active one; earlier versions stay as they were."""
    current = await session.scalar(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.key == key)
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
        .with_for_update()
    )
    if current is None:
        raise NotFound(f"no checklist template with the key {key}", field="key")
    await session.execute(update(ChecklistTemplate).where(ChecklistTemplate.key == key).values(active=False))
    template = ChecklistTemplate(
        id=uuid.uuid4(),
        key=key,
        version=current.version + 1,
        kind=current.kind,
        name=values.get("name") or current.name,
        applies_to=values.get("applies_to") or current.applies_to,
        items=values["items"],
        active=True,
        created_by_id=created_by_id,
    )
    session.add(template)
    await session.flush()
    return template


async def item_labels(session: AsyncSession) -> dict[str, str]:
    """Each item code's Chinese label, from every version (a later version's wording wins), so a
    task or ledger row of an item an admin added reads as its label, not its code."""
    labels: dict[str, str] = {}
    for items in (await session.scalars(select(ChecklistTemplate.items).order_by(ChecklistTemplate.version))).all():
        labels.update({i["code"]: i["label"]["zh"] for i in items})
    return labels


@dataclass(frozen=True)
class Version:
    """What a record is checked against: one template version. A version never changes once
    written (an edit is a new version), so each process keeps those it has read."""

    id: uuid.UUID
    kind: str
    name: str
    version: int
    applies_to: dict[str, Any]
    items: list[dict[str, Any]]

    @classmethod
    def of(cls, t: ChecklistTemplate) -> Version:
        return cls(id=t.id, kind=t.kind, name=t.name, version=t.version, applies_to=t.applies_to, items=t.items)


_VERSIONS: dict[uuid.UUID, Version] = {}
_FACILITY_KINDS = ChecklistTemplate.applies_to["facility_kinds"]
_KINDS_NAMED = func.coalesce(func.jsonb_array_length(_FACILITY_KINDS), 0)
# The active template for a new record: built once, as every record PUT without template_id asks.
_ACTIVE = {
    "patrol": select(ChecklistTemplate)
    .where(
        ChecklistTemplate.kind == "patrol",
        ChecklistTemplate.active,
        _FACILITY_KINDS.contains(func.jsonb_build_array(bindparam("facility_kind", type_=String)))
        | (_KINDS_NAMED == 0),
    )
    .order_by(_KINDS_NAMED.desc(), ChecklistTemplate.key)
    .limit(1),
    "inspection": select(ChecklistTemplate)
    .where(
        ChecklistTemplate.kind == "inspection",
        ChecklistTemplate.active,
        ChecklistTemplate.applies_to["standard"].astext == bindparam("standard", type_=String),
    )
    .order_by(ChecklistTemplate.key)
    .limit(1),
}


async def template_for_record(
    session: AsyncSession,
    *,
    kind: str,
    template_id: uuid.UUID | None,
    facility_kind: str | None = None,
    standard: str | None = None,
) -> Version:
    """The version a record names (any version: phones fill against the one they cached), or the
    active template that applies: for a patrol the one naming the facility's kind before the one
    for every kind; for an inspection the one for the station's standard."""
    if template_id is not None:
        found = _VERSIONS.get(template_id)
        if found is None:
            row = await session.get(ChecklistTemplate, template_id)
            found = _VERSIONS.setdefault(template_id, Version.of(row)) if row is not None else None
        if found is None or found.kind != kind:
            raise Invalid(f"template_id is not a {kind} checklist template", field="template_id")
        return found
    template = await session.scalar(_ACTIVE[kind], {"facility_kind": facility_kind, "standard": standard})
    if template is None:
        raise Invalid(f"no active {kind} checklist applies here; send template_id", field="template_id")
    return Version.of(template)
