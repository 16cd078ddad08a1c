"""Vietnamese words of more than one syllable, from the dictionary that ships inside the pyvi wheel.

The guides' own compounds come from running pyvi's segmenter over them (see retrieval.build_lexicon);
this general dictionary answers a different question: is "thời tiết" / "thoi tiet" a word of its own?
A question made of real words the guides never use is a question the guides do not answer.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from binhdan.common.text import fold


@functools.cache
def _dictionary() -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]], frozenset[str]]:
    spec = importlib.util.find_spec("pyvi")
    accented: set[tuple[str, ...]] = set()
    folded: set[tuple[str, ...]] = set()
    syllables: set[str] = set()
    if spec is None or not spec.submodule_search_locations:
        return frozenset(), frozenset(), frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "words.txt"
    if not path.is_file():
        return frozenset(), frozenset(), frozenset()
    for line in path.read_text(encoding="utf-8").splitlines():
        words = tuple(line.lower().split())
        folded_words = tuple(fold(w) for w in words)
        syllables.update(w for w in folded_words if w.isalpha())
        if 2 <= len(words) <= 3:
            accented.add(words)
            folded.add(folded_words)
    return frozenset(accented), frozenset(folded), frozenset(syllables)


def is_dictionary_word(words: tuple[str, ...], *, accented: bool) -> bool:
    """Whether the 2-3 syllables form one word of the general dictionary (accented or folded)."""
    known_accented, known_folded, _ = _dictionary()
    return words in (known_accented if accented else known_folded)


def is_vietnamese_syllable(folded: str) -> bool:
    return folded in _dictionary()[2]
