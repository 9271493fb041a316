"""The weekly station report on paper: GET /exports/weekly.xlsx for the desk and
GET /exports/weekly.pdf, A4, for the video meeting.

The PDF is drawn with fpdf2 (maintained, pure Python, embeds a subset of a TrueType/OpenType font,
so Chinese prints on any reader) in Noto Sans CJK SC from Debian's fonts-noto-cjk
(XUNFANG_PDF_FONT overrides the path). Text a person typed goes in as text only: a cell value,
never a formula or markup, and only through storage/plain_text.py: nothing a file cannot hold,
and a unit's name on one line of bounded length (a name over many lines would make its table row
taller than a page)."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import uuid
from functools import cache
from typing import Any, cast

from litestar import Controller, Response, get
from litestar.params import FromQuery
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from api.deps import CurrentUser, DbSession, Principal, record_audit
from api.exports import content_disposition
from api.reports import CHINA
from api.settings import ConfigurationError
from api.weekly_report import Week, WeeklyOut, build, readable_unit
from storage.plain_text import clean, one_line
from storage.vocabulary import UNIT_LEVEL_ZH, WEEKLY_FIGURE_ZH

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC = 2  # Simplified Chinese in the Noto Sans CJK collection (JP, KR, SC, TC, HK)
COLUMNS: list[tuple[str, str]] = list(WEEKLY_FIGURE_ZH.items())
logging.getLogger("fontTools").setLevel(logging.WARNING)  # the subsetter's INFO lines list every glyph


class _NoTypedGlyphs(logging.Filter):
    """fpdf2 warns of characters its font lacks by quoting them, and they are characters people
    typed: the warning stays, without them (no personal data in logs, SECURITY.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "missing the following glyphs" in str(record.msg):
            font = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = "Font %s is missing glyphs for characters of the text (not logged)", (font,)
        return True


logging.getLogger("fpdf.output").addFilter(_NoTypedGlyphs())


def _number(value: Any) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _title(report: WeeklyOut, unit_name: str) -> str:
    return f"服务站周报　{one_line(unit_name)}　{report.week}（{report.from_:%m月%d日}—{report.to:%m月%d日}）"


def _levels(report: WeeklyOut) -> list[tuple[str, list[Any]]]:
    levels: dict[str, list[Any]] = {}
    for u in report.units:
        levels.setdefault(u.level, []).append(u)
    return list(levels.items())


# --- XLSX --------------------------------------------------------------------------------------


def xlsx(report: WeeklyOut, unit_name: str) -> bytes:
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)  # a new Workbook always has one worksheet; the stubs say Optional
    sheet.title = report.week
    worse_fill, bold = PatternFill("solid", fgColor="FFD9D9"), Font(bold=True)

    def text(row: int, column: int, value: str) -> None:
        cell = sheet.cell(row=row, column=column, value=clean(value))
        cell.data_type = "s"  # typed text stays text, never a formula

    text(1, 1, _title(report, unit_name))
    sheet.cell(row=1, column=1).font = bold
    headers = ["单位", "级别"] + [f"{label}{when}" for _, label in COLUMNS for when in ("（本周）", "（上周）")]
    headers += ["走访（按类型，本周）", "备注", "填报人", "提交时间"]
    for column, header in enumerate(headers, 1):
        text(2, column, header)
        sheet.cell(row=2, column=column).font = bold
    for row, u in enumerate(report.units, 3):
        text(row, 1, one_line(u.name, max_chars=200))
        text(row, 2, UNIT_LEVEL_ZH.get(u.level, u.level))
        for n, (key, _) in enumerate(COLUMNS):
            now = sheet.cell(row=row, column=3 + 2 * n, value=getattr(u.figures, key))
            sheet.cell(row=row, column=4 + 2 * n, value=getattr(u.previous, key))
            if key in u.worse:
                now.fill = worse_fill
        base = 3 + 2 * len(COLUMNS)
        text(row, base, "；".join(f"{k} {v}" for k, v in sorted(u.figures.visits.items())))
        text(row, base + 1, u.remarks)
        text(row, base + 2, u.remarks_by or "")
        text(row, base + 3, u.submitted_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if u.submitted_at else "")
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------


