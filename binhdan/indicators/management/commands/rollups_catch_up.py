"""`manage.py rollups_catch_up`: bring the indicators' rollups up to every committed registry write.

The write path only queues the households it touched (`indicators.rollup.enqueue`); `jobs_worker` drains
the queue in the background, and every reader drains what is left. This command drains it once, or with
`--follow` keeps draining (for a deployment without `jobs_worker`, or a benchmark).
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from binhdan.indicators import rollup


class Command(BaseCommand):
    help = "Cập nhật số liệu chỉ tiêu cho các hộ vừa có thay đổi (hàng đợi của đường ghi sổ)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--follow",
            type=float,
            default=0.0,
            metavar="GIÂY",
            help="chạy mãi, mỗi lượt cách nhau chừng ấy giây",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["follow"]
        if not math.isfinite(interval) or interval < 0:
            raise CommandError("--follow phải là số giây không âm, ví dụ 1 hoặc 0,5.")
        while True:
            started = time.perf_counter()
            households = rollup.catch_up()
            if households or not interval:
                self.stdout.write(
                    f"Đã cập nhật số liệu của {households:,} hộ trong {time.perf_counter() - started:.2f} giây."
                )
            if not interval:
                return
            connections.close_all()
            time.sleep(interval)
