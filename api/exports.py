"""The ledger (台账): GET /exports/patrols.xlsx|.csv and /exports/visits.xlsx|.csv.

One row per record of the unit and period, with masked numbers, flags, the latest review and a
link per photo. Streamed: rows come from a server-side cursor in batches; CSV goes out as it is
written (UTF-8 with a BOM so Excel reads Chinese), XLSX is written row by row by openpyxl's
write-only workbook into a spooled temporary file and then sent in chunks."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Stream
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.relationship import Relationship
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.hyperlink import Hyperlink
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentUser, DbSession, record_audit
from api.masking import mask_id_number, mask_phone
from api.reports import CHINA, PeriodEdge, PeriodEnd, period
from api.tasks import item_labels
from storage.checklists import LABELS_ZH, PATROL_CODES
from storage.models import OrgUnit
from storage.plain_text import clean
from storage.queries import exports, org_units
from storage.vocabulary import (
    AWARD_GRADE_ZH,
    DECISION_ZH,
    FLAG_ZH,
    ITEM_RESULT_ZH,
    MAX_PHOTOS_PER_RECORD,
    RECORD_STATUS_ZH,
    STATION_STANDARD_ZH,
    SUBJECT_CATEGORY_ZH,
    VISIT_TYPE_ZH,
    Ledger,
    RecordKind,
)

CHECKLIST = PATROL_CODES
RESULT = ITEM_RESULT_ZH
STATUS = RECORD_STATUS_ZH
DECISION: dict[str | None, str] = {None: "未审核"}
DECISION.update(DECISION_ZH)
VISIT_TYPE = VISIT_TYPE_ZH
CATEGORY = SUBJECT_CATEGORY_ZH
GRADE = AWARD_GRADE_ZH
FLAG = FLAG_ZH
MAX_PHOTOS = MAX_PHOTOS_PER_RECORD
PHOTO_HEADERS = [f"照片{i}" for i in range(1, MAX_PHOTOS + 1)]
REVIEW_HEADERS = ["状态", "证据提示", "审核结论", "审核人", "审核意见", "审核时间"]

PATROL_HEADERS = (
    ["记录编号", "设施", "所属单位", "巡查人", "开始时间", "结束时间", "纬度", "经度", "定位精度(米)"]
    + [LABELS_ZH[c] for c in CHECKLIST]
    + ["其他检查项", "备注"]
    + REVIEW_HEADERS
    + PHOTO_HEADERS
)
VISIT_HEADERS = (
    [
        "记录编号",
        "走访对象",
        "对象类别",
        "联系电话",
        "身份证号",
        "所属单位",
        "走访人",
        "走访类型",
        "走访时间",
        "纬度",
        "经度",
        "定位精度(米)",
        "情况摘要",
        "反映诉求",
        "慰问金(元)",
        "慰问物品",
        "需跟进",
        "未拍照原因",
        "喜报",
    ]
    + REVIEW_HEADERS
    + PHOTO_HEADERS
)


class PhotoLink(str):
    """A link the server made to a photo (never text a person typed): the one kind of cell that
    becomes a hyperlink."""


class Money(Decimal):
    """Yuan: a number in the sheet, shown as money."""


class Coordinate(float):
    """Degrees, to 6 decimals (about 0.1 m): a number in the sheet."""


def _coordinate(value: float | None) -> Coordinate | None:
    return None if value is None else Coordinate(round(value, 6))


def _time(at: datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _flags(flags: Any) -> str:
    return "；".join(str(f.get("detail_zh") or FLAG.get(f.get("code"), f.get("code"))) for f in flags or [])


def _review_cells(r: Any) -> list[Any]:
    return [
        STATUS.get(r.status, r.status),
        _flags(r.flags),
        DECISION.get(r.decision, r.decision),
        r.reviewer or "",
        r.review_comment or "",
        _time(r.reviewed_at),
    ]


def _item(entry: dict | None) -> str:
    if not entry:
        return ""
    result = entry.get("result") or ""
    label = RESULT.get(result, result)
    return f"{label}：{entry['note']}" if entry.get("note") else label


def _other_items(items: dict, labels: dict[str, str]) -> str:
    """Items a template version added beyond the default seven."""
    return "；".join(f"{labels.get(code, code)}：{_item(e)}" for code, e in items.items() if code not in CHECKLIST)


def patrol_row(r: Any, link: Callable[[uuid.UUID], PhotoLink], labels: dict[str, str]) -> list[Any]:
    items = {e.get("item"): e for e in r.checklist or []}
    return (
        [
            str(r.id),
            r.facility,
            r.unit,
            r.author,
            _time(r.started_at),
            _time(r.ended_at),
            _coordinate(r.lat),
            _coordinate(r.lon),
            r.accuracy_m,
        ]
        + [_item(items.get(c)) for c in CHECKLIST]
        + [_other_items(items, labels), r.notes]
        + _review_cells(r)
        + [link(p) for p in list(r.photo_ids)[:MAX_PHOTOS]]
    )


def visit_row(r: Any, link: Callable[[uuid.UUID], PhotoLink], labels: dict[str, str]) -> list[Any]:
    award: Any = r.award or {}  # the row's JSON, as stored
    grade = GRADE.get(award.get("grade"), award.get("grade"))
    award_text = "；".join(str(v) for v in (grade, award.get("co_deliverer")) if v)
    return (
        [
            str(r.id),
            r.subject,
            CATEGORY.get(r.category, r.category),
            mask_phone(r.phone),
            mask_id_number(r.id_number),
            r.unit,
            r.author,
            VISIT_TYPE.get(r.visit_type, r.visit_type),
            _time(r.visited_at),
            _coordinate(r.lat),
            _coordinate(r.lon),
            r.accuracy_m,
            r.summary,
            r.needs,
            Money(Decimal(r.cash_yuan or 0).quantize(Decimal("0.01"))),
            r.goods,
            "是" if r.follow_up_needed else "否",
            r.no_photo_reason or "",
            award_text,
        ]
        + _review_cells(r)
        + [link(p) for p in list(r.photo_ids)[:MAX_PHOTOS]]
    )


STANDARD = STATION_STANDARD_ZH
INSPECTION_HEADERS = (
    [
        "记录编号",
        "服务站",
        "标准",
        "督导人",
        "开始时间",
        "结束时间",
        "纬度",
        "经度",
        "定位精度(米)",
        "检查情况",
        "问题项数",
        "备注",
    ]
    + REVIEW_HEADERS
    + PHOTO_HEADERS
)


def inspection_row(r: Any, link: Callable[[uuid.UUID], PhotoLink], labels: dict[str, str]) -> list[Any]:
    # Standards differ in items (and templates change), so the items go in one cell, by label.
    items = "；".join(f"{labels.get(e.get('item'), e.get('item'))}：{_item(e)}" for e in r.checklist or [])
    issues = sum(1 for e in r.checklist or [] if e.get("result") == "issue")
    return (
        [
            str(r.id),
            r.unit,
            STANDARD.get(r.standard, r.standard or ""),
            r.author,
            _time(r.started_at),
            _time(r.ended_at),
            _coordinate(r.lat),
            _coordinate(r.lon),
            r.accuracy_m,
            items,
            issues,
            r.notes,
        ]
        + _review_cells(r)
        + [link(p) for p in list(r.photo_ids)[:MAX_PHOTOS]]
    )


# Each ledger: its record kind, its row of cells, its headers and its sheet's title.
KINDS: dict[Ledger, tuple[RecordKind, Callable[..., list[Any]], list[str], str]] = {
    "patrols": ("patrol", patrol_row, PATROL_HEADERS, "巡查台账"),
    "visits": ("visit", visit_row, VISIT_HEADERS, "走访台账"),
    "inspections": ("inspection", inspection_row, INSPECTION_HEADERS, "督导台账"),
}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    """Control characters (other than tab and line breaks) and non-characters such as U+FFFE
    cannot be stored in XLSX at all: one in a note would fail the whole export. They carry
    nothing a reader needs, so they become spaces (storage/plain_text.py, for every writer)."""
    return clean(value)


def csv_safe(value: Any) -> Any:
    """Text a person typed never becomes a spreadsheet formula (CSV injection, as OWASP advises):
    a leading = + - @ tab or CR gets a quote in front, so the reader's spreadsheet shows it as text."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value:.2f}"
    if isinstance(value, Coordinate):
        return f"{value:.6f}"
    if isinstance(value, str) and not isinstance(value, PhotoLink):
        value = clean_text(value)
        return "'" + value if value.startswith(FORMULA_START) else value
    return value


