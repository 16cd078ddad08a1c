"""Ask the assistant from the command line: one question, or a file of questions (one per line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.assistant.services import ask


class Command(BaseCommand):
    help = "Hỏi trợ lý ảo: một câu hỏi, hoặc --batch FILE (mỗi dòng một câu, mỗi dòng ra một JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question", nargs="?", help="câu hỏi")
        parser.add_argument("--batch", metavar="FILE", help="tệp câu hỏi, mỗi dòng một câu ('-' là stdin)")
        parser.add_argument("--json", action="store_true", help="in JSON (một đối tượng mỗi dòng)")
        parser.add_argument("--learner-code", default=None, help="mã học viên (không bắt buộc)")
        parser.add_argument(
            "--no-llm", action="store_true", help="không dùng mô hình ngôn ngữ dù đã cấu hình"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["question"]) == bool(options["batch"]):
            raise CommandError("Cho một câu hỏi, hoặc --batch FILE.")
        if options["batch"]:
            source = options["batch"]
            if source == "-":
                import sys

                lines = sys.stdin.read().splitlines()
            else:
                path = Path(source)
                if not path.is_file():
                    raise CommandError(f"Không tìm thấy tệp {source}")
                lines = path.read_text(encoding="utf-8").splitlines()
            questions = [line.strip() for line in lines if line.strip()]
        else:
            questions = [options["question"]]
        for question in questions:
            answer = ask(
                question=question, learner_code=options["learner_code"], rephrase=not options["no_llm"]
            )
            if options["json"]:
                self.stdout.write(json.dumps(answer.as_dict(), ensure_ascii=False))
            else:
                self.stdout.write(f"? {question}")
                self.stdout.write(
                    ("[chắc chắn] " if answer.confident else "[chưa chắc] ") + f"{answer.ms:.1f} ms"
                )
                self.stdout.write(answer.answer)
                for row in answer.results[:3]:
                    self.stdout.write(f"  - {row['guide']} ({', '.join(row['topics'])}) {row['score']:.3f}")
                self.stdout.write("")
