from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.accounts.enrolment import ENROLMENT_CODE_HOURS, issue_enrolment_code
from binhdan.accounts.models import User


class Command(BaseCommand):
    help = (
        "Cấp mã thiết lập xác thực hai lớp (một lần, hiệu lực 72 giờ) cho một người dùng và in ra; "
        "trao mã tận tay người đó."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng đang hoạt động tên “{options['username']}”.")
        code = issue_enrolment_code(user=user, by=None)
        self.stdout.write(code)
        self.stderr.write(f"Mã cho {user.username}, hiệu lực {ENROLMENT_CODE_HOURS} giờ, dùng một lần.")
