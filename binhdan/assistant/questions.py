"""Learning from the questions residents ask, privately.

Nothing is stored unless the commune switched logging on (`AssistantSettings.log_questions`). Then each
question is kept scrubbed (`scrub`: phones, ID numbers, e-mail, dates, names), with the top guide, the
confident flag and the day only (no time, no address, no link to a resident), for `KEEP_DAYS` days.
The "Hướng dẫn này có giúp được bác không?" answers are counts per commune, guide and day, kept as long.
Erasure of a resident (registry.rights) has nothing to do here: no row names or points to a resident.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

from binhdan.assistant.guides import Guide, get_guide
from binhdan.assistant.models import AskedQuestion, AssistantSettings, GuideFeedback
from binhdan.common.net import client_key
from binhdan.common.text import fold, fold_words, nfc
from binhdan.common.throttle import Limit
from binhdan.places.models import Place

KEEP_DAYS = 90  # questions and feedback counts older than this are deleted (on write and by the command)
MAX_STORED_CHARS = 300
MAX_GROUPED = 2000  # the officer page groups at most this many recent not-confident questions
SIMILAR = 0.5  # folded-word overlap (Jaccard) at which two questions are one group
# Per address, like the questions (ask_limit.py): a class of 30 behind a commune hall's one NAT address
# rates two or three answers each in an hour; a vote counts once per conversation and guide anyway.
FEEDBACK_PER_ADDRESS = Limit("assistant-feedback-address", tries=120, seconds=60 * 60)

PHONE = "[số điện thoại]"
ID_NUMBER = "[số giấy tờ]"
NUMBER = "[số]"
EMAIL = "[thư điện tử]"
DATE = "[ngày]"
NAME = "[tên]"

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_DATE = re.compile(r"(?<!\d)\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?!\d)")
# A run of digits with spaces, dots, dashes or brackets between them, maybe after "+".
# Digits apart by spaces, dots, dashes (any kind), brackets, slashes, commas or underscores.
_DIGITS = re.compile(r"\+?(?<!\d)\d(?:[\s.\-\u2010-\u2015()/,_]{0,3}\d)+(?!\d)")
_WORDS = re.compile(r"[^\W\d_]+")
# Kinship words and titles (folded) after which a capitalised word is a name: "bà Hoa", "anh Nam".
KIN = frozenset(
    [
        "ba",
        "ong",
        "co",
        "chu",
        "bac",
        "anh",
        "chi",
        "em",
        "chau",
        "con",
        "cu",
        "di",
        "cau",
        "mo",
        "thim",
        "duong",
        "chong",
        "vo",
        "me",
        "bo",
        "ma",
        "thay",
        "ban",
        "u",
        "bam",
    ]
)
# Phrases (folded words) after which the next words are a name, whatever their case.
NAMING = (
    ("ho", "va", "ten"), ("ho", "ten"), ("ten", "toi", "la"), ("ten", "toi"), ("toi", "ten", "la"),
    ("toi", "ten"), ("ten", "la"), ("con", "ten"), ("chau", "ten"), ("em", "ten"), ("minh", "ten"),
)  # fmt: skip
# Phrases after which a capitalised word, or a lower-case one that is a family name, starts a name.
SELF = (
    ("toi", "la"),
    ("minh", "la"),
    ("em", "la"),
    ("chau", "la"),
    ("con", "la"),
    ("tao", "la"),
    ("to", "la"),
)
# Words that end a name typed after those phrases: as typed with accents, and without.
_STOP = frozenset(
    [
        "ở",
        "sinh",
        "số",
        "năm",
        "không",
        "muốn",
        "cần",
        "hỏi",
        "đang",
        "bị",
        "có",
        "xin",
        "thì",
        "và",
        "nhà",
        "tại",
        "để",
        "làm",
        "như",
        "là",
        "vậy",
        "à",
        "ơi",
        "nhé",
        "ạ",
        "đi",
        "đến",
        "mà",
        "nhưng",
        "nên",
        "được",
        "chưa",
        "rồi",
        "cho",
        "gì",
        "sao",
        "sđt",
        "sdt",
        "điện",
        "thoại",
        "thôn",
        "xóm",
        "xã",
        "ấp",
        "bản",
        "muốn",
        "hay",
        "với",
        "của",
    ]
)
_STOP_ASCII = frozenset(
    [
        "o",
        "sinh",
        "so",
        "nam",
        "khong",
        "muon",
        "can",
        "hoi",
        "dang",
        "bi",
        "co",
        "xin",
        "va",
        "nha",
        "tai",
        "de",
        "lam",
        "nhu",
        "vay",
        "a",
        "oi",
        "nhe",
        "di",
        "den",
        "ma",
        "nhung",
        "nen",
        "duoc",
        "chua",
        "roi",
        "cho",
        "gi",
        "sao",
        "sdt",
        "dien",
        "thoai",
        "thon",
        "xom",
        "xa",
        "ap",
        "ban",
        "hay",
        "voi",
        "cua",
    ]
)
# Family names and common middle names (folded).
SURNAMES = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dinh",
        "mai",
        "trinh",
        "dao",
        "cao",
        "luong",
        "lam",
        "ha",
        "truong",
        "ta",
        "chu",
        "kieu",
        "tang",
        "quach",
        "thai",
        "ton",
        "doan",
        "vuong",
        "trieu",
        "giang",
        "luu",
        "hua",
        "khuat",
        "nong",
        "lo",
        "lu",
        "thi",
        "van",
    ]
)
MAX_NAME_WORDS = 4
_VOCABULARY: set[str] = set()


def _guide_vocabulary() -> set[str]:
    """Capitalised words the guides use (Zalo, Cổng, Dịch…), folded: not a name on their own."""
    if not _VOCABULARY:
        from binhdan.assistant.guides import all_guides

        words: set[str] = set()
        for guide in all_guides().values():
            text = " ".join([guide.title, guide.summary, guide.intro, guide.body_text(), *guide.questions])
            words.update(fold(w) for w in _WORDS.findall(text) if _is_title(w))
        _VOCABULARY.update(words - SURNAMES)
    return _VOCABULARY


def _is_title(word: str) -> bool:
    return word[0].isupper() and (len(word) == 1 or word[1:].islower())


def _is_stop(word: str) -> bool:
    low = word.lower()
    return low in _STOP or (low.isascii() and low in _STOP_ASCII)


def _digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if len(digits) in (9, 12):
        return ID_NUMBER
    if (digits.startswith("0") and len(digits) in (10, 11)) or (
        digits.startswith("84") and len(digits) in (11, 12)
    ):
        return PHONE
    if len(digits) >= 7:
        return NUMBER
    return match.group()


def _name_spans(text: str) -> list[tuple[int, int]]:
    words = list(_WORDS.finditer(text))
    folded = [fold(m.group()) for m in words]

    def joined(i: int) -> bool:  # word i follows word i-1 with only spaces between
        return i > 0 and not text[words[i - 1].end() : words[i].start()].strip()

    def follows(i: int) -> bool:  # word i follows the phrase before it, maybe after ":" or "-"
        return i > 0 and not text[words[i - 1].end() : words[i].start()].strip(" \t:-")

    spans: list[tuple[int, int]] = []

    def take(first: int, *, any_case: bool) -> None:
        last = None
        for j in range(first, min(first + MAX_NAME_WORDS, len(words))):
            if j > first and not joined(j):
                break
            word = words[j].group()
            if not _is_title(word) and (not any_case or _is_stop(word)):
                break
            last = j
        if last is not None:
            spans.append((words[first].start(), words[last].end()))

    for i in range(len(words)):
        if folded[i] in KIN and i + 1 < len(words) and joined(i + 1) and _is_title(words[i + 1].group()):
            take(i + 1, any_case=False)
        for phrase, any_case in [(p, True) for p in NAMING] + [(p, False) for p in SELF]:
            n = len(phrase)
            if tuple(folded[i : i + n]) != phrase or i + n >= len(words) or not follows(i + n):
                continue
            if not all(joined(k) for k in range(i + 1, i + n)):
                continue
            first = words[i + n].group()
            if (any_case and not _is_stop(first)) or _is_title(first) or fold(first) in SURNAMES:
                take(i + n, any_case=True)
            break
    # Any other run of two or more capitalised words that is not the guides' vocabulary.
    i = 0
    while i < len(words):
        if not _is_title(words[i].group()):
            i += 1
            continue
        j = i
        while j + 1 < len(words) and joined(j + 1) and _is_title(words[j + 1].group()):
            j += 1
        run = folded[i : j + 1]
        if j > i:
            known = [w in _guide_vocabulary() for w in run]
            if any(w in SURNAMES for w in run) or not all(known):
                start = i
                at_sentence_start = (
                    not text[: words[i].start()].strip() or text[: words[i].start()].rstrip()[-1] in ".?!:;"
                )
                if at_sentence_start and known[0] and run[0] not in SURNAMES:
                    start = i + 1  # "Làm Nguyễn…": the sentence's first word is not part of the name
                if j > start or run[start - i] in SURNAMES or not known[start - i]:
                    spans.append((words[start].start(), words[j].end()))
        i = j + 1
    return spans


def scrub(text: str) -> str:
    """The question without phone numbers, ID numbers, e-mail addresses, dates and people's names.

    Phones in any spacing (0912 345 678, +84 912.345.678), 9- and 12-digit ID numbers, any other run of
    seven digits or more; names after kinship words and titles ("bà Hoa"), after "tên là", "họ tên"
    (any case), after "tôi là" (capitalised or starting with a family name), and any other run of two
    or more capitalised words the guides do not use ("… gặp Trần Thị Mai ở chợ"). Typed without accents
    too ("toi la nguyen van an").
    """
    # Format characters (zero-width spaces and joiners, direction marks, BOM) carry nothing in a logged
    # question and would hide a number's digits from the patterns below.
    text = "".join(ch for ch in nfc(text) if unicodedata.category(ch) != "Cf")
    text = _EMAIL.sub(EMAIL, text)
    text = _DATE.sub(DATE, text)
    text = _DIGITS.sub(_digits, text)
    spans = sorted(_name_spans(text))
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        if start < last:
            last = max(last, end)
            continue
        out.append(text[last:start])
        out.append(NAME)
        last = end
    out.append(text[last:])
    return "".join(out)


# -- which commune, is logging on ------------------------------------------------------------------------


def commune_by_code(code: Any) -> Place | None:
    """The commune with this official code (`?xa=` on the chat URL, `commune` in the API body)."""
    if not isinstance(code, str):
        return None
    code = code.strip()[:20]
    if not code or not code.isalnum():
        return None
    return Place.objects.communes().filter(code=code).first()


def logging_on(commune: Place | None) -> bool:
    if commune is None:
        return False
    return AssistantSettings.objects.filter(commune=commune, log_questions=True).exists()


def set_logging(*, commune: Place, on: bool) -> bool:
    """Switch logging on or off; True when it changed. Switching off deletes what was logged."""
    with transaction.atomic():
        row, _ = AssistantSettings.objects.select_for_update().get_or_create(commune=commune)
        changed = row.log_questions != on
        if changed:
            row.log_questions = on
            row.changed_at = timezone.now()
            row.save(update_fields=["log_questions", "changed_at"])
        if not on:
            AskedQuestion.objects.filter(commune=commune).delete()
    return changed


# -- writing ---------------------------------------------------------------------------------------------


def purge(today: dt.date | None = None) -> int:
    """Delete questions and feedback counts older than KEEP_DAYS; how many rows went."""
    cutoff = (today or timezone.localdate()) - dt.timedelta(days=KEEP_DAYS)
    questions, _ = AskedQuestion.objects.filter(asked_on__lt=cutoff).delete()
    feedback, _ = GuideFeedback.objects.filter(day__lt=cutoff).delete()
    return questions + feedback


def log_question(*, commune: Place | None, question: str, guide_id: str, confident: bool) -> bool:
    """Keep the question scrubbed when the commune logs questions; True when something was stored."""
    if commune is None or not logging_on(commune):
        return False
    text = scrub(question)[:MAX_STORED_CHARS]
    if not text.strip():
        return False
    today = timezone.localdate()
    purge(today)
    AskedQuestion.objects.create(
        commune=commune, asked_on=today, text=text, guide_id=guide_id[:100], confident=confident
    )
    return True


class TooManyVotes(Exception):
    pass


def record_feedback(*, request: HttpRequest, commune: Place | None, guide_id: str, helped: bool) -> bool:
    """Count one "Có"/"Không" for the guide in the commune (logging on only); rate-limited per address."""
    address = client_key(request)
    if FEEDBACK_PER_ADDRESS.exceeded(address):
        raise TooManyVotes("Bạn đã gửi nhiều góp ý. Vui lòng đợi một lúc rồi thử lại.")
    if commune is None or get_guide(guide_id) is None or not logging_on(commune):
        return False
    FEEDBACK_PER_ADDRESS.hit(address)
    today = timezone.localdate()
    purge(today)
    column = "helped" if helped else "not_helped"
    for _ in range(2):
        updated = GuideFeedback.objects.filter(commune=commune, guide_id=guide_id, day=today).update(
            **{column: F(column) + 1}
        )
        if updated:
            return True
        try:
            with transaction.atomic():
                GuideFeedback.objects.create(commune=commune, guide_id=guide_id, day=today, **{column: 1})
            return True
        except IntegrityError:  # another vote created the row at the same moment
            continue
    return False


# -- the officer's page ----------------------------------------------------------------------------------


@dataclass
class QuestionGroup:
    texts: list[str]
    count: int = 0


@dataclass
class GuideGroup:
    guide_id: str
    guide: Guide | None
    count: int = 0
    groups: list[QuestionGroup] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.guide is not None:
            return self.guide.title
        return "Không tìm được hướng dẫn nào" if not self.guide_id else self.guide_id


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= SIMILAR


def not_confident_groups(commune: Place) -> list[GuideGroup]:
    """The not-confident questions of the last KEEP_DAYS days: by top guide, then by similar folded words."""
    cutoff = timezone.localdate() - dt.timedelta(days=KEEP_DAYS)
    rows = list(
        AskedQuestion.objects.filter(commune=commune, confident=False, asked_on__gte=cutoff)
        .order_by("-asked_on", "-pk")
        .values_list("guide_id", "text")[:MAX_GROUPED]
    )
    by_guide: dict[str, GuideGroup] = {}
    keys: dict[str, list[set[str]]] = {}
    for guide_id, text in rows:
        group = by_guide.get(guide_id)
        if group is None:
            group = by_guide[guide_id] = GuideGroup(
                guide_id=guide_id, guide=get_guide(guide_id) if guide_id else None
            )
            keys[guide_id] = []
        group.count += 1
        words = set(fold_words(text))
        for i, key in enumerate(keys[guide_id]):
            if _similar(words, key):
                group.groups[i].count += 1
                if len(group.groups[i].texts) < 5 and text not in group.groups[i].texts:
                    group.groups[i].texts.append(text)
                break
        else:
            keys[guide_id].append(words)
            group.groups.append(QuestionGroup(texts=[text], count=1))
    for group in by_guide.values():
        group.groups.sort(key=lambda g: -g.count)
    return sorted(by_guide.values(), key=lambda g: (-g.count, g.title))


@dataclass
class FeedbackRow:
    guide_id: str
    guide: Guide | None
    helped: int
    not_helped: int

    @property
    def title(self) -> str:
        return self.guide.title if self.guide else self.guide_id


def feedback_counts(commune: Place) -> list[FeedbackRow]:
    """ "Có"/"Không" per guide over the last KEEP_DAYS days, the least helpful first."""
    cutoff = timezone.localdate() - dt.timedelta(days=KEEP_DAYS)
    rows = (
        GuideFeedback.objects.filter(commune=commune, day__gte=cutoff)
        .values("guide_id")
        .annotate(yes=Sum("helped"), no=Sum("not_helped"))
        .order_by("guide_id")
    )
    out = [FeedbackRow(r["guide_id"], get_guide(r["guide_id"]), r["yes"] or 0, r["no"] or 0) for r in rows]
    return sorted(out, key=lambda r: (-r.not_helped, -r.helped, r.title))