@cache
def font_path() -> str:
    path = os.environ.get("XUNFANG_PDF_FONT", FONT)
    if not os.path.isfile(path):
        raise ConfigurationError(
            f"the PDF font is missing ({path}): install Debian's fonts-noto-cjk "
            "or set XUNFANG_PDF_FONT to a CJK TrueType/OpenType font"
        )
    return path


def pdf(report: WeeklyOut, unit_name: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path = font_path()
    doc = FPDF(orientation="L", unit="mm", format="A4")
    doc.set_auto_page_break(auto=True, margin=12)
    # One face only: embedding (subsetting) a CJK font is most of the time a PDF takes, so
    # emphasis is size and colour rather than a second, bold font.
    doc.add_font("cjk", fname=path, collection_font_number=SC if path.endswith(".ttc") else 0)
    doc.set_title(_title(report, unit_name))
    doc.set_creator("Xunfang")
    doc.add_page()
    doc.set_font("cjk", size=15)
    doc.cell(0, 9, _title(report, unit_name), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=8)
    doc.cell(0, 6, "每格为“本周 / 上周”；红底红字为较上周变差。", new_x="LMARGIN", new_y="NEXT")
    worse_face = FontFace(color=(190, 0, 0), fill_color=(253, 226, 226))
    widths = [40] + [19] * len(COLUMNS)
    for level, units in _levels(report):
        doc.ln(2)
        doc.set_font("cjk", size=12)
        doc.cell(0, 8, f"{UNIT_LEVEL_ZH.get(level, level)}服务站（{len(units)}）", new_x="LMARGIN", new_y="NEXT")
        doc.set_font("cjk", size=8)
        with doc.table(
            col_widths=widths,
            text_align="CENTER",
            line_height=5,
            headings_style=FontFace(emphasis=None, fill_color=(230, 236, 245)),
        ) as table:
            heading = table.row()
            heading.cell("单位")
            for _, label in COLUMNS:
                heading.cell(label)
            for u in units:
                row = table.row()
                row.cell(one_line(u.name), align="LEFT")
                for key, _ in COLUMNS:
                    value = f"{_number(getattr(u.figures, key))} / {_number(getattr(u.previous, key))}"
                    row.cell(value, style=worse_face if key in u.worse else None)
    remarked = [u for u in report.units if u.remarks]
    if remarked:
        doc.ln(4)
        doc.set_font("cjk", size=12)
        doc.cell(0, 8, "站长备注", new_x="LMARGIN", new_y="NEXT")
        for u in remarked:
            doc.set_font("cjk", size=10)
            state = "已提交" if u.submitted_at else "草稿"
            doc.cell(0, 6, f"{one_line(u.name)}（{one_line(u.remarks_by)}，{state}）", new_x="LMARGIN", new_y="NEXT")
            doc.set_font("cjk", size=9)
            doc.multi_cell(0, 5, clean(u.remarks), new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


class WeeklyPrintController(Controller):
    path = "/api/v1/exports"
    tags = ["reports"]

    @get(
        "/weekly.xlsx",
        operation_id="ExportWeeklyXlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async def export_weekly_xlsx(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        week: Week = None,
    ) -> Response[bytes]:
        return await self._file(user, db_session, org_unit_id, week, "xlsx", xlsx)

    @get("/weekly.pdf", operation_id="ExportWeeklyPdf", media_type="application/pdf")
    async def export_weekly_pdf(
        self,
        user: CurrentUser,
        db_session: DbSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        week: Week = None,
    ) -> Response[bytes]:
        return await self._file(user, db_session, org_unit_id, week, "pdf", pdf)

    async def _file(
        self, user: Principal, db_session: DbSession, org_unit_id: uuid.UUID | None, week: str | None, fmt: str, render
    ) -> Response[bytes]:
        unit = await readable_unit(db_session, user, org_unit_id)
        report = await build(db_session, unit, week, all_levels=True)
        await record_audit(
            db_session,
            user,
            "export",
            entity="weekly_report",
            entity_id=unit.id,
            org_unit_id=unit.id,
            format=fmt,
            week=report.week,
        )
        body = await asyncio.to_thread(render, report, unit.name)
        media = (
            "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": content_disposition(
                    f"weekly-{report.week}.{fmt}", f"服务站周报_{unit.name}_{report.week}.{fmt}"
                ),
                "Cache-Control": "no-store",
            },
        )
