"""Invitation slips (giấy mời) for a drive: A4 portrait, 4 or 6 slips a page with dashed cut lines.

Built as DOCX with python-docx (Times New Roman on every script; LibreOffice draws it with the
metric-compatible Liberation Serif), then PDF with `reports.pdf.docx_to_pdf`. Each slip: the commune's
heading, "GIẤY MỜI", the resident's name, what the drive is, when and where, what to bring, and the
team member to call.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from binhdan.programmes.models import Drive, DriveInvitee
from binhdan.registry.models import Gender

FONT = "Times New Roman"
PER_PAGE = (4, 6)
PAGE_W, PAGE_H = 210, 297  # mm, A4 portrait
MARGIN = 8  # mm
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Slip:
    name: str
    address: str
    contact_name: str
    contact_phone: str


def when_text(drive: Drive) -> str:
    minutes = f"{drive.starts_at.minute:02d}"
    return f"{drive.starts_at.hour} giờ {minutes}, {WEEKDAYS[drive.held_on.weekday()]} ngày {drive.held_on:%d/%m/%Y}"


def salutation(gender: str) -> str:
    return {Gender.MALE: "Ông", Gender.FEMALE: "Bà"}.get(gender, "Ông/Bà")  # type: ignore[call-overload]


def slips_for(drive: Drive, invitees: Sequence[DriveInvitee], team_phones: dict[int, str]) -> list[Slip]:
    out = []
    for invitee in invitees:
        resident = invitee.resident
        contact = invitee.contact or drive.contact
        phone = contact.phone or team_phones.get(resident.household.village_id, "")
        born = f"sinh năm {resident.birth_year}, " if resident.birth_year else ""
        out.append(
            Slip(
                name=f"{salutation(resident.gender)} {resident.full_name}",
                address=f"{born}{resident.household.village.name}",
                contact_name=contact.display_name,
                contact_phone=phone,
            )
        )
    return out


def _fonts(r_pr: object) -> None:
    fonts = r_pr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _borders(table: object) -> None:
    """Dashed lines round and between the slips: where to cut."""
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "dashed")
        element.set(qn("w:sz"), "6")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "808080")
        borders.append(element)
    tbl_pr.append(borders)


def _cell_margins(table: object, mm: float) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    margins = OxmlElement("w:tblCellMar")
    twips = str(int(mm * 56.7))
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), twips)
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.append(margins)


def _no_split(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    element = OxmlElement("w:cantSplit")
    tr_pr.append(element)


def _para(cell: object, text: str, *, size: float, bold: bool = False, center: bool = False,
          label: str = "", space_after: float = 2) -> None:  # fmt: skip
    paragraphs = cell.paragraphs  # type: ignore[attr-defined]
    paragraph = paragraphs[0] if len(paragraphs) == 1 and not paragraphs[0].text else cell.add_paragraph()  # type: ignore[attr-defined]
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.05
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if label:
        run = paragraph.add_run(label)
        run.font.size = Pt(size)
        run.bold = True
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def build_docx(drive: Drive, slips: Sequence[Slip], *, per_page: int = 6) -> bytes:
    """The slips as a DOCX document: 2 columns, 2 or 3 rows a page, every row of exact height."""
    if per_page not in PER_PAGE:
        per_page = PER_PAGE[-1]
    rows_per_page = per_page // 2
    document = Document()
    for r_pr in document.styles.element.iter(qn("w:rPr")):
        _fonts(r_pr)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    _fonts(normal.element.get_or_add_rPr())
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN))
    section.header_distance = section.footer_distance = Mm(0)
    # One mm under the page's height, so that LibreOffice never pushes a row onto a page of its own.
    row_height = Mm((PAGE_H - 2 * MARGIN - 2) / rows_per_page)
    column_width = Mm((PAGE_W - 2 * MARGIN) / 2)
    size = 14 if per_page == 4 else 12
    heading = f"UBND {drive.commune.name.upper()}"
    table = document.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    _cell_margins(table, 4)
    pairs = [list(slips[i : i + 2]) for i in range(0, len(slips), 2)]
    for pair in pairs:
        row = table.add_row()
        row.height = row_height
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
        _no_split(row)
        for index, cell in enumerate(row.cells):
            cell.width = column_width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if index >= len(pair):
                continue
            slip = pair[index]
            _para(cell, heading, size=size - 1, bold=True, center=True, space_after=0)
            _para(cell, "TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", size=size - 1, center=True, space_after=6)
            _para(cell, "GIẤY MỜI", size=size + 5, bold=True, center=True, space_after=6)
            _para(cell, slip.name, size=size + 1, bold=True, label="Kính mời: ")
            _para(cell, slip.address, size=size - 1, space_after=5)
            _para(cell, drive.title, size=size, label="Đến tham dự: ")
            _para(cell, when_text(drive), size=size, label="Thời gian: ")
            _para(cell, drive.venue, size=size, label="Địa điểm: ")
            if drive.what_to_bring:
                _para(cell, drive.what_to_bring, size=size, label="Xin mang theo: ")
            phone = f" — {slip.contact_phone}" if slip.contact_phone else ""
            _para(cell, f"{slip.contact_name}{phone}", size=size, label="Cần hỏi, xin gọi: ", space_after=6)
            _para(cell, "Rất mong Ông/Bà đến đúng giờ. Xin cảm ơn!", size=size - 1, center=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
