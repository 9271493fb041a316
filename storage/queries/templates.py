"""Checklist templates: versions by key, the active one, and which one a record is filled against."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, Invalid, NotFound
from storage.models import ChecklistTemplate


async def list_templates(session: AsyncSession, *, kind: str | None = None,
                         active_only: bool = True) -> Sequence[ChecklistTemplate]:
    query = select(ChecklistTemplate).order_by(ChecklistTemplate.kind, ChecklistTemplate.key,
                                               ChecklistTemplate.version)
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
    template = await session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.key == key)
                                    .order_by(ChecklistTemplate.version.desc()).limit(1))
    if template is None:
        raise NotFound(f"no checklist template with the key {key}", field="key")
    return template


async def create_template(session: AsyncSession, *, values: dict[str, Any],
                          created_by_id: uuid.UUID | None) -> ChecklistTemplate:
    if await session.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.key == values["key"]).limit(1)):
        raise Conflict(f"a template with the key {values['key']} exists; PUT a new version of it", field="key")
    template = ChecklistTemplate(**values, id=uuid.uuid4(), version=1, active=True, created_by_id=created_by_id)
    session.add(template)
    await session.flush()
    return template


async def new_version(session: AsyncSession, *, key: str, values: dict[str, Any],
                      created_by_id: uuid.UUID | None) -> ChecklistTemplate:
    """The next version of `key` becomes the active one; earlier versions stay as they were."""
    current = await session.scalar(
        select(ChecklistTemplate).where(ChecklistTemplate.key == key)
        .order_by(ChecklistTemplate.version.desc()).limit(1).with_for_update())
    if current is None:
        raise NotFound(f"no checklist template with the key {key}", field="key")
    await session.execute(update(ChecklistTemplate).where(ChecklistTemplate.key == key)
                          .values(active=False))
    template = ChecklistTemplate(
        id=uuid.uuid4(), key=key, version=current.version + 1, kind=current.kind,
        name=values.get("name") or current.name, applies_to=values.get("applies_to") or current.applies_to,
        items=values["items"], active=True, created_by_id=created_by_id)
    session.add(template)
    await session.flush()
    return template


async def template_for_record(session: AsyncSession, *, kind: str, template_id: uuid.UUID | None,
                              facility_kind: str | None = None, standard: str | None = None) -> ChecklistTemplate:
    """The version a record names (any version: phones fill against the one they cached), or the
    active template that applies: for a patrol the one naming the facility's kind before the one
    for every kind; for an inspection the one for the station's standard."""
    if template_id is not None:
        template = await session.get(ChecklistTemplate, template_id)
        if template is None or template.kind != kind:
            raise Invalid(f"template_id is not a {kind} checklist template", field="template_id")
        return template
    query = select(ChecklistTemplate).where(ChecklistTemplate.kind == kind, ChecklistTemplate.active)
    if kind == "patrol":
        kinds = ChecklistTemplate.applies_to["facility_kinds"]
        query = query.where(kinds.contains([facility_kind]) | (func.coalesce(func.jsonb_array_length(kinds), 0) == 0))
        query = query.order_by(func.coalesce(func.jsonb_array_length(kinds), 0).desc(), ChecklistTemplate.key)
    else:
        query = query.where(ChecklistTemplate.applies_to["standard"].astext == standard).order_by(ChecklistTemplate.key)
    template = await session.scalar(query.limit(1))
    if template is None:
        raise Invalid(f"no active {kind} checklist applies here; send template_id", field="template_id")
    return template
