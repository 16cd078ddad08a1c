"""In-process ranking of guides for a resident's question, and how sure the ranking is.

The index is built once per process from the guides:

- words are matched folded (no diacritics), with the accented form as a tie-breaker when the
  resident typed one ("mất" and "mật" both fold to "mat");
- multi-syllable Vietnamese words are found with a lexicon learned from the guides themselves: pyvi
  segments the accented guide text once at start-up, and the compounds it finds ("điện_thoại",
  "mật_khẩu") are then matched on folded syllables, so unaccented questions get the same segmentation;
- unknown words that cannot be Vietnamese syllables are repaired (telex leftovers, words run
  together or split, one or two typing errors) against the guides' vocabulary;
- each guide is scored with field-weighted BM25 (title, questions, keywords over body text) plus its
  nearest "question it answers";
- a scam story puts the best safety guide first; a question whose informative words the guides do
  not cover is answered "not sure".
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from binhdan.assistant import rerank
from binhdan.assistant.guides import Guide, all_guides
from binhdan.assistant.segment import is_dictionary_word, is_vietnamese_syllable
from binhdan.assistant.text import (
    ABBREVIATIONS,
    STOPWORDS,
    SYMPTOMS,
    Token,
    is_stopword,
    spelling_variant,
    strip_telex,
    tokenize,
)
from binhdan.common.text import fold

FIELD_WEIGHTS = {
    "title": 3.0,
    "keywords": 2.5,
    "questions": 2.0,
    "topic": 1.5,
    "summary": 1.5,
    "intro": 1.0,
    "steps": 1.0,
    "errors": 0.7,
    "prepare": 0.5,
    "other": 0.5,
    "safety": 0.3,
}
K1 = 1.2
B = 0.5
STOP_WEIGHT = 0.15
COMPOUND_WEIGHT = 1.0
REPAIRED_WEIGHT = 0.7
SYMPTOM_WEIGHT = 0.6  # words added for a symptom the resident described ("hết dung lượng" → "gỡ ứng dụng")
FOREIGN_COVERAGE = 0.3  # credit for a syllable that belongs to a word no guide uses ("thời tiết")
QUESTION_SIM_WEIGHT = 0.6
MAX_COMPOUND = 4
# A long story: terms outside the clauses that ask (the last one, and any with a question word) count
# this much, so the question is not drowned by the story around it.
STORY_WEIGHT = 0.5
STORY_MIN_TOKENS = 26
# A name the question uses (an app, a platform: "vneid", "shopee") and a guide's title, questions or
# keywords also use: the guide is about that thing, not one that only mentions it in passing.
NAME_BONUS = 0.2
NAME_BONUS_MAX = 0.3
INTENT_BONUS = 0.25
NAME_QUESTION_WEIGHT = 2.0  # a name counts double when a question is compared with a guide's questions

# Vietnamese syllables, folded: an optional onset, a vowel group and an optional final. A word that
# fits is a real word the guides do not use ("vàng", "mưa"); only words that do not fit are repaired.
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x)?"
    r"(uyeu|uye|uya|uyu|oai|oay|oeo|uay|uoi|uou|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye"
    r"|a|e|i|o|u|y)"
    r"(ch|ng|nh|c|m|n|p|t|i|o|u|y)?$"
)
_TELEX_MARKS = (
    ("dd", "d"),
    ("aw", "a"),
    ("aa", "a"),
    ("ee", "e"),
    ("ow", "o"),
    ("oo", "o"),
    ("uw", "u"),
    ("w", "u"),
)

# Signs that the message tells of a scam happening to the person (not a how-to question about safety).
# Each phrase is folded; weights add up, and 2 or more routes the answer to a safety guide.
SCAM_SIGNALS: dict[str, float] = {
    "lua dao": 1.0,
    "bi lua": 1.5,
    "lua tien": 1.5,
    "gia danh": 1.5,
    "xung la": 1.5,
    "tu xung": 1.5,
    "xung cong an": 2.0,
    "goi xung": 1.5,
    "mao danh": 1.5,
    "chuyen tien gap": 2.0,
    "chuyen gap": 1.5,
    "can chuyen tien": 1.0,
    "bat chuyen tien": 1.5,
    "bao chuyen tien": 1.5,
    "doi chuyen tien": 1.5,
    "yeu cau chuyen": 1.5,
    "chuyen tien": 0.7,
    "chuyen khoan": 0.5,
    "mat tien": 1.5,
    "mat het tien": 2.0,
    "khong rut duoc": 1.5,
    "lay lai tien": 1.5,
    "trung thuong": 1.5,
    "nhan qua": 1.0,
    "viec nhe luong cao": 2.0,
    "lam nhiem vu": 1.5,
    "nhiem vu": 0.7,
    "hoa hong": 1.0,
    "lai cao": 1.5,
    "gop von": 1.0,
    "lai moi thang": 1.5,
    "lai moi ngay": 1.5,
    "tien ao": 1.0,
    "dau tu": 0.7,
    "duong link": 0.7,
    "link la": 1.5,
    "bam link": 1.0,
    "bam vao link": 1.0,
    "gui link": 1.0,
    "doc ma": 1.5,
    "doc otp": 2.0,
    "xin ma": 1.5,
    "xin otp": 2.0,
    "hoi ma otp": 2.0,
    "ma otp": 0.7,
    "cap nhat vneid": 1.0,
    "tai nan": 1.0,
    "cap cuu": 1.0,
    "dieu tra": 1.0,
    "vu an": 1.5,
    "lenh bat": 1.5,
    "phong toa": 1.5,
    "nguoi la": 1.0,
    "so la": 1.0,
    "vay tien": 0.7,
    "muon tien": 0.7,
    "nick zalo": 1.0,
    "bi hack": 1.0,
    "hack": 0.7,
    "gui tien": 0.7,
    "co nguoi goi": 1.0,
    "goi dien": 0.5,
    "nhan tin": 0.3,
    "dien luc": 0.7,
    "cat dien": 1.0,
    "khoa tai khoan": 0.5,
}
# Words that make the question about avoiding scams in general, not about one happening now.
_PREVENTION = ("khoi bi lua", "tranh bi lua", "tranh lua dao", "phong tranh", "khong bi lua", "de khoi")
SCAM_THRESHOLD = 2.0
# A scam story told after the fact ("lỡ đọc mã", "đã chuyển rồi"): the "what to do now" guides first.
_ALREADY = re.compile(
    r" (lo|vua|da|bi lua mat|mat het|mat tien|chuyen roi|doc roi|bam roi|cai roi|gui roi|roi gio|roi phai) "
)

# Folded clause words that tell what the resident asks, whatever the words around them: each cue lifts
# the guides of one topic (or a guide whose title asks the same kind of question). Kept short and
# general: a cue names a kind of question, never one guide.
_Q = r"(lam sao|the nao|nhu nao|ra sao|kieu gi|o dau|can gi|duoc khong|co sao|phai lam)"
INTENT_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    # a seller on a named platform, not a buyer
    (
        re.compile(
            r" (ban hang|nguoi ban|gian hang|mo shop|shop cua (toi|minh|em)|chot don|len san|livestream"
            r"|tang don|ban (\w+ ){0,3}(tren|len|qua) (shopee|tiktok|san|mang|facebook|zalo|postmart|voso)) "
        ),
        "ban-hang-truc-tuyen",
    ),
    # an ID card, its number or a photo of it gone to someone else
    (
        re.compile(
            r" ((lo|bi lo|ro ri|phat tan)( \w+){0,3} (so )?(can cuoc|chung minh nhan dan|dinh danh ca nhan)"
            r"|(gui|dua|chup|chia se|dang)( \w+){0,3} (anh )?(the )?(can cuoc|chung minh nhan dan)"
            r"( \w+){0,4} (cho|qua|len) (nguoi|ho|ban|zalo|facebook|shop|cua hang|mang)"
            r"|(gui|dua|chia se)( \w+){0,2} anh (the )?(can cuoc|chung minh)"
            r"|anh (the )?can cuoc( \w+){0,4} (cho|qua) (nguoi|ho|ban|zalo|facebook|shop|cua hang)) "
        ),
        "bao-ve-du-lieu-ca-nhan",
    ),
    # a buyer: an order, a delivery, a return — not a seller
    (
        re.compile(
            r" (mua hang|mua do|dat hang|dat mua|mua (\w+ ){0,3}(tren|o|qua) (shopee|tiktok|lazada|mang|facebook)"
            r"|giao sai|giao nham|hang gia|hang khong giong|tra hang|doi tra|nhan hang|don hang cua (toi|minh|em|ba|ong)) "
        ),
        "mua-sam-truc-tuyen",
    ),
)
# "… là gì", "nghĩa là gì", "dùng để làm gì": guides whose title asks that question.
_DEFINITION = re.compile(r" (la gi|nghia la gi|y nghia gi|co y nghia|dung de lam gi|la cai gi|la sao) ")
_DEFINITION_TITLE = re.compile(r"\b(la gi|y nghia|dung de lam gi)\b")
_QUESTION_WORDS = re.compile(
    rf" ({_Q[1:-1]}|gi|sao|khong|chua|bao nhieu|bao lau|may|nao|khong a|the a|duoc ko|nhi) "
)

# Calibrated on the project's own paraphrase and off-topic files (binhdan/assistant/tests/data); a
# wide plateau of thresholds gives the same split, these sit in its middle.
CONFIDENT_SCORE = 0.6
CONFIDENT_COVERAGE = 0.6
CONFIDENT_EVIDENCE = 1.0  # or nearly every word of the question found in the guide:
CONFIDENT_FULL_COVERAGE = 0.9
# Long stories mention much the guides never will; enough precise matches still make them answerable.
LONG_MASS = 12.0
LONG_COVERAGE = 0.4
LONG_EVIDENCE = 3.0


@dataclass
class Scored:
    guide: Guide
    score: float
    coverage: float = 0.0  # share of the question's informative weight this guide contains
    matched_mass: float = 0.0
    evidence: float = 0.0  # idf of the precise matches: guide words of 2+ syllables, names like "vneid"
    best_question: float = 0.0
    bm25: float = 0.0  # the field-weighted BM25 part of `score`
    names: int = (
        0  # names ("vneid", "shopee") the question shares with the guide's title, questions, keywords
    )
    intent: bool = False  # an intent cue of the question ("… là gì", a seller) points at this guide
    relevance: float = 0.0  # what the answer shows: the re-ranker's share among its candidates, else `score`


@dataclass
class Ranking:
    results: list[Scored]
    confident: bool
    scam: bool
    on_topic: bool
    query_terms: list[str] = field(default_factory=list)
    unknown_terms: list[str] = field(default_factory=list)


@dataclass
class _Term:
    feature: str
    weight: float
    accented: str | None = None
    informative: bool = True
    foreign: bool = False


def is_syllable(word: str) -> bool:
    return bool(_SYLLABLE.match(word))


def _damerau(a: str, b: str) -> int:
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _max_edits(word: str) -> int:
    return 0 if len(word) < 3 else 1 if len(word) < 6 else 2


class Index:
    def __init__(
        self,
        guides: Sequence[Guide],
        lexicon: set[tuple[str, ...]] | None = None,
        *,
        model: rerank.Model | None = None,
        memory: Sequence[Path] = (),
    ) -> None:
        self.guides = list(guides)
        self.lexicon = lexicon if lexicon is not None else build_lexicon(self.guides)
        self.vocab: Counter[str] = Counter()
        self.doc_tf: list[dict[str, float]] = []
        self.doc_len: list[float] = []
        self.doc_accents: list[set[str]] = []
        self.doc_questions: list[list[set[str]]] = []
        # How the guides spell a folded word next to a folded neighbour: ("chu", "nho") → "chữ". Lets an
        # unaccented "chu nho" mean "chữ nhỏ" (content) rather than "chú nhờ" (pronoun, particle).
        self.left_forms: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.right_forms: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.doc_names: list[set[str]] = []
        self.doc_definition: list[bool] = []
        self.doc_title_names: list[set[str]] = []  # names in the title: what the guide is about
        df: Counter[str] = Counter()
        for guide in self.guides:
            tf: dict[str, float] = defaultdict(float)
            accents: set[str] = set()
            length = 0.0
            for field_name, text in _fields(guide):
                tokens = tokenize(text)
                for a, b in itertools.pairwise(tokens):
                    self.left_forms[(a.folded, b.folded)][b.accented or b.folded] += 1
                    self.right_forms[(b.folded, a.folded)][a.accented or a.folded] += 1
                self.vocab.update(t.folded for t in tokens)
                accents.update(t.accented for t in tokens if t.accented)
                weight = FIELD_WEIGHTS[field_name]
                for feature in self.features(tokens):
                    tf[feature] += weight
                    length += weight
            self.doc_tf.append(dict(tf))
            self.doc_len.append(length)
            self.doc_accents.append(accents)
            df.update(tf.keys())
            self.doc_questions.append(
                [set(self.features(tokenize(q))) for q in (guide.title, *guide.questions, *guide.keywords)]
            )
        for expansion in ABBREVIATIONS.values():
            self.vocab.update(t.folded for t in tokenize(expansion))
        n = max(len(self.guides), 1)
        self.idf = {term: math.log(1 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)
        self.avg_len = sum(self.doc_len) / n if self.doc_len else 1.0
        # Words of the guides that are not Vietnamese syllables: names of apps and things ("vneid",
        # "zalo", "otp", "4g"); matching one is as telling as matching a two-syllable word.
        self.anchors = {
            w for w in self.vocab if len(w) >= 2 and w not in STOPWORDS and not is_vietnamese_syllable(w)
        }
        self.question_norms = [
            [math.sqrt(sum(self._informative_idf(f) for f in q)) or 1.0 for q in qs]
            for qs in self.doc_questions
        ]
        self.stop_compounds = {"_".join(g) for g in self.lexicon if all(w in STOPWORDS for w in g)}
        for guide in self.guides:
            named = " ".join((guide.title, *guide.questions, *guide.keywords))
            # chat words ("app", "online", "sms") are names of nothing in particular
            self.doc_names.append(({t.folded for t in tokenize(named)} & self.anchors) - ABBREVIATIONS.keys())
            self.doc_definition.append(bool(_DEFINITION_TITLE.search(fold(guide.title))))
            self.doc_title_names.append(
                ({t.folded for t in tokenize(guide.title)} & self.anchors) - ABBREVIATIONS.keys()
            )
        self.char_questions = rerank.CharVectors(
            [fold(" ".join((g.title, *g.questions, *g.keywords))) for g in self.guides]
        )
        self.char_text = rerank.CharVectors([fold(" ".join(t for _, t in _fields(g))) for g in self.guides])
        self.model = model  # the learned re-ranker; None ranks by the first stage alone
        self._position = {g.id: d for d, g in enumerate(self.guides)}
        self.memory = rerank.read_memory(memory, normalise_question) if memory else None
        self._delete_index: dict[str, set[str]] = defaultdict(set)
        for word in self.vocab:
            if not word.isdigit():
                for variant in _deletes(word, _max_edits(word)):
                    self._delete_index[variant].add(word)

    # -- words ------------------------------------------------------------------------------------------
    def features(self, tokens: Sequence[Token]) -> list[str]:
        """Folded syllables plus every lexicon word (2-4 syllables) found in the sequence."""
        syllables = [t.folded for t in tokens]
        out = list(syllables)
        for i in range(len(syllables)):
            for size in range(2, MAX_COMPOUND + 1):
                gram = tuple(syllables[i : i + size])
                if len(gram) == size and gram in self.lexicon:
                    out.append("_".join(gram))
        return out

    def _informative_idf(self, feature: str) -> float:
        idf = self.idf.get(feature, self.default_idf)
        if feature in self.anchors:
            return idf * NAME_QUESTION_WEIGHT
        return idf * (STOP_WEIGHT if feature in STOPWORDS else 1.0)

    def _correct(self, word: str) -> str | None:
        depth = _max_edits(word)
        if depth == 0:
            return None
        candidates: set[str] = set()
        for variant in _deletes(word, depth):
            candidates |= self._delete_index.get(variant, set())
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = _damerau(word, candidate)
            if distance <= depth and (best is None or (distance, -self.vocab[candidate]) < best[:2]):
                best = (distance, -self.vocab[candidate], candidate)
        return best[2] if best else None

    def repair(self, tokens: Sequence[Token]) -> tuple[list[tuple[Token, float]], list[str]]:
        """Tokens with a weight: known words as typed, broken ones mended (lower weight), unknown kept."""
        out: list[tuple[Token, float]] = []
        unknown: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            word = token.folded
            if word in self.vocab or word.isdigit() or len(word) < 2:
                out.append((token, 1.0))
                i += 1
                continue
            if i + 1 < len(tokens) and word + tokens[i + 1].folded in self.vocab:  # "vn eid", "wi fi"
                out.append((Token(word + tokens[i + 1].folded, None), 1.0))
                i += 2
                continue
            if is_vietnamese_syllable(word) or is_syllable(word):
                out.append((token, 1.0))
                unknown.append(word)
                i += 1
                continue
            mended = self._mend(word)
            if mended:
                out.extend((Token(w, None), REPAIRED_WEIGHT) for w in mended)
            else:
                out.append((token, 1.0))
                unknown.append(word)
            i += 1
        return out, unknown

    def _mend(self, word: str) -> list[str] | None:
        telex = word
        for before, after in _TELEX_MARKS:
            telex = telex.replace(before, after)
        for raw in (strip_telex(word), telex, strip_telex(telex)):
            candidate = spelling_variant(raw) if raw else None
            if candidate and candidate in self.vocab:
                return [candidate]
        for cut in range(2, len(word) - 1):  # "dienthoai" → "dien thoai"
            left, right = word[:cut], word[cut:]
            if left in self.vocab and right in self.vocab and (left, right) in self.lexicon:
                return [left, right]
        corrected = self._correct(word)
        return [corrected] if corrected else None

    def foreign_positions(self, tokens: Sequence[Token]) -> set[int]:
        """Positions of syllables that, with a neighbour, make a dictionary word the guides never use."""
        folded = [t.folded for t in tokens]
        in_guide_words: set[int] = set()
        for i in range(len(folded)):
            for size in range(2, MAX_COMPOUND + 1):
                if tuple(folded[i : i + size]) in self.lexicon and i + size <= len(folded):
                    in_guide_words.update(range(i, i + size))
        typed_accents = any(t.accented for t in tokens)
        foreign: set[int] = set()
        for i in range(len(folded)):
            for size in (2, 3):
                span = range(i, i + size)
                gram = tuple(folded[i : i + size])
                if len(gram) < size or gram in self.lexicon or in_guide_words.intersection(span):
                    continue
                if any(is_stopword(t) or t.folded.isdigit() for t in tokens[i : i + size]):
                    continue
                if typed_accents:
                    known = is_dictionary_word(
                        tuple(t.accented or t.folded for t in tokens[i : i + size]), accented=True
                    )
                else:
                    known = is_dictionary_word(gram, accented=False)
                if known:
                    foreign.update(span)
        return foreign

    def restored_stopword(self, tokens: Sequence[Token], i: int) -> bool:
        """Whether an unaccented word is a stopword here, judged by how the guides spell it in context."""
        token = tokens[i]
        if token.accented or token.folded not in STOPWORDS:
            return is_stopword(token)
        forms: Counter[str] = Counter()
        if i > 0:
            forms.update(self.left_forms.get((tokens[i - 1].folded, token.folded), {}))
        if i + 1 < len(tokens):
            forms.update(self.right_forms.get((tokens[i + 1].folded, token.folded), {}))
        content = sum(n for form, n in forms.items() if form not in STOPWORDS)
        stop = sum(n for form, n in forms.items() if form in STOPWORDS)
        return not (content >= 1 and content > 2 * stop)

    def focus(self, question: str) -> tuple[list[Token], list[float]]:
        """The question's tokens, and how much each counts: in a long story the asking clauses count fully."""
        clauses = [c for c in re.split(r"[.,;!?\n:…]+", question) if c.strip()]
        parts = [tokenize(c) for c in clauses]
        tokens = [t for part in parts for t in part]
        if len(tokens) < STORY_MIN_TOKENS or len(parts) < 2:
            return tokens, [1.0] * len(tokens)
        weights: list[float] = []
        for n, part in enumerate(parts):
            text = " " + " ".join(t.folded for t in part) + " "
            asking = n == len(parts) - 1 or bool(_QUESTION_WORDS.search(text))
            weights.extend([1.0 if asking else STORY_WEIGHT] * len(part))
        return tokens, weights

    def query_terms(self, question: str) -> tuple[list[_Term], list[str]]:
        raw, focus = self.focus(question)
        mended, unknown = self.repair(raw)
        # Repair keeps each token's place except when it joins two ("vn eid"): then the story weights are
        # dropped for this question rather than misaligned.
        if len(mended) == len(raw):
            repaired = [(t, w * f) for (t, w), f in zip(mended, focus, strict=True)]
        else:
            repaired = mended
        said = " " + " ".join(t.folded for t, _ in repaired) + " "
        for phrase, words in SYMPTOMS.items():
            if f" {phrase} " in said:
                repaired.extend((t, SYMPTOM_WEIGHT) for t in tokenize(words))
        tokens = [t for t, _ in repaired]
        weights = {i: w for i, (_, w) in enumerate(repaired)}
        foreign = self.foreign_positions(tokens)
        terms: list[_Term] = []
        for i, token in enumerate(tokens):
            stop = self.restored_stopword(tokens, i)
            terms.append(
                _Term(
                    token.folded,
                    weights[i] * (STOP_WEIGHT if stop else 1.0),
                    token.accented,
                    informative=not stop,
                    foreign=i in foreign,
                )
            )
        seen_compounds = set()
        for feature in self.features(tokens)[len(tokens) :]:
            if feature not in seen_compounds:
                seen_compounds.add(feature)
                weight = STOP_WEIGHT if feature in self.stop_compounds else COMPOUND_WEIGHT
                terms.append(_Term(feature, weight, None, informative=False))
        return terms, unknown

    # -- ranking ----------------------------------------------------------------------------------------
    def first_stage(self, question: str) -> tuple[list[Scored], _Query]:
        """Every guide scored by field-weighted BM25 and the nearest question, best first (none when the
        question has no words or there are no guides)."""
        terms, unknown = self.query_terms(question)
        folded_text = " " + " ".join(t.feature for t in terms if "_" not in t.feature) + " "
        if not self.guides or not terms:
            return [], _Query(
                terms=terms, unknown=unknown, padded=" ", info_total=0.0, scam=False, question=question
            )
        weights: dict[str, float] = defaultdict(float)
        accented: dict[str, set[str]] = defaultdict(set)
        informative: dict[str, float] = defaultdict(float)
        native = {t.feature for t in terms if not t.foreign}
        for term in terms:
            weights[term.feature] += term.weight
            if term.accented:
                accented[term.feature].add(term.accented)
            if term.informative:
                informative[term.feature] = max(informative[term.feature], term.weight)
        max_possible = sum(self.idf.get(f, self.default_idf) * w for f, w in weights.items()) or 1.0
        info_total = sum(self.idf.get(f, self.default_idf) * w for f, w in informative.items())
        query_features = set(weights)
        query_norm = math.sqrt(sum(self._informative_idf(f) for f in query_features)) or 1.0

        padded = " " + folded_text.strip() + " "
        intents = {topic for pattern, topic in INTENT_CUES if pattern.search(padded)}
        definition = bool(_DEFINITION.search(padded))
        scored: list[Scored] = []
        for d, guide in enumerate(self.guides):
            tf = self.doc_tf[d]
            norm = K1 * (1 - B + B * self.doc_len[d] / self.avg_len)
            total = 0.0
            matched = 0.0
            evidence = 0.0
            for feature, weight in weights.items():
                f = tf.get(feature)
                if not f:
                    continue
                factor = 1.0
                forms = accented.get(feature)
                if forms and not forms & self.doc_accents[d]:
                    factor = 0.4  # "mất" asked, only "mật" here
                idf = self.idf.get(feature, self.default_idf)
                total += idf * weight * factor * f * (K1 + 1) / (f + norm) / (K1 + 1)
                if feature in informative and (not forms or forms & self.doc_accents[d]):
                    matched += idf * informative[feature] * (1.0 if feature in native else FOREIGN_COVERAGE)
                if factor == 1.0 and (
                    feature in self.anchors or ("_" in feature and feature not in self.stop_compounds)
                ):
                    evidence += idf
            best_q = 0.0
            for q_features, q_norm in zip(self.doc_questions[d], self.question_norms[d], strict=True):
                common = query_features & q_features
                if common:
                    overlap = sum(self._informative_idf(f) for f in common)
                    best_q = max(best_q, overlap / (q_norm * query_norm))
            bm25 = total / max_possible
            score = bm25 + QUESTION_SIM_WEIGHT * best_q
            names = self.doc_names[d] & query_features
            if names:
                score += min(NAME_BONUS * len(names), NAME_BONUS_MAX)
            intent = bool(intents.intersection(guide.topics) or (definition and self.doc_definition[d]))
            if intent:
                score += INTENT_BONUS
            coverage = matched / info_total if info_total else 0.0
            scored.append(Scored(guide, score, coverage, matched, evidence, best_q, bm25, len(names), intent))
        scored.sort(key=lambda s: (-s.score, s.guide.id))
        query = _Query(
            terms=terms,
            unknown=unknown,
            padded=padded,
            info_total=info_total,
            scam=scam_score(folded_text) >= SCAM_THRESHOLD,
            question=question,
            features=query_features,
        )
        return scored, query

    def candidates(
        self, scored: Sequence[Scored], query: _Query, *, exclude: str | None = None
    ) -> tuple[list[Scored], list[list[float]]]:
        """The guides the re-ranker orders, and their features (rerank.FEATURES).

        The first `rerank.CANDIDATES` of the first stage, plus the first stage's best guide of each topic
        that the remembered questions nearest to this one are about. `exclude`: a remembered question
        not to count (training on the memory's own questions).
        """
        text = query.padded.strip()
        char_query = self.char_questions.query(text)
        neighbours = (
            self.memory.neighbours(normalise_question(query.question), exclude=exclude) if self.memory else []
        )
        head = list(scored[: rerank.CANDIDATES])
        ranks = {s.guide.id: r for r, s in enumerate(scored)}
        shown = {t for s in head for t in s.guide.topics}
        for _, topics in neighbours:
            for topic in sorted(topics - shown):
                extra = next((s for s in scored if topic in s.guide.topics), None)
                if extra is not None and extra not in head:
                    head.append(extra)
                shown.add(topic)
        first = scored[0].score if scored else 0.0
        rows: list[list[float]] = []
        for s in head:
            d = self._position[s.guide.id]
            rows.append(
                [
                    s.score,
                    s.bm25,
                    s.best_question,
                    s.coverage,
                    math.log1p(s.evidence),
                    float(s.names),
                    float(s.intent),
                    self.char_questions.similarity(char_query, d),
                    self.char_text.similarity(char_query, d),
                    math.log1p(ranks[s.guide.id]),
                    first - s.score,
                    float(query.scam and s.guide.is_safety),
                    *rerank.memory_features(neighbours, s.guide.topics),
                    float(len(self.doc_title_names[d] - query.features - _named_by(query.padded))),
                ]
            )
        return head, rows

    def rank(self, question: str, *, limit: int = 5) -> Ranking:
        scored, query = self.first_stage(question)
        if not scored:
            return Ranking([], confident=False, scam=False, on_topic=False, unknown_terms=query.unknown)
        if self.model is not None:
            head, rows = self.candidates(scored, query)
            values = [self.model.score(row) for row in rows]
            top_value = max(values)
            shares = [math.exp(v - top_value) for v in values]
            total = sum(shares)
            for s, share in zip(head, shares, strict=True):
                s.relevance = share / total
            order = sorted(range(len(head)), key=lambda i: (-values[i], i))
            scored = [head[i] for i in order] + [s for s in scored if s not in head]
        else:
            for s in scored:
                s.relevance = s.score

        padded = query.padded
        scam = query.scam
        if scam:
            wanted = (lambda g: "lua-dao-xu-ly" in g.topics) if _ALREADY.search(padded) else None
            first_safety = next((s for s in scored[:10] if wanted and wanted(s.guide)), None)
            if first_safety is None and not scored[0].guide.is_safety:
                first_safety = next((s for s in scored if s.guide.is_safety), None)
            if first_safety is not None:
                scored.remove(first_safety)
                scored.insert(0, first_safety)
        scored = _diverse(scored, 3)
        top = scored[0]
        on_topic = query.info_total > 0 and top.coverage >= LONG_COVERAGE
        confident = scam or is_confident(top)
        return Ranking(
            results=scored[:limit],
            confident=confident,
            scam=scam,
            on_topic=on_topic or scam,
            query_terms=[t.feature for t in query.terms],
            unknown_terms=query.unknown,
        )


