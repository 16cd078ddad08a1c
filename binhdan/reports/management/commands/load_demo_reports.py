"""The demo commune's reports and plan tasks (after `load_demo`; a second run changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from binhdan.fieldwork.demo import demo_exists
from binhdan.reports.demo import build_demo_reports


class Command(BaseCommand):
    help = "Lập các báo cáo và nhiệm vụ kế hoạch mẫu của xã Sơn Đông (chạy sau load_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_exists():
            raise CommandError("Chưa có xã mẫu: hãy chạy load_demo trước.")
        counts = build_demo_reports()
        self.stdout.write(f"Xã mẫu Sơn Đông: {counts['reports']} báo cáo mẫu.")