def content_disposition(ascii_name: str, name: str) -> str:
    """RFC 6266 / 5987: an ASCII fallback and the UTF-8 name for browsers that read filename*."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _batches(
    state: State, kind: Ledger, scope_path: str, since: datetime, until: datetime, base: str
) -> AsyncIterator[list[list[Any]]]:
    """Rows as lists of cells, a batch at a time, from a session of the export's own."""
    record_kind, make_row, _, _ = KINDS[kind]
    link = lambda photo_id: PhotoLink(f"{base}/#/photo/{photo_id}")  # noqa: E731 - the PWA's photo viewer
    async with AsyncSession(state.engine) as session, session.begin():
        labels = await item_labels(session)
        query = exports.ledger_query(record_kind, scope_path=scope_path, since=since, until=until)
        async for rows in exports.stream(session, query):
            yield [make_row(r, link, labels) for r in rows]


async def csv_body(batches: AsyncIterator[list[list[Any]]], headers: Sequence[str]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    async for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_safe(v) for v in row] for row in batch)
        yield buffer.getvalue().encode()


class LinkedSheetWriter(WorksheetWriter):
    """Writes photo links as real cell hyperlinks (never HYPERLINK formulas) in constant memory.

    openpyxl keeps one Hyperlink and one relationship per link until the file is saved (100k
    records have 150k links). Every photo link differs only after the `#`, so all of them share
    one relationship to the app's address and carry the rest as the hyperlink's `location`
    (Excel and LibreOffice open target#location, which is how Excel itself stores a URL's
    fragment); the <hyperlink> elements wait in a temporary file, not in memory."""

    def __init__(self, ws: Any, base: str) -> None:
        super().__init__(ws)
        self.base = base + "/"
        self.links = tempfile.TemporaryFile(mode="w+", encoding="utf-8")

    def add_link(self, ref: str, url: str) -> None:
        # The server made the url from its own address and a photo UUID; one link per line.
        self.links.write(f"{ref}\t{url.removeprefix(self.base).removeprefix('#')}\n")

    def write_hyperlinks(self) -> None:
        if not self.links.tell():
            return
        # The stubs want an Id, which RelationshipList.append gives; they also leave out _rels.
        rel = Relationship(type="hyperlink", TargetMode="External", Target=self.base)  # type: ignore[call-overload]
        self._rels.append(rel)  # type: ignore[attr-defined]
        self.links.seek(0)
        xf = self.xf.send(True)
        if xf is None:  # get_stream answers True with its xmlfile
            raise RuntimeError("openpyxl's sheet stream gave no xml file to write the hyperlinks into")
        with xf.element("hyperlinks"):
            for line in self.links:
                ref, location = line.rstrip("\n").split("\t")
                xf.write(Hyperlink(ref=ref, location=location, id=rel.id).to_tree())
        self.xf.send(None)

    def close(self) -> None:
        super().close()
        self.links.close()


