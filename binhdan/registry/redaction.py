"""Find and blank out one person's traces in free text: used by erasure (`rights.py`) and its steps.

A name is matched accent- and case-insensitively, whatever its Unicode form (NFC, NFD, typed without
accents), as whole words with any whitespace between them; a phone in the usual spellings
(0912 000 999, 0912.000.999, +84 912-000-999); a citizen ID by its keyed hash (any 12-digit run in the
text whose hash is the person's); the ID mask, the learner code and the birth date (02/04/1990, 2-4-1990,
1990-04-02) literally. Each match becomes `REDACTED`; the rest of the text stays as written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast

from binhdan.common.text import fold, nfc
from binhdan.registry.citizen_id import hash_citizen_id

REDACTED = "[đã xoá]"
# A phone shorter than this (digits) is too likely to match unrelated numbers to be chased in text.
MIN_PHONE_DIGITS = 8
_SEP = r"[\s.\-()]*"
_ID_RUN = re.compile(r"(?<!\d)\d(?:[ .]?\d){11}(?!\d)")


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded_with_index(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of the character it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        piece = _fold_char(ch)
        out.append(piece)
        index.extend([i] * len(piece))
    return "".join(out), index


def _phone_pattern(phone: str) -> re.Pattern[str] | None:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    if digits.startswith("0"):
        head = rf"(?:0|\+?84{_SEP}(?:\(0\))?)"
        rest = digits[1:]
    else:
        head, rest = "", digits
    return re.compile(rf"(?<!\d){head}{_SEP}" + _SEP.join(rest) + r"(?!\d)")


def _date_pattern(day: dt.date) -> re.Pattern[str]:
    d, m, y = day.day, day.month, day.year
    dmy = rf"0?{d}\s*[/.\-]\s*0?{m}\s*[/.\-]\s*{y}"
    ymd = rf"{y}\s*[/.\-]\s*0?{m}\s*[/.\-]\s*0?{d}"
    return re.compile(rf"(?<!\d)(?:{dmy}|{ymd})(?!\d)")


@dataclass(frozen=True)
class PersonTraces:
    """What identifies one person in free text, taken before their record is erased."""

    names: tuple[str, ...]
    phones: tuple[str, ...] = ()
    literals: tuple[str, ...] = ()  # ID mask, learner code: matched as written (case-insensitive)
    citizen_id_hash: str = ""
    birth_date: dt.date | None = None
    _patterns: list[re.Pattern[str]] = field(default_factory=list, init=False, compare=False, repr=False)
    _name_patterns: list[re.Pattern[str]] = field(default_factory=list, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in self.names:
            words = re.findall(r"[0-9a-z]+", fold(name))
            if words:
                self._name_patterns.append(
                    re.compile(r"(?<![0-9a-z])" + r"[\s\-_.,]+".join(map(re.escape, words)) + r"(?![0-9a-z])")
                )
        for phone in self.phones:
            pattern = _phone_pattern(phone)
            if pattern is not None:
                self._patterns.append(pattern)
        for literal in self.literals:
            if literal:
                self._patterns.append(
                    re.compile(rf"(?<![0-9A-Za-z]){re.escape(literal)}(?![0-9A-Za-z])", re.I)
                )
        if self.birth_date is not None:
            self._patterns.append(_date_pattern(self.birth_date))

    # --- text -----------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """`text` with every trace of the person replaced by REDACTED (unchanged when none)."""
        if not text:
            return text
        spans = self._spans(text)
        if not spans:
            return text
        spans.sort()
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out, last = [], 0
        for start, end in merged:
            out.append(text[last:start])
            out.append(REDACTED)
            last = end
        out.append(text[last:])
        return "".join(out)

    def mentions(self, text: str) -> bool:
        return bool(text) and bool(self._spans(text))

    def _spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if self._name_patterns:
            folded, index = _folded_with_index(text)
            for pattern in self._name_patterns:
                for m in pattern.finditer(folded):
                    start = index[m.start()]
                    end = index[m.end()] if m.end() < len(index) else len(text)
                    # Combining marks after the last letter belong to it (NFD text).
                    while end < len(text) and unicodedata.combining(text[end]):
                        end += 1
                    spans.append((start, end))
        for pattern in self._patterns:
            spans.extend(m.span() for m in pattern.finditer(text))
        if self.citizen_id_hash:
            for m in _ID_RUN.finditer(text):
                if hash_citizen_id(re.sub(r"\D", "", m.group())) == self.citizen_id_hash:
                    spans.append(m.span())
        return spans

    # --- structured values ------------------------------------------------------------------------

    def redact_value(self, value: Any) -> Any:
        """Redact strings anywhere inside JSON-like data (dict keys too); JSON held in a string as well."""
        if isinstance(value, str):
            stripped = value.lstrip()
            if stripped[:1] in ("[", "{"):
                try:
                    inner = json.loads(value)
                except ValueError:
                    pass
                else:
                    cleaned = self.redact_value(inner)
                    if cleaned == inner:
                        return value
                    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact_value(k): self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.redact_value(v) for v in value)
        return value

    # --- database ---------------------------------------------------------------------------------

    def search_tokens(self, *, escaped: bool = False) -> set[str]:
        """Short strings one of which every mentioning text contains: a cheap SQL pre-filter.

        `escaped` adds the \\uXXXX spellings JSON columns hold on SQLite (and Django's admin log)."""
        tokens: set[str] = set()
        for name in self.names:
            words = nfc(name).split(" ")
            if not words or not words[-1]:
                continue
            # The given name (last word) in every spelling a text may hold.
            word = words[-1]
            for variant in (word, word.lower(), word.upper(), word.title()):
                tokens.add(variant)
                tokens.add(unicodedata.normalize("NFD", variant))
            tokens.add(fold(word))
        for phone in self.phones:
            digits = re.sub(r"\D", "", phone or "")
            if len(digits) >= MIN_PHONE_DIGITS:
                tokens.add(digits[-3:])
        tokens.update(literal for literal in self.literals if literal)
        if self.birth_date is not None:
            tokens.add(str(self.birth_date.year))
        if escaped:
            tokens.update(json.dumps(t)[1:-1] for t in list(tokens))
        return {t for t in tokens if t}

    def text_filter(self, field_names: Iterable[str], json_names: Iterable[str] = ()) -> Q:
        """Rows whose text (or JSON-as-text) columns may mention the person (a superset; `redact` decides).

        PostgreSQL gets one case-insensitive regular expression per column (a dozen UPPER() LIKEs take
        seconds on 200,000 audit rows); SQLite's LIKE is fast and ASCII-only case-insensitive, so it gets
        one LIKE per spelling.
        """
        query = Q()
        postgres = connection.vendor == "postgresql"
        for names, escaped in ((field_names, False), (json_names, True)):
            tokens = self.search_tokens(escaped=escaped)
            if postgres:
                tokens = {t.lower() for t in tokens}
            alternation = "|".join(re.escape(t) for t in sorted(tokens))
            for name in names:
                if postgres and tokens:
                    query |= Q(**{f"{name}__iregex": alternation})
                else:
                    for token in tokens:
                        query |= Q(**{f"{name}__icontains": token})
                if self.citizen_id_hash:
                    query |= Q(**{f"{name}__regex": r"[0-9]{12}"})
        return query


def text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The free-text fields of a model (char/text without fixed choices), the ones a person may be named in."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.primary_key
        and f.editable  # derived columns (search/sort text, hashes) follow their source on save()
    ]


