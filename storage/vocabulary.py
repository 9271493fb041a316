"""The words the system speaks, each written once: record kinds, statuses, visit types, subject
categories, flag codes, protection levels, task states and the limits on what a record holds.

Everything else derives from here: the models' CHECK constraints (`check_in`), the request and
response Literals of api/ (and so the OpenAPI document and the PWA's generated types), the
Chinese labels of the exports. A migration that adds a code writes it out once more (a migration
is history and never imports this). Labels people read on screens live in the PWA's string
tables, keyed by these codes (pwa/tests/vocabulary.test.ts checks every code has one)."""

from __future__ import annotations

from typing import Literal, get_args

# --- records ------------------------------------------------------------------------------------

RecordKind = Literal["patrol", "visit", "inspection"]
RecordStatus = Literal["incomplete", "submitted", "approved", "returned"]
Decision = Literal["approve", "return", "reopen"]
# Why a record cannot be approved in a batch (POST /reviews/batch): gone from scope, the caller's
# own, not awaiting a decision, carrying flags, or (an inspection) of the caller's own station.
BatchRefusalReason = Literal["not_found", "own_record", "not_awaiting", "flagged", "own_station"]
ItemResult = Literal["ok", "issue", "na"]
# 走访类型: 日常走访, 节日慰问, 送喜报, 六必访, 帮扶, 其他.
VisitType = Literal["routine", "holiday", "merit_notice", "must_visit", "assistance", "other"]
# The one visit type that carries an award (送喜报).
AWARD_VISIT_TYPE: VisitType = "merit_notice"
AwardGrade = Literal["first_class", "second_class", "third_class", "honorary_title", "bayi_medal"]
# What the server finds in a record's evidence (api/evidence.py).
FlagCode = Literal[
    "no_location",
    "low_accuracy",
    "far_from_site",
    "photo_time_mismatch",
    "reused_photo",
    "missing_photos",
    "future_time",
]
TemplateKind = Literal["patrol", "inspection"]

# --- sites and people -----------------------------------------------------------------------------

SubjectCategory = Literal[
    "martyr_family",  # 烈士遗属
    "duty_death_family",  # 因公牺牲军人遗属
    "illness_death_family",  # 病故军人遗属
    "disabled_veteran",  # 伤残军人
    "demobilized_rural",  # 在乡复员军人
    "ill_returned",  # 带病回乡退伍军人
    "combat_veteran",  # 参战参试退役军人
    "hardship_veteran",  # 困难退役军人
    "other_veteran",  # 其他退役军人
]
FacilityKind = Literal["cemetery", "monument", "scattered_grave", "memorial_hall"]
ProtectionLevel = Literal["national", "provincial", "city", "county", "unrated"]
Role = Literal["field_worker", "supervisor", "admin"]
UnitLevel = Literal["district", "street", "community"]
StationStandard = Literal["seven_ones", "four_haves"]

# --- tasks ----------------------------------------------------------------------------------------

TaskStatus = Literal["open", "fixed", "accepted", "cancelled"]
# Who answers for a task (its owner): the facility's caretaker, the subject's contact, the station's
# head, or nobody known ("").
TaskOwnerKind = Literal["caretaker", "contact", "station_head", ""]

# --- the audit log ---------------------------------------------------------------------------------

