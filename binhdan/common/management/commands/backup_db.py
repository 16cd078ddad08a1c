"""`manage.py backup_db`: back up the configured database to var/backups/ (`make backup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.common.backups import BackupError, Database, backup


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu đang cấu hình (SQLite hoặc PostgreSQL) vào một tệp; in đường dẫn của tệp."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "var" / "backups",
            help="thư mục ghi bản sao lưu (mặc định var/backups/)",
        )
        parser.add_argument("--database", default="default", help="bí danh cơ sở dữ liệu trong DATABASES")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup(directory=options["dir"], database=Database.configured(options["database"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        # Only the path on stdout, so that scripts can take it: `file=$(make -s backup)`.
        self.stdout.write(str(path))
