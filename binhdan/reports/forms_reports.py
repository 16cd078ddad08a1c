"""Forms of the report pages: make a report, edit a draft's text, refresh its figures, approve or return it,
and a commune's own columns (Vietnamese messages next to each field).

Scope by construction: the team and campaign fields offer and accept only the commune's teams the user may
write for (`permissions.teams_writable_by`) and the commune's campaigns; the kinds offered are
`permissions.kinds_creatable`. A posted id, kind or period outside them is a form error, nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from binhdan.accounts import access
from binhdan.accounts.fields import ScopedForm, ScopedModelChoiceField
from binhdan.accounts.models import RoleKind
from binhdan.fieldwork.models import Campaign, Team
from binhdan.places.models import Place
from binhdan.registry.forms import VietDateField
from binhdan.reports import columns, periods, permissions, services
from binhdan.reports.models import CAMPAIGN_KINDS, TEAM_KINDS, ReportKind, SignerCapacity

DATE_INVALID = "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
DATE_HELP = "Viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
PERIOD_DAY, PERIOD_RANGE = "ngay", "theo-yeu-cau"
RANGE_LABELS = {"start": "từ ngày", "end": "đến ngày"}
QUARTERS_BACK, YEARS_BACK = 7, 2  # the picker offers the last two years' quarters; other days by "Một ngày"


def _date(label: str, *, required: bool = False, help_text: str = DATE_HELP) -> VietDateField:
    return VietDateField(
        label=label,
        required=required,
        help_text=help_text,
        error_messages={"required": f"Vui lòng nhập {label.lower()}.", "invalid": DATE_INVALID},
    )


def quarter_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """The current quarter and the ones before it, newest first."""
    current = periods.quarter_of(today or timezone.localdate())
    out = []
    year, number = current.start.year, (current.start.month - 1) // 3 + 1
    for _ in range(QUARTERS_BACK + 1):
        quarter = periods.quarter(year, number)
        out.append((quarter.code, quarter.label[:1].upper() + quarter.label[1:]))
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return out


def year_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    this_year = (today or timezone.localdate()).year
    return [(str(y), f"Năm {y}") for y in range(this_year, this_year - YEARS_BACK - 1, -1)]


def period_choices() -> list[tuple[str, Any]]:
    """Quarters, years, one day, a range (Django's grouped choices)."""
    return [
        ("Quý", quarter_choices()),
        ("Năm", year_choices()),
        (
            "Khác",
            [(PERIOD_DAY, "Một ngày (chọn ở ô Ngày)"), (PERIOD_RANGE, "Theo yêu cầu: từ ngày … đến ngày")],
        ),
    ]


def _campaigns_in_reach(user: Any) -> Any:
    """Campaigns of the communes the user writes reports in (officers; team leaders: their village's commune)."""
    officers = access.role_scope(user, {RoleKind.COMMUNE_OFFICER}, "")
    leaders = access.role_scope(user, {RoleKind.TEAM_LEADER}, "children")
    communes = Place.objects.communes().filter(officers | leaders).values("pk")
    return Campaign.objects.filter(commune__in=communes).order_by("-starts_on", "name")


class TeamField(ScopedModelChoiceField):
    """The commune's teams whose reports the user writes (`permissions.teams_writable_by`)."""

    def bind(self, user: Any, commune: Place | None) -> None:
        self.queryset = (
            permissions.teams_writable_by(user, commune)
            .select_related("village")
            .order_by("village__sort_name")
            if commune is not None
            else Team.objects.none()
        )

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}"


