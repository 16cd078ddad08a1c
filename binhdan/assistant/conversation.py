"""A conversation: a follow-up question ("còn bước 3 thì sao?", "nếu không có CCCD gắn chip?") is
answered from the guide in hand.

The conversation lives server-side in a small table (`Conversation`): an unguessable key handed to the
page (a hidden field) or the API client (`conversation`), the guide in hand, the last question scrubbed
(`questions.scrub`) and the commune. No personal data; rows untouched for `KEEP` are deleted on write.
An unknown, expired or malformed key simply starts a new conversation.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from django.utils import timezone

from binhdan.assistant.guides import SECTION_STEPS, Guide
from binhdan.assistant.models import Conversation
from binhdan.assistant.questions import scrub
from binhdan.assistant.safety import safe_lines
from binhdan.common.text import fold, fold_words
from binhdan.places.models import Place

KEEP = dt.timedelta(days=1)
KEY_BYTES = 24
_KEY = re.compile(r"^[A-Za-z0-9_\-]{20,40}$")
SHORT_WORDS = 5  # a question this short that names no new task is a follow-up

_NUMBERS = {
    "mot": 1, "nhat": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
    "chin": 9, "muoi": 10, "cuoi": -1,
}  # fmt: skip
_STEP = re.compile(
    r"\bbuoc\s*(?:so\s*|thu\s*)?(\d{1,3}|mot|nhat|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi|cuoi)\b"
)
_NEXT = re.compile(r"\b(?:buoc tiep|tiep theo|sau do|roi sao nua|xong roi|lam tiep)\b")
_FOLLOW = re.compile(
    r"^(?:con|the con|vay con|vay thi|the thi|neu|nhung neu|con neu|lo|ngo|truong hop)\b|\bthi sao\b|\bthi lam sao\b"
    r"|\bthi the nao\b|\bthi sao a\b"
)
# Words of a follow-up that say nothing about what is asked.
_FILLER = frozenset(
    [
        "con",
        "thi",
        "sao",
        "the",
        "vay",
        "neu",
        "nhung",
        "lo",
        "ngo",
        "truong",
        "hop",
        "lam",
        "nao",
        "a",
        "a",
        "oi",
        "nhe",
        "khong",
        "co",
        "chua",
        "bi",
        "duoc",
        "minh",
        "toi",
        "em",
        "chau",
        "bac",
        "ban",
        "phai",
        "gi",
        "roi",
        "nua",
    ]
)


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def clean_key(key: object) -> str:
    """The key if it is well formed (to hand back to the page), else ""."""
    return key if isinstance(key, str) and _KEY.match(key) else ""


def load(key: object) -> Conversation | None:
    """The conversation with this key, if it is well formed and fresh; else None."""
    if not isinstance(key, str) or not _KEY.match(key):
        return None
    return (
        Conversation.objects.filter(key=key, updated_at__gte=timezone.now() - KEEP)
        .select_related("commune")
        .first()
    )


def save(
    current: Conversation | None, *, guide_id: str, question: str, commune: Place | None
) -> Conversation:
    """Remember the guide in hand and the (scrubbed) question; purge stale conversations."""
    now = timezone.now()
    Conversation.objects.filter(updated_at__lt=now - KEEP).delete()
    conversation = current or Conversation(key=new_key())
    if guide_id or current is None:
        conversation.guide_id = guide_id
    conversation.last_question = scrub(question)[:300]
    if commune is not None:
        conversation.commune = commune
    conversation.updated_at = now
    conversation.save()
    return conversation


def step_asked(question: str) -> int | None:
    """The step number a question names ("bước 3", "buoc thu ba", "bước cuối": -1), or None."""
    match = _STEP.search(fold(question))
    if not match:
        return None
    word = match.group(1)
    return int(word) if word.isdigit() else _NUMBERS.get(word)


def is_follow_up(question: str) -> bool:
    """Does the question lean on what came before (a step, "còn … thì sao", "nếu không có …")?"""
    folded = " ".join(fold_words(question))
    if not folded:
        return False
    return step_asked(question) is not None or bool(_FOLLOW.search(folded) or _NEXT.search(folded))


def is_short(question: str) -> bool:
    return 0 < len(fold_words(question)) <= SHORT_WORDS


@dataclass
class Reply:
    """An answer taken from the guide in hand."""

    guide: Guide
    kind: str  # "step", "section"
    lines: list[str]
    step: int | None = None
    heading: str = ""
    extra: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join([self.guide.title, *self.lines, *self.extra])


def _step_reply(guide: Guide, number: int) -> Reply:
    steps = safe_lines(guide.steps)
    if not steps:
        return Reply(guide, "step", ["Hướng dẫn này không chia thành các bước."], step=None)
    if number == -1:
        number = len(steps)
    if number < 1 or number > len(steps):
        return Reply(
            guide,
            "step",
            [f"Hướng dẫn “{guide.title}” chỉ có {len(steps)} bước."],
            step=None,
            extra=[f"Bước {n}: {s}" for n, s in enumerate(steps, start=1)],
        )
    lines = [f"Bước {number}: {steps[number - 1]}"]
    if number < len(steps):
        lines.append(f"Xong thì sang bước {number + 1}: {steps[number]}")
    else:
        lines.append("Đây là bước cuối cùng.")
    return Reply(guide, "step", lines, step=number)


_SYNONYMS = {
    "cccd": ("can", "cuoc"),
    "cmnd": ("can", "cuoc"),
    "sdt": ("dien", "thoai"),
    "dt": ("dien", "thoai"),
}
_CONDITION = re.compile(r"\b(?:neu|chua co|khong co|mat|quen|hong|bi loi)\b")


def _asked_words(question: str) -> set[str]:
    words: set[str] = set()
    for word in fold_words(question):
        if word in _SYNONYMS:
            words.update(_SYNONYMS[word])
        elif word not in _FILLER and len(word) > 1:
            words.add(word)
    return words


def _section_reply(guide: Guide, question: str) -> Reply | None:
    """The guide's lines that share the question's words: a condition ("nếu không có …") looks at every
    line, the steps too, and prefers the lines that state a condition; else the sections beside the steps."""
    wanted = _asked_words(question)
    if not wanted:
        return None
    condition = bool(_CONDITION.search(" ".join(fold_words(question))))
    best: list[tuple[float, int, str, str]] = []
    order = 0
    for heading, lines in guide.sections.items():
        if heading == SECTION_STEPS and not condition:
            continue
        for line in safe_lines(lines):
            folded_line = " ".join(fold_words(line))
            words = set(folded_line.split()) | set(fold_words(heading))
            hits = len(wanted & words)
            if hits >= min(2, len(wanted)):
                score = hits / len(wanted)
                if condition and _CONDITION.search(folded_line):
                    score += 0.25
                best.append((score, order, heading, line))
            order += 1
    if not best:
        return None
    best.sort(key=lambda row: (-row[0], row[1]))
    top = best[0][0]
    if top < 0.5:
        return None
    chosen = [row for row in best if row[0] >= top - 1e-9][:3]
    heading = chosen[0][2]
    return Reply(guide, "section", [f"{heading}: {row[3]}" for row in chosen], heading=heading)


def answer_from_guide(question: str, guide: Guide) -> Reply | None:
    """The asked step, else the section items that match, else None (then the question is ranked anew)."""
    number = step_asked(question)
    if number is not None:
        return _step_reply(guide, number)
    reply = _section_reply(guide, question)
    if reply is not None:
        return reply
    if _NEXT.search(" ".join(fold_words(question))):
        steps = safe_lines(guide.steps)
        if steps:
            return Reply(guide, "step", [f"Bước {n}: {s}" for n, s in enumerate(steps, start=1)])
    return None
