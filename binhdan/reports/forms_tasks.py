"""Forms of the plan's tasks: a task, its status, deleting it, evidence files, the annex upload (Vietnamese
messages next to each field). None names another object by id, so none has a scoped field: the task or
commune comes from the URL, checked by the view (`accounts.workspace.commune_for_change`)."""

from __future__ import annotations

from typing import Any

from django import forms

from binhdan.accounts.fields import ScopedForm
from binhdan.registry.forms import VietDateField
from binhdan.reports.models_tasks import TaskStatus
from binhdan.reports.services_tasks import EVIDENCE_ACCEPT, EVIDENCE_MAX_BYTES
from binhdan.reports.tasks_import import IMPORT_MAX_BYTES, LIMITS

DATE_INVALID = "Ngày không đúng. Hãy viết theo dạng ngày/tháng/năm, ví dụ 31/12/2025."
IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def _text(
    label: str, name: str, *, required: bool = False, area: bool = False, help_text: str = ""
) -> forms.CharField:
    limit = LIMITS[name]
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        help_text=help_text,
        error_messages={
            "required": f"Vui lòng ghi {label.lower()}.",
            "max_length": f"Dài quá {limit} ký tự.",
            "null_characters_not_allowed": "Có ký tự không hợp lệ.",
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": limit})
        if area
        else forms.TextInput(attrs={"maxlength": limit}),
    )


class TaskForm(ScopedForm):
    section = _text("Nhóm nhiệm vụ", "section", help_text="Ví dụ: I. Truyền thông và tuyên truyền.")
    number = _text("STT", "number", help_text="Số thứ tự trong nhóm, ví dụ 3.")
    title = _text("Nội dung công việc", "title", required=True, area=True)
    lead_unit = _text("Cơ quan chủ trì", "lead_unit")
    coordinating_units = _text("Cơ quan phối hợp", "coordinating_units")
    expected_result = _text("Kết quả cần đạt", "expected_result", area=True)
    deadline_text = _text(
        "Thời gian thực hiện (theo kế hoạch)",
        "deadline_text",
        help_text="Ghi như trong kế hoạch: “Tháng 10/2025”, “Quý IV/2025”, “Năm 2025”, “Trước 20/11/2025”, "
        "“Thường xuyên”.",
    )
    deadline = VietDateField(
        label="Hạn hoàn thành",
        required=False,
        help_text="Để trống: tính từ thời gian thực hiện (ngày cuối của tháng, quý, năm ghi trong đó).",
        error_messages={"invalid": DATE_INVALID},
    )


class StatusForm(ScopedForm):
    status = forms.ChoiceField(
        label="Trạng thái",
        choices=TaskStatus.choices,
        error_messages={
            "required": "Vui lòng chọn trạng thái.",
            "invalid_choice": "Trạng thái không hợp lệ.",
        },
    )
    done_on = VietDateField(
        label="Ngày hoàn thành",
        required=False,
        help_text="Khi đã hoàn thành. Để trống: hôm nay.",
        error_messages={"invalid": DATE_INVALID},
    )
    result_note = forms.CharField(
        label="Kết quả thực hiện",
        required=False,
        max_length=4000,
        error_messages={
            "max_length": "Dài quá 4000 ký tự.",
            "null_characters_not_allowed": "Có ký tự không hợp lệ.",
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
    )


class DeleteTaskForm(ScopedForm):
    confirm = forms.BooleanField(label="Xoá cả các tệp minh chứng của nhiệm vụ này", required=False)


class ConfirmForm(ScopedForm):
    """A button only (deleting a file, confirming or cancelling an import)."""

    action = forms.ChoiceField(
        choices=[("confirm", "Xác nhận"), ("cancel", "Huỷ")],
        required=False,
        error_messages={"invalid_choice": "Thao tác không hợp lệ."},
    )


class _UploadForm(ScopedForm):
    max_bytes = EVIDENCE_MAX_BYTES

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(f"Tệp lớn quá {self.max_bytes // (1024 * 1024)} MB.")
        return upload


class EvidenceForm(_UploadForm):
    file = forms.FileField(
        label="Tệp minh chứng",
        help_text="PDF, ảnh (JPG, PNG, WebP), Word (.docx) hoặc Excel (.xlsx); mỗi tệp tối đa "
        f"{EVIDENCE_MAX_BYTES // (1024 * 1024)} MB.",
        max_length=500,
        error_messages={
            "required": "Vui lòng chọn tệp.",
            "empty": "Tệp rỗng.",
            "invalid": "Không nhận được tệp; hãy chọn lại.",
            "missing": "Không nhận được tệp; hãy chọn lại.",
            "max_length": "Tên tệp dài quá 500 ký tự.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )


class ImportForm(_UploadForm):
    max_bytes = IMPORT_MAX_BYTES
    file = forms.FileField(
        label="Tệp phụ lục nhiệm vụ (.xlsx, .xls, .csv)",
        help_text="Bảng có các cột STT, Nội dung công việc, Cơ quan chủ trì, Cơ quan phối hợp, Kết quả thực hiện, "
        "Thời gian thực hiện; các dòng tiêu đề phía trên và các dòng nhóm (I, II, …) được nhận ra.",
        max_length=500,
        error_messages={
            "required": "Vui lòng chọn tệp.",
            "empty": "Tệp rỗng.",
            "invalid": "Không nhận được tệp; hãy chọn lại.",
            "missing": "Không nhận được tệp; hãy chọn lại.",
            "max_length": "Tên tệp dài quá 500 ký tự.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )

    def clean_file(self) -> Any:
        upload = super().clean_file()
        if not upload.name.lower().endswith(IMPORT_SUFFIXES):
            raise forms.ValidationError("Chỉ nhận tệp Excel (.xlsx, .xls) hoặc .csv.")
        return upload


FILTER_OVERDUE = "1"


class FilterForm(forms.Form):
    """The list's filters (GET): status, overdue only, lead unit. Unknown values are ignored."""

    trang_thai = forms.ChoiceField(label="Trạng thái", required=False)
    qua_han = forms.BooleanField(label="Chỉ nhiệm vụ quá hạn", required=False)
    chu_tri = forms.ChoiceField(label="Cơ quan chủ trì", required=False)

    def __init__(self, *args: Any, lead_units: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trang_thai"].choices = [("", "Tất cả"), *TaskStatus.choices]  # type: ignore[attr-defined]
        self.fields["chu_tri"].choices = [("", "Tất cả"), *((u, u) for u in lead_units)]  # type: ignore[attr-defined]
