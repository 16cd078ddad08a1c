"""Turn one messy cell into a clean value, or a Vietnamese message saying what is wrong with it."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from django import forms
from django.utils import timezone

from binhdan.common.text import fold, nfc
from binhdan.registry.forms import birth_problem, clean_phone, registered_problem
from binhdan.registry.models import Gender, Relation


class CellError(ValueError):
    """A cell that cannot be read; str(error) is the Vietnamese message."""


_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YEAR = re.compile(r"^(\d{4}|\d{2})$")
_NAME_BAD = re.compile(r"[0-9@#$%^&*=+<>{}\[\]|\\/_~]")
FALSE_WORDS = {"", "0", "khong", "k", "no", "false", "-", "chua"}
EXCEL_DAY_MIN, EXCEL_DAY_MAX = 10000, 80000  # Excel day numbers of 1927 … 2119; years are read as years


def text(value: Any) -> str:
    if type(value) is str:  # most cells: the checks below would all pass through to nfc
        return nfc(value)
    if value in ("", None):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


@functools.lru_cache(maxsize=8192)
def _folded(raw: str) -> str:
    return fold(raw)


def folded(value: Any) -> str:
    """fold(text(value)), cached: columns such as gender or relation repeat a handful of values."""
    return _folded(text(value))


def person_name(value: Any, *, max_length: int = 120) -> str:
    name = text(value)
    if not name:
        raise CellError("Thiếu họ và tên.")
    if _NAME_BAD.search(name):
        raise CellError(f"Họ và tên “{name}” có chữ số hoặc ký tự lạ.")
    if len(name) > max_length:
        raise CellError(f"Họ và tên dài quá {max_length} ký tự.")
    if name.isupper():
        name = name.title()  # "NGUYỄN VĂN AN" -> "Nguyễn Văn An"
    return name


def two_digit_year(value: int, *, today: dt.date) -> int:
    """'58' -> 1958, '05' -> 2005 (in 2026): the century that does not put the year in the future."""
    year = 2000 + value
    return year if year <= today.year else 1900 + value


def birth(value: Any, *, today: dt.date | None = None) -> tuple[dt.date | None, int | None]:
    """(birth date, birth year) from a real Excel date, dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd, mm/yyyy, a
    year or a two-digit year; refused when in the future or more than MAX_AGE_YEARS back
    (`registry.forms.birth_problem`, the web forms' rule).

    `today` (default: the local date) lets a caller reading many rows look the date up once."""
    if today is None:
        today = timezone.localdate()
    day: dt.date | None = None
    year: int | None = None
    if value in ("", None):
        return None, None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 100:
            year = two_digit_year(value, today=today)
        elif 1000 <= value <= 9999:  # a year, also one far in the future: never an Excel day number
            year = value
        elif EXCEL_DAY_MIN <= value <= EXCEL_DAY_MAX:  # a day number in a cell formatted as a number
            day = dt.date(1899, 12, 30) + dt.timedelta(days=value)
        else:
            raise CellError(f"Năm sinh “{value}” không hợp lệ.")
    else:
        raw = text(value)
        if m := _DATE.match(raw):
            year_part = int(m[3]) if len(m[3]) == 4 else two_digit_year(int(m[3]), today=today)
            try:
                day = dt.date(year_part, int(m[2]), int(m[1]))
            except ValueError as exc:
                raise CellError(
                    f"Ngày “{raw}” không có thật. Hãy viết ngày/tháng/năm, ví dụ 05/09/1958."
                ) from exc
        elif m := _ISO.match(raw):
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as exc:
                raise CellError(f"Ngày “{raw}” không có thật.") from exc
        elif m := _MONTH_YEAR.match(raw):
            year = int(m[2])
        elif m := _YEAR.match(raw):
            year = int(m[1]) if len(m[1]) == 4 else two_digit_year(int(m[1]), today=today)
        else:
            raise CellError(f"Không đọc được “{raw}”. Hãy viết ngày/tháng/năm (05/09/1958) hoặc năm (1958).")
    problem = birth_problem(day, year, today=today)
    if problem:
        raise CellError(problem)
    if day is not None:
        year = day.year
    return day, year


def registration_date(value: Any, *, today: dt.date | None = None) -> dt.date:
    """A "Ngày vào sổ" (ngày đăng ký thường trú, nhập khẩu) cell: a real Excel date, dd/mm/yyyy,
    dd/mm/yy, yyyy-mm-dd or an Excel day number, read the way birth dates are; refused when it is not a
    whole date (a year alone says too little for counting as of a day), in the future, or more than
    MAX_AGE_YEARS back (`registry.forms.registered_problem`, the web forms' rule)."""
    if today is None:
        today = timezone.localdate()
    day: dt.date | None = None
    example = "Hãy viết ngày/tháng/năm, ví dụ 15/03/2010."
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if day is None and isinstance(value, int) and not isinstance(value, bool):
        if EXCEL_DAY_MIN <= value <= EXCEL_DAY_MAX:  # a day number in a cell formatted as a number
            day = dt.date(1899, 12, 30) + dt.timedelta(days=value)
        elif 1000 <= value <= 9999:
            raise CellError(f"Ngày vào sổ “{value}” chỉ có năm. {example}")
        else:
            raise CellError(f"Ngày vào sổ “{value}” không hợp lệ. {example}")
    elif day is None:
        raw = text(value)
        if m := _DATE.match(raw):
            year_part = int(m[3]) if len(m[3]) == 4 else two_digit_year(int(m[3]), today=today)
            try:
                day = dt.date(year_part, int(m[2]), int(m[1]))
            except ValueError as exc:
                raise CellError(f"Ngày vào sổ “{raw}” không có thật. {example}") from exc
        elif m := _ISO.match(raw):
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as exc:
                raise CellError(f"Ngày vào sổ “{raw}” không có thật. {example}") from exc
        elif _MONTH_YEAR.match(raw) or _YEAR.match(raw):
            raise CellError(f"Ngày vào sổ “{raw}” thiếu ngày hoặc tháng. {example}")
        else:
            raise CellError(f"Không đọc được ngày vào sổ “{raw[:40]}”. {example}")
    problem = registered_problem(day, today=today)
    if problem:
        raise CellError(problem)
    return day


def gender(value: Any) -> str:
    key = folded(value)
    if not key:
        return Gender.UNKNOWN
    if key in {"nam", "m", "male", "trai"}:
        return Gender.MALE
    if key in {"nu", "f", "female", "gai"}:
        return Gender.FEMALE
    if key in {"khac", "other"}:
        return Gender.OTHER
    raise CellError(f"Giới tính “{text(value)}” không rõ; ghi “Nam” hoặc “Nữ”.")


_RELATIONS = [
    ("chu ho", Relation.HEAD), ("ch", Relation.HEAD), ("con dau", Relation.CHILD_IN_LAW),
    ("con re", Relation.CHILD_IN_LAW), ("con", Relation.CHILD), ("vo", Relation.SPOUSE),
    ("chong", Relation.SPOUSE), ("chau", Relation.GRANDCHILD), ("bo", Relation.PARENT),
    ("me", Relation.PARENT), ("cha", Relation.PARENT), ("ong", Relation.GRANDPARENT),
    ("ba", Relation.GRANDPARENT), ("anh", Relation.SIBLING), ("chi", Relation.SIBLING),
    ("em", Relation.SIBLING),
]  # fmt: skip


def relation(value: Any) -> str:
    """ "Chủ hộ", "Vợ", "Con trai", "Cháu nội" …; anything else is "Khác" rather than an error."""
    words = folded(value).split()
    if not words:
        return Relation.OTHER
    key = " ".join(words)
    for prefix, code in _RELATIONS:
        if key == prefix or key.startswith(prefix + " "):
            return code
    return Relation.OTHER


def phone(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
        if len(value) == 9:  # Excel dropped the leading 0 of 09xx…
            value = "0" + value
    try:
        return clean_phone(text(value))
    except forms.ValidationError as exc:
        raise CellError(f"Số điện thoại “{text(value)}” không đúng: {exc.messages[0]}") from exc


def flag(value: Any) -> bool:
    """A tick column: "x", "có", "1", "✓" mean yes; empty, "0", "không" mean no."""
    if isinstance(value, bool):
        return value
    return folded(value) not in FALSE_WORDS


def poverty(value: Any) -> tuple[bool, bool]:
    """(poor, near-poor) from a "Hộ nghèo/cận nghèo" column."""
    key = folded(value)
    if key in FALSE_WORDS or key in {"khong ngheo", "binh thuong"}:
        return False, False
    if "can ngheo" in key or key in {"cn", "hcn"}:
        return False, True
    if "ngheo" in key or key in {"n", "hn"}:
        return True, False
    raise CellError(f"Không rõ “{text(value)}”; ghi “Nghèo” hoặc “Cận nghèo”, hoặc để trống.")


def ethnic_minority(value: Any) -> bool | None:
    key = folded(value)
    if not key:
        return None
    return key not in {"kinh", "viet", "viet nam"}


def small_number(value: Any, *, low: int = 0, high: int = 50) -> int:
    if isinstance(value, bool):
        raise CellError("Phải là số.")
    if isinstance(value, int):
        number = value
    else:
        raw = text(value)
        # isdecimal, not isdigit: "²" is a digit that int() refuses; decimal digits of any script
        # ("٣", "３") are read as numbers.
        if not raw.isdecimal():
            raise CellError(f"“{raw[:40]}” không phải số nguyên.")
        if len(raw) > 9:  # int() refuses more than 4,300 digits; no count here has ten
            raise CellError(f"Số “{raw[:40]}” phải từ {low} đến {high}.")
        number = int(raw)
    if not low <= number <= high:
        raise CellError(f"Số {number} phải từ {low} đến {high}.")
    return number


def short_text(value: Any, *, max_length: int, label: str) -> str:
    result = text(value)
    if len(result) > max_length:
        raise CellError(f"{label} dài quá {max_length} ký tự.")
    return result
