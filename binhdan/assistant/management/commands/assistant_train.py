"""Learn the re-ranker's weights (binhdan/assistant/rerank.json) from the project's tuning questions."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.assistant import rerank
from binhdan.assistant.guides import all_guides
from binhdan.assistant.retrieval import Index, build_lexicon, normalise_question

TUNING = Path(__file__).resolve().parents[2] / "tuning"
HELD_OUT = Path(__file__).resolve().parents[2] / "eval"


def read_questions(path: Path) -> list[tuple[str, set[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows or "topics" not in rows[0]:
        raise CommandError(f"{path}: cần hai cột question, topics.")
    return [
        (r["question"], {t.strip() for t in r["topics"].split("|") if t.strip()})
        for r in rows
        if (r.get("question") or "").strip()
    ]


class Command(BaseCommand):
    help = (
        "Học trọng số bộ xếp hạng lại từ các câu hỏi điều chỉnh (binhdan/assistant/tuning/*.tsv); "
        "không bao giờ dùng bộ câu hỏi giữ lại trong eval/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="tệp .tsv để học (mặc định: tuning/*.tsv)")
        parser.add_argument("--check", nargs="*", default=[], help="tệp .tsv chỉ để đo, không học")
        parser.add_argument("--dry-run", action="store_true", help="không ghi rerank.json")
        parser.add_argument("--output", default=str(rerank.WEIGHTS_PATH), help="ghi trọng số vào tệp này")
        parser.add_argument(
            "--memory", nargs="*", default=None, help="tệp .tsv làm bộ nhớ câu hỏi (mặc định: tuning/*.tsv)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(f) for f in options["files"]] or sorted(TUNING.glob("*.tsv"))
        for path in files:
            if HELD_OUT in path.resolve().parents:
                raise CommandError(f"{path} là bộ câu hỏi giữ lại: không được dùng để học.")
        guides = list(all_guides().values())
        lexicon = build_lexicon(guides)
        memory = (
            [Path(f) for f in options["memory"]]
            if options["memory"] is not None
            else sorted(TUNING.glob("*.tsv"))
        )
        for path in memory:
            if HELD_OUT in path.resolve().parents:
                raise CommandError(f"{path} là bộ câu hỏi giữ lại: không được dùng làm bộ nhớ.")
        first_stage = Index(guides, lexicon, memory=memory)
        examples = []
        for path in files:
            for question, accepted in read_questions(path):
                scored, query = first_stage.first_stage(question)
                if not scored:
                    continue
                head, rows = first_stage.candidates(scored, query, exclude=normalise_question(question))
                examples.append((rows, [bool(set(s.guide.topics) & accepted) for s in head]))
        model = rerank.train(examples)
        reranked = Index(guides, lexicon, model=model, memory=memory)
        for name, index in (("first stage", first_stage), ("re-ranked", reranked)):
            for path in [*files, *(Path(f) for f in options["check"])]:
                questions = read_questions(path)
                top1 = top3 = 0
                for question, accepted in questions:
                    found = [set(s.guide.topics) & accepted for s in index.rank(question).results[:3]]
                    top1 += bool(found and found[0])
                    top3 += any(found)
                n = len(questions)
                self.stdout.write(f"{name:12} {path.name:28} top-1 {top1 / n:.1%}  top-3 {top3 / n:.1%}")
        for feature, weight in zip(rerank.FEATURES, model.weights, strict=True):
            self.stdout.write(f"  {feature:18} {weight:+.3f}")
        if not options["dry_run"]:
            rerank.save_model(model, Path(options["output"]))
            self.stdout.write(f"Đã ghi {options['output']}")