# What the audit log records (api/ and scripts/ write them; tests/api/test_audit_words.py reads the source and
# checks this list is exactly those), in the desk filter's order.
AuditAction = Literal[
    "login",
    "login_failed",
    "logout",
    "own_password_change",
    "patrol_create",
    "patrol_update",
    "patrol_review",
    "patrol_review_refused",
    "patrol_reopen",
    "visit_create",
    "visit_update",
    "visit_review",
    "visit_review_refused",
    "visit_reopen",
    "inspection_create",
    "inspection_update",
    "inspection_review",
    "inspection_review_refused",
    "inspection_reopen",
    "review_batch",
    "return_reasons_update",
    "photo_upload",
    "task_fix",
    "task_accept",
    "task_accept_refused",
    "task_reopen",
    "task_reassign",
    "task_deadline",
    "facility_create",
    "facility_update",
    "facility_import",
    "subject_create",
    "subject_update",
    "subject_import",
    "subject_view_numbers",
    "user_create",
    "user_update",
    "user_disable",
    "user_password_reset",
    "org_unit_create",
    "org_unit_rename",
    "station_update",
    "station_head_cleared",
    "template_create",
    "template_version",
    "weekly_remarks",
    "export",
    "photo_missing_bytes",
]
# The ledgers the desk exports (api/exports.py) and the lists it imports (api/imports.py).
Ledger = Literal["patrols", "visits", "inspections"]
ImportedList = Literal["facilities", "subjects"]
# The thing an entry is about, in the desk filter's order: a record or task, a ledger exported, a
# list imported, a batch of reviews, the ready-made return reasons; "" for a failed login, which
# names no account.
AuditEntity = Literal[
    RecordKind,
    "task",
    "photo",
    "facility",
    "subject",
    "user",
    "org_unit",
    "checklist_template",
    "weekly_report",
    "review",
    "return_reasons",
    Ledger,
    ImportedList,
    "",
]

# --- error codes -----------------------------------------------------------------------------------

# The `code` of every error body (api/errors.py): stable words the PWA turns into sentences in the
# user's language. Never rename one; add finer ones where a screen says more than the status does.
ErrorCode = Literal[
    # by status or kind of failure
    "bad_input",
    "invalid",
    "not_authenticated",
    "forbidden",
    "not_found",
    "not_allowed",
    "conflict",
    "duplicate",
    "too_large",
    "not_an_image",
    "too_many_requests",
    "client_error",
    "server_error",
    "unavailable",
    "busy",
    "database_unavailable",
    "storage_unavailable",
    # finer: tasks
    "task_not_found",
    "task_not_reassignable",
    "assignee_disabled",
    "assignee_out_of_scope",
    "deadline_past",
    "deadline_too_far",
    "reopen_comment_required",
    # finer: taking an approval back (reopen)
    "reopen_too_late",
    "reopen_not_yours",
    # finer: people, units, names and positions (forms and imports)
    "own_account",
    "unit_not_found",
    "name_not_words",
    "position_zero",
    "position_abroad",
    "position_swapped",
    # finer: the rows of an import (each with its `value`)
    "unknown_column",
    "unit_name_unknown",
    "user_name_unknown",
    "required",
    "lat_lon_pair",
    "position_required",
    "same_as_line",
    "out_of_range",
    "bad_value",
]

# --- limits ---------------------------------------------------------------------------------------

# Photos one record (or one task's fix) lists: the wire type's cap and the upload's.
MAX_PHOTOS_PER_RECORD = 12
# Rows one page of a list endpoint holds at most.
MAX_PAGE_SIZE = 200

# --- the codes as tuples, for CHECKs, SQL and loops --------------------------------------------------

RECORD_KINDS: tuple[RecordKind, ...] = get_args(RecordKind)
RECORD_STATUSES: tuple[RecordStatus, ...] = get_args(RecordStatus)
DECISIONS: tuple[Decision, ...] = get_args(Decision)
ITEM_RESULTS: tuple[ItemResult, ...] = get_args(ItemResult)
VISIT_TYPES: tuple[VisitType, ...] = get_args(VisitType)
AWARD_GRADES: tuple[AwardGrade, ...] = get_args(AwardGrade)
FLAG_CODES: tuple[FlagCode, ...] = get_args(FlagCode)
TEMPLATE_KINDS: tuple[TemplateKind, ...] = get_args(TemplateKind)
SUBJECT_CATEGORIES: tuple[SubjectCategory, ...] = get_args(SubjectCategory)
FACILITY_KINDS: tuple[FacilityKind, ...] = get_args(FacilityKind)
PROTECTION_LEVELS: tuple[ProtectionLevel, ...] = get_args(ProtectionLevel)
ROLES: tuple[Role, ...] = get_args(Role)
UNIT_LEVELS: tuple[UnitLevel, ...] = get_args(UnitLevel)
STATION_STANDARDS: tuple[StationStandard, ...] = get_args(StationStandard)
TASK_STATUSES: tuple[TaskStatus, ...] = get_args(TaskStatus)
ERROR_CODES: tuple[ErrorCode, ...] = get_args(ErrorCode)
AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)
AUDIT_ENTITIES: tuple[AuditEntity, ...] = get_args(AuditEntity)