@dataclass
class _Query:
    terms: list[_Term]
    unknown: list[str]
    padded: str
    info_total: float
    scam: bool
    question: str
    features: set[str] = field(default_factory=set)


# Names a question says in other words: "tài khoản định danh" is VNeID.
NAME_ALIASES: dict[str, tuple[str, ...]] = {
    "vneid": (" dinh danh ", " tai khoan dinh danh "),
    "tiktok": (" tik tok ",),
    "momo": (" vi dien tu ",),
}


def _named_by(padded: str) -> set[str]:
    return {name for name, phrases in NAME_ALIASES.items() if any(p in padded for p in phrases)}


def normalise_question(question: str) -> str:
    """Folded words with chat spelling expanded: how remembered and new questions are compared."""
    return " ".join(t.folded for t in tokenize(question))


def _diverse(scored: list[Scored], slots: int) -> list[Scored]:
    head: list[Scored] = []
    covered: set[str] = set()
    rest = list(scored)
    while rest and len(head) < slots:
        pick = next((s for s in rest[:6] if not set(s.guide.topics) <= covered), rest[0])
        rest.remove(pick)
        head.append(pick)
        covered.update(pick.guide.topics)
    return head + rest


def is_confident(top: Scored) -> bool:
    """Whether the best guide answers the question, judged from how much of it the guide covers."""
    if top.score < CONFIDENT_SCORE:
        return False
    if top.coverage >= CONFIDENT_COVERAGE and (
        top.evidence >= CONFIDENT_EVIDENCE or top.coverage >= CONFIDENT_FULL_COVERAGE
    ):
        return True
    return top.matched_mass >= LONG_MASS and top.coverage >= LONG_COVERAGE and top.evidence >= LONG_EVIDENCE


