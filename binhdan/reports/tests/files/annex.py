"""A plan's annex of tasks as communes send it (after the seed plan's "PHỤ LỤC I: CÁC NHIỆM VỤ CỤ THỂ"):
title rows, a two-row header with merged cells, a numbering row, section rows, multi-line cells, a lead unit
merged down over two tasks, a task carried on to the next row, and a few bad rows.

`messy_annex()` returns the .xlsx bytes; `GOOD_TASKS` is what the import must understand from it.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

SECTION_I = "I. Truyền thông và tuyên truyền"
SECTION_II = "II. Xây dựng các quy định, hướng dẫn"
SECTION_III = "III. Xây dựng chương trình phổ cập kỹ năng số"

# (section, number, title, lead unit, coordinating units, expected result, deadline, deadline_text)
GOOD_TASKS = [
    (
        SECTION_I, "1",
        "Tổ chức quán triệt triển khai thực hiện Kế hoạch của Ủy ban nhân dân xã về triển khai phong trào "
        "“Bình dân học vụ số”",
        "Cơ quan, đơn vị thuộc xã; Công an, Quân sự xã", "Các đơn vị liên quan",
        "100% các cơ quan, đơn vị", None, "Thường xuyên",
    ),
    (
        SECTION_I, "2",
        "Tham gia đầy đủ các hội nghị về việc tuyên truyền, quán triệt các chủ trương, chính sách của Trung "
        "ương, tỉnh",
        "Các cơ quan chuyên môn, đơn vị thuộc xã", "Các đơn vị liên quan",
        "Tại Hội nghị tuyên truyền, quán triệt", None, "Khi tỉnh, xã tổ chức hội nghị",
    ),
    (
        SECTION_I, "3", "Tạo chuyên mục “Chuyển đổi số” trên Trang thông tin điện tử của xã",
        "Trung tâm PVHCC xã", "Phòng VH-XH; Đoàn Thanh niên, các đơn vị liên quan",
        "Chuyên mục trên Trang thông tin điện tử xã,\ncó ít nhất 01 Fanpage.", dt.date(2025, 10, 31), "Tháng 10/2025",
    ),
    (
        SECTION_I, "4",
        "Tăng cường các tin, bài viết, phóng sự… trên cổng thông tin điện tử xã, các kênh, các nền tảng của xã "
        "về Phong trào “Bình dân học vụ số”",
        "Trung tâm PVHCC xã", "Các cơ quan chuyên môn, đơn vị liên quan",
        "Hằng tuần có ít nhất 01 tin", dt.date(2026, 12, 31), "Năm 2025 - 2026",
    ),
    (
        SECTION_II, "1",
        "Cụ thể hóa hướng dẫn công tác thi đua, khen thưởng tập thể, cá nhân có nhiều đóng góp",
        "Phòng VH-XH", "Các đơn vị liên quan", "Hướng dẫn được xây dựng phù hợp, khả thi",
        dt.date(2025, 12, 31), "Năm 2025",
    ),
    (
        SECTION_II, "2",
        "Triển khai cơ chế, chính sách thu hút cộng đồng, doanh nghiệp tham gia Phong trào",
        "Phòng Kinh tế", "Các đơn vị liên quan", "Có cơ chế, chính sách phù hợp",
        dt.date(2025, 12, 31), "Quý IV/2025",
    ),
    (
        SECTION_III, "4", "Tổ chức lớp “Bình dân học vụ số” cho người cao tuổi",
        "Phòng VH-XH", "Hội Người cao tuổi", "100% người cao tuổi được tham dự", dt.date(2025, 11, 20),
        "Trước 20/11/2025",
    ),
]  # fmt: skip

BAD_ROWS = {  # Excel row -> a word of the error the preview must show
    17: "không có trong lịch",  # 31/02/2026
    18: "thiếu nội dung công việc",  # a lead unit and a deadline, no task
    19: "dài quá 300 ký tự",  # a lead unit of 500 characters
}
WARNED = "không đọc được thời hạn «Khi tỉnh, xã tổ chức hội nghị» — giữ nguyên chữ, không có ngày"


def messy_annex(*, bad_rows: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Phụ lục I"
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet["A1"] = "PHỤ LỤC I: CÁC NHIỆM VỤ CỤ THỂ"
    sheet["A1"].font = Font(bold=True)
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "(Kèm theo Kế hoạch số:      /KH-UBND ngày     tháng 10 năm 2025 của UBND xã Sơn Đông)"
    sheet.merge_cells("A2:F2")
    # Row 4–5: a two-row header; "Cơ quan" over "Chủ trì" | "Phối hợp", the others merged down.
    for col, text in {
        "A": "STT",
        "B": "Nội dung công việc",
        "E": "Kết quả\nthực hiện",
        "F": "Thời gian\nthực hiện",
    }.items():
        sheet[f"{col}4"] = text
        sheet.merge_cells(f"{col}4:{col}5")
    sheet["C4"] = "Cơ quan"
    sheet.merge_cells("C4:D4")
    sheet["C5"], sheet["D5"] = "Chủ trì", "Phối hợp"
    for index, text in enumerate(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]):
        sheet.cell(row=6, column=index + 1, value=text)
    rows: list[list[object]] = [
        ["I", "Truyền thông và tuyên truyền"],  # 7
        [
            1,
            "Tổ chức quán triệt triển khai thực hiện\nKế hoạch của Ủy ban nhân dân xã\nvề triển khai phong trào “Bình dân học\nvụ số”",
            "Cơ quan, đơn vị thuộc xã;\nCông an, Quân sự\nxã",
            "Các đơn vị\nliên quan",
            "100% các cơ quan, đơn vị",
            "Thường\nxuyên",
        ],  # 8
        [
            "2",
            "Tham gia đầy đủ các hội nghị về việc tuyên truyền, quán triệt các chủ trương, chính sách của Trung ương, tỉnh",
            "Các cơ quan chuyên môn, đơn vị thuộc xã",
            "Các đơn vị liên quan",
            "Tại Hội nghị tuyên truyền, quán triệt",
            "Khi tỉnh,\nxã tổ chức\nhội  nghị",
        ],  # 9
        [
            "3.",
            "Tạo chuyên mục “Chuyển đổi số” trên\nTrang thông tin điện tử của xã",
            "Trung tâm\nPVHCC xã",
            "Phòng VH-\nXH; Đoàn Thanh niên, các đơn vị liên quan",
            "Chuyên mục trên Trang thông tin điện tử xã,\ncó ít nhất 01 Fanpage.",
            "Tháng\n10/2025",
        ],  # 10
        [
            4,
            "Tăng cường các tin, bài viết, phóng sự… trên cổng thông tin điện tử xã, các kênh, các nền tảng của",
            None,
            "Các cơ quan chuyên môn, đơn vị liên quan",
            "Hằng tuần có ít nhất 01 tin",
            "Năm\n2025 -\n2026",
        ],  # 11
        [None, "xã về Phong trào “Bình dân học vụ số”"],  # 12: the task carried on
        ["II", "Xây dựng các quy định, hướng dẫn"],  # 13
        [
            1,
            "Cụ thể hóa hướng dẫn công tác thi đua, khen thưởng tập thể, cá nhân có nhiều đóng góp",
            "Phòng VH-XH",
            "Các đơn vị liên quan",
            "Hướng dẫn được xây dựng phù hợp, khả thi",
            "Năm  \n2025",
        ],  # 14
        [
            2,
            "Triển khai cơ chế, chính sách thu hút cộng đồng, doanh nghiệp tham gia Phong trào",
            "Phòng Kinh tế",
            "Các đơn vị liên quan",
            "Có cơ chế, chính sách phù hợp",
            "Quý IV/2025",
        ],  # 15
        [None, "III. Xây dựng chương trình phổ cập kỹ năng số"],  # 16: a section written in one cell
    ]
    if bad_rows:
        rows += [
            [1, "Tổ chức lớp học ngày không có", "Phòng VH-XH", "", "", "31/02/2026"],  # 17
            [2, "", "Phòng VH-XH", "", "", "Tháng 12/2025"],  # 18
            [3, "Cơ quan chủ trì quá dài", "Phòng " * 100, "", "", "Năm 2026"],  # 19
        ]
    else:
        rows += [[None], [None], [None]]
    rows += [
        [4, "Tổ chức lớp “Bình dân học vụ số” cho người cao tuổi", "Phòng VH-XH", "Hội Người cao tuổi",
         "100% người cao tuổi được tham dự", "Trước 20/11/2025"],  # 20
    ]  # fmt: skip
    for offset, values in enumerate(rows):
        for col, value in enumerate(values):
            if value is not None:
                cell = sheet.cell(row=7 + offset, column=col + 1, value=value)
                cell.alignment = wrap
    sheet.merge_cells("B7:F7")  # section rows merged across
    sheet.merge_cells("B13:F13")
    sheet.merge_cells("C10:C11")  # one lead unit for tasks 3 and 4
    sheet.column_dimensions["B"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
