"""Forms of the targets, monthly figures and own-indicator pages (Vietnamese messages next to each field).

The indicator a form names is a scoped field: the indicators of the catalogues the user manages (the
national ones and their communes' own), narrowed to the page's commune when bound — another commune's
own indicator is "not a valid choice", a form error, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from binhdan.accounts.fields import ScopedForm, ScopedModelChoiceField, communes_managed_by
from binhdan.indicators import catalogue as cat
from binhdan.indicators import services
from binhdan.indicators.models import Indicator, Kind
from binhdan.registry.forms import VietDateField

DATE_INVALID = "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
TARGET_MESSAGE = "Chỉ tiêu phải là một số phần trăm từ 0 đến 100, tối đa một chữ số sau dấu phẩy, ví dụ 72,5."
SAVE, RESET = "save", "reset"


def indicators_managed_by(user: Any) -> QuerySet[Indicator]:
    """Active indicators of the catalogues the user manages: the national ones and their communes' own."""
    if user is None:
        return Indicator.objects.none()
    communes = communes_managed_by(user)
    if not communes.exists():
        return Indicator.objects.none()
    return Indicator.objects.filter(Q(commune__isnull=True) | Q(commune__in=communes), active=True).order_by(
        "position", "code"
    )


class IndicatorField(ScopedModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PercentField(forms.DecimalField):
    """0-100 with one decimal; "72,5" and "72.5" both read; NaN, "1e9" and 100,05 are errors."""

    def __init__(self, **kwargs: Any) -> None:
        messages = {
            key: TARGET_MESSAGE
            for key in (
                "invalid",
                "min_value",
                "max_value",
                "max_digits",
                "max_decimal_places",
                "max_whole_digits",
            )
        }
        messages["required"] = "Vui lòng nhập chỉ tiêu (%)."
        kwargs.setdefault("label", "Chỉ tiêu (%)")
        super().__init__(
            min_value=services.TARGET_MIN,
            max_value=services.TARGET_MAX,
            max_digits=4,
            decimal_places=1,
            localize=True,
            error_messages=messages,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6, "maxlength": 12}),
            **kwargs,
        )

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace("%", "").strip()
            if len(value) > 12:
                raise forms.ValidationError(TARGET_MESSAGE, code="invalid")
        return super().to_python(value)


def _deadline(label: str = "Thời hạn") -> VietDateField:
    return VietDateField(
        label=label,
        error_messages={"required": "Vui lòng nhập thời hạn.", "invalid": DATE_INVALID},
    )


def _count(label: str) -> forms.IntegerField:
    message = f"{label} phải là số nguyên từ 0 đến {services.COUNT_MAX:,}.".replace(",", ".")
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=services.COUNT_MAX,
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


class _CommuneIndicatorForm(ScopedForm):
    """A scoped indicator field, limited to this commune's catalogue when the form is bound."""

    indicator = IndicatorField(scope=indicators_managed_by, widget=forms.HiddenInput, label="Chỉ tiêu")
    kinds: tuple[str, ...] = ()  # limit to these kinds (empty: all)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, ScopedModelChoiceField)
        if self.commune is not None:
            field.queryset = field.queryset.filter(Q(commune__isnull=True) | Q(commune=self.commune))
        if self.kinds:
            field.queryset = field.queryset.filter(kind__in=self.kinds)