def check_in(column: str, codes: tuple[str, ...]) -> str:
    """The text of a CHECK that `column` holds one of `codes`, written as the migrations write it."""
    return f"{column} in ({','.join(repr(c) for c in codes)})"


# --- Chinese labels, for what the server writes for people (exports, PDFs) -------------------------

RECORD_KIND_ZH: dict[str, str] = {"patrol": "巡查", "visit": "走访", "inspection": "督导"}
RECORD_STATUS_ZH: dict[str, str] = {
    "incomplete": "照片未齐",
    "submitted": "待审核",
    "approved": "已通过",
    "returned": "已退回",
}
ITEM_RESULT_ZH: dict[str, str] = {"ok": "正常", "issue": "问题", "na": "不适用"}
DECISION_ZH: dict[str, str] = {"approve": "通过", "return": "退回", "reopen": "撤回通过"}
VISIT_TYPE_ZH: dict[str, str] = {
    "routine": "日常走访",
    "holiday": "节日慰问",
    "merit_notice": "送喜报",
    "must_visit": "六必访",
    "assistance": "帮扶",
    "other": "其他",
}
SUBJECT_CATEGORY_ZH: dict[str, str] = {
    "martyr_family": "烈士遗属",
    "duty_death_family": "因公牺牲军人遗属",
    "illness_death_family": "病故军人遗属",
    "disabled_veteran": "伤残军人",
    "demobilized_rural": "在乡复员军人",
    "ill_returned": "带病回乡退伍军人",
    "combat_veteran": "参战参试退役军人",
    "hardship_veteran": "困难退役军人",
    "other_veteran": "其他退役军人",
}
AWARD_GRADE_ZH: dict[str, str] = {
    "first_class": "一等功",
    "second_class": "二等功",
    "third_class": "三等功",
    "honorary_title": "荣誉称号",
    "bayi_medal": "八一勋章",
}
STATION_STANDARD_ZH: dict[str, str] = {"seven_ones": "七个一", "four_haves": "四有"}
UNIT_LEVEL_ZH: dict[str, str] = {"district": "区（县）", "street": "街道（乡镇）", "community": "社区（村）"}
# The weekly station report's figures (api/weekly_report.py WeeklyFigures), in the report's order.
WEEKLY_FIGURE_ZH: dict[str, str] = {
    "patrols_done": "巡查完成",
    "patrols_due": "应巡设施",
    "facilities_overdue": "逾期设施",
    "visits_total": "走访",
    "subjects_overdue": "逾期对象",
    "cash_yuan": "慰问金（元）",
    "goods": "物品慰问",
    "inspections_done": "督导检查",
    "tasks_opened": "整改新增",
    "tasks_closed": "整改销号",
    "tasks_overdue": "整改逾期",
    "flagged_records": "提示记录",
}
FLAG_ZH: dict[str, str] = {
    "far_from_site": "距离过远",
    "no_location": "无定位",
    "low_accuracy": "定位精度低",
    "future_time": "时间超前",
    "photo_time_mismatch": "拍摄时间不符",
    "reused_photo": "照片重复使用",
    "missing_photos": "缺少照片",
}
