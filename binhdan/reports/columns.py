"""The report tables' columns that no national template fixes (SPEC §7: "label such columns as the commune's
own and let a commune adjust them"): the team-activity table. Each commune may hide, reorder and rename
them per report kind (`ReportLayout`); the indicator tables follow the plan's indicators and are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from binhdan.places.models import Place
from binhdan.reports.models import ReportKind, ReportLayout


@dataclass(frozen=True)
class Column:
    key: str  # a key of `content["activity"]["rows"][i]`
    label: str  # the default heading
    decimals: int = 0


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("members", "Số tổ viên"),
    Column("visits", "Lượt hỗ trợ tại hộ"),
    Column("people_guided", "Lượt người được hướng dẫn"),
    Column("hours", "Số giờ làm việc", 1),
    Column("classes", "Lớp, buổi sinh hoạt"),
    Column("class_attendance", "Lượt người dự lớp"),
    Column("mentors", "Đại sứ số"),
    Column("mentees", "Người được kèm cặp"),
    Column("trainings", "Buổi tập huấn tổ viên"),
    Column("members_trained", "Tổ viên đã tập huấn"),
)
BY_KEY = {c.key: c for c in ACTIVITY_COLUMNS}
OWN_COLUMNS_NOTE = "Cột do xã tự quy định (chưa có mẫu biểu quốc gia)."
LABEL_MAX = 60


@dataclass(frozen=True)
class ShownColumn:
    key: str
    label: str
    decimals: int


def default_layout() -> list[dict[str, object]]:
    return [{"key": c.key, "label": c.label, "shown": True} for c in ACTIVITY_COLUMNS]


def normalise(columns: object) -> list[dict[str, object]]:
    """A stored or posted layout made whole: unknown keys dropped, missing columns appended (shown), labels
    trimmed to `LABEL_MAX` and defaulted when empty. Never raises."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for item in columns if isinstance(columns, list) else []:
        if not isinstance(item, dict):
            continue
        key = item.get("key")
        if not isinstance(key, str) or key not in BY_KEY or key in seen:
            continue
        label = item.get("label")
        label = " ".join(label.split())[:LABEL_MAX] if isinstance(label, str) else ""
        out.append({"key": key, "label": label or BY_KEY[key].label, "shown": bool(item.get("shown", True))})
        seen.add(key)
    out.extend({"key": c.key, "label": c.label, "shown": True} for c in ACTIVITY_COLUMNS if c.key not in seen)
    return out


def layout_for(commune: Place, kind: str) -> list[dict[str, object]]:
    """The commune's activity columns for `kind`, in its order (the defaults when it set none)."""
    stored = ReportLayout.objects.filter(commune=commune, kind=kind).values_list("columns", flat=True).first()
    return normalise(stored) if stored is not None else default_layout()


def shown_columns(layout: list[dict[str, object]]) -> list[ShownColumn]:
    return [
        ShownColumn(str(c["key"]), str(c["label"]), BY_KEY[str(c["key"])].decimals)
        for c in normalise(layout)
        if c["shown"]
    ]


__all__ = ["ACTIVITY_COLUMNS", "OWN_COLUMNS_NOTE", "Column", "ReportKind", "layout_for", "shown_columns"]
