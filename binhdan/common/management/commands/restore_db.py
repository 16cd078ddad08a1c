"""`manage.py restore_db FILE`: replace the configured database's content with a backup (`make restore`)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.common.backups import BackupError, Database, check, restore

YES = {"có", "co", "yes", "y"}


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu (của backup_db) vào cơ sở dữ liệu đang cấu hình: toàn bộ dữ liệu hiện có "
        "được thay bằng dữ liệu của bản sao lưu, rồi chạy migrate nếu bản sao lưu cũ hơn mã nguồn."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", nargs="?", default="", help="tệp sao lưu (var/backups/…)")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="không hỏi xác nhận")  # fmt: skip
        parser.add_argument("--database", default="default", help="bí danh cơ sở dữ liệu trong DATABASES")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["backup"]:
            raise CommandError("Hãy chỉ tệp sao lưu cần khôi phục, ví dụ: make restore BACKUP=var/backups/….")
        path = Path(options["backup"])
        try:
            database = check(path, Database.configured(options["database"]))
            if options["interactive"]:
                self._confirm(path, database.label)
            restored = restore(path=path, alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Đã khôi phục “{restored.path}” vào {restored.database}.")
        if restored.migrations_applied:
            self.stdout.write(
                f"Bản sao lưu cũ hơn mã nguồn: đã chạy migrate ({restored.migrations_applied} migration)."
            )

    def _confirm(self, path: Path, label: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError("Không hỏi được xác nhận (không có bàn phím): thêm --noinput để khôi phục.")
        answer = input(
            f"Mọi dữ liệu hiện có của {label} sẽ bị thay bằng dữ liệu của “{path}”.\nGõ “có” để khôi phục: "
        )
        if unicodedata.normalize("NFC", answer).strip().lower() not in YES:
            raise CommandError("Đã huỷ: cơ sở dữ liệu giữ nguyên.")
