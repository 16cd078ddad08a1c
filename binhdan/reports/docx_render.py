"""A report as a DOCX laid out after Nghị định 30/2020/NĐ-CP, Phụ lục I (python-docx).

A4 portrait, margins 20/20/30/15 mm, Times New Roman everywhere (LibreOffice substitutes the metric-compatible
Liberation Serif or Tinos when it converts to PDF), body 14 pt, tables 11–12 pt; the two-column header
(issuing body and number on the left, Quốc hiệu, Tiêu ngữ and place and date on the right); title and
subject; numbered sections; "Nơi nhận:" and the signature block; page numbers centred in the top margin from
page 2 on. Tables wider than a portrait page get a landscape section of their own.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from binhdan.common.text import nfc
from binhdan.reports import columns
from binhdan.reports.models import Report, SignerCapacity

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
WIDE_TABLE_PT = 11
PAGE_W, PAGE_H = 210, 297
MARGINS = {"top": 20, "bottom": 20, "left": 30, "right": 15}  # mm, Phụ lục I: 20–25, 20–25, 30–35, 15–20
PORTRAIT_WIDTH = PAGE_W - MARGINS["left"] - MARGINS["right"]  # 165 mm of text
LANDSCAPE_WIDTH = PAGE_H - MARGINS["left"] - MARGINS["right"]  # 252 mm
HEADER_LEFT, HEADER_RIGHT = 66, 99  # mm, the two header columns (sum = PORTRAIT_WIDTH)
PORTRAIT_MAX_COLUMNS = 7  # more columns than this and a table gets a landscape page
VILLAGE_CODES_PER_TABLE = 5
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DRAFT_MARK = "DỰ THẢO"
CAPACITY_LINES: dict[str, tuple[str, ...]] = {
    SignerCapacity.CHAIRMAN: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    SignerCapacity.VICE_CHAIRMAN: ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    SignerCapacity.TEAM_LEADER: ("TỔ TRƯỞNG",),
}
KEEP_RECORD = "- Lưu: VT."
# The schema's order of children (ECMA-376): Word refuses a file whose properties are out of order.
P_PR_SEQ = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
TBL_PR_SEQ = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)  # fmt: skip
R_PR_SEQ_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


# --- numbers and dates as Vietnamese documents write them ------------------------------------------------


_SWAP_SEPARATORS = str.maketrans(",.", ".,")


def number(value: Any, decimals: int = 0) -> str:
    """1234 -> "1.234", 64.5 -> "64,5" (dot thousands, comma decimals); None -> "—"."""
    if value is None or value == "":
        return "—"
    try:
        figure = float(value)
    except (TypeError, ValueError):
        return nfc(str(value))
    text = f"{figure:,.{decimals}f}"
    return text.translate(_SWAP_SEPARATORS)


def percent(value: Any) -> str:
    """40.0 -> "40,0%"; None -> "—"."""
    return "—" if value is None else number(value, 1) + "%"


def fraction(pair: Any) -> str:
    """[12, 30] -> "12/30"."""
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return "—"
    return f"{number(pair[0])}/{number(pair[1])}"


def share(pair: Any) -> float | None:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return None
    try:
        numerator, denominator = float(pair[0]), float(pair[1])
    except (TypeError, ValueError):
        return None
    return None if not denominator else round(100 * numerator / denominator, 1)


def day(value: Any) -> str:
    """ISO date (or date) -> dd/mm/yyyy; anything else as given."""
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if not value:
        return ""
    try:
        return f"{dt.date.fromisoformat(str(value)[:10]):%d/%m/%Y}"
    except ValueError:
        return nfc(str(value))


def document_date(on: dt.date | None, fallback_year: int) -> str:
    """Nghị định 30: "ngày 05 tháng 12 năm 2026" (a zero before days under 10 and months 1 and 2)."""
    if on is None:
        return f"ngày     tháng     năm {fallback_year}"
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


def short_place(place: dict[str, Any]) -> str:
    """ "Sơn Đông" from {"short_name": …} or from "Xã Sơn Đông"."""
    short = nfc(place.get("short_name"))
    if short:
        return short
    name = nfc(place.get("name"))
    for prefix in ("Xã ", "Phường ", "Đặc khu ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def subject(report: Report) -> str:
    """The subject line under "BÁO CÁO" (the report page shows the same)."""
    content = report.content if isinstance(report.content, dict) else {}
    period = nfc(report.period_label) or nfc((content.get("period") or {}).get("label"))
    campaign = nfc((content.get("campaign") or {}).get("name")) or nfc(str(report.campaign or ""))
    team = content.get("team") or {}
    village = nfc(team.get("village") or (content.get("place") or {}).get("name") or "")
    if report.kind == "commune-summary":
        return (
            "Kết quả triển khai phong trào “Bình dân học vụ số” và hoạt động của "
            f"Tổ công nghệ số cộng đồng {period}"
        )
    if report.kind == "team-quarterly":
        return f"Kết quả hoạt động của Tổ công nghệ số cộng đồng {village} {period}"
    if report.kind == "daily":
        return f"Kết quả thực hiện {campaign} ngày {day(report.period_start)}"
    return f"Kết quả thực hiện {campaign}"


def indicator_cells(item: dict[str, Any]) -> list[str]:
    """One indicator's cells after its number: name, result (num/den), %, target, deadline, verdict with
    pace — the same in the DOCX and on the report page."""
    value, target = item.get("value"), item.get("target")
    if target is None:
        verdict = "Không đặt chỉ tiêu"
    elif value is None:
        verdict = "Chưa có số liệu"
    else:
        verdict = "Đạt" if item.get("met") else "Chưa đạt"
    if item.get("pace") and target is not None and not item.get("met"):
        verdict += "\n" + nfc(item.get("pace"))
    target_text = percent(target)
    if target is not None and item.get("own_target"):
        target_text += "\n(xã tự đặt)"
    denominator = item.get("denominator")
    result = (
        f"{number(item.get('numerator'))}/{number(denominator)}"
        if denominator not in (None, "", 0)
        else number(item.get("numerator"))
    )
    return [
        nfc(item.get("name")),
        result,
        percent(value),
        target_text,
        day(item.get("deadline")) or "—",
        verdict,
    ]


def paragraphs_of(text: str) -> list[str]:
    return [nfc(line) for line in (text or "").replace("\r", "").split("\n") if nfc(line)]


# --- low-level formatting ---------------------------------------------------------------------------------


def _fonts(r_pr: Any) -> None:
    """Times New Roman on all four scripts of a run or style, and no theme fonts that would override it."""
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _setup_styles(document: Any) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        for r_pr in defaults.iter(qn("w:rPr")):
            _fonts(r_pr)
    for style in document.styles:
        element = style.element
        if element.get(qn("w:type")) == "numbering":
            continue
        _fonts(element.get_or_add_rPr())
        if style.name and style.name.startswith(("Heading", "Title")):
            style.font.color.rgb = None
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    r_pr = normal.element.get_or_add_rPr()
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.insert_element_before(lang, *R_PR_SEQ_AFTER_LANG)
    lang.set(qn("w:val"), "vi-VN")


def run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    underline: bool = False,
) -> Any:
    piece = paragraph.add_run(unicodedata.normalize("NFC", text))
    piece.bold = bold or None
    piece.italic = italic or None
    piece.underline = underline or None
    piece.font.name = FONT
    _fonts(piece._element.get_or_add_rPr())
    piece.font.size = Pt(size or BODY_PT)
    return piece


def _put(parent: Any, element: Any, tag_seq: Sequence[str]) -> Any:
    """Insert `element` into `parent` at its place in the schema's sequence, replacing one of its tag."""
    tag = element.tag
    for old in parent.findall(tag):
        parent.remove(old)
    names = list(tag_seq)
    prefixed = next(name for name in names if qn(name) == tag)
    parent.insert_element_before(element, *names[names.index(prefixed) + 1 :])
    return element