def json_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]


def redact_rows(
    queryset: models.QuerySet[Any],
    traces: PersonTraces,
    *,
    fields: Iterable[str] | None = None,
    escaped_text: Iterable[str] = (),
) -> int:
    """Redact the person in the free-text (and JSON) fields of the rows; return how many rows changed.

    Rows are pre-filtered in SQL (JSON cast to text) by `PersonTraces.text_filter`, then checked and
    cleaned in Python. Writes with `update()`, so append-only models (consents, observations) and
    derived columns are not touched beyond the text itself. Text stays within each field's max_length.
    `escaped_text` names text columns that hold JSON with \\uXXXX escapes (the admin log's message).
    """
    model = queryset.model
    escaped_text = set(escaped_text)
    chosen = (
        [model._meta.get_field(n) for n in fields]
        if fields is not None
        else text_fields(model) + json_fields(model)
    )
    if not chosen:
        return 0
    plain: list[str] = []
    as_text: list[str] = []
    for f in chosen:
        if isinstance(f, models.JSONField):
            alias = f"_redact_{f.name}"
            queryset = queryset.annotate(**{alias: Cast(f.name, models.TextField())})
            as_text.append(alias)
        elif f.name in escaped_text:
            as_text.append(f.name)
        else:
            plain.append(f.name)
    queryset = queryset.filter(traces.text_filter(plain, as_text)).order_by()
    attnames = [f.attname for f in chosen]
    changed = 0
    for row in queryset.values("pk", *attnames).iterator(chunk_size=500):
        updates: dict[str, Any] = {}
        for f in chosen:
            value = row[f.attname]
            cleaned = traces.redact_value(value)
            if cleaned != value:
                max_length = getattr(f, "max_length", None)
                if isinstance(cleaned, str) and max_length:
                    cleaned = cleaned[:max_length]
                updates[f.attname] = cleaned
        if updates:
            model._base_manager.filter(pk=row["pk"]).update(**updates)
            changed += 1
    return changed
