"""A report's annex tables as one XLSX workbook (openpyxl): one sheet per table, each with its title rows, a
frozen header, column widths and number formats. Every cell goes through `common.spreadsheet.write_cell`, so
a class called "=1+1" stays text."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from binhdan.common.spreadsheet import write_cell
from binhdan.common.text import nfc
from binhdan.reports import columns
from binhdan.reports.models import Report

FONT = "Times New Roman"
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
PERCENT = "0.0%"
DATE = "DD/MM/YYYY"
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_ROWS = 3  # title, place and period, blank


@dataclass
class Col:
    heading: str
    width: float
    number_format: str | None = None


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _share(numerator: Any, denominator: Any) -> float | None:
    try:
        return None if not denominator else float(numerator) / float(denominator)
    except (TypeError, ValueError):
        return None


def _fraction(value: Any) -> float | None:
    """A percentage figure (40.0) as a spreadsheet fraction (0.4)."""
    try:
        return None if value is None else float(value) / 100
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


class Annex:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.content: dict[str, Any] = report.content if isinstance(report.content, dict) else {}
        self.book = Workbook()
        self.book.remove(self.book.active)
        commune = (self.content.get("commune") or {}).get("name") or str(report.commune)
        place = (self.content.get("place") or {}).get("name") or commune
        as_of = report.as_of or _date(self.content.get("as_of"))
        self.subtitle = nfc(
            f"{place} — {report.period_label}"
            + (f" — số liệu tính đến ngày {as_of:%d/%m/%Y}" if as_of else "")
        )
        self.number = 0

    def sheet(
        self,
        name: str,
        title: str,
        cols: Sequence[Col],
        rows: Sequence[Sequence[Any]],
        *,
        empty: str,
        note: str = "",
        bold_last: bool = False,
        header_rows: Sequence[Sequence[str]] = (),
        merges: Sequence[tuple[int, int]] = (),
    ) -> Worksheet:
        """A sheet: title, subtitle, (optional group header row with `merges` as (first, last) columns), the
        header row, the rows; frozen under the header and right of the first two columns."""
        self.number += 1
        ws = self.book.create_sheet(name[:31])
        write_cell(ws.cell(1, 1), nfc(f"Phụ lục {self.number}. {title}"))
        ws.cell(1, 1).font = Font(name=FONT, bold=True, size=13)
        write_cell(ws.cell(2, 1), self.subtitle)
        ws.cell(2, 1).font = Font(name=FONT, italic=True, size=11)
        row = TITLE_ROWS + 1
        for group in header_rows:
            for index, text in enumerate(group, 1):
                cell = write_cell(ws.cell(row, index), nfc(text))
                cell.font = Font(name=FONT, bold=True, size=11)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                cell.border = GRID
            for first, last in merges:
                ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            row += 1
        for index, col in enumerate(cols, 1):
            cell = write_cell(ws.cell(row, index), nfc(col.heading))
            cell.font = Font(name=FONT, bold=True, size=11)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = GRID
            ws.column_dimensions[get_column_letter(index)].width = col.width
        ws.row_dimensions[row].height = 32
        header_row = row
        ws.freeze_panes = ws.cell(header_row + 1, min(3, len(cols)))
        if not rows:
            write_cell(ws.cell(header_row + 1, 1), empty)
            ws.cell(header_row + 1, 1).font = Font(name=FONT, italic=True, size=11)
        for offset, values in enumerate(rows, 1):
            bold = bold_last and offset == len(rows)
            for index, (col, value) in enumerate(zip(cols, values, strict=False), 1):
                cell = write_cell(ws.cell(header_row + offset, index), _text(value))
                cell.font = Font(name=FONT, size=11, bold=bold)
                cell.border = GRID
                cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
                if col.number_format and value is not None and not isinstance(value, str):
                    cell.number_format = col.number_format
        if note:
            write_cell(ws.cell(header_row + len(rows) + 2, 1), nfc(note))
            ws.cell(header_row + len(rows) + 2, 1).font = Font(name=FONT, italic=True, size=11)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(cols) > 7 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        return ws

    # -- the tables

    def indicators(self) -> None:
        rows = []
        for index, item in enumerate(self.content.get("indicators") or [], 1):
            target = item.get("target")
            if target is None:
                verdict = "Không đặt chỉ tiêu"
            elif item.get("value") is None:
                verdict = "Chưa có số liệu"
            else:
                verdict = "Đạt" if item.get("met") else "Chưa đạt"
            rows.append([
                index, item.get("code"), item.get("name"), item.get("numerator"), item.get("denominator"),
                _fraction(item.get("value")), _fraction(target), "Có" if item.get("own_target") else "",
                _date(item.get("deadline")), verdict, item.get("pace") or "",
            ])  # fmt: skip
        cols = [
            Col("TT", 5, INTEGER), Col("Mã", 14), Col("Chỉ tiêu", 44), Col("Tử số", 11, INTEGER),
            Col("Mẫu số", 11, INTEGER), Col("Tỷ lệ", 9, PERCENT), Col("Chỉ tiêu kế hoạch", 11, PERCENT),
            Col("Xã tự đặt", 8), Col("Hạn", 12, DATE), Col("Đánh giá", 16), Col("Tiến độ", 28),
        ]  # fmt: skip
        self.sheet(
            "Chỉ tiêu",
            "Kết quả thực hiện các chỉ tiêu",
            cols,
            rows,
            empty="Trong kỳ chưa có số liệu chỉ tiêu.",
        )

    def villages(self) -> None:
        villages = self.content.get("villages") or {}
        codes = list(villages.get("codes") or [])
        names = villages.get("names") or {}
        group = ["", ""]
        merges = []
        cols = [Col("TT", 5, INTEGER), Col("Thôn", 22)]
        for index, code in enumerate(codes):
            group += [nfc(names.get(code) or code), "", ""]
            merges.append((3 + 3 * index, 5 + 3 * index))
            cols += [Col("Số đạt", 10, INTEGER), Col("Tổng số", 10, INTEGER), Col("Tỷ lệ", 9, PERCENT)]
        body: list[list[Any]] = []
        items = list(villages.get("rows") or [])
        total = villages.get("total")
        for index, row in enumerate([*items, total] if total and items else items, 1):
            values = row.get("values") or {}
            line: list[Any] = [index if index <= len(items) else None, row.get("name") or "Toàn xã"]
            for code in codes:
                pair = values.get(code)
                numerator, denominator = (
                    pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, None)
                )
                line += [numerator, denominator, _share(numerator, denominator)]
            body.append(line)
        self.sheet(
            "Theo thôn", "Kết quả theo thôn", cols, body if codes else [], empty="Trong kỳ chưa có số liệu theo thôn.",
            bold_last=bool(total and items), header_rows=[group] if codes else [], merges=merges,
        )  # fmt: skip

    def activity(self) -> None:
        activity = self.content.get("activity") or {}
        shown = columns.shown_columns(columns.layout_for(self.report.commune, self.report.kind))
        cols = [Col("TT", 5, INTEGER), Col("Tổ", 36), Col("Thôn", 16)] + [
            Col(c.label, 13, DECIMAL if c.decimals else INTEGER) for c in shown
        ]
        items = list(activity.get("rows") or [])
        body = [
            [i, r.get("team"), r.get("village")] + [r.get(c.key) for c in shown]
            for i, r in enumerate(items, 1)
        ]
        total = activity.get("total")
        if total and len(items) > 1:
            body.append([None, total.get("team") or "Tổng cộng", ""] + [total.get(c.key) for c in shown])
        self.sheet(
            "Hoạt động của tổ", "Hoạt động của Tổ công nghệ số cộng đồng", cols, body,
            empty="Trong kỳ chưa có hoạt động được ghi nhận.", note=columns.OWN_COLUMNS_NOTE,
            bold_last=bool(total and len(items) > 1),
        )  # fmt: skip

    def skills(self) -> None:
        cols = [
            Col("TT", 5, INTEGER),
            Col("Mã", 16),
            Col("Kỹ năng", 56),
            Col("Số người được hướng dẫn", 16, INTEGER),
        ]
        body = [
            [i, r.get("code"), r.get("name"), r.get("people")]
            for i, r in enumerate(self.content.get("skills") or [], 1)
        ]
        self.sheet("Kỹ năng", "Người dân được hướng dẫn theo kỹ năng", cols, body,
                   empty="Trong kỳ chưa có lượt hướng dẫn kỹ năng nào.")  # fmt: skip

    def classes(self) -> None:
        cols = [Col("TT", 5, INTEGER), Col("Tên lớp, buổi sinh hoạt", 44), Col("Hình thức", 16), Col("Ngày", 12, DATE),
                Col("Địa điểm", 24), Col("Số người dự", 12, INTEGER)]  # fmt: skip
        body = [
            [i, r.get("title"), r.get("kind"), _date(r.get("held_on")), r.get("place"), r.get("attendees")]
            for i, r in enumerate(self.content.get("classes") or [], 1)
        ]
        self.sheet("Lớp học", "Lớp học, buổi sinh hoạt cộng đồng", cols, body,
                   empty="Trong kỳ chưa có lớp học, buổi sinh hoạt nào.")  # fmt: skip

    def trainings(self) -> None:
        cols = [Col("TT", 5, INTEGER), Col("Nội dung tập huấn", 50), Col("Ngày", 12, DATE),
                Col("Số tổ viên dự", 14, INTEGER)]  # fmt: skip
        body = [
            [i, r.get("title"), _date(r.get("held_on")), r.get("attendees")]
            for i, r in enumerate(self.content.get("trainings") or [], 1)
        ]
        self.sheet(
            "Tập huấn", "Tập huấn cho tổ viên", cols, body, empty="Trong kỳ chưa có buổi tập huấn nào."
        )

    def days(self) -> None:
        cols = [Col("TT", 5, INTEGER), Col("Ngày", 12, DATE), Col("Lượt hỗ trợ tại hộ", 16, INTEGER),
                Col("Số người được hướng dẫn", 18, INTEGER)]  # fmt: skip
        body = [
            [i, _date(r.get("day")), r.get("visits"), r.get("people")]
            for i, r in enumerate(self.content.get("days") or [], 1)
        ]
        self.sheet(
            "Theo ngày", "Kết quả theo ngày", cols, body, empty="Trong kỳ chưa có ngày nào có hoạt động."
        )

    def tasks(self) -> None:
        tasks = self.content.get("tasks") or {}
        cols = [
            Col("TT", 6), Col("Mục", 26), Col("Nhiệm vụ", 40), Col("Đơn vị chủ trì", 20), Col("Kết quả dự kiến", 24),
            Col("Thời hạn", 12, DATE), Col("Thời hạn (ghi trong kế hoạch)", 16), Col("Tình trạng", 16),
            Col("Quá hạn", 9), Col("Kết quả", 30), Col("Số minh chứng", 10, INTEGER),
        ]  # fmt: skip
        body = [
            [str(r.get("number") or ""), r.get("section"), r.get("title"), r.get("lead_unit"), r.get("expected_result"),
             _date(r.get("deadline")), r.get("deadline_text"), r.get("status_label"),
             "Quá hạn" if r.get("overdue") else "", r.get("result_note"), r.get("evidence")]
            for r in tasks.get("rows") or []
        ]  # fmt: skip
        self.sheet("Nhiệm vụ kế hoạch", "Tình hình thực hiện nhiệm vụ của kế hoạch", cols, body,
                   empty="Trong kỳ chưa có nhiệm vụ kế hoạch nào.")  # fmt: skip

    def team_reports(self) -> None:
        cols = [Col("TT", 5, INTEGER), Col("Tổ", 40), Col("Thôn", 18), Col("Hạn nộp", 12, DATE), Col("Tình trạng", 16),
                Col("Nộp muộn", 10)]  # fmt: skip
        body = [
            [i, r.get("team"), r.get("village"), _date(r.get("due_on")), r.get("status_label"), "Có" if r.get("late") else ""]
            for i, r in enumerate(self.content.get("team_reports") or [], 1)
        ]  # fmt: skip
        self.sheet("Báo cáo của các tổ", "Báo cáo của các Tổ công nghệ số cộng đồng", cols, body,
                   empty="Trong kỳ chưa có báo cáo nào của các tổ.")  # fmt: skip

    def build(self) -> bytes:
        kind = self.report.kind
        self.indicators()
        if kind in ("commune-summary", "campaign"):
            self.villages()
        self.activity()
        if kind in ("daily", "campaign"):
            self.days()
        self.skills()
        self.classes()
        self.trainings()
        if kind == "commune-summary":
            self.tasks()
        if kind in ("commune-summary", "campaign"):
            self.team_reports()
        self.book.properties.title = nfc(f"Phụ lục báo cáo — {self.subtitle}")
        self.book.properties.language = "vi-VN"
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def render_xlsx(report: Report) -> bytes:
    """The report's annex tables as XLSX bytes."""
    return Annex(report).build()
