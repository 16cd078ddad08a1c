"""Dashboards of the indicators: a village, a commune (with its villages side by side), a province (its
communes side by side, counts only), and the households or residents behind a number.

Every page takes `?ngay=YYYY-MM-DD` (the day the numbers are for; today when absent or wrong, with a
Vietnamese message on the form) and downloads as XLSX with `?tai=xlsx`. Scope: the place must be one the
user may see (`access.places_visible_to`); the lists behind a number also need personal-data access
(`access.can_see_personal_data`: never province officers), and their XLSX a bulk exporter
(`access.can_bulk_export`: officers and leaders of the commune, not members).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent, User
from binhdan.common.spreadsheet import write_cell
from binhdan.common.text import fold
from binhdan.fieldwork.models import Campaign
from binhdan.indicators import values as ivalues
from binhdan.indicators.models import Indicator, Kind, Target
from binhdan.indicators.panels import dashboard_panels
from binhdan.places.models import Level, Place
from binhdan.registry.models import Household, Resident

EARLIEST_DAY = dt.date(2000, 1, 1)  # the rollups start here; earlier days have nothing to show
SERIES_WEEKS = 26  # the charts show the last half year, week by week
PAGE_SIZE = 50  # rows per page of a list behind a number
PART_SLUGS = {"tu-so": ivalues.NUMERATOR, "mau-so": ivalues.DENOMINATOR}
PART_WORDS = {ivalues.NUMERATOR: "tử số", ivalues.DENOMINATOR: "mẫu số"}
REGISTRY_KINDS = (Kind.HOUSEHOLD, Kind.RESIDENT)
SIDE_BY_SIDE_KINDS = (Kind.HOUSEHOLD, Kind.RESIDENT, Kind.AGGREGATE)  # what `side_by_side` counts
SORT_BY_NAME = "ten"
DESCENDING = "giam"
XLSX_PARAM, XLSX_VALUE = "tai", "xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Pages of other parts of issue 10, linked from the dashboards when they exist (each takes the place's pk).
COMMUNE_PAGES = (
    ("indicators:teams", "Các tổ và thành viên"),
    ("indicators:leaderboard", "Bảng thi đua"),
    ("indicators:targets", "Chỉ tiêu của xã"),
    ("indicators:monthly", "Số liệu hằng tháng"),
)
VILLAGE_PAGES = (("indicators:village_teams", "Tổ của thôn"),)
CAMPAIGN_PAGE = "indicators:campaign"  # takes a campaign's pk: one link per campaign running on the day
MAX_CAMPAIGN_LINKS = 3
_BOLD = Font(bold=True)


# --- the reference day ------------------------------------------------------------------------------------


class DayForm(forms.Form):
    ngay = forms.DateField(
        label="Xem số liệu ngày",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Ngày xem số liệu không hợp lệ: chọn một ngày có thật (ngày/tháng/năm). "
            "Đang hiện số liệu hôm nay."
        },
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["ngay"].widget.attrs.update({"min": EARLIEST_DAY.isoformat(), "max": today.isoformat()})

    def clean_ngay(self) -> dt.date | None:
        day = self.cleaned_data.get("ngay")
        if day is None:
            return None
        if day > self.today:
            raise ValidationError(
                f"Ngày xem số liệu không được sau hôm nay ({self.today:%d/%m/%Y}). Đang hiện số liệu hôm nay."
            )
        if day < EARLIEST_DAY:
            raise ValidationError(
                f"Ngày xem số liệu phải từ {EARLIEST_DAY:%d/%m/%Y} trở đi. Đang hiện số liệu hôm nay."
            )
        return day


def reference_day(request: HttpRequest) -> tuple[DayForm, dt.date, str]:
    """The form, the day to show, and the query string that keeps it in links ("" for today)."""
    today = timezone.localdate()
    if request.GET.get("ngay"):
        form = DayForm(request.GET, today=today)
        if form.is_valid() and form.cleaned_data["ngay"]:
            day = form.cleaned_data["ngay"]
            return form, day, urlencode({"ngay": day.isoformat()}) if day != today else ""
        return form, today, ""
    return DayForm(initial={"ngay": today}, today=today), today, ""


# --- formatting -----------------------------------------------------------------------------------------------


def number(value: int) -> str:
    """1.234 (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def percent_text(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".replace(".", ",")
    return f"{text.removesuffix(',0')}%"


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _optional_url(name: str, *args: object) -> str | None:
    """The URL of a page another part of the project may not have built yet; None when it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _pages(names: Iterable[tuple[str, str]], place: Place) -> list[dict[str, str]]:
    return [
        {"url": url, "label": label}
        for name, label in names
        if (url := _optional_url(name, place.pk)) is not None
    ]


def _campaign_pages(user: User, commune: Place, day: dt.date) -> list[dict[str, str]]:
    """Links to the campaign pages of the commune's campaigns running on `day` (one query)."""
    if _optional_url(CAMPAIGN_PAGE, 0) is None:
        return []
    running = (
        Campaign.objects.visible_to(user).filter(commune=commune).running_on(day).order_by("-starts_on", "pk")
    )
    return [
        {"url": reverse(CAMPAIGN_PAGE, args=[c.pk]), "label": f"Chiến dịch: {c.name}"}
        for c in running[:MAX_CAMPAIGN_LINKS]
    ]


def _ascii(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in fold(name))[:60] or "noi"


# --- places in scope --------------------------------------------------------------------------------------


def _place_or_404(request: HttpRequest, pk: int, level: int) -> Place:
    return access.get_visible_or_404(
        access.places_visible_to(request.user).filter(level=level).select_related("parent"), pk=pk
    )


def _behind_url(place: Place, code: str, part_slug: str, query: str) -> str:
    return _with_query(
        reverse("indicators:behind", kwargs={"place": place.pk, "code": code, "part": part_slug}), query
    )


def _dashboard_url(place: Place, query: str) -> str:
    if place.level == Level.VILLAGE:
        name = "indicators:village"
    elif place.level == Level.COMMUNE:
        name = "indicators:commune"
    else:
        name = "indicators:province"
    return _with_query(reverse(name, args=[place.pk]), query)


# --- the cards of one place -------------------------------------------------------------------------------


def _progress(value: Decimal | None, target: Decimal) -> int:
    """How far to the target, 0-100."""
    if value is None:
        return 0
    if target <= 0:
        return 100
    return max(0, min(100, int(value * 100 / target)))


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _pace_note(pace: ivalues.Pace | None) -> str:
    """The weekly rate behind the pace label, in words."""
    if pace is None or pace.status in ("reached", "unknown") or pace.weekly_points is None:
        return ""
    rate = pace.weekly_points
    if rate > 0:
        said = f"tăng {_points(rate)} điểm %/tuần trong {ivalues.PACE_WEEKS} tuần qua"
    elif rate < 0:
        said = f"giảm {_points(-rate)} điểm %/tuần trong {ivalues.PACE_WEEKS} tuần qua"
    else:
        said = f"không tăng trong {ivalues.PACE_WEEKS} tuần qua"
    if pace.required_points is not None and pace.required_points > 0:
        said += f"; cần tăng {_points(pace.required_points)} điểm %/tuần để kịp hạn"
    return said


def _cards(
    place: Place,
    day: dt.date,
    found: Sequence[ivalues.IndicatorValue],
    history: dict[str, list[tuple[dt.date, Decimal | None]]],
    *,
    personal: bool,
    query: str,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """One card per indicator, and the charts' data {code: …} for the registry kinds."""
    cards, charts = [], {}
    for v in found:
        points = history.get(v.code, [])
        links = personal and v.drillable
        pace = v.pace
        cards.append(
            {
                "v": v,
                "value": percent_text(v.value),
                "numerator": number(v.numerator),
                "denominator": number(v.denominator),
                "target": percent_text(v.target),
                "progress": _progress(v.value, v.target),
                "numerator_url": _behind_url(place, v.code, "tu-so", query) if links else None,
                "denominator_url": _behind_url(place, v.code, "mau-so", query) if links else None,
                "pace": pace.label if pace is not None else "",
                "pace_note": _pace_note(pace),
                "pace_status": pace.status if pace is not None else "",
                "chart": bool(points),
                "weeks": [(end, percent_text(p)) for end, p in points],
            }
        )
        if points:
            charts[v.code] = {
                "name": v.indicator.name,
                "points": [[end.isoformat(), _float(p)] for end, p in points],
                "target": float(v.target),
                "deadline": v.deadline.isoformat(),
                "day": day.isoformat(),
                "now": _float(v.value),
                "weekly": _float(pace.weekly_points) if pace is not None else None,
            }
    return cards, charts


def _page_context(
    request: HttpRequest, place: Place, form: DayForm, day: dt.date, query: str
) -> dict[str, Any]:
    return {
        "place": place,
        "form": form,
        "day": day,
        "query": query,
        "is_today": day == timezone.localdate(),
        "xlsx_url": "?" + urlencode({**({"ngay": day.isoformat()} if query else {}), XLSX_PARAM: XLSX_VALUE}),
    }


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get(XLSX_PARAM) == XLSX_VALUE


# --- village -----------------------------------------------------------------------------------------------


@require_GET
@login_required
def village(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place_or_404(request, pk, Level.VILLAGE)
    form, day, query = reference_day(request)
    found = ivalues.values(place, day)
    history = ivalues.series(place, day, weeks=SERIES_WEEKS)
    if _wants_xlsx(request):
        return _xlsx_response(_dashboard_book(place, day, found, history), place, day, "chi-tieu")
    personal = access.can_see_personal_data(request.user, place)
    cards, charts = _cards(place, day, found, history, personal=personal, query=query)
    commune = place.parent
    up = None
    if commune is not None and access.places_visible_to(request.user).filter(pk=commune.pk).exists():
        up = _dashboard_url(commune, query)
    return render(
        request,
        "indicators/village.html",
        {
            **_page_context(request, place, form, day, query),
            "cards": cards,
            "charts": charts,
            "up_url": up,
            "pages": _pages(VILLAGE_PAGES, place),
        },
    )


# --- commune -----------------------------------------------------------------------------------------------


def _side_by_side_rows(
    places: Sequence[Place],
    columns: Sequence[ivalues.IndicatorValue],
    counts: dict[int, dict[str, tuple[int, int]]],
    targets: dict[tuple[int, int], Decimal],
    query: str,
) -> list[dict[str, Any]]:
    rows = []
    for p in places:
        url = _dashboard_url(p, query)
        cells, has_data = [], False
        for column in columns:
            num, den = counts.get(p.pk, {}).get(column.code, (0, 0))
            has_data = has_data or den > 0
            value = ivalues.percent(num, den)
            target = targets.get((p.pk, column.indicator.pk), column.target)
            cells.append(
                {
                    "code": column.code,
                    "num": num,
                    "den": den,
                    "value": value,
                    "text": percent_text(value),
                    "counts": f"{number(num)}/{number(den)}",
                    "target": target,
                    "target_text": percent_text(target),
                    "met": value is not None and value >= target,
                }
            )
        rows.append({"place": p, "url": url, "cells": cells, "has_data": has_data})
    return rows


@require_GET
@login_required
def commune(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place_or_404(request, pk, Level.COMMUNE)
    form, day, query = reference_day(request)
    found = ivalues.values(place, day)
    history = ivalues.series(place, day, weeks=SERIES_WEEKS)
    villages = list(Place.objects.villages().filter(parent=place).valid_on(day).vietnamese_order())
    columns = [v for v in found if v.indicator.kind in REGISTRY_KINDS]
    rows = _side_by_side_rows(villages, columns, ivalues.side_by_side(villages, day), {}, query)
    if _wants_xlsx(request):
        book = _dashboard_book(place, day, found, history)
        _side_by_side_sheet(book, "Các thôn", "Thôn, tổ dân phố", columns, rows, found)
        return _xlsx_response(book, place, day, "chi-tieu")
    personal = access.can_see_personal_data(request.user, place)
    cards, charts = _cards(place, day, found, history, personal=personal, query=query)
    province = place.parent
    up = None
    if province is not None and access.places_visible_to(request.user).filter(pk=province.pk).exists():
        up = _dashboard_url(province, query)
    pages = _pages(COMMUNE_PAGES, place) + _campaign_pages(cast(User, request.user), place, day)
    by_code = {v.code: v for v in found}
    return render(
        request,
        "indicators/commune.html",
        {
            **_page_context(request, place, form, day, query),
            "cards": cards,
            "charts": charts,
            "columns": columns,
            "rows": rows,
            "totals": [
                {
                    "text": percent_text(by_code[c.code].value),
                    "counts": f"{number(c.numerator)}/{number(c.denominator)}",
                }
                for c in columns
            ],
            "pages": pages,
            "up_url": up,
            "panels": dashboard_panels(place, day, request.user),
        },
    )


# --- province ----------------------------------------------------------------------------------------------


def _commune_targets(
    communes: Sequence[Place], indicators: Iterable[Indicator]
) -> dict[tuple[int, int], Decimal]:
    """{(commune id, indicator id): the commune's own target} for every commune at once (one query)."""
    return {
        (commune_id, indicator_id): target
        for commune_id, indicator_id, target in Target.objects.filter(
            commune_id__in=[c.pk for c in communes], indicator_id__in=[i.pk for i in indicators]
        ).values_list("commune_id", "indicator_id", "target")
    }


def _sort_rows(rows: list[dict[str, Any]], codes: Sequence[str], key: str, descending: bool) -> str:
    """Sort in place by a column (places without a value last, either way); returns the key used."""
    if key not in codes:
        if descending:
            rows.reverse()
        return SORT_BY_NAME
    index = list(codes).index(key)
    with_value = [r for r in rows if r["cells"][index]["value"] is not None]
    without = [r for r in rows if r["cells"][index]["value"] is None]
    with_value.sort(key=lambda r: r["cells"][index]["value"], reverse=descending)
    rows[:] = with_value + without
    return key


@require_GET
@login_required
def province(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts only: no list behind a number for province officers (their behind lists answer 404)."""
    place = _place_or_404(request, pk, Level.PROVINCE)
    form, day, query = reference_day(request)
    found = ivalues.values(place, day)
    history = ivalues.series(place, day, weeks=SERIES_WEEKS)
    communes = list(Place.objects.communes().filter(parent=place).valid_on(day).vietnamese_order())
    columns = [v for v in found if v.indicator.kind in SIDE_BY_SIDE_KINDS]
    targets = _commune_targets(communes, [c.indicator for c in columns])
    rows = _side_by_side_rows(communes, columns, ivalues.side_by_side(communes, day), targets, query)
    show_all = request.GET.get("tat-ca") == "1"
    active = [r for r in rows if r["has_data"]]
    codes = [c.code for c in columns]
    descending = request.GET.get("chieu") == DESCENDING
    shown = rows if show_all else active
    sorted_by = _sort_rows(shown, codes, request.GET.get("xep", SORT_BY_NAME), descending)
    if _wants_xlsx(request):
        book = _dashboard_book(place, day, found, history)
        _side_by_side_sheet(book, "Các xã", "Xã, phường", columns, shown, found, with_targets=True)
        return _xlsx_response(book, place, day, "chi-tieu")
    personal = access.can_see_personal_data(request.user, place)
    cards, charts = _cards(place, day, found, history, personal=personal, query=query)
    keep = {**({"ngay": day.isoformat()} if query else {}), **({"tat-ca": "1"} if show_all else {})}

    def sort_link(key: str) -> dict[str, Any]:
        current = sorted_by == key
        # A column sorts high to low first (the best communes on top); the name column A to Z.
        flip = DESCENDING if (not current and key != SORT_BY_NAME) or (current and not descending) else "tang"
        return {
            "url": "?" + urlencode({**keep, "xep": key, "chieu": flip}),
            "sort": ("descending" if descending else "ascending") if current else "",
        }

    by_code = {v.code: v for v in found}
    return render(
        request,
        "indicators/province.html",
        {
            **_page_context(request, place, form, day, query),
            "xlsx_url": "?"
            + urlencode(
                {**keep, "xep": sorted_by, "chieu": "giam" if descending else "tang", XLSX_PARAM: XLSX_VALUE}
            ),
            "cards": cards,
            "charts": charts,
            "columns": [{"v": c, "sort": sort_link(c.code)} for c in columns],
            "name_sort": sort_link(SORT_BY_NAME),
            "rows": shown,
            "show_all": show_all,
            "active_count": len(active),
            "commune_count": len(rows),
            "panels": dashboard_panels(place, day, request.user),
            "all_url": "?" + urlencode({**keep, "tat-ca": "1"}),
            "active_url": "?" + urlencode({k: v for k, v in keep.items() if k != "tat-ca"}),
            "totals": [
                {
                    "text": percent_text(by_code[c.code].value),
                    "counts": f"{number(c.numerator)}/{number(c.denominator)}",
                }
                for c in columns
            ],
        },
    )


# --- the list behind a number -------------------------------------------------------------------------------


@require_GET
@login_required
def behind(request: HttpRequest, place: int, code: str, part: str) -> HttpResponse:
    """The households or residents counted in a numerator ("tu-so") or a denominator ("mau-so")."""
    user = cast(User, request.user)
    where = access.get_visible_or_404(access.places_visible_to(user).select_related("parent"), pk=place)
    wanted = PART_SLUGS.get(part)
    if wanted is None or not access.can_see_personal_data(user, where):
        raise Http404
    indicator = access.get_visible_or_404(Indicator.objects.for_commune(ivalues.commune_of(where)), code=code)
    if indicator.kind not in REGISTRY_KINDS:
        raise Http404
    form, day, query = reference_day(request)
    ids = ivalues.ids_behind(where, day, indicator, wanted)
    households = indicator.kind == Kind.HOUSEHOLD
    rows: Any
    if households:
        rows = Household.objects.visible_to(user).filter(pk__in=ids).select_related("village")
    else:
        rows = Resident.objects.visible_to(user).filter(pk__in=ids).select_related("household__village")
    rows = rows.vietnamese_order()
    what = "hộ" if households else "người"
    detail = f"Danh sách {what} sau {PART_WORDS[wanted]} chỉ tiêu {indicator.code}, ngày {day:%d/%m/%Y}"
    if _wants_xlsx(request):
        if not access.can_bulk_export(user, where):
            raise Http404
        book, count = _behind_book(rows, households=households, indicator=indicator, part=wanted, day=day,
                                   place=where)  # fmt: skip
        audit.record(request, AuditEvent.Action.EXPORT, place=where, obj=indicator,
                     detail=f"Xuất Excel {detail}: {count} dòng")  # fmt: skip
        return _xlsx_response(book, where, day, f"{indicator.code.lower()}-{part}")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("trang"))
    audit.record(request, AuditEvent.Action.VIEW_LIST, place=where, obj=indicator,
                 detail=f"{detail}; trang {page.number}")  # fmt: skip
    label = indicator.numerator_label if wanted == ivalues.NUMERATOR else indicator.denominator_label
    other = "mau-so" if part == "tu-so" else "tu-so"
    return render(
        request,
        "indicators/behind.html",
        {
            "place": where,
            "indicator": indicator,
            "part": part,
            "part_words": PART_WORDS[wanted],
            "label": label,
            "households": households,
            "page": page,
            "form": form,
            "day": day,
            "querystring": query,
            "dashboard_url": _dashboard_url(where, query),
            "other_url": _behind_url(where, indicator.code, other, query),
            "other_words": PART_WORDS[PART_SLUGS[other]],
            "xlsx_url": "?"
            + urlencode({**({"ngay": day.isoformat()} if query else {}), XLSX_PARAM: XLSX_VALUE})
            if access.can_bulk_export(user, where)
            else None,
        },
    )


# --- XLSX ---------------------------------------------------------------------------------------------------


def _cells(sheet: Any, values: Iterable[Any]) -> list[WriteOnlyCell]:
    return [write_cell(WriteOnlyCell(sheet), value) for value in values]


def _header(sheet: Any, titles: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = write_cell(WriteOnlyCell(sheet), title)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _dashboard_book(
    place: Place,
    day: dt.date,
    found: Sequence[ivalues.IndicatorValue],
    history: dict[str, list[tuple[dt.date, Decimal | None]]],
) -> Workbook:
    """Sheet "Chỉ tiêu" (every indicator of the place) and "Theo tuần" (the registry kinds week by week)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Chỉ tiêu")
    sheet.append(_cells(sheet, [f"{place.name} — số liệu ngày {day:%d/%m/%Y}"]))
    sheet.append(_header(sheet, ["Mã", "Chỉ tiêu", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Chỉ tiêu (%)", "Thời hạn",
                                 "Tiến độ", "Tử số là", "Mẫu số là"]))  # fmt: skip
    for v in found:
        sheet.append(_cells(sheet, [
            v.code, v.indicator.name, v.numerator, v.denominator, _float(v.value), float(v.target),
            v.deadline.strftime("%d/%m/%Y"), v.pace.label if v.pace else "", v.indicator.numerator_label,
            v.indicator.denominator_label,
        ]))  # fmt: skip
    weekly = book.create_sheet("Theo tuần")
    codes = list(history)
    weekly.append(_header(weekly, ["Tuần đến ngày", *codes]))
    if codes:
        for i, (end, _) in enumerate(history[codes[0]]):
            weekly.append(
                _cells(weekly, [end.strftime("%d/%m/%Y"), *[_float(history[c][i][1]) for c in codes]])
            )
    return book


def _side_by_side_sheet(
    book: Workbook,
    title: str,
    place_word: str,
    columns: Sequence[ivalues.IndicatorValue],
    rows: Sequence[dict[str, Any]],
    found: Sequence[ivalues.IndicatorValue],
    *,
    with_targets: bool = False,
) -> None:
    sheet = book.create_sheet(title)
    per = ["tử số", "mẫu số", "%"] + (["chỉ tiêu %"] if with_targets else [])
    sheet.append(_header(sheet, [place_word, *[f"{c.code} {word}" for c in columns for word in per]]))
    for row in rows:
        out: list[Any] = [row["place"].name]
        for cell in row["cells"]:
            out += [cell["num"], cell["den"], _float(cell["value"])]
            if with_targets:
                out.append(float(cell["target"]))
        sheet.append(_cells(sheet, out))
    total: list[Any] = ["Cộng"]
    for c in columns:
        total += [c.numerator, c.denominator, _float(c.value)] + ([float(c.target)] if with_targets else [])
    sheet.append(_cells(sheet, total))


def _behind_book(
    rows: Any, *, households: bool, indicator: Indicator, part: str, day: dt.date, place: Place
) -> tuple[Workbook, int]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Hộ gia đình" if households else "Người dân")
    label = indicator.numerator_label if part == ivalues.NUMERATOR else indicator.denominator_label
    sheet.append(_cells(sheet, [f"{indicator.name} — {PART_WORDS[part]}: {label}"]))
    sheet.append(_cells(sheet, [f"{place.name}, ngày {day:%d/%m/%Y}"]))
    count = 0
    if households:
        sheet.append(_header(sheet, ["Mã hộ (hệ thống)", "Thôn", "Số hộ", "Họ tên chủ hộ", "Địa chỉ"]))
        for h in rows.iterator(chunk_size=2000):
            sheet.append(_cells(sheet, [h.pk, h.village.name, h.number, h.head_name, h.address]))
            count += 1
    else:
        sheet.append(_header(sheet, ["Mã người (hệ thống)", "Họ và tên", "Năm sinh", "Thôn", "Số hộ",
                                     "Mã hộ (hệ thống)"]))  # fmt: skip
        for r in rows.iterator(chunk_size=2000):
            name = "(đã xoá dữ liệu theo yêu cầu)" if r.erased_at else r.full_name
            sheet.append(_cells(sheet, [r.pk, name, None if r.erased_at else r.birth_year,
                                        r.household.village.name, r.household.number, r.household_id]))  # fmt: skip
            count += 1
    return book, count


def _xlsx_response(book: Workbook, place: Place, day: dt.date, what: str) -> HttpResponse:
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{what}-{_ascii(place.name)}-{day:%Y%m%d}.xlsx"'
    return response
