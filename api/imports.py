"""CSV import of facilities and subjects: POST /imports/facilities, POST /imports/subjects.

The body is the CSV file (UTF-8, with or without a BOM, or GB18030 as Excel saves it in China).
Headers may be English field names or their Chinese labels. Every row is checked first, by the
same rules as the forms (api/plausible.py); any bad row makes the whole import fail with 422 and
every rejected row as {line, field, reason, rule}, and nothing is stored. A row matching a stored
one (a facility by name within its unit, a subject by identity number, or without one by name
within its unit) updates it instead of adding a copy, so sending the same file twice changes
nothing: the answer counts `created`, `updated` and `unchanged`. `?dry_run=true` only checks and
counts. A successful import is audited with its counts."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery

from api.deps import CurrentUser, DbSession, record_audit
from api.errors import rule_of
from api.facilities import FacilityIn
from api.facilities import _columns as facility_columns
from api.plausible import problems as plausibility_problems
from api.subjects import SubjectIn
from api.subjects import _columns as subject_columns
from storage.errors import Invalid
from storage.queries import facilities, org_units, subjects, users
from storage.vocabulary import ErrorCode, ImportedList

MAX_CSV = 5 * 1024 * 1024
MAX_ROWS = 20_000

FACILITY_HEADERS = {
    "名称": "name",
    "设施名称": "name",
    "类型": "kind",
    "保护级别": "protection_level",
    "所属单位": "org_unit",
    "纬度": "lat",
    "经度": "lon",
    "地址": "address",
    "围栏半径": "geofence_m",
    "巡查周期": "patrol_interval_days",
    "管护责任人": "caretaker",
    "保护范围": "protection_boundary",
}
SUBJECT_HEADERS = {
    "姓名": "name",
    "类别": "category",
    "所属单位": "org_unit",
    "地址": "address",
    "纬度": "lat",
    "经度": "lon",
    "电话": "phone",
    "联系电话": "phone",
    "身份证号": "id_number",
    "联系人": "contact_username",
    "走访周期": "visit_interval_days",
    "围栏半径": "geofence_m",
    "备注": "notes",
}
# The labels the screens show ("纪念碑/亭") and their parts are accepted as well as the codes.
KIND = {
    "陵园": "cemetery",
    "烈士陵园": "cemetery",
    "纪念碑": "monument",
    "纪念亭": "monument",
    "纪念碑亭": "monument",
    "纪念碑/亭": "monument",
    "碑": "monument",
    "亭": "monument",
    "纪念塔": "monument",
    "英名墙": "monument",
    "零散烈士墓(群)": "scattered_grave",
    "零散烈士墓群": "scattered_grave",
    "烈士墓": "scattered_grave",
    "零散烈士墓": "scattered_grave",
    "零散墓": "scattered_grave",
    "纪念馆": "memorial_hall",
}
LEVEL = {
    "国家级": "national",
    "省级": "provincial",
    "设区的市级": "city",
    "市级": "city",
    "县级": "county",
    "零散": "unrated",
    "未定级": "unrated",
    "零散/未定级": "unrated",
}
CATEGORY = {
    "烈士遗属": "martyr_family",
    "因公牺牲军人遗属": "duty_death_family",
    "病故军人遗属": "illness_death_family",
    "伤残军人": "disabled_veteran",
    "在乡复员军人": "demobilized_rural",
    "带病回乡退伍军人": "ill_returned",
    "参战参试退役军人": "combat_veteran",
    "困难退役军人": "hardship_veteran",
    "其他退役军人": "other_veteran",
}


TEMPLATES = {
    "facilities": [
        ["名称", "类型", "保护级别", "所属单位", "纬度", "经度", "地址", "巡查周期", "管护责任人", "保护范围"],
        [
            "某某烈士纪念碑",
            "纪念碑/亭",
            "县级",
            "某某社区服务站",
            "26.6011",
            "106.7218",
            "某某路 1 号",
            "30",
            "某某社区 张三",
            "碑体四周 10 米",
        ],
    ],
    "subjects": [
        ["姓名", "类别", "所属单位", "地址", "纬度", "经度", "电话", "身份证号", "联系人", "走访周期", "备注"],
        [
            "张某某",
            "烈士遗属",
            "某某社区服务站",
            "某某组 1 号",
            "26.59",
            "106.72",
            "13800000000",
            "",
            "worker1",
            "90",
            "",
        ],
    ],
}


class RowError(msgspec.Struct, omit_defaults=True):
    line: int
    field: str | None
    reason: str
    rule: str | None = None  # a stable word for the rule broken (phone_format, required, ...)
    limit: float | None = None


class RowCode(msgspec.Struct):
    """What a screen says for the row error at the same place in `errors`."""

    code: ErrorCode
    value: str = ""  # what the reason quotes: a column, a unit or user name, a line number, a value


# The stable code of each rule a row can break (the screens' words are keyed on codes; `rule` is finer).
_ROW_CODE: dict[str, ErrorCode] = {
    "unknown_column": "unknown_column",
    "no_unit": "unit_name_unknown",
    "no_user": "user_name_unknown",
    "required": "required",
    "both_lat_lon": "lat_lon_pair",
    "needs_position": "position_required",
    "duplicate_row": "same_as_line",
    "too_small": "out_of_range",
    "too_big": "out_of_range",
    "latitude_range": "out_of_range",
    "longitude_range": "out_of_range",
    "name_no_letters": "name_not_words",
    "position_zero": "position_zero",
    "position_swapped": "position_swapped",
    "position_outside_china": "position_abroad",
}
_QUOTED = re.compile(r"'([^']*)'")


def row_code(e: RowError) -> RowCode:
    value = str(int(e.limit)) if e.rule == "duplicate_row" and e.limit is not None else ""
    if not value and (m := _QUOTED.search(e.reason)):
        value = m.group(1)
    return RowCode(_ROW_CODE.get(e.rule or "", "bad_value"), value)


class ImportOut(msgspec.Struct):
    created: int
    updated: int
    unchanged: int
    rejected: list[RowError]  # always empty here: one bad row and nothing is imported (422)
    checked: int
    dry_run: bool
    imported: int  # created + updated
    ids: list[uuid.UUID]  # of every row, in the file's order (none on a dry run)


class ImportErrors(msgspec.Struct):
    status_code: int
    detail: str
    code: ErrorCode
    created: int
    updated: int
    unchanged: int
    rejected: list[RowError]
    errors: list[RowError]  # the same as `rejected`, as earlier clients read it
    codes: list[RowCode]  # one per error, in the same order


def decode(body: bytes) -> str:
    if not body.strip():
        raise Invalid("the CSV file is empty", field="body")
    if len(body) > MAX_CSV:
        raise Invalid(f"the CSV file is larger than {MAX_CSV // 1024 // 1024} MB; split it", field="body")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("the file is not text in UTF-8 or GB18030; save it from Excel as CSV", field="body")


def read_rows(text: str, aliases: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the line of a row is where it starts in the file (header is 1)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise Invalid("the CSV file has no header line", field="body") from exc
    names = [aliases.get(h.strip(), h.strip()) for h in header]
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((line, {n: c.strip() for n, c in zip(names, cells, strict=False) if n}))
            line = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise Invalid(f"at most {MAX_ROWS} rows per import; split the file", field="body")
    except csv.Error as exc:
        raise Invalid(f"line {line}: the CSV is malformed ({exc})", field="body") from exc
    return rows


def _error(line: int, exc: msgspec.ValidationError) -> RowError:
    message = str(exc)
    if message.startswith("Object contains unknown field `"):
        column = message.split("`")[1]
        return RowError(line=line, field=column, reason=f"unknown column {column!r}", rule="unknown_column")
    field = message.split("`$.")[1].split("`")[0] if "`$." in message else None
    rule, limit, sentence = rule_of(message.split(" - at ")[0], field or "")
    return RowError(line=line, field=field, reason=sentence, rule=rule, limit=limit)


def _problem(field: str, exc: msgspec.ValidationError, value: Any) -> RowError:
    """msgspec's sentence for one value as the rule it names, with the value given."""
    rule, limit, sentence = rule_of(str(exc).split(" - at ")[0], field)
    return RowError(0, field, f"{sentence} (got {str(value)[:40]!r})", rule=rule, limit=limit)


