"""The printed certificate: a DOCX after Nghị định 30 (python-docx), turned into PDF by headless LibreOffice.

One A4 landscape page per certificate, several certificates of a class in one file. Times New Roman
(LibreOffice substitutes Liberation Serif); margins 20/20/30/15 mm; the two-column heading (issuing body
"ỦY BAN NHÂN DÂN / XÃ …" with its number on the left, Quốc hiệu and Tiêu ngữ on the right), "GIẤY CHỨNG
NHẬN", the holder's full name and birth year, the class, its date and skills, the place and date line,
the signature block, the QR code (segno, PNG) with the verification address, and the plain note that the
paper is not the state's "đạt phổ cập kỹ năng số" confirmation.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from binhdan.certificates.models import SIGNATURE_LINES, Certificate, SignerCapacity
from binhdan.common.text import nfc
from binhdan.fieldwork.models import ClassKind
from binhdan.reports.docx_render import FONT, document_date, rule, run
from binhdan.reports.pdf import docx_to_pdf

PAGE_W, PAGE_H = 297, 210  # A4 landscape
MARGINS = {"top": 20, "bottom": 15, "left": 30, "right": 20}
WIDTH = PAGE_W - MARGINS["left"] - MARGINS["right"]  # 247 mm of text
HEADER = (100, WIDTH - 100)
QR_MM = 30
NOT_PCKS_NOTE = (
    "Giấy này xác nhận đã tham gia lớp học do xã tổ chức; không phải là xác nhận "
    "“đạt phổ cập kỹ năng số” theo quy định của Nhà nước."
)
CENTER, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
# The line under the title, by kind of class (the movement's name keeps its capitals).
COMPLETED: dict[str, str] = {
    ClassKind.CLASS: "Hoàn thành lớp Bình dân học vụ số",
    ClassKind.LEARNING_DAY: "Tham gia Ngày hội toàn dân học tập số",
    ClassKind.MARKET_DAY: "Tham gia Chợ số",
    ClassKind.SESSION: "Hoàn thành buổi học cộng đồng",
}


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("certificates:verify", args=[certificate.code])


def _short_commune(name: str) -> str:
    for prefix in ("Xã ", "Phường ", "Đặc khu ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _fonts(element: Any) -> None:
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _no_borders(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    table._tbl.tblPr.append(borders)


def _widths(table: Any, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    for column, mm in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(mm)
    for row in table.rows:
        for cell, mm in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(mm)


def _line(
    container: Any, text: str, *, first: bool = False, align: Any = CENTER, after: float = 0, **style: Any
) -> Any:
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    if text:
        run(paragraph, text, **style)
    return paragraph


class CertificateWriter:
    def __init__(self) -> None:
        self.document = Document()
        normal = self.document.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(14)
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.space_after = Pt(0)
        _fonts(normal.element)
        self.pages = 0

    def _page(self) -> None:
        document = self.document
        section = document.add_section(WD_SECTION.NEW_PAGE) if self.pages else document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
        self.pages += 1

    def heading(self, certificate: Certificate, commune_name: str) -> None:
        table = self.document.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, HEADER)
        left, right = table.rows[0].cells
        _line(left, "ỦY BAN NHÂN DÂN", first=True, size=13)
        _line(left, commune_name.upper(), bold=True, size=13)
        rule(left, HEADER[0], 22)
        _line(left, f"Số: {certificate.number}", size=13)
        _line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True, bold=True, size=12.5)
        _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13.5)
        rule(right, HEADER[1], 58)

    def body(self, certificate: Certificate, commune_name: str) -> None:
        document = self.document
        community_class = certificate.community_class
        resident = certificate.resident
        title = _line(document, "GIẤY CHỨNG NHẬN", bold=True, size=24, after=0)
        title.paragraph_format.space_before = Pt(22)
        subtitle = COMPLETED.get(community_class.kind, COMPLETED[ClassKind.CLASS])
        _line(document, subtitle, bold=True, size=15, after=14)
        _line(document, f"ỦY BAN NHÂN DÂN {commune_name.upper()} chứng nhận:", size=14, after=4)
        if resident.gender == "nam":
            salutation = "Ông"
        elif resident.gender == "nu":
            salutation = "Bà"
        else:
            salutation = "Ông/Bà"
        holder = _line(document, "", after=2)
        run(holder, f"{salutation}: ", size=15)
        run(holder, nfc(resident.full_name).upper(), bold=True, size=17)
        if resident.birth_year:
            run(holder, f"        Năm sinh: {resident.birth_year}", size=15)
        joined = _line(document, "", after=2)
        run(joined, "Đã tham gia và hoàn thành lớp: ", size=14)
        run(joined, f"“{nfc(community_class.title)}”", bold=True, size=14)
        venue = f" tại {nfc(community_class.venue)}" if community_class.venue else ""
        _line(document, f"do xã tổ chức ngày {community_class.held_on:%d/%m/%Y}{venue}.", size=14, after=2)
        skills = [nfc(s.name) for s in community_class.skills.all()]
        if skills:
            shown = "; ".join(skills[:8]) + ("; …" if len(skills) > 8 else "")
            content = _line(document, "", after=2)
            content.paragraph_format.left_indent = Mm(15)
            content.paragraph_format.right_indent = Mm(15)
            run(content, "Nội dung đã học: ", italic=True, size=13)
            run(content, shown + ".", size=13)

    def closing(self, certificate: Certificate, commune_name: str) -> None:
        document = self.document
        spacer = document.add_paragraph()
        spacer.paragraph_format.space_after = Pt(10)
        table = document.add_table(rows=1, cols=3)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _no_borders(table)
        widths = (QR_MM + 4, 102, WIDTH - QR_MM - 4 - 102)
        _widths(table, widths)
        qr_cell, address_cell, sign_cell = table.rows[0].cells
        url = verification_url(certificate)
        image = io.BytesIO()
        segno.make(url, error="m").save(image, kind="png", scale=8, border=2)
        image.seek(0)
        qr = qr_cell.paragraphs[0]
        qr.alignment = LEFT
        qr.add_run().add_picture(image, width=Mm(QR_MM))
        qr_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        address_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        _line(address_cell, "Kiểm tra giấy này:", first=True, align=LEFT, italic=True, size=11)
        _line(address_cell, "quét mã QR hoặc mở địa chỉ", align=LEFT, italic=True, size=11)
        _line(address_cell, url, align=LEFT, size=10)
        _line(address_cell, f"Mã kiểm tra: {certificate.printed_code}", align=LEFT, bold=True, size=11)
        place_date = document_date(certificate.issued_on, certificate.issued_on.year)
        _line(sign_cell, f"{_short_commune(commune_name)}, {place_date}", first=True, italic=True, size=14)
        lines = SIGNATURE_LINES.get(certificate.signer_capacity, SIGNATURE_LINES[SignerCapacity.CHAIRMAN])
        for text in lines:
            _line(sign_cell, text, bold=True, size=14)
        for _ in range(3):
            sign_cell.add_paragraph()
        _line(sign_cell, nfc(certificate.signer_name), bold=True, size=14)
        note = _line(document, "", align=CENTER)
        note.paragraph_format.space_before = Pt(8)
        run(note, NOT_PCKS_NOTE, italic=True, size=11.5)

    def add(self, certificate: Certificate) -> None:
        self._page()
        commune_name = nfc(certificate.commune.name)
        self.heading(certificate, commune_name)
        self.body(certificate, commune_name)
        self.closing(certificate, commune_name)

    def build(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def render_docx(certificates: Sequence[Certificate]) -> bytes:
    """The certificates as one DOCX, a landscape page each (select_related commune, class, resident)."""
    writer = CertificateWriter()
    for certificate in certificates:
        writer.add(certificate)
    return writer.build()


def render_pdf(certificates: Sequence[Certificate]) -> bytes:
    """The same as PDF; `reports.documents.DocumentError` (Vietnamese) when LibreOffice fails."""
    return docx_to_pdf(render_docx(certificates))


__all__ = ["NOT_PCKS_NOTE", "render_docx", "render_pdf", "verification_url"]
