from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.accounts.models import User
from binhdan.accounts.tokens import TokenNotAllowed, create_api_token


class Command(BaseCommand):
    help = "Tạo mã truy cập API cá nhân cho một người dùng và in ra (chỉ hiện một lần)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="ghi chú, ví dụ tên điện thoại")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng đang hoạt động tên “{options['username']}”.")
        try:
            self.stdout.write(create_api_token(user=user, name=options["name"]))
        except TokenNotAllowed as exc:
            raise CommandError(str(exc)) from exc
