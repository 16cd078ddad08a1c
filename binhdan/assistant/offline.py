"""Every guide as one compact, versioned JSON document, for the field app to keep on the phone.

The field app shows the guides with no network, so it gets them all at once: the text as shown on the
guide page (the same sections, the lines that would ask for a secret dropped as there), plain text — the
app escapes it when it draws — and folded search keys made with the assistant's own folding
(`common.text.fold`, `assistant.text.spelling_variant` for i/y, the chat abbreviations), so searching on
the phone finds what the web page's folding finds. The version is a hash of the content: the same guides
give the same version (and ETag) in every process, and any edit to a guide changes it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse

from binhdan.assistant.guides import TOPICS, Guide, all_guides, guides_dir
from binhdan.assistant.safety import safe_lines
from binhdan.assistant.text import ABBREVIATIONS, spelling_variant
from binhdan.common.text import fold_words

FORMAT = 1  # bumped when the document's shape changes, so a phone holding an older shape refetches


@dataclass(frozen=True)
class OfflineGuides:
    version: str
    body: bytes  # UTF-8 JSON
    gzipped: bytes


def search_key(*parts: str) -> str:
    """Folded words joined by single spaces, i/y spelt one way: what the phone matches typed words against."""
    words: list[str] = []
    for part in parts:
        words.extend(spelling_variant(word) for word in fold_words(part))
    return " ".join(words)


def _guide_entry(guide: Guide) -> dict[str, object]:
    sections = [[heading, lines] for heading, raw in guide.sections.items() if (lines := safe_lines(raw))]
    return {
        "id": guide.id,
        "title": guide.title,
        "summary": guide.summary,
        "intro": guide.intro,
        "topics": list(guide.topics),
        "sections": sections,
        "url": reverse("assistant:guide_detail", args=[guide.id]),
        "checked": guide.checked,
        # t: the title alone (ranks first); k: everything a person might type to find the guide.
        "t": search_key(guide.title),
        "k": search_key(
            guide.title,
            guide.summary,
            " ".join(guide.keywords),
            " ".join(guide.questions),
            " ".join(TOPICS.get(slug, slug) for slug in guide.topics),
        ),
    }


def _abbreviations() -> dict[str, list[str]]:
    """Chat spelling (folded key → folded words), expanded on the phone as `assistant.text.expand` does."""
    return {key: search_key(value).split(" ") for key, value in sorted(ABBREVIATIONS.items())}


def build(guides: Iterable[Guide]) -> OfflineGuides:
    """The document for these guides; its version is a hash of everything else in it."""
    listed = sorted(guides, key=lambda g: g.id)
    used = sorted({slug for guide in listed for slug in guide.topics})
    content = {
        "format": FORMAT,
        "topics": {slug: TOPICS.get(slug, slug) for slug in used},
        "abbreviations": _abbreviations(),
        "guides": [_guide_entry(guide) for guide in listed],
    }
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    text = json.dumps({"version": version, **content}, ensure_ascii=False, separators=(",", ":"))
    # Guide text is NFC already (guides.py); normalising the whole document keeps it so whatever feeds it.
    body = unicodedata.normalize("NFC", text).encode()
    return OfflineGuides(version=version, body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0))


@functools.cache
def _built(directory: str) -> OfflineGuides:
    return build(all_guides().values())


def offline_guides() -> OfflineGuides:
    """The document for the guides this process serves (`guides.all_guides`), built once per directory."""
    return _built(str(guides_dir()))