class CreateReportForm(ScopedForm):
    kind = forms.ChoiceField(
        label="Loại báo cáo",
        choices=ReportKind.choices,
        error_messages={
            "required": "Vui lòng chọn loại báo cáo.",
            "invalid_choice": "Bạn không lập được loại báo cáo này ở xã.",
        },
    )
    team = TeamField(
        scope=lambda user: Team.objects.none(),
        required=False,
        label="Tổ lập báo cáo",
        help_text="Cho báo cáo ngày và báo cáo quý của Tổ.",
    )
    campaign = ScopedModelChoiceField(
        scope=_campaigns_in_reach,
        commune_path="commune",
        required=False,
        label="Chiến dịch",
        help_text="Cho báo cáo ngày và báo cáo kết quả chiến dịch (kỳ báo cáo kết quả là các ngày của chiến dịch).",
    )
    period = forms.ChoiceField(
        label="Kỳ báo cáo",
        choices=period_choices,
        required=False,
        error_messages={"invalid_choice": "Kỳ báo cáo không hợp lệ: hãy chọn trong danh sách."},
    )
    day = _date("Ngày", help_text="Cho báo cáo ngày của chiến dịch, hoặc kỳ “Một ngày”. " + DATE_HELP)
    start = _date("Từ ngày", help_text="Cho báo cáo tổng hợp theo yêu cầu. " + DATE_HELP)
    end = _date("Đến ngày", help_text="Cho báo cáo tổng hợp theo yêu cầu. " + DATE_HELP)
    as_of = _date(
        "Số liệu tính đến ngày",
        help_text="Để trống: ngày cuối kỳ, hoặc hôm nay nếu kỳ chưa kết thúc. " + DATE_HELP,
    )

    def __init__(self, *args: Any, user: Any, commune: Place | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, commune=commune, **kwargs)
        kinds = permissions.kinds_creatable(user, commune) if commune is not None else []
        self.kinds = kinds
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", "— Chọn —"), *[(k.value, k.label) for k in kinds]]
        self.fields["period"].initial = periods.quarter_of(timezone.localdate()).code
        widgets = {"kind": "bc-kind", "period": "bc-period"}
        for name, css in widgets.items():
            self.fields[name].widget.attrs["data-control"] = css
        groups = {
            "team": "team",
            "campaign": "campaign",
            "period": "period",
            "day": "day",
            "start": "range",
            "end": "range",
        }
        for name, group in groups.items():
            self.fields[name].widget.attrs["data-group"] = group

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return data
        team, campaign = data.get("team"), data.get("campaign")
        if kind in TEAM_KINDS and team is None and "team" not in self.errors:
            self.add_error("team", "Hãy chọn tổ lập báo cáo.")
        if kind in CAMPAIGN_KINDS and campaign is None and "campaign" not in self.errors:
            self.add_error("campaign", "Hãy chọn chiến dịch.")
        data["period_obj"] = self._period(kind, data)
        return data

    def _period(self, kind: str, data: dict[str, Any]) -> periods.Period | None:
        if kind == ReportKind.CAMPAIGN:
            campaign = data.get("campaign")
            return services.campaign_period(campaign) if campaign is not None else None
        if kind == ReportKind.DAILY:
            if "day" in self.errors:
                return None
            if data.get("day") is None:
                self.add_error("day", "Báo cáo ngày cần ngày báo cáo.")
                return None
            return self._checked("day", lambda: periods.parse_period(data["day"].isoformat()))
        choice = data.get("period")
        if "period" in self.errors:
            return None
        if not choice:
            self.add_error("period", "Hãy chọn kỳ báo cáo.")
            return None
        if choice == PERIOD_DAY:
            if data.get("day") is None:
                if "day" not in self.errors:
                    self.add_error("day", "Hãy nhập ngày của kỳ báo cáo.")
                return None
            return self._checked("day", lambda: periods.parse_period(data["day"].isoformat()))
        if choice == PERIOD_RANGE:
            if kind != ReportKind.COMMUNE_SUMMARY:
                self.add_error("period", "Chỉ báo cáo tổng hợp mới lập theo yêu cầu (từ ngày … đến ngày).")
                return None
            for name in ("start", "end"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"Hãy nhập {RANGE_LABELS[name]}.")
            if data.get("start") is None or data.get("end") is None:
                return None
            for name in ("start", "end"):
                if self._checked(name, lambda n=name: periods.parse_date(data[n].isoformat())) is None:
                    return None
            return self._checked("end", lambda: periods.span(data["start"], data["end"]))
        return self._checked("period", lambda: periods.parse_period(choice))

    def _checked(self, field: str, make: Any) -> Any:
        try:
            return make()
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error(field, message)
            return None


