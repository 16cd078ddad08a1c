"""Scam reports: the residents' public form, the commune's patterns page and its warnings page.

- `/bao-lua-dao/` finds a commune by name; `/bao-lua-dao/<commune code>/` is the form: no login, no
  name or phone asked, a village picker limited to the commune's current villages, a honeypot, and a
  limit per client address in the shared cache (`common.throttle.Limit`: 429 with a Vietnamese message).
- `/xa/<pk>/lua-dao/` (officers and leaders of the commune): counts by ISO week, pretext, channel and
  village, the money lost, between two days.
- `/xa/<pk>/canh-bao-lua-dao/` (commune officers): publish a warning for some villages or the whole
  commune; `/canh-bao-lua-dao/<pk>/thu-hoi/` withdraws one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access
from binhdan.accounts.fields import (
    ScopedForm,
    ScopedModelMultipleChoiceField,
    villages_managed_by,
    workspace_form,
)
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.common.forms import errors_to_form
from binhdan.common.net import client_key
from binhdan.common.text import search_text
from binhdan.common.throttle import Limit
from binhdan.fieldwork import scams
from binhdan.fieldwork.models_scams import (
    MAX_DESCRIPTION,
    MAX_WARNING_TEXT,
    MAX_WARNING_TITLE,
    ScamChannel,
    ScamPretext,
    ScamReport,
    ScamWarning,
)
from binhdan.places.models import Level, Place

# Every POST of the public form counts, good or bad: a flood of malformed posts is a flood too.
REPORTS_PER_ADDRESS = Limit("scam-report-address", tries=10, seconds=60 * 60)
TOO_MANY = "Máy của bạn đã gửi nhiều tin báo trong một giờ qua. Vui lòng đợi một lúc rồi gửi lại."
TOO_BIG = "Nội dung gửi lên quá lớn. Mô tả tối đa 2.000 ký tự."
COMMUNE_RESULTS = 20
PATTERN_DEFAULT_WEEKS = 12
PATTERN_MAX_DAYS = 400
RECENT_REPORTS = 20
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def scam_place_links(request: HttpRequest, place: Place) -> list[tuple[str, str]]:
    """The commune page's link to its scam reports (registered from `FieldworkConfig.ready()`)."""
    if place.level != Level.COMMUNE:
        return []
    return [("Tin báo lừa đảo", reverse("fieldwork:scam_patterns", args=[place.pk]))]


# --- the public form -----------------------------------------------------------------------------------