class TargetForm(_CommuneIndicatorForm):
    """One indicator's target and deadline for the commune; "reset" goes back to the default."""

    target = PercentField(required=False)
    deadline = _deadline()
    deadline.required = False
    action = forms.ChoiceField(
        choices=[(SAVE, "Lưu"), (RESET, "Về mặc định")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Thao tác không hợp lệ."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, ScopedModelChoiceField)
        field.queryset = field.queryset.filter(commune__isnull=True)  # own ones: their own page

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") != RESET:
            if data.get("target") is None and "target" not in self.errors:
                self.add_error("target", "Vui lòng nhập chỉ tiêu (%).")
            if data.get("deadline") is None and "deadline" not in self.errors:
                self.add_error("deadline", "Vui lòng nhập thời hạn.")
        return data


def month_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    return [(f"{m:%Y-%m}", f"Tháng {m:%m/%Y}") for m in services.months_open(today)]


class MonthlyForm(_CommuneIndicatorForm):
    """One month's figures of one aggregate indicator."""

    kinds = (Kind.AGGREGATE,)
    month = forms.ChoiceField(
        label="Tháng",
        choices=month_choices,  # evaluated on every form: the current month back to the first
        error_messages={
            "required": "Vui lòng chọn tháng.",
            "invalid_choice": "Tháng không hợp lệ: chỉ chọn được từ tháng 01/2025 đến tháng này.",
        },
    )
    numerator = _count("Tử số")
    denominator = _count("Mẫu số")

    def clean_month(self) -> dt.date:
        year, month = (int(part) for part in self.cleaned_data["month"].split("-"))
        return dt.date(year, month, 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        num, den = data.get("numerator"), data.get("denominator")
        if num is not None and den is not None and num > den:
            self.add_error("numerator", f"Tử số ({num}) không được lớn hơn mẫu số ({den}).")
        return data


KIND_CHOICES = [(k.value, k.label) for k in services.OWN_KINDS]


GROUPS = ((cat.HOUSEHOLD, "Tính trên hộ gia đình"), (cat.RESIDENT, "Tính trên người dân"))


def _population_choices() -> list[Any]:
    return [("", "— Chọn —")] + [
        (group, [(p.code, p.label) for p in services.populations_of(kind)]) for kind, group in GROUPS
    ]


def _condition_choices() -> list[Any]:
    return [("", "— Chọn —")] + [
        (group, [(c.code, c.label[:1].upper() + c.label[1:]) for c in services.conditions_of(kind)])
        for kind, group in GROUPS
    ]


class OwnIndicatorEditForm(forms.Form):
    """A commune's own indicator: what it counts (same kinds as the catalogue), its words and target."""

    name = forms.CharField(
        label="Tên chỉ tiêu",
        max_length=services.NAME_MAX,
        error_messages={
            "required": "Vui lòng nhập tên chỉ tiêu.",
            "max_length": f"Tên chỉ tiêu dài quá {services.NAME_MAX} ký tự.",
        },
    )
    population = forms.ChoiceField(
        label="Mẫu số: nhóm được tính",
        required=False,
        choices=_population_choices,
        help_text="Với chỉ tiêu tính trên hộ hoặc người dân. Nhóm phải cùng cách tính (hộ hoặc người).",
        error_messages={"invalid_choice": "Nhóm không hợp lệ."},
    )
    condition = forms.ChoiceField(
        label="Tử số: điều kiện được tính",
        required=False,
        choices=_condition_choices,
        help_text="Trong nhóm trên, những ai (hộ nào) đạt điều kiện này được tính vào tử số.",
        error_messages={"invalid_choice": "Điều kiện không hợp lệ."},
    )
    numerator_label = forms.CharField(
        label="Tên tử số",
        required=False,
        max_length=services.LABEL_MAX,
        help_text="Để trống với chỉ tiêu tính trên hộ hoặc người dân: hệ thống ghi theo nhóm và điều kiện.",
        error_messages={"max_length": f"Dài quá {services.LABEL_MAX} ký tự."},
    )
    denominator_label = forms.CharField(
        label="Tên mẫu số",
        required=False,
        max_length=services.LABEL_MAX,
        error_messages={"max_length": f"Dài quá {services.LABEL_MAX} ký tự."},
    )
    stock = forms.BooleanField(
        label="Số liệu tháng: lấy số của tháng gần nhất (không cộng dồn từ đầu năm)", required=False
    )
    target = PercentField()
    deadline = _deadline()
    active = forms.BooleanField(label="Đang dùng (bỏ chọn để ngừng dùng chỉ tiêu này)", required=False)


class OwnIndicatorForm(OwnIndicatorEditForm):
    kind = forms.ChoiceField(
        label="Cách tính",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Vui lòng chọn cách tính.", "invalid_choice": "Cách tính không hợp lệ."},
    )
    field_order = ["name", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["active"]
