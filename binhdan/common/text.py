"""Vietnamese text as data: NFC, accent folding (with đ → d) and the Vietnamese sort order."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_WORD_BREAKS = re.compile(r"[\s\-]+")

# Combining marks of the five tones, in the order Vietnamese dictionaries sort them
# (ngang, huyền, hỏi, ngã, sắc, nặng).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a distinct letter (ă, â, ê, ô, ơ, ư) rather than a tone.
_LETTER_MARKS = {"\u0306": "(", "\u0302": "^", "\u031b": "+"}

# Vietnamese alphabet order; foreign letters f, j, w, z slot in where Latin puts them.
_ALPHABET = [
    "a", "a(", "a^", "b", "c", "d", "đ", "e", "e^", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "o^", "o+", "p", "q", "r", "s", "t", "u", "u+", "v", "w", "x", "y", "z",
]  # fmt: skip
_RANK = {letter: index + 10 for index, letter in enumerate(_ALPHABET)}


# Names, villages and list cells repeat heavily (an import of 30,000 people has a few thousand
# distinct words): the pure helpers below are memoised. Outputs are exactly those of the plain code.
_CACHE_TEXTS = 1 << 15
_CACHE_WORDS = 1 << 14


def nfc(value: str | None) -> str:
    """Return the NFC form with runs of whitespace collapsed and the ends trimmed."""
    if not value:
        return ""
    return _nfc(value)


@functools.lru_cache(maxsize=_CACHE_TEXTS)
def _nfc(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower-case, strip every diacritic and turn đ into d: "Nguyễn Thị Hoà" -> "nguyen thi hoa"."""
    if not value:
        return ""
    return _fold(value)


@functools.lru_cache(maxsize=_CACHE_TEXTS)
def _fold(value: str) -> str:
    # After nfc() words are separated by single spaces, and lower-casing, đ → d, NFD and dropping
    # combining marks never reach across a space: folding word by word gives the same text.
    return " ".join(_fold_word(word) for word in nfc(value).split(" "))


@functools.lru_cache(maxsize=_CACHE_WORDS)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_words(value: str | None) -> list[str]:
    """Folded words with punctuation removed, for matching."""
    return re.findall(r"[0-9a-z]+", fold(value))


def _letters_and_tone(word: str) -> tuple[list[str], int]:
    letters: list[str] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        elif ch in _LETTER_MARKS and letters:
            letters[-1] += _LETTER_MARKS[ch]
        elif unicodedata.combining(ch):
            continue
        else:
            letters.append(ch)
    return letters, tone


@functools.lru_cache(maxsize=_CACHE_WORDS)
def _word_key(word: str) -> tuple[str, str]:
    letters, tone = _letters_and_tone(word)
    base = "".join(f"{_RANK.get(letter, 99):02d}" if letter[0].isalpha() else "" for letter in letters)
    digits = "".join(letter for letter in letters if letter.isdigit())
    return base + digits, str(tone)


def sort_key(value: str | None) -> str:
    """A plain ASCII key that sorts text in Vietnamese dictionary order.

    Letters are compared first (ă after a, đ after d, ơ after ô ...), tones only break ties, so
    "Hoa" < "Hoà" < "Hoả" < "Hóa" < "Hoan". Digits and the separator "00" sort below any letter,
    which keeps the key byte-comparable in SQLite and in PostgreSQL alike.
    """
    return _sort_key(value) if value else _sort_key("")


@functools.lru_cache(maxsize=_CACHE_TEXTS)
def _sort_key(value: str) -> str:
    words = [w for w in _WORD_BREAKS.split(nfc(value)) if w]
    bases, tones = zip(*(_word_key(w) for w in words), strict=True) if words else ((), ())
    return "00".join(bases) + "000" + "".join(tones)


def name_sort_key(full_name: str | None) -> str:
    """Sort key for a person's name the Vietnamese way: by given name, then by the family and middle names."""
    return _name_sort_key(full_name) if full_name else _name_sort_key("")


@functools.lru_cache(maxsize=_CACHE_TEXTS)
def _name_sort_key(full_name: str) -> str:
    words = nfc(full_name).split(" ")
    if not words or words == [""]:
        return ""
    given, rest = words[-1], " ".join(words[:-1])
    return sort_key(given) + "0000" + sort_key(rest)


def search_text(*parts: str | None) -> str:
    """The folded text stored beside a record for accent-insensitive search."""
    return " ".join(fold(p) for p in parts if p)