def scam_score(folded_text: str) -> float:
    """How strongly a (folded, space-padded) message tells a scam story."""
    text = f" {folded_text.strip()} "
    if any(f" {phrase} " in text for phrase in _PREVENTION):
        return 0.0
    score = 0.0
    for phrase, weight in SCAM_SIGNALS.items():
        if f" {phrase} " in text:
            score += weight
    return score


def _fields(guide: Guide) -> Iterable[tuple[str, str]]:
    from binhdan.assistant.guides import (
        SECTION_ERRORS,
        SECTION_PREPARE,
        SECTION_SAFETY,
        SECTION_STEPS,
        TOPICS,
    )

    yield "title", guide.title
    for question in guide.questions:
        yield "questions", question
    for keyword in guide.keywords:
        yield "keywords", keyword
    for slug in guide.topics:
        yield "topic", TOPICS.get(slug, slug.replace("-", " "))
    yield "summary", guide.summary
    yield "intro", guide.intro
    names = {
        SECTION_STEPS: "steps",
        SECTION_ERRORS: "errors",
        SECTION_PREPARE: "prepare",
        SECTION_SAFETY: "safety",
    }
    for heading, lines in guide.sections.items():
        for line in lines:
            yield names.get(heading, "other"), line


def build_lexicon(guides: Sequence[Guide]) -> set[tuple[str, ...]]:
    """Multi-syllable words (folded) found by pyvi in the accented guide text, plus the keywords."""
    lexicon: set[tuple[str, ...]] = set()
    texts: list[str] = []
    for guide in guides:
        texts.extend(text for _, text in _fields(guide))
        for keyword in guide.keywords:
            words = tuple(t.folded for t in tokenize(keyword))
            if 2 <= len(words) <= MAX_COMPOUND:
                lexicon.add(words)
    for expansion in ABBREVIATIONS.values():
        words = tuple(t.folded for t in tokenize(expansion))
        if 2 <= len(words) <= MAX_COMPOUND:
            lexicon.add(words)
    for word in segment_words(texts):
        parts = tuple(t.folded for t in tokenize(word.replace("_", " ")))
        if 2 <= len(parts) <= MAX_COMPOUND:
            lexicon.add(parts)
    return lexicon


def segment_words(texts: Iterable[str]) -> set[str]:
    """The multi-syllable words pyvi's segmenter finds in accented text ("điện_thoại")."""
    from pyvi import ViTokenizer  # imported here: loading its model takes a second

    words: set[str] = set()
    for text in texts:
        if text:
            words.update(w for w in ViTokenizer.tokenize(text.lower()).split() if "_" in w)
    return words


_lock = threading.Lock()


@functools.cache
def _index_for(guide_ids: tuple[str, ...]) -> Index:
    guides = all_guides()
    return Index(
        [guides[i] for i in guide_ids],
        model=rerank.load_model(),
        memory=sorted(rerank.TUNING_DIR.glob("*.tsv")),
    )


def get_index() -> Index:
    """The index over the current guide library, built on first use."""
    with _lock:
        return _index_for(tuple(all_guides()))


def warm() -> Index:
    """Build the index and load the dictionary now, so the first question of a process answers fast."""
    from binhdan.assistant.segment import _dictionary

    index = get_index()
    _dictionary()
    index.rank("cach dang ky tai khoan vneid tren dien thoai")
    return index
