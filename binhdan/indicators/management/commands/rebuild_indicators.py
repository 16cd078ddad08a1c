"""Recompute every state span and rollup of the indicators from the registry's source rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from binhdan.indicators.rollup import rebuild


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu chỉ tiêu từ dữ liệu gốc (sổ hộ, lượt hỗ trợ, lớp học)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{done}/{total} hộ")

        result = rebuild(progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tính lại: {result['households']} hộ, {result['spans']} đoạn trạng thái, "
                f"{result['deltas']} dòng biến động, trong {seconds:.1f} giây."
            )
        )
