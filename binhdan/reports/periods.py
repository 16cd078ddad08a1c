"""Report periods: a day, a quarter or a year, from the command line's `YYYY-MM-DD | YYYY-Qn | YYYY`, and the
reference date ("số liệu tính đến ngày") that defaults to the period's end, or today while it runs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # beyond these a period is a typo, not a report


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str  # "quý IV năm 2026", "năm 2026", "ngày 05/11/2026"
    kind: str  # "day" | "quarter" | "year" | "range"

    def default_as_of(self, today: dt.date) -> dt.date:
        return min(self.end, today) if self.start <= today else self.end

    @property
    def code(self) -> str:
        """What `parse_period` reads back."""
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return self.start.isoformat()


def _year(text: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"Năm {year} nằm ngoài khoảng {FIRST_YEAR}–{LAST_YEAR}.", code="year")
    return year


def quarter(year: int, number: int) -> Period:
    start = dt.date(year, 3 * number - 2, 1)
    end = (dt.date(year + (number == 4), (3 * number) % 12 + 1, 1)) - dt.timedelta(days=1)
    return Period(start, end, f"quý {ROMAN_QUARTERS[number]} năm {year}", "quarter")


def quarter_of(day: dt.date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def year(number: int) -> Period:
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), f"năm {number}", "year")


def day(on: dt.date) -> Period:
    return Period(on, on, f"ngày {on:%d/%m/%Y}", "day")


def span(start: dt.date, end: dt.date) -> Period:
    """A campaign's days."""
    if end < start:
        raise ValidationError("Ngày kết thúc trước ngày bắt đầu.", code="range")
    return Period(start, end, f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}", "range")


def parse_period(text: str) -> Period:
    """`YYYY-MM-DD` (a day), `YYYY-Qn` (a quarter) or `YYYY` (a year); anything else is a ValidationError
    in Vietnamese."""
    text = (text or "").strip()
    if match := _QUARTER.match(text):
        return quarter(_year(match[1]), int(match[2]))
    if match := _YEAR.match(text):
        return year(_year(match[1]))
    try:
        on = dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"Kỳ báo cáo “{text}” không hợp lệ: dùng YYYY-MM-DD (một ngày), YYYY-Qn (một quý) hoặc YYYY (một năm).",
            code="period",
        ) from None
    _year(str(on.year))
    return day(on)


def parse_date(text: str, *, field: str = "ngày") -> dt.date:
    try:
        on = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError(
            f"{field.capitalize()} “{text}” không hợp lệ (YYYY-MM-DD).", code="date"
        ) from None
    _year(str(on.year))
    return on