class ReportTextForm(forms.Form):
    """The sections a person writes: number, date, narrative, recipients and signer (drafts only)."""

    number = forms.CharField(
        label="Số văn bản",
        required=False,
        max_length=services.NUMBER_MAX,
        help_text="Ví dụ 125 (in ra “Số: 125/BC-UBND”). Để trống nếu văn thư cấp số sau.",
        error_messages={"max_length": f"Số văn bản tối đa {services.NUMBER_MAX} ký tự."},
    )
    issued_on = _date("Ngày ban hành", help_text="Để trống nếu chưa ký. " + DATE_HELP)
    highlights = forms.CharField(
        label="Kết quả nổi bật",
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Mỗi dòng một ý. Đã điền sẵn từ số liệu; sửa tùy ý.",
    )
    difficulties = forms.CharField(
        label="Khó khăn, vướng mắc",
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Mỗi dòng một ý.",
    )
    proposals = forms.CharField(
        label="Đề xuất, kiến nghị",
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Mỗi dòng một ý.",
    )
    recipients = forms.CharField(
        label="Nơi nhận",
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Mỗi dòng một nơi, ví dụ “- Sở Khoa học và Công nghệ tỉnh Phú Thọ;”.",
    )
    signer_capacity = forms.ChoiceField(
        label="Thẩm quyền ký",
        choices=SignerCapacity.choices,
        error_messages={
            "required": "Vui lòng chọn thẩm quyền ký.",
            "invalid_choice": "Thẩm quyền ký không hợp lệ.",
        },
    )
    signer_name = forms.CharField(label="Họ tên người ký", required=False, max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = (
                    f"{field.label} tối đa {field.max_length:,} ký tự.".replace(",", ".")
                )


class RefreshForm(forms.Form):
    as_of = _date(
        "Số liệu tính đến ngày mới",
        help_text="Để trống: giữ ngày cũ, tính lại số liệu đến ngày đó. " + DATE_HELP,
    )


class DecideForm(forms.Form):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label="Quyết định",
        choices=[(APPROVE, "Duyệt"), (RETURN, "Trả lại")],
        error_messages={
            "required": "Hãy chọn Duyệt hoặc Trả lại.",
            "invalid_choice": "Hãy chọn Duyệt hoặc Trả lại.",
        },
    )
    comment = forms.CharField(
        label="Ý kiến",
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Bắt buộc khi trả lại: ghi rõ cần sửa gì.",
        error_messages={"max_length": f"Ý kiến tối đa {services.COMMENT_MAX:,} ký tự.".replace(",", ".")},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", "Hãy ghi lý do trả lại để người lập biết cần sửa gì.")
        return data


def _layout_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    count = len(columns.ACTIVITY_COLUMNS)
    for column in columns.ACTIVITY_COLUMNS:
        fields[f"{column.key}-shown"] = forms.BooleanField(label=f"Hiện cột “{column.label}”", required=False)
        fields[f"{column.key}-label"] = forms.CharField(
            label=f"Tiêu đề cột “{column.label}”",
            required=False,
            max_length=columns.LABEL_MAX,
            error_messages={"max_length": f"Tiêu đề tối đa {columns.LABEL_MAX} ký tự."},
        )
        fields[f"{column.key}-order"] = forms.IntegerField(
            label=f"Thứ tự cột “{column.label}”",
            min_value=1,
            max_value=count,
            error_messages={
                "required": f"Hãy nhập thứ tự (1–{count}).",
                "invalid": f"Thứ tự là một số từ 1 đến {count}.",
                "min_value": f"Thứ tự là một số từ 1 đến {count}.",
                "max_value": f"Thứ tự là một số từ 1 đến {count}.",
            },
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": count}),
        )
    return fields


class LayoutForm(forms.Form):
    """A commune's own activity columns for one report kind: shown, order (1…n) and heading of each."""

    kind = forms.ChoiceField(
        label="Loại báo cáo",
        choices=ReportKind.choices,
        error_messages={
            "required": "Vui lòng chọn loại báo cáo.",
            "invalid_choice": "Không có loại báo cáo này.",
        },
    )
    locals().update(_layout_fields())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if any(f"{c.key}-order" in self.errors for c in columns.ACTIVITY_COLUMNS):
            return data
        if not any(data.get(f"{c.key}-shown") for c in columns.ACTIVITY_COLUMNS):
            self.add_error(None, "Hãy giữ ít nhất một cột.")
        return data

    def layout(self) -> list[dict[str, object]]:
        data = self.cleaned_data
        items = [(data.get(f"{c.key}-order") or i, i, c) for i, c in enumerate(columns.ACTIVITY_COLUMNS, 1)]
        return [
            {
                "key": c.key,
                "label": data.get(f"{c.key}-label") or c.label,
                "shown": bool(data.get(f"{c.key}-shown")),
            }
            for _, _, c in sorted(items, key=lambda t: (t[0], t[1]))
        ]
