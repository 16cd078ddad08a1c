"""python manage.py import_registry FILE --commune CODE [--dry-run] [--create-villages] [--json]
[--column F=phone] [--value "J:x=poor"] [--sheet NAME]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from binhdan.accounts.models import User
from binhdan.places.models import Level, Place
from binhdan.registry.importing import FIELD_LABELS, UnreadableFile, parse_value_option, prepare
from binhdan.registry.importing.plan import VALUE_MEANINGS, analyse, commit


class Command(BaseCommand):
    help = "Nhập danh sách hộ gia đình / nhân khẩu (.xlsx, .xls, .csv) vào sổ hộ của một xã."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp .xlsx, .xls hoặc .csv")
        parser.add_argument("--commune", required=True, help="mã xã (ví dụ 08866)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì")
        parser.add_argument("--create-villages", action="store_true", help="tạo thôn mới khi chưa có")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="nhập các dòng hợp lệ dù tệp còn dòng lỗi"
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="CỘT=TRƯỜNG",
            help=f'chọn cột bằng tay, ví dụ --column "F=phone"; trường: {", ".join(FIELD_LABELS)}',
        )
        meanings = ", ".join(
            f"{code} ({label})" for choices in VALUE_MEANINGS.values() for code, (label, _) in choices.items()
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="CỘT:GIÁ_TRỊ=NGHĨA",
            help=f'nghĩa của một giá trị trong cột gồm hai loại, ví dụ --value "J:x=poor" (cột theo chữ cái hoặc tiêu đề); nghĩa: {meanings}',
        )
        parser.add_argument(
            "--sheet", default="", help="chỉ đọc trang tính này (mặc định: mọi trang có cùng cột)"
        )
        parser.add_argument("--by", help="tên đăng nhập của người nhập (ghi vào nhật ký)")
        parser.add_argument(
            "--json", action="store_true", help="in một đối tượng JSON, không có thanh tiến độ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        commune = Place.objects.filter(code=options["commune"], level=Level.COMMUNE).first()
        if commune is None:
            raise CommandError(f"Không có xã mã {options['commune']}.")
        by = User.objects.filter(username=options["by"]).first() if options["by"] else None
        path = Path(options["file"])
        try:
            table, layout = prepare(path.read_bytes(), path.name, commune=commune, sheet=options["sheet"])
        except (OSError, UnreadableFile) as exc:
            message = str(exc) if isinstance(exc, UnreadableFile) else f"Không mở được tệp: {exc.strerror}"
            if as_json:
                failure = {
                    "read": False, "committed": False, "valid_rows": 0, "error_rows": 0, "households": 0,
                    "residents": 0, "errors": [{"row": None, "column": "", "message": message}],
                }  # fmt: skip
                self.stdout.write(json.dumps(failure, ensure_ascii=False))
                sys.exit(2)
            raise CommandError(message) from exc
        mapping = layout.mapping()
        letters = {c.letter: c.index for c in layout.columns}
        for item in options["column"]:
            letter, _, code = item.partition("=")
            if code not in FIELD_LABELS or letter.upper() not in letters:
                raise CommandError(f"--column “{item}”: cần CỘT=TRƯỜNG, ví dụ F=phone.")
            mapping[str(letters[letter.upper()])] = code
        column_list = [{"index": c.index, "letter": c.letter, "header": c.header} for c in layout.columns]
        answers: dict[str, dict[str, str]] = {}
        for item in options["value"]:
            try:
                index, value, meaning = parse_value_option(item, column_list)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            answers.setdefault(str(index), {})[value] = meaning
        if "name" not in mapping.values():
            raise CommandError(
                "Không tìm thấy cột “Họ và tên”; hãy chỉ rõ bằng --column, ví dụ --column B=name."
            )

        bar = (
            None
            if as_json
            else tqdm(total=max(len(table.rows) - layout.data_start, 1), unit="dòng", file=sys.stderr)
        )

        def progress(done: int, total: int, message: str) -> None:
            if bar is not None:
                bar.total = max(total, 1)
                bar.n = done
                bar.set_description(message[:40])
                bar.refresh()

        columns = {c.index: c.header for c in layout.columns}
        analysis = analyse(
            rows=table.rows, data_start=layout.data_start, columns=columns, mapping=mapping,
            commune=commune, create_villages=options["create_villages"], progress=progress,
            segments=table.segments(header_row=layout.header_row, data_start=layout.data_start),
            meanings=answers,
        )  # fmt: skip
        summary = {
            **analysis.summary(), "committed": False, "read": True,
            "sheets": {"read": layout.sheets_read, "skipped": layout.sheets_skipped},
        }  # fmt: skip
        if not options["dry_run"] and (not analysis.errors or options["skip_invalid"]):
            commit(analysis, by=by, commune=commune, filename=path.name, progress=progress)
            summary["committed"] = True
        if bar is not None:
            bar.close()
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
            return
        self._print(summary, layout_columns=[(c.letter, c.header, c.field) for c in layout.columns])

    def _print(self, summary: dict[str, Any], *, layout_columns: list[tuple[str, str, str | None]]) -> None:
        write = self.stdout.write
        write(
            "Cột đã nhận ra: "
            + "; ".join(
                f"{letter} “{header}” → {field or 'chưa rõ'}" for letter, header, field in layout_columns
            )
        )
        if len(summary["sheets"]["read"]) > 1 or summary["sheets"]["skipped"]:
            write("Trang đã đọc: " + ", ".join(f"“{name}”" for name in summary["sheets"]["read"]))
        for item in summary["sheets"]["skipped"]:
            write(f"Trang không đọc: “{item['sheet']}” ({item['reason']})")
        for notice in summary["notices"]:
            write(f"Lưu ý: {notice}")
        for question in summary["questions"]:
            shown = ", ".join(f"“{v['shown']}” ({v['rows']} dòng)" for v in question["values"])
            write(
                f"Cần làm rõ: cột “{question['header']}” có {shown}; hãy thêm --value "
                f'"{question["header"]}:{question["values"][0]["shown"]}=…" '
                f"({', '.join(code for code, _ in question['choices'])})."
            )
        for warning in summary["warnings"][:200]:
            write(f"  Xem lại dòng {warning['row']}, cột “{warning['column']}”: {warning['message']}")
        write(
            f"Dòng hợp lệ: {summary['valid_rows']}; dòng lỗi: {summary['error_rows']}; "
            f"hộ: {summary['households']} ({summary['households_created']} mới, {summary['households_updated']} cập nhật, "
            f"{summary['households_unchanged']} không đổi); người: {summary['residents']} "
            f"({summary['residents_created']} mới, {summary['residents_updated']} cập nhật, "
            f"{summary['residents_unchanged']} không đổi)"
        )
        for error in summary["errors"][:200]:
            write(f"  Dòng {error['row']}, cột “{error['column']}”: {error['message']}")
        if len(summary["errors"]) > 200:
            write(f"  … và {len(summary['errors']) - 200} lỗi nữa (dùng --json để xem hết).")
        if summary["committed"]:
            write(self.style.SUCCESS("Đã nhập vào sổ hộ."))
        elif summary["error_rows"]:
            write(
                self.style.WARNING(
                    "Chưa ghi gì: tệp còn dòng lỗi (sửa rồi nhập lại, hoặc dùng --skip-invalid)."
                )
            )
        else:
            write("Chạy thử (--dry-run): chưa ghi gì.")
