"""The report documents: the DOCX follows Nghị định 30/2020/NĐ-CP (Phụ lục I), read back with python-docx; the
XLSX annex with openpyxl; files cached per report version."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from typing import Any

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from binhdan.reports import columns, documents
from binhdan.reports.models import ReportFile, ReportLayout, ReportStatus, SignerCapacity
from binhdan.reports.tests.sample import ALL_KINDS, empty_content, sample_content, sample_report

FONT = "Times New Roman"
TEAM_KINDS = ("daily", "team-quarterly")


def docx_of(report: Any) -> Any:
    return Document(io.BytesIO(documents.render(report, "docx")))


def all_paragraphs(document: Any) -> list[Any]:
    """Every paragraph of the body, in order, table cells included (each cell once)."""
    out: list[Any] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                seen: set[int] = set()
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            walk(cell)
            else:
                out.append(block)

    walk(document)
    return out


def texts(document: Any) -> list[str]:
    return [p.text for p in all_paragraphs(document)]


def paragraph_with(document: Any, text: str) -> Any:
    found = [p for p in all_paragraphs(document) if p.text == text]
    assert found, f"no paragraph {text!r} in {texts(document)}"
    return found[0]


def header_cells(document: Any) -> tuple[Any, Any, Any, Any]:
    table = document.tables[0]
    return table.cell(0, 0), table.cell(0, 1), table.cell(1, 0), table.cell(1, 1)


def cell_lines(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def is_bold(paragraph: Any) -> bool:
    runs = [r for r in paragraph.runs if r.text]
    return bool(runs) and all(r.bold for r in runs)


def sizes(paragraph: Any) -> set[float]:
    return {r.font.size.pt for r in paragraph.runs if r.text}


def table_headings(table: Any) -> list[str]:
    return [cell.text for cell in table.rows[0].cells]


def table_starting(document: Any, *headings: str) -> Any:
    for table in document.tables:
        if set(headings) <= set(table_headings(table)):
            return table
    raise AssertionError(f"no table with columns {headings!r}")


# --- page, fonts ------------------------------------------------------------------------------------------


def test_the_page_is_a4_portrait_with_the_decrees_margins(world: Any) -> None:
    document = docx_of(sample_report(world))
    first = document.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    for section in document.sections:  # a landscape section for wide tables keeps the margins
        assert sorted((round(section.page_width.mm), round(section.page_height.mm))) == [210, 297]
        assert 20 <= round(section.top_margin.mm) <= 25 and 20 <= round(section.bottom_margin.mm) <= 25
        assert 30 <= round(section.left_margin.mm) <= 35 and 15 <= round(section.right_margin.mm) <= 20
    assert (round(first.top_margin.mm), round(first.bottom_margin.mm)) == (20, 20)
    assert (round(first.left_margin.mm), round(first.right_margin.mm)) == (30, 15)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_style_and_every_run_is_times_new_roman(world: Any, kind: str) -> None:
    document = docx_of(sample_report(world, kind))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    default_fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        assert default_fonts.get(qn(attr)) == FONT
    assert default_fonts.get(qn("w:asciiTheme")) is None  # a theme font would override the name
    normal = document.styles["Normal"]
    assert normal.font.name == FONT and 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")} == {FONT}
    runs = [r for p in all_paragraphs(document) for r in p.runs]
    runs += [r for s in document.sections for p in s.header.paragraphs for r in p.runs]
    assert runs
    for piece in runs:
        assert piece.font.name == FONT
        assert piece._element.rPr.rFonts.get(qn("w:eastAsia")) == FONT


def test_body_text_is_13_to_14_pt_and_tables_11_to_12(world: Any) -> None:
    document = docx_of(sample_report(world))
    header, closing = document.tables[0]._tbl, document.tables[-1]._tbl
    for table in document.tables[1:-1]:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    assert sizes(paragraph) <= {11.0, 12.0}, paragraph.text
    body = [p for p in document.paragraphs if p.text and p._p.getparent() not in (header, closing)]
    notes = {columns.OWN_COLUMNS_NOTE, "Mỗi ô: số đạt/tổng số (tỷ lệ %).", "DỰ THẢO"}
    for paragraph in body:
        if paragraph.text in notes or paragraph.text.startswith("(Phiên bản"):
            continue
        assert sizes(paragraph) <= {13.0, 14.0}, paragraph.text


# --- header ----------------------------------------------------------------------------------------------


def test_the_national_heading_is_bold_in_its_sizes_with_a_rule_under_it(world: Any) -> None:
    document = docx_of(sample_report(world))
    _, right, _, _ = header_cells(document)
    national, motto = right.paragraphs[0], right.paragraphs[1]
    assert national.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and is_bold(national)
    assert all(12 <= s <= 13 for s in sizes(national))
    assert motto.text == "Độc lập - Tự do - Hạnh phúc" and is_bold(motto)
    assert all(13 <= s <= 14 for s in sizes(motto))
    assert right.paragraphs[2].text == "" and right.paragraphs[2]._p.pPr.find(qn("w:pBdr")) is not None
    borders = document.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}  # the header table shows no grid


def test_a_commune_report_is_issued_by_the_peoples_committee(world: Any) -> None:
    document = docx_of(sample_report(world, "commune-summary", number="125"))
    left, _, number_cell, _ = header_cells(document)
    assert cell_lines(left) == ["ỦY BAN NHÂN DÂN", "XÃ SƠN ĐÔNG"]
    assert not is_bold(left.paragraphs[0]) and is_bold(left.paragraphs[1])
    assert left.paragraphs[2]._p.pPr.find(qn("w:pBdr")) is not None  # the short rule under the body
    assert cell_lines(number_cell) == ["Số: 125/BC-UBND"]


@pytest.mark.parametrize("kind", TEAM_KINDS)
def test_a_team_report_is_issued_by_the_team_with_its_own_number_symbol(world: Any, kind: str) -> None:
    document = docx_of(sample_report(world, kind, number=""))
    left, _, number_cell, _ = header_cells(document)
    assert cell_lines(left) == ["UBND XÃ SƠN ĐÔNG", "TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "THÔN ĐÔNG"]
    assert [is_bold(p) for p in left.paragraphs[:3]] == [False, True, True]
    number = cell_lines(number_cell)[0]
    assert number.startswith("Số:") and number.endswith("/BC-TCNSCĐ")
    assert number.removeprefix("Số:").removesuffix("/BC-TCNSCĐ").strip() == ""  # spaces to fill in by hand


def test_the_issuing_body_follows_the_communes_name(world: Any) -> None:
    content = sample_content(commune="Xã Tam Sơn")
    document = docx_of(sample_report(world, content=content))
    left, _, _, date_cell = header_cells(document)
    assert cell_lines(left)[1] == "XÃ TAM SƠN"
    assert cell_lines(date_cell)[0].startswith("Tam Sơn, ngày")


@pytest.mark.parametrize(
    ("issued_on", "expected"),
    [
        (dt.date(2026, 12, 5), "Sơn Đông, ngày 05 tháng 12 năm 2026"),
        (dt.date(2027, 2, 14), "Sơn Đông, ngày 14 tháng 02 năm 2027"),
        (dt.date(2027, 3, 1), "Sơn Đông, ngày 01 tháng 3 năm 2027"),
    ],
)
def test_the_date_line_is_italic_with_the_decrees_zeros(
    world: Any, issued_on: dt.date, expected: str
) -> None:
    document = docx_of(sample_report(world, issued_on=issued_on))
    date_line = header_cells(document)[3].paragraphs[0]
    assert date_line.text == expected
    assert all(r.italic for r in date_line.runs if r.text)


def test_an_undated_report_leaves_the_day_and_month_blank(world: Any) -> None:
    document = docx_of(sample_report(world, issued_on=None))
    text = header_cells(document)[3].paragraphs[0].text
    assert text.startswith("Sơn Đông, ngày ") and text.endswith(" năm 2026")
    assert text.replace(" ", "") == "SơnĐông,ngàythángnăm2026"


# --- title -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("commune-summary", "Kết quả triển khai phong trào “Bình dân học vụ số” và hoạt động của "
         "Tổ công nghệ số cộng đồng quý IV năm 2026"),
        ("team-quarterly", "Kết quả hoạt động của Tổ công nghệ số cộng đồng Thôn Đông quý IV năm 2026"),
        ("daily", "Kết quả thực hiện Chiến dịch “Đi từng ngõ, gõ từng nhà” ngày 05/11/2026"),
        ("campaign", "Kết quả thực hiện Chiến dịch “Đi từng ngõ, gõ từng nhà”"),
    ],
)  # fmt: skip
def test_the_title_and_subject_name_the_kind_and_period(world: Any, kind: str, subject: str) -> None:
    document = docx_of(sample_report(world, kind))
    lines = texts(document)
    title = paragraph_with(document, "BÁO CÁO")
    assert is_bold(title) and title.alignment == 1  # centred
    assert lines[lines.index("BÁO CÁO") + 1] == subject
    assert is_bold(paragraph_with(document, subject))
    as_of = {"daily": "05/11/2026", "campaign": "30/11/2026"}.get(kind, "01/12/2026")
    assert f"Số liệu tính đến ngày {as_of}." in lines


def test_the_sections_are_numbered_in_roman_numerals(world: Any) -> None:
    document = docx_of(sample_report(world))
    headings = [p.text for p in document.paragraphs if re.match(r"^[IVX]+\. ", p.text)]
    assert all(is_bold(paragraph_with(document, h)) for h in headings)
    assert headings[0] == "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert headings[-3:] == ["V. KẾT QUẢ NỔI BẬT", "VI. KHÓ KHĂN, VƯỚNG MẮC", "VII. ĐỀ XUẤT, KIẾN NGHỊ"]


def test_a_draft_says_so_and_a_submitted_report_does_not(world: Any) -> None:
    draft = sample_report(world)
    assert "DỰ THẢO" in texts(docx_of(draft))
    assert is_bold(paragraph_with(docx_of(draft), "DỰ THẢO"))
    for status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
        lines = texts(docx_of(sample_report(world, status=status)))
        assert not any("DỰ THẢO" in t for t in lines) and "BÁO CÁO" in lines


# --- body ------------------------------------------------------------------------------------------------


def test_the_indicators_table_shows_fractions_rates_targets_and_verdicts(world: Any) -> None:
    table = table_starting(docx_of(sample_report(world)), "Đánh giá")
    assert table_headings(table) == [
        "TT", "Chỉ tiêu", "Kết quả (tử số/ mẫu số)", "Tỷ lệ %", "Chỉ tiêu kế hoạch %", "Hạn", "Đánh giá",
    ]  # fmt: skip
    first = [c.text for c in table.rows[1].cells]
    assert first[1:6] == ["Tỷ lệ hộ gia đình là gia đình số", "532/1.286", "41,4%", "80,0%", "31/12/2026"]
    assert first[6] == "Chưa đạt\nDự kiến đạt ngày 01/03/2027"
    assert [c.text for c in table.rows[2].cells][6] == "Đạt"
    assert [c.text for c in table.rows[3].cells][4] == "85,0%\n(xã tự đặt)"
    assert [c.text for c in table.rows[5].cells][2:] == ["14", "—", "—", "—", "Không đặt chỉ tiêu"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on each page


def test_the_village_table_has_a_column_per_indicator_and_the_communes_total(world: Any) -> None:
    table = table_starting(docx_of(sample_report(world)), "Thôn")
    assert table_headings(table)[2:] == ["Gia đình số", "Hộ được tiếp cận", "Có điện thoại thông minh",
                                         "Kỹ năng số cơ bản", "VNeID mức 2"]  # fmt: skip
    assert [c.text for c in table.rows[1].cells][1:3] == ["Thôn Đông", "412/986\n(41,8%)"]
    total = [c.text for c in table.rows[-1].cells]
    assert total[1] == "Toàn xã" and total[6] == "1.644/3.330\n(49,4%)"


def test_the_activity_table_shows_the_communes_own_columns_with_the_note(world: Any) -> None:
    layout = columns.default_layout()
    for column in layout:
        if column["key"] == "hours":
            column["shown"] = False
        if column["key"] == "visits":
            column["label"] = "Lượt đến tận hộ"
    ReportLayout.objects.create(commune=world.commune, kind="commune-summary", columns=layout)
    document = docx_of(sample_report(world))
    table = table_starting(document, "Tổ (thôn)")
    headings = table_headings(table)
    assert "Lượt đến tận hộ" in headings and "Lượt hỗ trợ tại hộ" not in headings
    assert "Số giờ làm việc" not in headings and len(headings) == 2 + 9
    assert [c.text for c in table.rows[1].cells][:4] == ["1", "Thôn Đông", "9", "1.240"]
    assert [c.text for c in table.rows[-1].cells][1:4] == ["Tổng cộng", "16", "1.550"]
    lines = texts(document)
    assert lines[lines.index(columns.OWN_COLUMNS_NOTE) - 1] == ""  # right under the table
    other = docx_of(sample_report(world, "campaign"))  # another kind keeps the defaults
    assert "Số giờ làm việc" in table_headings(table_starting(other, "Tổ (thôn)"))


def test_a_wide_activity_table_gets_a_landscape_page_and_the_closing_is_portrait_again(world: Any) -> None:
    document = docx_of(sample_report(world))
    assert any(s.page_width > s.page_height for s in document.sections)
    last = document.sections[-1]
    assert round(last.page_width.mm) == 210
    assert all(not s.different_first_page_header_footer for s in document.sections[1:])


def test_a_teams_own_report_lists_its_figures_down_the_page(world: Any) -> None:
    document = docx_of(sample_report(world, "team-quarterly"))
    table = table_starting(document, "Nội dung")
    assert [c.text for c in table.rows[2].cells][1:] == ["Lượt hỗ trợ tại hộ", "1.240"]
    assert [c.text for c in table.rows[4].cells][1:] == ["Số giờ làm việc", "364,5"]
    assert columns.OWN_COLUMNS_NOTE in texts(document)
    assert len(document.sections) == 1  # no landscape page for one team


def test_plan_tasks_show_counts_sections_and_overdue(world: Any) -> None:
    document = docx_of(sample_report(world))
    lines = texts(document)
    assert any(t.startswith("Kế hoạch có 3 nhiệm vụ: đã hoàn thành 1") for t in lines)
    table = table_starting(document, "Nhiệm vụ")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[1][0] == "I. Truyền thông, nâng cao nhận thức"  # a merged section row
    overdue = next(r for r in rows if r[1] == "Treo băng rôn tại nhà văn hóa")
    assert overdue[4] == "Đang thực hiện\nQuá hạn"
    done = next(r for r in rows if r[1] == "Tuyên truyền phong trào trên loa")
    assert done[3] == "Tháng 10/2026" and done[5] == "Đã phát 24 buổi\n2 minh chứng"
    assert "Quá hạn" not in done[4]


def test_the_summary_lists_the_teams_reports_and_a_team_report_does_not(world: Any) -> None:
    summary = docx_of(sample_report(world))
    rows = [[c.text for c in r.cells] for r in table_starting(summary, "Hạn nộp").rows]
    assert rows[2][1:] == ["Tổ công nghệ số cộng đồng Thôn Tây", "Thôn Tây", "20/11/2026", "Chưa nộp (muộn)"]
    team = docx_of(sample_report(world, "team-quarterly"))
    assert all("Hạn nộp" not in table_headings(t) for t in team.tables)
    assert all("Nhiệm vụ" not in table_headings(t) for t in team.tables)


def test_campaign_reports_have_their_days(world: Any) -> None:
    for kind in ("daily", "campaign"):
        table = table_starting(docx_of(sample_report(world, kind)), "Ngày", "Lượt hỗ trợ tại hộ")
        assert [c.text for c in table.rows[-1].cells][1:] == ["Tổng cộng", "1.212", "1.850"]


def test_empty_tables_become_one_sentence_each(world: Any) -> None:
    for kind in ALL_KINDS:
        document = docx_of(sample_report(world, kind, content=empty_content(kind)))
        assert len(document.tables) == 2 + (kind == "team-quarterly")  # header, closing (and members)
        during = "Trong ngày" if kind == "daily" else "Trong kỳ"
        lines = [t.replace(during, "Trong kỳ", 1) for t in texts(document)]
        assert "Trong kỳ chưa có số liệu chỉ tiêu." in lines
        assert "Trong kỳ chưa có hoạt động của Tổ công nghệ số cộng đồng được ghi nhận." in lines
        assert "Trong kỳ chưa có lượt hướng dẫn kỹ năng số nào được ghi nhận." in lines
        assert "Trong kỳ chưa có lớp học, buổi sinh hoạt cộng đồng nào." in lines
        if kind == "commune-summary":
            assert "Trong kỳ chưa có nhiệm vụ kế hoạch nào." in lines
            assert "Trong kỳ chưa có số liệu theo thôn." in lines
            assert "Trong kỳ chưa có báo cáo nào của các Tổ công nghệ số cộng đồng." in lines
        if kind in ("daily", "campaign"):
            assert "Trong kỳ chưa có ngày nào có hoạt động được ghi nhận." in lines


def test_a_content_missing_keys_still_renders(world: Any) -> None:
    for kind in ALL_KINDS:
        lines = texts(docx_of(sample_report(world, kind, content={})))
        assert "BÁO CÁO" in lines and any(t.endswith(" chưa có số liệu chỉ tiêu.") for t in lines)


def test_the_narrative_is_split_into_paragraphs_and_stays_nfc(world: Any) -> None:
    decomposed = unicodedata.normalize("NFD", "Thôn Đông dẫn đầu.\n\nXã Sơn Đông về đích sớm.")
    lines = texts(docx_of(sample_report(world, highlights=decomposed, difficulties="")))
    assert "Thôn Đông dẫn đầu." in lines and "Xã Sơn Đông về đích sớm." in lines
    assert all(unicodedata.is_normalized("NFC", t) for t in lines)
    assert lines[lines.index("VI. KHÓ KHĂN, VƯỚNG MẮC") + 1] == "Không có."


# --- closing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "capacity", "block"),
    [
        (
            "commune-summary",
            SignerCapacity.VICE_CHAIRMAN,
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        ),
        ("campaign", SignerCapacity.CHAIRMAN, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]),
        ("team-quarterly", SignerCapacity.TEAM_LEADER, ["TỔ TRƯỞNG"]),
        ("daily", SignerCapacity.TEAM_LEADER, ["TỔ TRƯỞNG"]),
    ],
)
def test_the_signature_block_follows_the_signers_capacity(
    world: Any, kind: str, capacity: str, block: list[str]
) -> None:
    document = docx_of(sample_report(world, kind, signer_capacity=capacity, signer_name="Hoàng Văn Em"))
    signature = document.tables[-1].cell(0, 1)
    lines = cell_lines(signature)
    assert lines == [*block, "Hoàng Văn Em"]
    filled = [p for p in signature.paragraphs if p.text]
    assert all(is_bold(p) and p.alignment == 1 for p in filled)
    blank = signature.paragraphs[len(block) : -1]
    assert len(blank) >= 3 and all(p.text == "" for p in blank)  # room to sign
    borders = document.tables[-1]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_recipients_end_with_the_record_copy(world: Any, kind: str) -> None:
    document = docx_of(
        sample_report(
            world, kind, recipients="- Sở Khoa học và Công nghệ tỉnh Phú Thọ;\n\n- Thường trực Đảng ủy xã;"
        )
    )
    recipients = document.tables[-1].cell(0, 0)
    heading = recipients.paragraphs[0]
    assert heading.text == "Nơi nhận:" and all(r.bold and r.italic for r in heading.runs if r.text)
    assert sizes(heading) == {12.0}
    assert cell_lines(recipients)[1:] == [
        "- Sở Khoa học và Công nghệ tỉnh Phú Thọ;", "- Thường trực Đảng ủy xã;", "- Lưu: VT.",
    ]  # fmt: skip
    assert all(sizes(p) == {11.0} for p in recipients.paragraphs[1:] if p.text)


def test_a_record_copy_already_listed_is_not_added_twice(world: Any) -> None:
    document = docx_of(sample_report(world, recipients="- Như trên;\n- Lưu: VT, VHXH."))
    assert cell_lines(document.tables[-1].cell(0, 0))[1:] == ["- Như trên;", "- Lưu: VT, VHXH."]


def test_a_team_report_without_a_signer_name_shows_its_leader(world: Any) -> None:
    document = docx_of(sample_report(world, "team-quarterly", signer_name=""))
    assert cell_lines(document.tables[-1].cell(0, 1)) == ["TỔ TRƯỞNG", "Trần Thị Bình"]


def test_page_numbers_sit_in_the_top_margin_from_page_two(world: Any) -> None:
    document = docx_of(sample_report(world))
    first = document.sections[0]
    assert first.different_first_page_header_footer
    assert not any(p.text for p in first.first_page_header.paragraphs)
    assert first.first_page_header._element.find(".//" + qn("w:instrText")) is None
    numbered = first.header.paragraphs[0]
    assert numbered.alignment == 1
    assert numbered._p.find(".//" + qn("w:instrText")).text.strip() == "PAGE"
    assert sizes(numbered) == {13.0}


# --- XLSX annex ------------------------------------------------------------------------------------------


def test_the_annex_workbook_has_a_vietnamese_sheet_per_table_with_the_contents_figures(world: Any) -> None:
    report = sample_report(world)
    book = openpyxl.load_workbook(io.BytesIO(documents.render(report, "xlsx")))
    assert book.sheetnames == ["Chỉ tiêu", "Theo thôn", "Hoạt động của tổ", "Kỹ năng", "Lớp học", "Tập huấn",
                               "Nhiệm vụ kế hoạch", "Báo cáo của các tổ"]  # fmt: skip
    assert all(len(name) <= 31 for name in book.sheetnames)
    indicators = book["Chỉ tiêu"]
    assert indicators.freeze_panes == "C5"
    header = [c.value for c in indicators[4]]
    assert header[:5] == ["TT", "Mã", "Chỉ tiêu", "Tử số", "Mẫu số"]
    for offset, item in enumerate(report.content["indicators"]):
        row = [c.value for c in indicators[5 + offset]]
        assert row[1:5] == [item["code"], item["name"], item["numerator"], item["denominator"]]
        if item["value"] is not None:
            assert row[5] == pytest.approx(item["value"] / 100)
    assert indicators["F5"].number_format == "0.0%" and indicators["D5"].number_format == "#,##0"
    villages = book["Theo thôn"]
    assert [c.value for c in villages[6]][:5] == [1, "Thôn Đông", 412, 986, pytest.approx(412 / 986)]
    assert villages["C4"].value == "Gia đình số"
    activity = book["Hoạt động của tổ"]
    assert [c.value for c in activity[5]][:5] == [
        1,
        "Tổ công nghệ số cộng đồng Thôn Đông",
        "Thôn Đông",
        9,
        1240,
    ]
    assert any(c.value == columns.OWN_COLUMNS_NOTE for row in activity.iter_rows() for c in row)
    assert book["Kỹ năng"]["D5"].value == 1041
    assert book["Nhiệm vụ kế hoạch"]["I6"].value == "Quá hạn"


def test_formula_like_text_stays_text_in_the_annex(world: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(documents.render(sample_report(world), "xlsx")))
    cell = book["Lớp học"]["B6"]
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert book["Lớp học"]["D6"].value == dt.datetime(2026, 11, 3)


def test_an_empty_annex_sheet_says_so(world: Any) -> None:
    report = sample_report(world, "campaign", content=empty_content("campaign"))
    book = openpyxl.load_workbook(io.BytesIO(documents.render(report, "xlsx")))
    assert "Theo ngày" in book.sheetnames and "Nhiệm vụ kế hoạch" not in book.sheetnames
    assert book["Kỹ năng"]["A5"].value == "Trong kỳ chưa có lượt hướng dẫn kỹ năng nào."


# --- files and caching -----------------------------------------------------------------------------------


def test_a_file_is_made_once_per_report_and_format(world: Any) -> None:
    report = sample_report(world)
    first = documents.file_for(report, "docx")
    again = documents.file_for(report, "docx")
    assert first.pk == again.pk and ReportFile.objects.filter(report=report).count() == 1
    import hashlib

    assert first.sha256 == hashlib.sha256(bytes(first.data)).hexdigest()
    Document(io.BytesIO(bytes(first.data)))  # a real DOCX
    documents.file_for(report, "xlsx")
    assert ReportFile.objects.filter(report=report).count() == 2
    assert documents.forget(report) == 2
    assert not ReportFile.objects.filter(report=report).exists()


def test_a_frozen_reports_files_are_kept(world: Any) -> None:
    report = sample_report(world, status=ReportStatus.SUBMITTED)
    made = documents.file_for(report, "docx")
    assert documents.forget(report) == 0
    assert documents.file_for(report, "docx").pk == made.pk


def test_a_draft_changed_since_its_file_was_made_gets_a_new_file(world: Any) -> None:
    report = sample_report(world)
    made = documents.file_for(report, "docx")
    report.highlights = "Một kết quả mới."
    report.save()
    remade = documents.file_for(report, "docx")
    assert remade.pk != made.pk and ReportFile.objects.filter(report=report).count() == 1
    assert "Một kết quả mới." in texts(Document(io.BytesIO(bytes(remade.data))))


def test_an_unknown_format_is_a_vietnamese_error(world: Any) -> None:
    report = sample_report(world)
    with pytest.raises(documents.DocumentError, match="Định dạng"):
        documents.render(report, "odt")
    with pytest.raises(documents.DocumentError):
        documents.file_for(report, "odt")


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("commune-summary", "bao-cao-tong-hop-quy-IV-2026-v1"),
        ("team-quarterly", "bao-cao-quy-thon-dong-quy-IV-2026-v1"),
        ("daily", "bao-cao-ngay-thon-dong-ngay-05-11-2026-v1"),
        ("campaign", "bao-cao-ket-qua-chien-dich-tu-ngay-02-11-2026-den-ngay-30-11-2026-v1"),
    ],
)
def test_file_names_are_ascii(world: Any, kind: str, name: str) -> None:
    report = sample_report(world, kind)
    for fmt in documents.FORMATS:
        assert documents.file_name(report, fmt) == f"{name}.{fmt}"
        assert documents.file_name(report, fmt).isascii()
    assert set(documents.MEDIA_TYPES) == set(documents.FORMATS)


def test_many_indicators_per_village_continue_in_a_second_portrait_table(world: Any) -> None:
    content = sample_content()
    villages = content["villages"]
    for code in ("AD_PCKS", "AD_BANK_EPAY"):
        villages["codes"].append(code)
        villages["names"][code] = code.lower()
        for row in [*villages["rows"], villages["total"]]:
            row["values"][code] = [1, 2]
    document = docx_of(sample_report(world, content=content))
    tables = [t for t in document.tables if table_headings(t)[:2] == ["TT", "Thôn"]]
    assert [len(table_headings(t)) for t in tables] == [7, 4]
    assert table_headings(tables[1])[2:] == ["ad_pcks", "ad_bank_epay"]
    assert [c.text for c in tables[1].rows[-1].cells][1:] == ["Toàn xã", "1/2\n(50,0%)", "1/2\n(50,0%)"]
    assert "Kết quả theo thôn (tiếp theo, bảng 2):" in texts(document)
    body = list(document.element.body)
    first_break = next(i for i, el in enumerate(body) if el.find(".//" + qn("w:sectPr")) is not None)
    assert all(body.index(t._tbl) < first_break for t in tables)  # on the first, portrait, section
    assert document.sections[1].page_width > document.sections[1].page_height  # the activity is next