def _border(paragraph: Paragraph, side: str, size: int = 6) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = _put(p_pr, OxmlElement("w:pBdr"), P_PR_SEQ)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), "000000")
    borders.append(line)


def rule(container: Any, width_mm: float, rule_mm: float) -> Paragraph:
    """A short centred horizontal line under the text above: a tiny empty paragraph with a bottom border,
    indented to `rule_mm` wide."""
    paragraph = container.add_paragraph()
    indent = max(0.0, (width_mm - rule_mm) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = Mm(indent), Mm(indent)
    fmt.space_before, fmt.space_after = Pt(0), Pt(2)
    fmt.line_spacing = Pt(2)
    run(paragraph, "", size=2)
    _border(paragraph, "bottom", 6)
    return paragraph


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    _put(tbl_pr, borders, TBL_PR_SEQ)


def _grid_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    _put(tbl_pr, borders, TBL_PR_SEQ)


def _fixed_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both, with a fixed layout."""
    table.autofit = False  # w:tblLayout fixed
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_mm) * 56.7)))
    width.set(qn("w:type"), "dxa")
    _put(table._tbl.tblPr, width, TBL_PR_SEQ)
    for column, mm in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(mm)
    for row in table.rows:
        for cell, mm in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(mm)


def _keep_row(row: Any, *, header: bool = False) -> None:
    """A row never splits across pages; the header row repeats on each page."""
    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)
    if header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)


def _cell_margins(table: Table, mm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(int(mm * 56.7)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    _put(table._tbl.tblPr, margins, TBL_PR_SEQ)


def cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = TABLE_PT,
    align: Any = WD_ALIGN_PARAGRAPH.LEFT,
) -> None:
    lines = str(text).split("\n") if text else [""]
    first = cell.paragraphs[0]
    for index, line in enumerate(lines):
        paragraph = first if index == 0 else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_before = Pt(1)
        paragraph.paragraph_format.space_after = Pt(1)
        run(paragraph, line, bold=bold, italic=italic, size=size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


# --- the document ----------------------------------------------------------------------------------------


@dataclass
class Col:
    heading: str
    width: float  # relative; scaled to the page
    align: Any = WD_ALIGN_PARAGRAPH.LEFT


LEFT, CENTER, RIGHT = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


class Writer:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.content: dict[str, Any] = report.content if isinstance(report.content, dict) else {}
        self.document = Document()
        self.landscape = False
        self.during = "Trong ngày" if report.kind == "daily" else "Trong kỳ"  # what an empty table says
        self.sections = 0
        self.subsections = 0
        _setup_styles(self.document)
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        self._margins(section)
        section.different_first_page_header_footer = True
        self._page_number(section)

    # -- page setup

    def _margins(self, section: Any) -> None:
        section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
        section.header_distance, section.footer_distance = Mm(10), Mm(10)

    def _page_number(self, section: Any) -> None:
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = CENTER
        # A PAGE field: begin, instruction, separate, the shown value, end.
        for part in ("begin", "instr", "separate", "value", "end"):
            piece = run(paragraph, "2" if part == "value" else "", size=13)
            if part == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = " PAGE "
                piece._element.append(instr)
            elif part != "value":
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), part)
                piece._element.append(char)
        first = section.first_page_header
        first.is_linked_to_previous = False

    def orient(self, landscape: bool) -> None:
        """Start a new page in the other orientation when the next block needs it."""
        if landscape == self.landscape:
            return
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        section.different_first_page_header_footer = False
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(PAGE_H), Mm(PAGE_W)
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        self._margins(section)
        self.landscape = landscape

    @property
    def width(self) -> float:
        return LANDSCAPE_WIDTH if self.landscape else PORTRAIT_WIDTH

    # -- text blocks

    def paragraph(
        self,
        text: str = "",
        *,
        bold: bool = False,
        italic: bool = False,
        size: float = BODY_PT,
        align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent: bool = True,
        after: float = 6,
    ) -> Paragraph:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(after)
        paragraph.paragraph_format.line_spacing = 1.1
        if indent:
            paragraph.paragraph_format.first_line_indent = Mm(10)
        if text:
            run(paragraph, text, bold=bold, italic=italic, size=size)
        return paragraph

    def section(self, title: str, *, wide: bool = False) -> None:
        self.orient(wide)
        self.subsections = 0
        numeral = ROMAN[self.sections] if self.sections < len(ROMAN) else str(self.sections + 1)
        self.sections += 1
        paragraph = self.paragraph(f"{numeral}. {title.upper()}", bold=True, after=6)
        paragraph.paragraph_format.space_before = Pt(6)
        paragraph.paragraph_format.keep_with_next = True

    def subsection(self, title: str, *, wide: bool = False) -> None:
        self.orient(wide)
        self.subsections += 1
        paragraph = self.paragraph(f"{self.subsections}. {title}", bold=True, after=6)
        paragraph.paragraph_format.keep_with_next = True

    def sentence(self, text: str) -> None:
        self.paragraph(text)

    def note(self, text: str) -> None:
        self.paragraph(text, italic=True, size=TABLE_PT, indent=False, after=8)

    def table(
        self,
        cols: Sequence[Col],
        rows: Iterable[Sequence[Any]],
        *,
        bold_rows: set[int] | None = None,
        size: float = TABLE_PT,
    ) -> Table:
        total = sum(c.width for c in cols)
        widths = [self.width * c.width / total for c in cols]
        body = list(rows)
        table = self.document.add_table(rows=1 + len(body), cols=len(cols))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _grid_borders(table)
        _cell_margins(table, 1.2)
        _fixed_widths(table, widths)
        header = table.rows[0]
        _keep_row(header, header=True)
        for cell, col in zip(header.cells, cols, strict=True):
            cell_text(cell, col.heading, bold=True, size=size, align=CENTER)
        for index, values in enumerate(body):
            _keep_row(table.rows[index + 1])
            cells = table.rows[index + 1].cells
            bold = bool(bold_rows and index in bold_rows)
            for cell, col, value in zip(cells, cols, values, strict=False):
                cell_text(cell, "" if value is None else str(value), bold=bold, size=size, align=col.align)
        self.paragraph(after=4, indent=False).paragraph_format.space_after = Pt(4)
        return table

    def merged_row(self, table: Table, text: str, *, bold: bool = True, size: float = TABLE_PT) -> None:
        row = table.add_row()
        _keep_row(row)
        merged = row.cells[0].merge(row.cells[-1])
        cell_text(merged, text, bold=bold, size=size)

    # -- the parts of every report

    def header(self) -> None:
        report, content = self.report, self.content
        commune = content.get("commune") or content.get("place") or {}
        commune_name = nfc(commune.get("name")) or nfc(str(report.commune))
        upper = commune_name.upper()
        table = self.document.add_table(rows=2, cols=2)
        _no_borders(table)
        _cell_margins(table, 0.5)
        # A team's body takes three lines with a long middle one: its column is wider.
        widths = (HEADER_LEFT + 8, HEADER_RIGHT - 8) if report.from_team else (HEADER_LEFT, HEADER_RIGHT)
        _fixed_widths(table, widths)
        left, right = table.rows[0].cells
        body_pt = 12 if report.from_team else 13
        if report.from_team:
            team = content.get("team") or {}
            village = nfc(team.get("village") or (content.get("place") or {}).get("name") or "")
            lines = [(f"UBND {upper}", False), ("TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", True)]
            if village:
                lines.append((village.upper(), True))
            symbol, rule_mm = "BC-TCNSCĐ", 40
        else:
            lines = [("ỦY BAN NHÂN DÂN", False), (upper, True)]
            symbol, rule_mm = "BC-UBND", 22
        for index, (text, bold) in enumerate(lines):
            paragraph = left.paragraphs[0] if index == 0 else left.add_paragraph()
            paragraph.alignment = CENTER
            run(paragraph, text, bold=bold, size=body_pt)
        rule(left, widths[0], rule_mm)
        national = right.paragraphs[0]
        national.alignment = CENTER
        run(national, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12 if report.from_team else 12.5)
        motto = right.add_paragraph()
        motto.alignment = CENTER
        run(motto, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13.5)
        rule(right, widths[1], 58)
        number_cell, date_cell = table.rows[1].cells
        number_line = number_cell.paragraphs[0]
        number_line.alignment = CENTER
        number_line.paragraph_format.space_before = Pt(6)
        run(number_line, f"Số: {nfc(report.number) or '      '}/{symbol}", size=13)
        date_line = date_cell.paragraphs[0]
        date_line.alignment = CENTER
        date_line.paragraph_format.space_before = Pt(6)
        fallback_year = max(timezone.localdate().year, report.as_of.year if report.as_of else 0)
        run(
            date_line,
            f"{short_place(commune)}, {document_date(report.issued_on, fallback_year)}",
            italic=True,
        )

    def title(self) -> None:
        report, content = self.report, self.content
        spacer = self.paragraph(indent=False, after=0)
        spacer.paragraph_format.space_before = Pt(6)
        if not report.frozen:
            mark = self.paragraph(DRAFT_MARK, bold=True, size=12, align=CENTER, indent=False, after=4)
            mark.runs[0].font.size = Pt(12)
            _border(mark, "top", 8)
            _border(mark, "bottom", 8)
            mark.paragraph_format.left_indent = Mm(60)
            mark.paragraph_format.right_indent = Mm(60)
            version = self.paragraph(
                f"(Phiên bản {report.version}, chưa ký ban hành)", italic=True, size=12, align=CENTER,
                indent=False, after=6,
            )  # fmt: skip
            version.paragraph_format.keep_with_next = True
        self.paragraph("BÁO CÁO", bold=True, align=CENTER, indent=False, after=0)
        subject = self.paragraph(self.subject(), bold=True, align=CENTER, indent=False, after=0)
        subject.paragraph_format.left_indent = Mm(8)
        subject.paragraph_format.right_indent = Mm(8)
        rule(self.document, PORTRAIT_WIDTH, 40)
        as_of = report.as_of or content.get("as_of")
        self.paragraph(
            f"Số liệu tính đến ngày {day(as_of)}.", italic=True, align=CENTER, indent=False, after=12
        )

    def subject(self) -> str:
        return subject(self.report)

    def closing(self) -> None:
        report, content = self.report, self.content
        self.orient(False)
        self.paragraph(after=6, indent=False)
        table = self.document.add_table(rows=1, cols=2)
        _no_borders(table)
        _fixed_widths(table, [80, PORTRAIT_WIDTH - 80])
        left, right = table.rows[0].cells
        heading = left.paragraphs[0]
        run(heading, "Nơi nhận:", bold=True, italic=True, size=12)
        lines = paragraphs_of(report.recipients)
        if not any(line.startswith(("- Lưu", "-Lưu", "Lưu")) for line in lines):
            lines.append(KEEP_RECORD)
        for line in lines:
            paragraph = left.add_paragraph()
            run(paragraph, line, size=11)
        capacity = SignerCapacity.TEAM_LEADER if report.from_team else report.signer_capacity
        block = CAPACITY_LINES.get(capacity, CAPACITY_LINES[SignerCapacity.VICE_CHAIRMAN])
        for index, text in enumerate(block):
            paragraph = right.paragraphs[0] if index == 0 else right.add_paragraph()
            paragraph.alignment = CENTER
            run(paragraph, text, bold=True)
        right.add_paragraph()
        for _ in range(3):
            right.add_paragraph()
        name = nfc(report.signer_name)
        if not name and report.from_team:
            name = nfc((content.get("team") or {}).get("leader"))
        signer = right.add_paragraph()
        signer.alignment = CENTER
        run(signer, name, bold=True)

    # -- the body's tables

    def indicators(self) -> None:
        rows = self.content.get("indicators") or []
        if not rows:
            self.sentence(f"{self.during} chưa có số liệu chỉ tiêu.")
            return
        cols = [
            Col("TT", 8, CENTER), Col("Chỉ tiêu", 44), Col("Kết quả (tử số/ mẫu số)", 25, CENTER),
            Col("Tỷ lệ %", 15, CENTER), Col("Chỉ tiêu kế hoạch %", 19, CENTER), Col("Hạn", 21, CENTER),
            Col("Đánh giá", 33, CENTER),
        ]  # fmt: skip
        body = [[index, *indicator_cells(item)] for index, item in enumerate(rows, 1)]
        self.table(cols, body, size=WIDE_TABLE_PT)

    def villages(self) -> None:
        villages = self.content.get("villages") or {}
        codes = list(villages.get("codes") or [])
        rows = list(villages.get("rows") or [])
        if not rows or not codes:
            self.sentence(f"{self.during} chưa có số liệu theo thôn.")
            return
        names = villages.get("names") or {}
        total = villages.get("total")
        # Five indicators a table keeps the page portrait and every "1.234/2.345" on one line; more
        # indicators continue in the next table, the villages repeated.
        for start in range(0, len(codes), VILLAGE_CODES_PER_TABLE):
            chunk = codes[start : start + VILLAGE_CODES_PER_TABLE]
            if start:
                self.note(f"Kết quả theo thôn (tiếp theo, bảng {start // VILLAGE_CODES_PER_TABLE + 1}):")
            cols = [Col("TT", 9, CENTER), Col("Thôn", 31)] + [
                Col(nfc(names.get(code) or code), 25, CENTER) for code in chunk
            ]
            body: list[list[Any]] = []
            for index, row in enumerate(rows, 1):
                values = row.get("values") or {}
                body.append([index, nfc(row.get("name")), *(_pair(values.get(code)) for code in chunk)])
            if total:
                values = total.get("values") or {}
                body.append(["", nfc(total.get("name")) or "Toàn xã", *(_pair(values.get(c)) for c in chunk)])
            self.table(cols, body, bold_rows={len(rows)} if total else None, size=WIDE_TABLE_PT)
        self.note("Mỗi ô: số đạt/tổng số (tỷ lệ %).")

    def activity_columns(self) -> list[columns.ShownColumn]:
        return columns.shown_columns(columns.layout_for(self.report.commune, self.report.kind))

    def activity(self) -> None:
        activity = self.content.get("activity") or {}
        rows = list(activity.get("rows") or [])
        shown = self.activity_columns()
        if not rows:
            self.sentence(f"{self.during} chưa có hoạt động của Tổ công nghệ số cộng đồng được ghi nhận.")
            return
        if not shown:
            self.sentence("Xã chưa chọn cột nào cho bảng hoạt động của Tổ công nghệ số cộng đồng.")
            return
        if len(rows) == 1:
            # One team (its own report): its figures down the page, one line per column.
            single = [Col("TT", 8, CENTER), Col("Nội dung", 100), Col("Kết quả", 40, CENTER)]
            figures = _figures(rows[0], shown)
            self.table(
                single, [[i, c.label, f] for i, (c, f) in enumerate(zip(shown, figures, strict=True), 1)]
            )
            self.note(columns.OWN_COLUMNS_NOTE)
            return
        cols = [Col("TT", 8, CENTER), Col("Tổ (thôn)", 28)] + [Col(c.label, 17, CENTER) for c in shown]
        body: list[list[Any]] = []
        for index, row in enumerate(rows, 1):
            body.append([index, nfc(row.get("village") or row.get("team")), *_figures(row, shown)])
        total = activity.get("total") or {}
        with_total = bool(total) and len(rows) > 1
        if with_total:
            body.append(["", nfc(total.get("team")) or "Tổng cộng", *_figures(total, shown)])
        self.table(cols, body, bold_rows={len(rows)} if with_total else None, size=WIDE_TABLE_PT)
        self.note(columns.OWN_COLUMNS_NOTE)

    def activity_wide(self) -> bool:
        rows = (self.content.get("activity") or {}).get("rows") or []
        return len(rows) > 1 and len(self.activity_columns()) + 2 > PORTRAIT_MAX_COLUMNS

    def skills(self) -> None:
        rows = self.content.get("skills") or []
        if not rows:
            self.sentence(f"{self.during} chưa có lượt hướng dẫn kỹ năng số nào được ghi nhận.")
            return
        body = [[i, nfc(r.get("name")), number(r.get("people"))] for i, r in enumerate(rows, 1)]
        self.table(
            [Col("TT", 8, CENTER), Col("Kỹ năng", 110), Col("Số người được hướng dẫn", 40, CENTER)], body
        )

    def classes(self) -> None:
        rows = self.content.get("classes") or []
        if not rows:
            self.sentence(f"{self.during} chưa có lớp học, buổi sinh hoạt cộng đồng nào.")
            return
        cols = [
            Col("TT", 9, CENTER), Col("Tên lớp, buổi sinh hoạt", 50), Col("Hình thức", 32, CENTER),
            Col("Ngày", 25, CENTER), Col("Địa điểm", 28), Col("Số người dự", 21, CENTER),
        ]  # fmt: skip
        body = [
            [i, nfc(r.get("title")), nfc(r.get("kind")), day(r.get("held_on")), nfc(r.get("place")),
             number(r.get("attendees"))]
            for i, r in enumerate(rows, 1)
        ]  # fmt: skip
        body.append(["", "Tổng số", "", "", "", number(sum(_int(r.get("attendees")) for r in rows))])
        self.table(cols, body, bold_rows={len(rows)})

    def trainings(self) -> None:
        rows = self.content.get("trainings") or []
        if not rows:
            self.sentence(f"{self.during} chưa có buổi tập huấn tổ viên nào.")
            return
        cols = [Col("TT", 9, CENTER), Col("Nội dung tập huấn", 95), Col("Ngày", 26, CENTER),
                Col("Số tổ viên dự", 30, CENTER)]  # fmt: skip
        body = [
            [i, nfc(r.get("title")), day(r.get("held_on")), number(r.get("attendees"))]
            for i, r in enumerate(rows, 1)
        ]
        self.table(cols, body)

    def days(self) -> None:
        rows = self.content.get("days") or []
        if not rows:
            self.sentence(f"{self.during} chưa có ngày nào có hoạt động được ghi nhận.")
            return
        cols = [Col("TT", 8, CENTER), Col("Ngày", 40, CENTER), Col("Lượt hỗ trợ tại hộ", 55, CENTER),
                Col("Số người được hướng dẫn", 55, CENTER)]  # fmt: skip
        body: list[list[Any]] = [
            [i, day(r.get("day")), number(r.get("visits")), number(r.get("people"))]
            for i, r in enumerate(rows, 1)
        ]
        if len(rows) > 1:
            body.append(["", "Tổng cộng", number(sum(_int(r.get("visits")) for r in rows)),
                         number(sum(_int(r.get("people")) for r in rows))])  # fmt: skip
        self.table(cols, body, bold_rows={len(rows)} if len(rows) > 1 else None)

    def tasks(self) -> None:
        tasks = self.content.get("tasks") or {}
        rows = list(tasks.get("rows") or [])
        counts = tasks.get("counts") or {}
        if not rows:
            self.sentence(f"{self.during} chưa có nhiệm vụ kế hoạch nào.")
            return
        self.sentence(
            f"Kế hoạch có {number(counts.get('total', len(rows)))} nhiệm vụ: đã hoàn thành "
            f"{number(counts.get('done', 0))}, đang thực hiện {number(counts.get('in_progress', 0))}, "
            f"chưa thực hiện {number(counts.get('not_started', 0))}, đã hủy {number(counts.get('cancelled', 0))}; "
            f"quá hạn {number(counts.get('overdue', 0))} nhiệm vụ."
        )
        cols = [
            Col("TT", 8, CENTER), Col("Nhiệm vụ", 53), Col("Đơn vị chủ trì", 27), Col("Thời hạn", 22, CENTER),
            Col("Tình trạng", 24, CENTER), Col("Kết quả", 31),
        ]  # fmt: skip
        table = self.table(cols, [], size=WIDE_TABLE_PT)
        section = None
        for row in rows:
            if nfc(row.get("section")) and nfc(row.get("section")) != section:
                section = nfc(row.get("section"))
                self.merged_row(table, section, size=WIDE_TABLE_PT)
            status = nfc(row.get("status_label"))
            if row.get("overdue"):
                status = f"{status}\nQuá hạn" if status else "Quá hạn"
            result = nfc(row.get("result_note"))
            if row.get("evidence"):
                result = (result + "\n" if result else "") + f"{number(row.get('evidence'))} minh chứng"
            deadline = nfc(row.get("deadline_text")) or day(row.get("deadline")) or "—"
            new_row = table.add_row()
            _keep_row(new_row)
            cells = new_row.cells
            values = [nfc(str(row.get("number") or "")), nfc(row.get("title")), nfc(row.get("lead_unit")),
                      deadline, status, result]  # fmt: skip
            for cell, col, value in zip(cells, cols, values, strict=True):
                cell_text(cell, value, size=WIDE_TABLE_PT, align=col.align, bold=col.heading == "Tình trạng"
                          and bool(row.get("overdue")))  # fmt: skip
        _fixed_widths(table, [PORTRAIT_WIDTH * c.width / sum(x.width for x in cols) for c in cols])

    def team_reports(self) -> None:
        rows = self.content.get("team_reports") or []
        if not rows:
            self.sentence(f"{self.during} chưa có báo cáo nào của các Tổ công nghệ số cộng đồng.")
            return
        cols = [Col("TT", 9, CENTER), Col("Tổ", 68), Col("Thôn", 30), Col("Hạn nộp", 26, CENTER),
                Col("Tình trạng", 35, CENTER)]  # fmt: skip
        body = []
        for i, r in enumerate(rows, 1):
            status = nfc(r.get("status_label") or r.get("status"))
            if r.get("late"):
                status += " (muộn)"
            body.append([i, nfc(r.get("team")), nfc(r.get("village")), day(r.get("due_on")) or "—", status])
        self.table(cols, body)

    def members(self) -> None:
        members = (self.content.get("team") or {}).get("members") or []
        if not members:
            self.sentence("Tổ chưa có danh sách thành viên.")
            return
        self.sentence(f"Tổ có {number(len(members))} thành viên:")
        cols = [Col("TT", 8, CENTER), Col("Họ và tên", 60), Col("Vai trò", 35), Col("Đơn vị, đoàn thể", 55)]
        body = [
            [i, nfc(m.get("name")), nfc(m.get("role")), nfc(m.get("affiliation"))]
            for i, m in enumerate(members, 1)
        ]
        self.table(cols, body)

    def narrative(self, text: str, empty: str = "Không có.") -> None:
        lines = paragraphs_of(text)
        for line in lines or [empty]:
            self.sentence(line)

    # -- the whole report

    def body(self) -> None:
        report, kind = self.report, self.report.kind
        if kind in ("commune-summary", "campaign"):
            self.section("Kết quả thực hiện các chỉ tiêu")
            self.subsection("Kết quả theo chỉ tiêu của kế hoạch")
            self.indicators()
            self.subsection("Kết quả theo thôn")
            self.villages()
            self.section("Hoạt động của Tổ công nghệ số cộng đồng", wide=self.activity_wide())
            self.subsection("Hoạt động của các Tổ", wide=self.activity_wide())
            self.activity()
            if kind == "campaign":
                self.subsection("Kết quả theo ngày")
                self.days()
            self.subsection("Hướng dẫn kỹ năng số cho người dân")
            self.skills()
            self.subsection("Lớp học, buổi sinh hoạt cộng đồng")
            self.classes()
            self.subsection("Tập huấn cho tổ viên")
            self.trainings()
            if kind == "commune-summary":
                self.section("Tình hình thực hiện nhiệm vụ của kế hoạch")
                self.tasks()
            self.section("Báo cáo của các Tổ công nghệ số cộng đồng")
            self.team_reports()
        else:
            if kind == "daily":
                self.section("Kết quả trong ngày")
                self.subsection("Lượt hỗ trợ và người được hướng dẫn")
                self.days()
            else:
                self.section("Tình hình tổ chức của Tổ")
                self.members()
                self.section("Kết quả hoạt động của Tổ", wide=self.activity_wide())
            self.subsection("Hoạt động của Tổ", wide=self.activity_wide())
            self.activity()
            self.subsection("Hướng dẫn kỹ năng số cho người dân")
            self.skills()
            self.subsection("Lớp học, buổi sinh hoạt cộng đồng")
            self.classes()
            if kind == "team-quarterly":
                self.subsection("Tập huấn cho tổ viên")
                self.trainings()
            self.section("Kết quả thực hiện các chỉ tiêu của thôn")
            self.indicators()
        self.section("Kết quả nổi bật")
        self.narrative(report.highlights)
        self.section("Khó khăn, vướng mắc")
        self.narrative(report.difficulties)
        self.section("Đề xuất, kiến nghị")
        self.narrative(report.proposals)

    def build(self) -> bytes:
        self.header()
        self.title()
        self.body()
        self.closing()
        core = self.document.core_properties
        subject = self.subject()
        core.title = nfc(f"Báo cáo {subject[:1].lower()}{subject[1:]}")
        core.author = nfc((self.content.get("commune") or {}).get("name")) or "binhdan"
        core.language = "vi-VN"
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _pair(pair: Any) -> str:
    figure = share(pair)
    return fraction(pair) + ("" if figure is None else f"\n({percent(figure)})")


def _figures(row: dict[str, Any], shown: Sequence[columns.ShownColumn]) -> list[str]:
    return [number(row.get(c.key), c.decimals) for c in shown]


def render_docx(report: Report) -> bytes:
    """The report as DOCX bytes."""
    return Writer(report).build()