LINK_FONT = Font(color="0563C1", underline="single")


async def xlsx_body(
    batches: AsyncIterator[list[list[Any]]], headers: Sequence[str], title: str, base: str
) -> AsyncIterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "B2"
    writer = sheet._writer = LinkedSheetWriter(sheet, base)
    writer.write_top()
    row_number = 1

    def cell(value: Any, column: int) -> Any:
        if isinstance(value, PhotoLink):
            writer.add_link(f"{get_column_letter(column)}{row_number}", value)
            link = WriteOnlyCell(sheet, value=str(value))
            link.data_type = "s"
            link.font = LINK_FONT
            return link
        if isinstance(value, Money):
            money = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # a Decimal: the stubs leave it out
            money.number_format = '"¥"#,##0.00'
            return money
        if isinstance(value, Coordinate):
            degrees = WriteOnlyCell(sheet, value=float(value))
            degrees.number_format = "0.000000"
            return degrees
        if isinstance(value, str):
            # Typed text is always text: a string cell, whatever it starts with, never a formula.
            text = WriteOnlyCell(sheet, value=clean_text(value))
            text.data_type = "s"
            return text
        return value

    def append(batch: list[list[Any]]) -> None:
        nonlocal row_number
        for row in batch:
            row_number += 1
            sheet.append([cell(v, i) for i, v in enumerate(row, 1)])

    await asyncio.to_thread(sheet.append, list(headers))
    async for batch in batches:
        await asyncio.to_thread(append, batch)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        await asyncio.to_thread(workbook.save, out)
        out.seek(0)
        while chunk := await asyncio.to_thread(out.read, 256 * 1024):
            yield chunk


