from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE, DEMO_PASSWORD, build_demo, demo_logins, run_demo_steps
from binhdan.places.models import Place


class Command(BaseCommand):
    help = "Dựng xã mẫu Sơn Đông (Phú Thọ) với thôn, tổ, hộ và người dân mẫu; chạy lại không tạo trùng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households-per-village", type=int, default=160)

    def handle(self, *args: Any, **options: Any) -> None:
        if not Place.objects.filter(code=DEMO_COMMUNE_CODE).exists():
            call_command("load_places", stdout=self.stdout)
        counts = build_demo(households_per_village=options["households_per_village"])
        self.stdout.write(
            f"Xã mẫu Sơn Đông: {counts['villages']} thôn, {counts['households']} hộ, "
            f"{counts['residents']} người dân, {counts['members']} vai trò trong tổ."
        )
        for line in run_demo_steps():  # the higher apps' parts: reports, programmes, …
            self.stdout.write(line)
        self.stdout.write("\nTài khoản dùng thử (mật khẩu chung: " + DEMO_PASSWORD + "):")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<22} {login.role} — {login.place}")