def _number(value: str) -> Any:
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value  # msgspec names the field and says what it expected


def _row_key(values: dict[str, Any]) -> Any:
    """What makes two rows the same thing: a subject's identity number when it has one, else the
    name within the unit."""
    return values.get("id_number") or (values["name"], values["org_unit_id"])


async def _stored(
    db_session: DbSession, kind: ImportedList, rows: list[dict[str, Any]], scope_path: str
) -> dict[Any, Any]:
    """The stored rows the file's rows name, by the same keys as _row_key."""
    if kind == "facilities":
        found = await facilities.find_by_name(db_session, keys=[_row_key(v) for v in rows], scope_path=scope_path)
        return dict(found)
    keys = [_row_key(v) for v in rows]
    by_number, by_name = await subjects.find_for_import(
        db_session,
        id_numbers=[k for k in keys if isinstance(k, str)],
        names=[k for k in keys if not isinstance(k, str)],
        scope_path=scope_path,
    )
    return {**by_number, **by_name}


# A dry run answers 200 with what would be done; any bad row, 422 with every row's problems.
_ANSWERS = {
    200: ResponseSpec(ImportOut, generate_examples=False, description="a dry run: what the file would do"),
    422: ResponseSpec(ImportErrors, generate_examples=False, description="bad rows: nothing was imported"),
}


