"""Measure the assistant on a question file: top-1 / top-3 topic accuracy and latency."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.assistant.retrieval import get_index
from binhdan.assistant.services import ask


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class Command(BaseCommand):
    help = "Đo trợ lý ảo trên tệp TSV (cột question, topics với | giữa các chủ đề được chấp nhận)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp .tsv")
        parser.add_argument("--misses", action="store_true", help="in các câu trả lời sai ở top-1")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle, delimiter="\t") if (r.get("question") or "").strip()]
        if not rows or "topics" not in rows[0]:
            raise CommandError("Tệp cần hai cột: question, topics.")
        get_index()  # build once, outside the timings
        top1 = top3 = confident = 0
        latencies: list[float] = []
        for row in rows:
            accepted = {t.strip() for t in row["topics"].split("|") if t.strip()}
            answer = ask(
                question=row["question"], rephrase=False, remember=False
            )  # a measurement writes nothing
            latencies.append(answer.ms)
            topics = [set(r["topics"]) for r in answer.results[:3]]
            hit1 = bool(topics) and bool(topics[0] & accepted)
            top1 += hit1
            top3 += any(t & accepted for t in topics)
            confident += answer.confident
            if options["misses"] and not hit1:
                got = answer.results[0]["guide"] if answer.results else "-"
                self.stdout.write(f"MISS  {row['question']}  → {got}  (cần {row['topics']})")
        n = len(rows)
        self.stdout.write(f"questions: {n}")
        self.stdout.write(f"top-1: {top1 / n:.1%} ({top1}/{n})")
        self.stdout.write(f"top-3: {top3 / n:.1%} ({top3}/{n})")
        self.stdout.write(f"confident: {confident / n:.1%}")
        self.stdout.write(
            f"latency ms: p50 {statistics.median(latencies):.2f}, p95 {percentile(latencies, 0.95):.2f}, "
            f"max {max(latencies):.2f}"
        )
