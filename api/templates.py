"""Checklist templates (GET/POST /checklist-templates, PUT /checklist-templates/{key}, GET .../{id})
and the rule every checklist record obeys: its items are codes of the version it names."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from api.deps import CurrentUser, DbSession, record_audit
from api.types import In, Name, as_stored
from storage.errors import Invalid
from storage.models import ChecklistTemplate
from storage.queries import templates
from storage.vocabulary import StationStandard, TemplateKind

Kind = TemplateKind
Standard = StationStandard
Code = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="stable item code: lower-case letters, digits, _")
]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Hint = Annotated[str, msgspec.Meta(max_length=1000)]


class Label(In):
    zh: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    en: Short = ""


class HintText(In):
    zh: Hint = ""
    en: Hint = ""


class TemplateItem(In):
    code: Code
    label: Label
    hint: HintText = msgspec.field(default_factory=HintText)


class AppliesTo(In):
    facility_kinds: Annotated[list[Short], msgspec.Meta(max_length=20)] = []
    standard: Standard | None = None


Items = Annotated[list[TemplateItem], msgspec.Meta(min_length=1, max_length=50)]


class TemplateIn(In):
    key: Code
    kind: Kind
    name: Name
    items: Items
    applies_to: AppliesTo = msgspec.field(default_factory=AppliesTo)


class TemplateVersionIn(In):
    items: Items
    name: Name | None = None
    applies_to: AppliesTo | None = None


class AppliesToOut(msgspec.Struct):
    """As stored: a patrol template names its facility kinds (none: every kind), an inspection
    template its station standard; the other key is absent."""

    facility_kinds: list[str] | msgspec.UnsetType = msgspec.UNSET
    standard: Standard | msgspec.UnsetType = msgspec.UNSET


class TemplateItemOut(msgspec.Struct):
    """An item as stored and sent: its hint always there (empty when none was given)."""

    code: str
    label: Label
    hint: HintText


class TemplateOut(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: int
    kind: Kind
    name: str
    applies_to: AppliesToOut
    items: list[TemplateItemOut]
    active: bool
    created_at: datetime


class TemplatePage(msgspec.Struct):
    items: list[TemplateOut]
    next_cursor: str | None = None


def template_out(t: ChecklistTemplate) -> TemplateOut:
    return TemplateOut(
        id=t.id,
        key=t.key,
        version=t.version,
        kind=t.kind,
        name=t.name,
        applies_to=as_stored(t.applies_to, AppliesToOut),
        items=[TemplateItemOut(i.code, i.label, i.hint) for i in as_stored(t.items, list[TemplateItem])],
        active=t.active,
        created_at=t.created_at,
    )


def _applies_to(kind: str, applies_to: AppliesTo) -> dict[str, Any]:
    if kind == "patrol":
        return {"facility_kinds": sorted(set(applies_to.facility_kinds))}
    if applies_to.standard is None:
        raise Invalid("an inspection template says which standard it applies to", field="applies_to.standard")
    return {"standard": applies_to.standard}


def _items(items: list[TemplateItem]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for n, item in enumerate(items):
        if item.code in seen:
            raise Invalid(
                f"the code {item.code} is listed twice; codes of a template are unique", field=f"items[{n}].code"
            )
        seen.add(item.code)
    return msgspec.to_builtins(items)


def check_checklist(template: templates.Version, checklist: Sequence[Any]) -> None:
    """Each item of a record is a code of the version it was filled against."""
    codes = {i["code"] for i in template.items}
    for n, entry in enumerate(checklist):
        if entry.item not in codes:
            raise Invalid(
                f"checklist item {entry.item} is not in the checklist {template.name} (version {template.version})",
                field=f"checklist[{n}].item",
            )


class TemplateController(Controller):
    path = "/api/v1/checklist-templates"
    tags = ["checklist templates"]

    @get(operation_id="ListChecklistTemplates")
    async def list_templates(
        self,
        user: CurrentUser,
        db_session: DbSession,
        kind: FromQuery[Kind | None] = None,
        all_versions: FromQuery[bool] = False,
    ) -> TemplatePage:
        """The active templates (every user: phones cache them); `all_versions=true` adds earlier ones."""
        rows = await templates.list_templates(db_session, kind=kind, active_only=not all_versions)
        return TemplatePage(items=[template_out(t) for t in rows])

    @get("/{template_id:uuid}", operation_id="GetChecklistTemplate")
    async def get_template(
        self, template_id: FromPath[uuid.UUID], user: CurrentUser, db_session: DbSession
    ) -> TemplateOut:
        return template_out(await templates.get_template(db_session, template_id=template_id))

    @post(operation_id="CreateChecklistTemplate", request_max_body_size=262_144)
    async def create_template(
        self, data: JSONBody[TemplateIn], user: CurrentUser, db_session: DbSession
    ) -> Response[TemplateOut]:
        user.require("admin")
        template = await templates.create_template(
            db_session,
            created_by_id=user.id,
            values=dict(
                key=data.key,
                kind=data.kind,
                name=data.name,
                applies_to=_applies_to(data.kind, data.applies_to),
                items=_items(data.items),
            ),
        )
        await record_audit(
            db_session,
            user,
            "template_create",
            entity="checklist_template",
            entity_id=template.id,
            key=template.key,
            version=template.version,
        )
        return Response(template_out(template), status_code=201)

    @put("/{key:str}", operation_id="PutChecklistTemplateVersion", status_code=201, request_max_body_size=262_144)
    async def new_version(
        self, key: FromPath[str], data: JSONBody[TemplateVersionIn], user: CurrentUser, db_session: DbSession
    ) -> TemplateOut:
        """A new version that becomes the active one; records keep the version they were filled with."""
        user.require("admin")
        values: dict[str, Any] = dict(items=_items(data.items), name=data.name)
        current = await templates.template_for_key(db_session, key=key)
        if data.applies_to is not None:
            values["applies_to"] = _applies_to(current.kind, data.applies_to)
        template = await templates.new_version(db_session, key=key, values=values, created_by_id=user.id)
        await record_audit(
            db_session,
            user,
            "template_version",
            entity="checklist_template",
            entity_id=template.id,
            key=template.key,
            version=template.version,
        )
        return template_out(template)
