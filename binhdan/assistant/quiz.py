"""Self-check questions per skill (quizzes.yaml beside this file), shown in a stable shuffled order."""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from binhdan.common.text import nfc

QUIZ_FILE = Path(__file__).with_name("quizzes.yaml")
PASS_SHARE = 0.8  # share of right answers that counts as passing


@dataclass(frozen=True)
class Question:
    key: str  # stable id for form fields: "<skill>-<n>"
    text: str
    choices: tuple[str, ...]
    answer: int  # index into choices as written in the file

    def shuffled(self) -> list[tuple[int, str]]:
        """(original index, text) in an order fixed per question, so the right answer is not always first."""
        order = list(enumerate(self.choices))
        random.Random(hashlib.sha1(self.key.encode(), usedforsecurity=False).hexdigest()).shuffle(order)  # nosec B311  # a stable shuffle, not a secret
        return order


@functools.cache
def quiz_bank() -> dict[str, tuple[Question, ...]]:
    raw = yaml.safe_load(QUIZ_FILE.read_text(encoding="utf-8")) or {}
    bank: dict[str, tuple[Question, ...]] = {}
    for skill, items in raw.items():
        bank[skill] = tuple(
            Question(
                key=f"{skill}-{n}",
                text=nfc(item["question"]),
                choices=tuple(nfc(str(c)) for c in item["choices"]),
                answer=int(item["answer"]),
            )
            for n, item in enumerate(items, start=1)
        )
    return bank


def questions_for(skill_code: str) -> tuple[Question, ...]:
    return quiz_bank().get(skill_code, ())


def grade(skill_code: str, answers: dict[str, int | None]) -> tuple[int, int]:
    """(right answers, questions) for answers keyed by question key; a missing answer is wrong."""
    questions = questions_for(skill_code)
    right = sum(1 for q in questions if answers.get(q.key) == q.answer)
    return right, len(questions)
