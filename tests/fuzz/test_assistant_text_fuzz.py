"""Hypothesis on the assistant's text handling (issue 14, item 2): how people type, and worse.

Inputs: random Unicode (every category, combining marks, Vietnamese in NFC and NFD, zero-width and
bidirectional controls, emoji with joiners, control characters, full-width and Arabic-Indic digits),
chat spelling, and 10,000-character strings.

What must hold:
- `text` (`raw_words`, `tokenize`, `expand`, `strip_telex`, `spelling_variant`, `has_diacritics`) and
  the retrieval's `normalise_question` and `rank` never raise, and every string they give is NFC;
- `services.ask` (the chat page's and the API's entry point) answers any question, and any follow-up
  in the same conversation, with an NFC answer; `conversation.answer_from_guide` too, for every guide;
- `questions.scrub` never raises, gives NFC, and never leaves a phone or ID number that was in the
  question, however it was spaced.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from binhdan.assistant import conversation, questions, services, text
from binhdan.assistant.guides import all_guides
from binhdan.assistant.retrieval import get_index, normalise_question
from tests.fuzz.limits import fuzz_settings

SPECIAL = [
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",  # zero-width joiner
    "\ufeff",  # BOM
    "\u202e",  # right-to-left override
    "\u202c",
    "\u2066",
    "\u061c",  # Arabic letter mark
    "\u00a0",  # no-break space
    "\u3000",
    "\u0300",  # combining grave
    "\u0301",
    "\u0303",
    "\u0309",
    "\u0323",
    "\u0302\u0301\u0323",  # stacked marks
    "\u0000",
    "\u0007",
    "\u001b",
    "\u007f",
    "\u0085",
    "\r\n",
    "\t",
    "👨‍👩‍👧‍👦",
    "🇻🇳",
    "😀",
    "İ",  # lower() gives two code points
    "ẞ",
    "ǅ",
    "ﬁ",
    "Ⅻ",
    "²",
    "٣",
    "１２",
    "\U0001d7d9",  # mathematical digit one
    "\ud7ff",
    "\U0010ffff",
]
VIETNAMESE = [
    "Cài VNeID thế nào?",
    "cai vneid the nao",
    "Làm sao chuyển tiền qua mã QR",
    "còn bước 3 thì sao?",
    "bước cuối",
    "buoc thu ba",
    "tiếp theo",
    "nếu không có điện thoại thông minh",
    "ko bít mk",
    "dc k ạ",
    "có người gọi bảo cập nhật VNeID",
    "tôi là Nguyễn Văn An, số 0912 345 678",
    "Đăng ký tài khoản định danh mức 2",
]
pieces = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from(VIETNAMESE),
    st.sampled_from(VIETNAMESE).map(lambda s: unicodedata.normalize("NFD", s)),
    st.sampled_from(VIETNAMESE).map(str.upper),
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
messy = st.lists(pieces, max_size=12).map("".join)
long_messy = st.one_of(
    messy,
    st.tuples(pieces, st.integers(100, 2000)).map(lambda p: (p[0] or "a") * p[1]),
    st.sampled_from(["x" * 10_000, "bước " * 2000, "á" * 10_000, "\u0301" * 10_000, "0" * 10_000]),
)


def _nfc(value: str) -> bool:
    return unicodedata.is_normalized("NFC", value)


# --- text and retrieval ----------------------------------------------------------------------------------


@fuzz_settings(max_examples=150)
@given(value=long_messy)
def test_text_functions_never_raise_and_give_nfc(value: str) -> None:
    for word in text.raw_words(value):
        assert _nfc(word), repr(word)
        text.has_diacritics(word)
        for token in text.expand(word):
            assert _nfc(token.folded) and (token.accented is None or _nfc(token.accented)), token
            text.is_stopword(token)
            text.strip_telex(token.folded)
            assert _nfc(text.spelling_variant(token.folded))
    for token in text.tokenize(value):
        assert _nfc(token.folded), token
    assert _nfc(normalise_question(value))


@fuzz_settings(max_examples=60)
@given(question=long_messy)
def test_ranking_any_question_never_raises(question: str) -> None:
    ranking = get_index().rank(question, limit=5)
    assert len(ranking.results) <= 5
    for term in ranking.query_terms:
        assert _nfc(term), repr(term)


# --- answers and follow-ups -----------------------------------------------------------------------------


@pytest.mark.django_db
@fuzz_settings(max_examples=40)
@given(first=st.one_of(st.sampled_from(VIETNAMESE), long_messy), then=st.lists(long_messy, max_size=2))
def test_ask_and_follow_ups_answer_anything_in_nfc(first: str, then: list[str]) -> None:
    answer = services.ask(question=first, rephrase=False)
    key = answer.conversation
    for question in [first, *then]:
        answer = services.ask(question=question, rephrase=False, conversation=key)
        body = answer.as_dict()
        assert _nfc(body["answer"]) and _nfc(body["question"]), body
        assert body["conversation"] == key  # the same conversation goes on
        for result in body["results"]:
            assert _nfc(result["title"])


@fuzz_settings(max_examples=80)
@given(question=long_messy, guide=st.sampled_from(sorted(all_guides())))
def test_follow_ups_from_any_guide_never_raise(question: str, guide: str) -> None:
    conversation.step_asked(question)
    conversation.is_follow_up(question)
    conversation.is_short(question)
    reply = conversation.answer_from_guide(question, all_guides()[guide])
    if reply is not None:
        assert _nfc(reply.text), reply.text


# --- scrubbing --------------------------------------------------------------------------------------------

# How people write phone and ID numbers, and what copying and pasting puts between the digits.
SEPARATORS = [" ", ".", "-", " - ", "\u00a0", "\u2009", "\u202f", "(", ")", "\u200b", "\u2013", "/", ","]


def _digits_only(value: str) -> str:
    """Every decimal digit of any script as ASCII, everything else dropped."""
    return "".join(str(unicodedata.decimal(ch)) for ch in value if ch.isdecimal())


@st.composite
def numbers_in_text(draw: st.DrawFn) -> tuple[str, str]:
    """(text with a phone or ID number in it, the number's digits)."""
    kind = draw(st.sampled_from(["mobile", "mobile84", "landline", "citizen_id", "old_id"]))
    rest = {"mobile": 8, "mobile84": 8, "landline": 9, "citizen_id": 9, "old_id": 6}[kind]
    first = {"mobile": "09", "mobile84": "849", "landline": "02", "citizen_id": "079", "old_id": "123"}[kind]
    digits = first + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=rest, max_size=rest)))
    # Cut the digits in groups of 2-4 and join them with one separator (or none).
    groups, at = [], 0
    while at < len(digits):
        size = draw(st.integers(2, 4))
        groups.append(digits[at : at + size])
        at += size
    separator = draw(st.sampled_from(["", *SEPARATORS]))
    written = separator.join(groups)
    if kind == "mobile84" and draw(st.booleans()):
        written = "+" + written
    no_digits = st.text(st.characters(exclude_categories=["Nd", "No"]), max_size=30)
    before = draw(st.one_of(no_digits, st.sampled_from(["số tôi là ", "CCCD ", "gọi ", "sdt: "])))
    after = draw(st.one_of(no_digits, st.sampled_from(["", " nhé", ". Cảm ơn", "!"])))
    return f"{before} {written} {after}", digits


@fuzz_settings(max_examples=150)
@given(value=long_messy)
def test_scrub_never_raises_and_gives_nfc(value: str) -> None:
    assert _nfc(questions.scrub(value))


@fuzz_settings(max_examples=150)
@given(case=numbers_in_text())
def test_scrub_never_leaves_a_phone_or_id_number(case: tuple[str, str]) -> None:
    written, digits = case
    assume(digits in _digits_only(written))
    scrubbed = questions.scrub(written)
    assert digits not in _digits_only(scrubbed), (written, scrubbed)


def test_the_scrubbed_placeholders_are_not_numbers() -> None:
    for placeholder in (questions.PHONE, questions.ID_NUMBER, questions.NUMBER):
        assert not _digits_only(placeholder)


@pytest.mark.django_db
def test_a_question_with_a_nul_character_is_answered() -> None:
    """The chat page asks through services.ask too: on PostgreSQL a NUL in the question made saving
    the conversation fail (no text column stores NUL), a 500 (notes/B-assistant-bugs.md, bug 2)."""
    answer = services.ask(question="Cài VNeID\u0000 thế nào?", rephrase=False)
    assert _nfc(answer.answer)
