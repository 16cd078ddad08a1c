"""Forms of the due rules screen and the province's overview: a commune's own due days, the day and the
quarter a page is for. Every wrong value is a Vietnamese message next to its field, never an error page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from binhdan.registry.models import REPORT_DAY_MAX
from binhdan.reports import deadlines
from binhdan.reports.models import ReportKind
from binhdan.reports.periods import FIRST_YEAR, Period, parse_period, quarter_of

EARLIEST_DAY = dt.date(FIRST_YEAR, 1, 1)
QUARTER_TEXT_MAX = 20  # "2026-Q3" and a little room; longer is not a quarter


def _int(label: str, low: int, high: int, *, required: bool, help_text: str = "") -> forms.IntegerField:
    message = f"{label} phải là một số nguyên từ {low} đến {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=required,
        help_text=help_text,
        error_messages={
            "required": f"Vui lòng nhập {label[0].lower()}{label[1:]}.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": low, "max": high}),
    )


# (kind, field of the due day, field of the reminder days)
RULE_FIELDS = (
    (ReportKind.TEAM_QUARTERLY, "team_quarterly_day", "team_quarterly_remind"),
    (ReportKind.COMMUNE_SUMMARY, "commune_summary_day", "commune_summary_remind"),
    (ReportKind.CAMPAIGN, "campaign_days_after", "campaign_remind"),
)
REMIND_HELP = "Hệ thống gửi thư nhắc từ chừng ấy ngày trước hạn (0 = chỉ nhắc đúng ngày hạn)."


class DueRulesForm(forms.Form):
    team_quarterly_day = _int(
        "Ngày nộp báo cáo quý của Tổ",
        1,
        REPORT_DAY_MAX,
        required=False,
        help_text="Ngày trong tháng cuối quý. Để trống để dùng ngày nộp báo cáo quý trong Thiết lập của xã.",
    )
    team_quarterly_remind = _int(
        "Nhắc trước hạn báo cáo quý của Tổ (ngày)", 0, deadlines.REMIND_DAYS_BEFORE_MAX, required=True,
        help_text=REMIND_HELP,
    )  # fmt: skip
    commune_summary_day = _int(
        "Ngày nộp báo cáo tổng hợp của xã",
        1,
        REPORT_DAY_MAX,
        required=False,
        help_text=(
            "Ngày trong tháng cuối quý. Để trống: "
            f"{deadlines.COMMUNE_SUMMARY_DAYS_AFTER_TEAMS} ngày sau hạn nộp của các Tổ."
        ),
    )
    commune_summary_remind = _int(
        "Nhắc trước hạn báo cáo tổng hợp (ngày)", 0, deadlines.REMIND_DAYS_BEFORE_MAX, required=True,
        help_text=REMIND_HELP,
    )  # fmt: skip
    campaign_days_after = _int(
        "Số ngày nộp báo cáo kết quả chiến dịch sau khi kết thúc",
        0,
        deadlines.DAYS_AFTER_MAX,
        required=False,
        help_text=f"Để trống: {deadlines.CAMPAIGN_RESULT_DAYS_DEFAULT} ngày sau ngày cuối của chiến dịch.",
    )
    campaign_remind = _int(
        "Nhắc trước hạn báo cáo kết quả chiến dịch (ngày)", 0, deadlines.REMIND_DAYS_BEFORE_MAX,
        required=True, help_text=REMIND_HELP,
    )  # fmt: skip

    def values(self) -> dict[str, deadlines.RuleValues]:
        """The cleaned form as the service's values per kind."""
        data = self.cleaned_data
        out: dict[str, deadlines.RuleValues] = {}
        for kind, day_field, remind_field in RULE_FIELDS:
            due = data.get(day_field)
            if kind in deadlines.DAYS_AFTER_KINDS:
                out[kind] = deadlines.RuleValues(days_after=due, remind_days_before=data[remind_field])
            else:
                out[kind] = deadlines.RuleValues(day_of_month=due, remind_days_before=data[remind_field])
        return out

    @staticmethod
    def initial_for(rules: deadlines.Rules) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for kind, day_field, remind_field in RULE_FIELDS:
            rule = rules.by_kind.get(kind)
            if rule is not None:
                initial[day_field] = (
                    rule.days_after if kind in deadlines.DAYS_AFTER_KINDS else rule.day_of_month
                )
            initial[remind_field] = rules.remind_days_before(kind)
        return initial


class DayForm(forms.Form):
    """`?ngay=`: the day the states are for (today when absent or wrong)."""

    ngay = forms.DateField(
        label="Xem tình trạng ngày",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Ngày xem không hợp lệ: chọn một ngày có thật (ngày/tháng/năm). Đang hiện hôm nay."
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
                f"Ngày xem không được sau hôm nay ({self.today:%d/%m/%Y}). Đang hiện hôm nay."
            )
        if day < EARLIEST_DAY:
            raise ValidationError(f"Ngày xem phải từ {EARLIEST_DAY:%d/%m/%Y} trở đi. Đang hiện hôm nay.")
        return day

    def day(self) -> dt.date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("ngay"):
            return self.cleaned_data["ngay"]
        return self.today


class QuarterForm(forms.Form):
    """`?quy=YYYY-Qn` (the current quarter when absent or wrong) and `?chua-nop=1`."""

    quy = forms.CharField(
        label="Quý",
        required=False,
        max_length=QUARTER_TEXT_MAX,
        error_messages={
            "max_length": "Quý không hợp lệ: viết theo dạng 2026-Q3. Đang hiện quý này.",
            "null_characters_not_allowed": "Quý không hợp lệ: viết theo dạng 2026-Q3. Đang hiện quý này.",
        },
    )
    chua_nop = forms.BooleanField(label="Chỉ xã chưa nộp", required=False)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["quy"].widget.attrs.update({"placeholder": quarter_of(today).code, "size": 8})
        self.fields["chua_nop"].widget.attrs.update({"id": "id_chua_nop"})

    def add_prefix(self, field_name: str) -> str:
        return "chua-nop" if field_name == "chua_nop" else field_name

    def clean_quy(self) -> Period | None:
        text = (self.cleaned_data.get("quy") or "").strip()
        if not text:
            return None
        try:
            period = parse_period(text)
        except ValidationError:
            period = None
        if period is None or period.kind != "quarter":
            raise ValidationError(
                f"Quý “{text[:QUARTER_TEXT_MAX]}” không hợp lệ: viết theo dạng 2026-Q3 (năm, Q và số quý "
                "từ 1 đến 4). Đang hiện quý này."
            )
        if period.start > self.today:
            raise ValidationError(f"Quý {period.label} chưa bắt đầu. Đang hiện quý này.")
        return period

    def quarter(self) -> Period:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("quy"):
            return self.cleaned_data["quy"]
        return quarter_of(self.today)

    def missing_only(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("chua_nop"))
