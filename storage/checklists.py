"""The default checklist templates: the one place the built-in item codes are written down.

The migration that creates checklist_templates loads these as version 1 of each key; from then on
an admin changes them through the API (a new version each time), never by editing this file.
Reports, tasks and exports count by the codes, which stay stable across versions."""

from __future__ import annotations

import uuid
from typing import Any

# Fixed ids, so existing patrols can be moved onto the patrol template's first version by the
# migration and rows written without a template (older clients, bulk loads) default to it.
PATROL_V1 = uuid.UUID("7c1e5a8e-0001-4c4b-9a51-000000000001")
SEVEN_ONES_V1 = uuid.UUID("7c1e5a8e-0002-4c4b-9a51-000000000001")
FOUR_HAVES_V1 = uuid.UUID("7c1e5a8e-0003-4c4b-9a51-000000000001")


def _item(code: str, zh: str, en: str, hint_zh: str, hint_en: str) -> dict[str, Any]:
    return {"code": code, "label": {"zh": zh, "en": en}, "hint": {"zh": hint_zh, "en": hint_en}}


PATROL_ITEMS = [
    _item("cleanliness", "环境卫生", "Cleanliness", "垃圾、杂草、腐烂祭品", "Litter, weeds, rotting offerings"),
    _item("greenery", "绿化养护", "Greenery", "树木、草坪、绿篱养护", "Trees, lawns, hedges tended"),
    _item(
        "structure",
        "设施完好",
        "Structure",
        "纪念碑、墓体、台阶、栏杆完好",
        "Monument, tombs, steps, railings undamaged",
    ),
    _item(
        "safety", "安全隐患", "Safety hazards", "火灾、松动石块、积水、电气", "Fire, loose stones, flooding, electrical"
    ),
    _item("signage", "标识标牌", "Signage", "名牌、碑文、指示牌清晰", "Name plates, inscriptions, signs legible"),
    _item(
        "visitor_order",
        "祭扫秩序",
        "Visitor order",
        "祭扫有序，无商业或不敬行为",
        "Orderly visits, no commercial or disrespectful use",
    ),
    _item("surveillance", "安防监控", "Surveillance", "监控设备在位、运行正常", "Cameras present and working"),
]

SEVEN_ONES_ITEMS = [
    _item(
        "work_body",
        "一个工作机构",
        "A working body",
        "服务站已挂牌成立，人员分工明确",
        "The station is set up and named, with clear roles",
    ),
    _item(
        "office_space", "一块办公阵地", "An office space", "有固定办公和接待场所", "A fixed office and reception room"
    ),
    _item("duties_rules", "一套职责制度", "Duties and rules", "职责、制度上墙", "Duties and rules posted on the wall"),
    _item(
        "ledger",
        "一本业务台账",
        "A service ledger",
        "服务对象和工作台账齐全、及时更新",
        "Ledgers of people served and work done, kept up to date",
    ),
    _item(
        "process_chart", "一幅办事流程图", "A process chart", "办事流程图公示", "The service process chart is displayed"
    ),
    _item(
        "privilege_list",
        "一张优待目录清单",
        "A list of privileges",
        "优待目录清单公示",
        "The list of preferential treatments is displayed",
    ),
    _item(
        "culture_street",
        "一条双拥文化街",
        "A double-support culture street",
        "双拥文化街（墙、廊）建成",
        "A street, wall or corridor of double-support culture",
    ),
]

FOUR_HAVES_ITEMS = [
    _item("service_place", "有服务场所", "A service place", "有固定的服务场所", "A fixed place to serve people"),
    _item("work_body", "有工作机构", "A working body", "服务站已挂牌成立", "The station is set up and named"),
    _item(
        "dedicated_staff",
        "有专人负责",
        "A person in charge",
        "有专人负责，联系方式公示",
        "A named person in charge, contact displayed",
    ),
    _item("basic_ledger", "有基本台账", "Basic ledgers", "服务对象基本台账齐全", "Basic ledgers of people served"),
]

DEFAULT_TEMPLATES: list[dict[str, Any]] = [
    {
        "id": PATROL_V1,
        "key": "patrol",
        "kind": "patrol",
        "name": "烈士纪念设施巡查",
        "applies_to": {"facility_kinds": []},
        "items": PATROL_ITEMS,
    },
    {
        "id": SEVEN_ONES_V1,
        "key": "seven_ones",
        "kind": "inspection",
        "name": "街道（乡镇）服务站“七个一”",
        "applies_to": {"standard": "seven_ones"},
        "items": SEVEN_ONES_ITEMS,
    },
    {
        "id": FOUR_HAVES_V1,
        "key": "four_haves",
        "kind": "inspection",
        "name": "社区（村）服务站“四有”",
        "applies_to": {"standard": "four_haves"},
        "items": FOUR_HAVES_ITEMS,
    },
]


def default_template_rows() -> list[dict[str, Any]]:
    """Version 1 of each default template, as rows of checklist_templates."""
    return [{**t, "version": 1, "active": True} for t in DEFAULT_TEMPLATES]


PATROL_CODES = [i["code"] for i in PATROL_ITEMS]

# Chinese labels of the built-in codes, for places that name an item without its template at hand
# (task lists, exports); a code an admin added later is labelled from its template.
LABELS_ZH = {i["code"]: i["label"]["zh"] for t in DEFAULT_TEMPLATES for i in t["items"]}