class AmountField(forms.CharField):
    """Đồng, typed as people type them: "1.500.000", "1 500 000", "200000đ"; empty = nothing lost."""

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        try:
            return scams.parse_amount_text(text or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ResidentReportForm(forms.Form):
    village = forms.TypedChoiceField(
        label="Thôn, tổ dân phố nơi bạn ở",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Hãy chọn một thôn trong danh sách của xã."},
    )
    channel = forms.ChoiceField(
        label="Kẻ gian liên lạc qua đâu?",
        choices=ScamChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Hãy chọn kẻ gian liên lạc qua đâu.",
            "invalid_choice": "Hãy chọn một cách liên lạc trong danh sách.",
        },
    )
    pretext = forms.ChoiceField(
        label="Họ nói gì, dùng chiêu gì?",
        choices=ScamPretext.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Hãy chọn thủ đoạn (không thấy thì chọn “Khác”).",
            "invalid_choice": "Hãy chọn một thủ đoạn trong danh sách.",
        },
    )
    happened_on = forms.DateField(
        label="Ngày xảy ra",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Hãy nhập ngày xảy ra.",
            "invalid": "Ngày phải có thật, theo dạng ngày/tháng/năm.",
        },
    )
    amount_lost = AmountField(
        label="Số tiền bị mất (đồng)",
        required=False,
        max_length=30,
        help_text="Để trống nếu không mất tiền. Ví dụ: 1.500.000",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": scams.AMOUNT_PROBLEM},
    )
    description = forms.CharField(
        label="Kể ngắn gọn chuyện đã xảy ra (không bắt buộc)",
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text="Đừng ghi tên, số điện thoại hay số tài khoản của bạn. Có thể ghi số điện thoại, đường link "
        "của kẻ gian.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_DESCRIPTION}),
        error_messages={"max_length": scams.DESCRIPTION_PROBLEM},
    )
    # A honeypot: hidden from people (and from screen readers), filled in by form-filling robots.
    website = forms.CharField(
        label="Để trống ô này",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, commune: Place, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commune = commune
        villages = commune.children.filter(level=Level.VILLAGE, valid_to__isnull=True).vietnamese_order()
        self.villages = {v.pk: v for v in villages}
        self.fields["village"].choices = [("", "— Không rõ, hoặc không muốn nói —")] + [  # type: ignore[attr-defined]
            (str(pk), v.name) for pk, v in self.villages.items()
        ]

    def clean_happened_on(self) -> dt.date:
        day = self.cleaned_data["happened_on"]
        if problem := scams.date_problem(day, timezone.localdate()):
            raise ValidationError(problem)
        return day


def _commune_by_code(code: str) -> Place:
    if len(code) > 20:
        raise Http404
    commune = Place.objects.filter(code=code, level=Level.COMMUNE, valid_to__isnull=True).select_related(
        "parent"
    )
    found = commune.first()
    if found is None:
        raise Http404
    return found


@require_GET
def report_start(request: HttpRequest) -> HttpResponse:
    """Find the commune: by name, with or without accents ("son dong", "Sơn Đông")."""
    query = (request.GET.get("q") or "")[:80].strip()
    results: list[Place] = []
    searched = bool(query)
    if query:
        needle = search_text(query).strip()
        if needle:
            results = list(
                Place.objects.communes()
                .current()
                .filter(search_name__contains=needle)
                .select_related("parent")
                .vietnamese_order()[:COMMUNE_RESULTS]
            )
    return render(
        request, "fieldwork/scams_start.html", {"query": query, "results": results, "searched": searched}
    )


@require_http_methods(["GET", "POST"])
def report_public(request: HttpRequest, code: str) -> HttpResponse:
    commune = _commune_by_code(code)
    context: dict[str, Any] = {"commune": commune}
    if request.method != "POST":
        form = ResidentReportForm(commune=commune, initial={"happened_on": timezone.localdate()})
        return render(request, "fieldwork/scams_form.html", {**context, "form": form})
    address = client_key(request)
    if REPORTS_PER_ADDRESS.exceeded(address):
        form = ResidentReportForm(commune=commune, initial={"happened_on": timezone.localdate()})
        return render(
            request, "fieldwork/scams_form.html", {**context, "form": form, "refusal": TOO_MANY}, status=429
        )
    REPORTS_PER_ADDRESS.hit(address)
    try:
        data = request.POST
    except (RequestDataTooBig, TooManyFieldsSent):
        form = ResidentReportForm(commune=commune, initial={"happened_on": timezone.localdate()})
        return render(
            request, "fieldwork/scams_form.html", {**context, "form": form, "refusal": TOO_BIG}, status=413
        )
    form = ResidentReportForm(data, commune=commune)
    if form.is_valid():
        if form.cleaned_data["website"]:  # a robot: thank it, store nothing
            return redirect("fieldwork:scam_report_thanks", code=commune.code)
        village_id = form.cleaned_data["village"]
        try:
            report = scams.record_resident_report(
                commune=commune,
                village=form.villages.get(village_id) if village_id else None,
                channel=form.cleaned_data["channel"],
                pretext=form.cleaned_data["pretext"],
                amount_lost=form.cleaned_data["amount_lost"],
                happened_on=form.cleaned_data["happened_on"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            url = reverse("fieldwork:scam_report_thanks", args=[commune.code])
            return redirect(f"{url}?thu-doan={report.pretext}{'&mat-tien=1' if report.amount_lost else ''}")
    return render(request, "fieldwork/scams_form.html", {**context, "form": form}, status=200)


@require_GET
def report_thanks(request: HttpRequest, code: str) -> HttpResponse:
    commune = _commune_by_code(code)
    pretext = request.GET.get("thu-doan", "")
    guide = scams.PRETEXT_GUIDES.get(pretext)
    return render(
        request,
        "fieldwork/scams_thanks.html",
        {
            "commune": commune,
            "lost": request.GET.get("mat-tien") == "1",
            "after_loss": scams.guide_path(scams.AFTER_LOSS_GUIDE),
            "guide": scams.guide_path(guide.guide) if guide else "",
        },
    )


# --- the commune's patterns ------------------------------------------------------------------------------


class PatternFilterForm(forms.Form):
    start = forms.DateField(
        label="Từ ngày",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={"invalid": "Ngày phải có thật, theo dạng ngày/tháng/năm."},
    )
    end = forms.DateField(
        label="Đến ngày",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={"invalid": "Ngày phải có thật, theo dạng ngày/tháng/năm."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "“Đến ngày” phải sau “Từ ngày”.")
            elif (end - start).days > PATTERN_MAX_DAYS:
                self.add_error("end", f"Chỉ xem được tối đa {PATTERN_MAX_DAYS} ngày một lần.")
        return data


def dong(amount: int | None) -> str:
    """1500000 → "1.500.000 đ"; nothing → "—"."""
    return f"{amount:,} đ".replace(",", ".") if amount else "—"


def _period(form: PatternFilterForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    default_start = today - dt.timedelta(days=today.weekday() + 7 * (PATTERN_DEFAULT_WEEKS - 1))
    if not form.is_valid():
        return default_start, today
    end = form.cleaned_data.get("end") or today
    start = form.cleaned_data.get("start") or max(
        default_start, end - dt.timedelta(days=7 * PATTERN_DEFAULT_WEEKS)
    )
    if start > end or (end - start).days > PATTERN_MAX_DAYS:
        return default_start, today
    return start, end


@require_GET
@login_required
def patterns(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    form = PatternFilterForm(request.GET or None)
    start, end = _period(form)
    if not form.is_bound:
        form = PatternFilterForm(initial={"start": start, "end": end})
    found = scams.patterns(commune, start, end)
    recent = list(
        ScamReport.objects.filter(commune=commune, happened_on__range=(start, end))
        .select_related("village")
        .order_by("-happened_on", "-pk")[:RECENT_REPORTS]
    )
    current = list(ScamWarning.objects.current().filter(commune=commune).order_by("-published_at")[:10])
    for row in [*found.weeks, *found.pretexts, *found.channels, *found.villages]:
        row["lost_text"] = dong(row["lost"])
    for report in recent:
        report.lost_text = dong(report.amount_lost)  # type: ignore[attr-defined]
    top = found.top_pretext
    return render(
        request,
        "fieldwork/scams_patterns.html",
        {
            "commune": commune,
            "form": form,
            "start": start,
            "end": end,
            "p": found,
            "weeks": found.weeks,
            "groups": [
                ("Theo thủ đoạn", found.pretexts, "Thủ đoạn"),
                ("Theo cách liên lạc", found.channels, "Qua"),
                ("Theo thôn", found.villages, "Thôn"),
            ],
            "lost_total": dong(found.amount_lost) if found.amount_lost else "0 đ",
            "site_url": settings.SITE_URL.rstrip("/"),
            "recent": recent,
            "current": current,
            "top_label": ScamPretext(top).label if top else "",
            "top": top,
            "can_manage": access.can_manage_place(request.user, commune),
            "public_url": reverse("fieldwork:scam_report_public", args=[commune.code]),
        },
    )


# --- warnings ------------------------------------------------------------------------------------------


class ScamWarningForm(ScopedForm):
    pretext = forms.ChoiceField(
        label="Thủ đoạn",
        choices=ScamPretext.choices,
        error_messages={
            "required": "Hãy chọn thủ đoạn.",
            "invalid_choice": "Hãy chọn một thủ đoạn trong danh sách.",
        },
        help_text="Cảnh báo kèm đường link tới hướng dẫn phòng tránh thủ đoạn này của trợ lý ảo.",
    )
    title = forms.CharField(
        label="Tiêu đề",
        max_length=MAX_WARNING_TITLE,
        error_messages={
            "required": "Hãy nhập tiêu đề.",
            "max_length": f"Tiêu đề tối đa {MAX_WARNING_TITLE} ký tự.",
        },
    )
    text = forms.CharField(
        label="Nội dung cảnh báo",
        max_length=MAX_WARNING_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_WARNING_TEXT}),
        error_messages={
            "required": "Hãy nhập nội dung cảnh báo.",
            "max_length": f"Nội dung tối đa {MAX_WARNING_TEXT:,} ký tự.".replace(",", "."),
        },
    )
    villages = ScopedModelMultipleChoiceField(
        scope=villages_managed_by,
        commune_path="parent",
        required=False,
        label="Gửi tới thôn (để trống = cả xã)",
        widget=forms.CheckboxSelectMultiple,
    )


def _warning_rows(commune: Place) -> list[ScamWarning]:
    return list(
        ScamWarning.objects.filter(commune=commune)
        .select_related("published_by")
        .prefetch_related("villages")
        .order_by("-published_at", "-pk")[:30]
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", ScamWarningForm)
def warnings_page(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    pretext = request.GET.get("thu-doan", "")
    guide = scams.PRETEXT_GUIDES.get(pretext)
    initial = {"pretext": pretext, "title": "Cảnh giác lừa đảo", "text": guide.advice} if guide else {}
    form = ScamWarningForm(request.POST or None, user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            warning = scams.publish_warning(
                by=request.user,
                commune=commune,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                pretext=form.cleaned_data["pretext"],
                villages=form.cleaned_data["villages"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            where = ", ".join(v.name for v in warning.villages.all()) or "cả xã"
            record_change(
                request, f"Đăng cảnh báo lừa đảo #{warning.pk} cho {where}", place=commune, obj=warning
            )
            messages.success(request, f"Đã đăng cảnh báo “{warning.title}” cho {where}.")
            return redirect("fieldwork:scam_warnings", pk=commune.pk)
    now = timezone.now()
    rows = _warning_rows(commune)
    current_ids = set(ScamWarning.objects.current(now).filter(commune=commune).values_list("pk", flat=True))
    return render(
        request,
        "fieldwork/scams_warnings.html",
        {
            "commune": commune,
            "form": form,
            "rows": [(w, w.pk in current_ids, scams.share_text(w)) for w in rows],
            "days": scams.WARNING_DAYS,
        },
    )


@require_POST
@login_required
def warning_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    if not 0 < pk < 2**63:
        raise Http404
    warning = ScamWarning.objects.filter(pk=pk).first()
    if warning is None:
        raise Http404
    commune = commune_for_change(request, warning.commune_id)
    if warning.withdrawn_at is None:
        scams.withdraw_warning(by=request.user, warning=warning)
        record_change(request, f"Thu hồi cảnh báo lừa đảo #{warning.pk}", place=commune, obj=warning)
        messages.success(request, f"Đã thu hồi cảnh báo “{warning.title}”.")
    return redirect("fieldwork:scam_warnings", pk=commune.pk)