# Each ledger in each format has its path (/patrols.xlsx, /visits.csv ...) and operation id
# (ExportPatrolsXlsx ...); one handler answers them all.
FORMATS = ("xlsx", "csv")
PATHS = [f"/{ledger}.{fmt}" for ledger in KINDS for fmt in FORMATS]


def _operation_id(handler: Any, method: Any, components: list[Any]) -> str:
    ledger, fmt = str(components[-1]).split(".")
    return f"Export{ledger.capitalize()}{fmt.capitalize()}"


class ExportController(Controller):
    path = "/api/v1/exports"
    tags = ["exports"]

    @get(PATHS, operation_id=_operation_id, summary="A ledger as XLSX or CSV")
    async def export_ledger(
        self,
        request: Request,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        from_: PeriodEdge = None,
        to: PeriodEnd = None,
    ) -> Stream:
        """A ledger of the unit's records in the period, as XLSX or CSV (the path says which)."""
        ledger, fmt = request.url.path.rsplit("/", 1)[1].split(".")
        kind = cast(Ledger, ledger)  # one of PATHS: the router matched it
        user.require("supervisor", "admin")
        since, until = period(from_, to)
        unit: OrgUnit = await org_units.get_unit(
            db_session, unit_id=org_unit_id or user.org_unit_id, scope_path=user.scope_path
        )
        await record_audit(
            db_session,
            user,
            "export",
            entity=kind,
            entity_id=unit.id,
            org_unit_id=unit.id,
            format=fmt,
            period_from=since.isoformat(),
            period_to=until.isoformat(),
        )
        _, _, headers, title = KINDS[kind]
        base = str(request.base_url).rstrip("/")
        batches = _batches(request.app.state, kind, unit.path, since, until, base)
        day = lambda at: at.astimezone(CHINA).strftime("%Y%m%d")  # noqa: E731
        # The period asked for: `to` is the last day included (the query ends just before the next).
        stem = f"{day(since)}-{day(until - timedelta(microseconds=1))}"
        body = csv_body(batches, headers) if fmt == "csv" else xlsx_body(batches, headers, title, base)
        media = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        return Stream(
            body,
            media_type=media,
            headers={
                "Content-Disposition": content_disposition(f"{kind}-{stem}.{fmt}", f"{title}_{unit.name}_{stem}.{fmt}"),
                "Cache-Control": "no-store",
            },
        )