class ImportController(Controller):
    path = "/api/v1/imports"
    tags = ["imports"]

    async def _run(
        self, request: Request, user: CurrentUser, db_session: DbSession, *, kind: ImportedList, dry_run: bool
    ) -> Response:
        user.require("supervisor", "admin")
        units = await org_units.list_units(db_session, scope_path=user.scope_path)
        unit_by = {**{u.name: u.id for u in units}, **{str(u.id): u.id for u in units}}
        people = {u.username: u.id for u in await users.search_users(db_session, scope_path=user.scope_path)}
        aliases = FACILITY_HEADERS if kind == "facilities" else SUBJECT_HEADERS
        rows = read_rows(decode(await request.body()), aliases)
        if not rows:
            raise Invalid("the CSV file has a header but no rows", field="body")
        errors: list[RowError] = []
        checked: list[tuple[dict[str, Any], set[str]]] = []
        seen: dict[Any, int] = {}
        for line, row in rows:
            values, given, problems = self._check(kind, row, unit_by, people)
            if problems:
                errors.extend(
                    RowError(line=line, field=p.field, reason=p.reason, rule=p.rule, limit=p.limit) for p in problems
                )
                continue
            key = _row_key(values)
            if key in seen:
                same = "identity number" if isinstance(key, str) else "name and unit"
                errors.append(
                    RowError(
                        line=line,
                        field="id_number" if isinstance(key, str) else "name",
                        reason=f"the same {same} as line {seen[key]}",
                        rule="duplicate_row",
                        limit=seen[key],
                    )
                )
                continue
            seen[key] = line
            checked.append((values, given))
        if errors:
            bad_rows = len({e.line for e in errors})
            shown = errors[:1000]
            return Response(
                ImportErrors(
                    status_code=422,
                    code="invalid",
                    detail=f"{bad_rows} rows have problems; nothing was imported. Fix them and send the file again.",
                    created=0,
                    updated=0,
                    unchanged=0,
                    rejected=shown,
                    errors=shown,
                    codes=[row_code(e) for e in shown],
                ),
                status_code=422,
            )
        stored = await _stored(db_session, kind, [v for v, _ in checked], user.scope_path)
        plan: list[tuple[dict[str, Any], Any, dict[str, Any]]] = []  # (values, stored row or None, changes)
        for values, given in checked:
            found = stored.get(_row_key(values))
            changes = {k: v for k, v in values.items() if k in given and getattr(found, k) != v} if found else values
            plan.append((values, found, changes))
        created = sum(1 for _, row, _ in plan if row is None)
        updated = sum(1 for _, row, changes in plan if row is not None and changes)
        counts = {"created": created, "updated": updated, "unchanged": len(plan) - created - updated}
        if dry_run:
            return Response(
                ImportOut(**counts, rejected=[], imported=0, checked=len(checked), dry_run=True, ids=[]),
                status_code=200,
            )
        ids: list[uuid.UUID] = []
        for values, row, changes in plan:
            if row is None:
                create: Callable = facilities.create_facility if kind == "facilities" else subjects.create_subject
                row = await create(db_session, values=values)
            elif changes:
                update: Callable = facilities.update_facility if kind == "facilities" else subjects.update_subject
                row = await update(
                    db_session, **{"facility" if kind == "facilities" else "subject": row}, values=changes
                )
            ids.append(row.id)
        action = "facility_import" if kind == "facilities" else "subject_import"
        await record_audit(
            db_session,
            user,
            action,
            entity=kind,
            count=len(ids),
            created=created,
            updated=updated,
            unchanged=counts["unchanged"],
        )
        return Response(
            ImportOut(**counts, rejected=[], imported=created + updated, checked=len(checked), dry_run=False, ids=ids),
            status_code=201,
        )

    def _check(
        self, kind: ImportedList, row: dict[str, str], unit_by: dict[str, uuid.UUID], people: dict[str, uuid.UUID]
    ) -> tuple[dict[str, Any], set[str], list[RowError]]:
        """The row's columns and which of them it gave (an update changes only those), or every
        problem of the row, one per field, so a person fixes the file in one go."""
        problems: list[RowError] = []
        unit_name = row.pop("org_unit", "") or row.pop("org_unit_id", "")
        if unit_name not in unit_by:
            problems.append(
                RowError(
                    0,
                    "org_unit",
                    f"no unit named {unit_name!r} in your scope"
                    if unit_name
                    else "org_unit is required (a unit name or id)",
                    rule="no_unit" if unit_name else "required",
                )
            )
        data: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        data["org_unit_id"] = str(unit_by.get(unit_name, uuid.UUID(int=0)))
        for field in ("lat", "lon", "geofence_m", "patrol_interval_days", "visit_interval_days"):
            if field in data:
                data[field] = _number(data[field])
        lat, lon = data.pop("lat", None), data.pop("lon", None)
        if (lat is None) != (lon is None):
            problems.append(
                RowError(0, "lat" if lat is None else "lon", "give both lat and lon, or neither", rule="both_lat_lon")
            )
        elif lat is not None:
            data["location"] = {"lat": lat, "lon": lon}
        if kind == "facilities":
            model: type[msgspec.Struct] = FacilityIn
            data["kind"] = KIND.get(data.get("kind", ""), data.get("kind"))
            data["protection_level"] = LEVEL.get(data.get("protection_level", ""), data.get("protection_level"))
        else:
            model = SubjectIn
            data["category"] = CATEGORY.get(data.get("category", ""), data.get("category"))
            contact = data.pop("contact_username", None)
            if contact and contact not in people:
                problems.append(
                    RowError(0, "contact_username", f"no user named {contact!r} in your scope", rule="no_user")
                )
            elif contact:
                data["contact_user_id"] = str(people[contact])
        fields = {f.name: f for f in msgspec.structs.fields(model)}
        for name, value in list(data.items()):
            if value is None:  # a label or code that was not given: "required" below says so once
                del data[name]
                continue
            if name not in fields:
                problems.append(RowError(0, name, f"unknown column {name!r}", rule="unknown_column"))
                del data[name]
                continue
            try:
                msgspec.convert(value, fields[name].type)
            except msgspec.ValidationError as exc:
                at = str(exc).split("`$.")[1].split("`")[0] if "`$." in str(exc) else ""
                problems.append(_problem(f"{name}.{at}" if at else name, exc, value))
        for name, f in fields.items():
            if f.required and data.get(name) is None and name not in ("org_unit_id", "location"):
                problems.append(RowError(0, name, f"{name} is required", rule="required"))
        if kind == "facilities" and "location" not in data and not any(p.field in ("lat", "lon") for p in problems):
            problems.append(RowError(0, "lat", "a facility needs its position (lat and lon)", rule="needs_position"))
        # The forms' rules (api/plausible.py) beside the type checks, so a row's every problem shows at once.
        where = {k: v for k, v in (data.get("location") or {}).items() if isinstance(v, (int, float))}
        plain = {k: data[k] for k in ("name", "phone", "id_number") if isinstance(data.get(k), str)}
        for broken in plausibility_problems({**plain, "lat": where.get("lat"), "lon": where.get("lon")}):
            if not any(p.field and p.field.split(".")[0] == broken.field for p in problems):
                problems.append(RowError(0, broken.field, broken.detail, rule=broken.rule))
        if problems:
            return {}, set(), problems
        try:
            struct = msgspec.convert(data, model)
            values = facility_columns(struct) if kind == "facilities" else subject_columns(struct)  # type: ignore[arg-type]
        except msgspec.ValidationError as exc:  # a rule across fields: one message
            return {}, set(), [_error(0, exc)]
        given = {k for k in data if k != "location"} | ({"lat", "lon"} if "location" in data else set())
        return values, given, []

    @post(
        "/facilities",
        operation_id="ImportFacilities",
        request_max_body_size=MAX_CSV + 1024,
        status_code=201,
        responses=_ANSWERS,
    )
    async def import_facilities(
        self, request: Request, user: CurrentUser, db_session: DbSession, dry_run: FromQuery[bool] = False
    ) -> Response[ImportOut]:
        return await self._run(request, user, db_session, kind="facilities", dry_run=dry_run)

    @post(
        "/subjects",
        operation_id="ImportSubjects",
        request_max_body_size=MAX_CSV + 1024,
        status_code=201,
        responses=_ANSWERS,
    )
    async def import_subjects(
        self, request: Request, user: CurrentUser, db_session: DbSession, dry_run: FromQuery[bool] = False
    ) -> Response[ImportOut]:
        return await self._run(request, user, db_session, kind="subjects", dry_run=dry_run)

    @get("/{kind:str}/template.csv", operation_id="ImportTemplate", media_type="text/csv")
    async def template(self, kind: FromPath[ImportedList], user: CurrentUser) -> Response:
        """A file to fill in: the Chinese headers the import reads and one example row. UTF-8 with
        a BOM so that Excel in China opens it in the right encoding."""
        user.require("supervisor", "admin")
        rows = TEMPLATES[kind]
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        name = "设施导入模板.csv" if kind == "facilities" else "走访对象导入模板.csv"
        return Response(
            ("\ufeff" + out.getvalue()).encode(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f"attachment; filename=\"{kind}-template.csv\"; filename*=UTF-8''{quote(name)}"
            },
        )
