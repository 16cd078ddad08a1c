"""The indicators of SPEC §6 as declarative data: what each counts, in bits of an entity's state.

Every household and resident present on a day has a state (a bit mask, `rollup.py` computes it over
time). An indicator counted from the registry is "entity kind + denominator bits + numerator bits":
the denominator counts entities whose mask holds every denominator bit, the numerator those that also
hold every numerator bit. A commune may add indicators of the same kinds (a population and a
condition, `POPULATIONS` and `CONDITIONS`). Aggregate indicators are typed in monthly; team indicators
are counted from the teams' work (`teamwork.py`). Definitions in words: `docs/indicators.md`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from binhdan.registry.models import StatusField

# --- a resident's state bits ---------------------------------------------------------------------------
R_AGE14 = 1 << 0  # 14 or older on the day
R_ADULT = 1 << 1  # 18 or older
R_AGE60 = 1 << 2  # 60 or older
R_DISABLED = 1 << 3  # người khuyết tật (the resident's flag)
R_BASIC = 1 << 4  # "tự làm được" every skill of the commune's core set on the day
R_CLASS = 1 << 5  # attended a community class held on or before the day
R_ALL = 1 << 6  # every resident present (a population of its own)
# One bit per yes/no status fact; VNeID has two (level 1 or more, level 2).
_STATUS_BASE = 7
STATUS_BITS: dict[str, int] = {
    field: 1 << (_STATUS_BASE + i)
    for i, field in enumerate(
        [
            StatusField.SMARTPHONE,
            StatusField.VNEID_DOCUMENTS,
            StatusField.HEALTH_BOOK,
            StatusField.ONLINE_PUBLIC_SERVICE,
            StatusField.PAYMENT_ACCOUNT,
            StatusField.CASHLESS_REGULAR,
            StatusField.DIGITAL_SIGNATURE,
            StatusField.SELLS_ONLINE,
            StatusField.USES_4G,
            StatusField.PCKS_CONFIRMED,
        ]
    )
}
R_VNEID1 = 1 << (_STATUS_BASE + len(STATUS_BITS))  # VNeID level 1 or 2
R_VNEID2 = R_VNEID1 << 1  # VNeID level 2

# --- a household's state bits --------------------------------------------------------------------------
H_ALL = 1 << 0  # every household present
H_REACHED = 1 << 1  # a visit, or a member at a class, on or before the day
H_GUIDED = 1 << 2  # a door-to-door visit on or before the day
H_DIGITAL = 1 << 3  # Gia đình số: an adult member present with basic digital skills
H_POOR = 1 << 4  # hộ nghèo or cận nghèo (the household's flags)

RESIDENT, HOUSEHOLD, AGGREGATE, TEAM = "resident", "household", "aggregate", "team"


@dataclass(frozen=True)
class Population:
    code: str
    kind: str
    bits: int
    label: str


@dataclass(frozen=True)
class Condition:
    code: str
    kind: str
    bits: int
    label: str


POPULATIONS = {
    p.code: p
    for p in [
        Population("households", HOUSEHOLD, H_ALL, "Hộ gia đình"),
        Population("poor_households", HOUSEHOLD, H_ALL | H_POOR, "Hộ nghèo, cận nghèo"),
        Population("residents", RESIDENT, R_ALL, "Người dân"),
        Population("age14", RESIDENT, R_AGE14, "Người từ 14 tuổi"),
        Population("adults", RESIDENT, R_ADULT, "Người trưởng thành (từ 18 tuổi)"),
        Population("age60", RESIDENT, R_AGE60, "Người từ 60 tuổi"),
        Population("disabled", RESIDENT, R_DISABLED, "Người khuyết tật"),
        Population("vneid2", RESIDENT, R_VNEID2, "Người có tài khoản VNeID mức 2"),
    ]
}
CONDITIONS = {
    c.code: c
    for c in [
        Condition("reached", HOUSEHOLD, H_REACHED, "được Tổ tiếp cận (lượt hỗ trợ hoặc lớp học)"),
        Condition("guided", HOUSEHOLD, H_GUIDED, "được hướng dẫn tận nhà"),
        Condition("digital", HOUSEHOLD, H_DIGITAL, "là Gia đình số"),
        Condition("basic", RESIDENT, R_BASIC, "có kỹ năng số cơ bản"),
        Condition("class", RESIDENT, R_CLASS, "đã tham gia lớp học cộng đồng"),
        Condition("vneid1", RESIDENT, R_VNEID1, "có tài khoản VNeID"),
        Condition("vneid2", RESIDENT, R_VNEID2, "có tài khoản VNeID mức 2"),
        Condition(
            "bank_epay",
            RESIDENT,
            STATUS_BITS[StatusField.PAYMENT_ACCOUNT] | STATUS_BITS[StatusField.CASHLESS_REGULAR],
            "có tài khoản ngân hàng/ví điện tử và thường xuyên thanh toán không dùng tiền mặt",
        ),
        *[
            Condition(field, RESIDENT, bit, StatusField(field).label.lower())
            for field, bit in STATUS_BITS.items()
        ],
    ]
}


@dataclass(frozen=True)
class Definition:
    """One indicator of the national catalogue (SPEC §6), seeded into `Indicator` rows."""

    code: str
    name: str
    kind: str
    numerator: str  # in words, for pages and docs
    denominator: str
    target: Decimal  # percent
    deadline: dt.date
    population: str = ""  # POPULATIONS code (registry kinds)
    condition: str = ""  # CONDITIONS code (registry kinds)
    source: str = ""  # the plan the default target comes from
    stock: bool = False  # aggregate kinds: the latest month's figures (not the year's sum)


def _d(value: str) -> Decimal:
    return Decimal(value)


END_2025, END_2026, END_2030 = dt.date(2025, 12, 31), dt.date(2026, 12, 31), dt.date(2030, 12, 31)

DEFINITIONS: tuple[Definition, ...] = (
    Definition("HH_DIGITAL", "Gia đình số", HOUSEHOLD, "Hộ có ít nhất một người trưởng thành có kỹ năng số cơ bản",
               "Tổng số hộ", _d("80"), END_2026, "households", "digital", "KH BDHVS: ≥70% năm 2025; ≥80% năm 2026"),
    Definition("HH_REACHED", "Hộ được tiếp cận", HOUSEHOLD, "Hộ có lượt hỗ trợ hoặc có người đi lớp học cộng đồng",
               "Tổng số hộ", _d("100"), END_2026, "households", "reached", "≥80% năm 2025; 100% năm 2026"),
    Definition("HH_GUIDED", "Hộ được hướng dẫn tận nhà", HOUSEHOLD, "Hộ có lượt hỗ trợ tại nhà",
               "Tổng số hộ", _d("90"), END_2026, "households", "guided", "≥90%"),
    Definition("AD_SMARTPHONE", "Người trưởng thành có điện thoại thông minh", RESIDENT,
               "Người từ 18 tuổi có điện thoại thông minh", "Người từ 18 tuổi", _d("80"), END_2026,
               "adults", "smartphone", "≥80%"),
    Definition("AD_BANK_EPAY", "Người trưởng thành thanh toán không dùng tiền mặt", RESIDENT,
               "Người từ 18 tuổi có tài khoản ngân hàng/ví điện tử và thường xuyên thanh toán không dùng tiền mặt",
               "Người từ 18 tuổi", _d("80"), END_2026, "adults", "bank_epay", "≥80%"),
    Definition("CI_VNEID2", "Công dân có VNeID mức 2", RESIDENT, "Người từ 14 tuổi có tài khoản VNeID mức 2",
               "Người từ 14 tuổi", _d("100"), END_2026, "age14", "vneid2", "100% đến 2026"),
    Definition("AD_PCKS", "Đạt phổ cập kỹ năng số", RESIDENT,
               "Người từ 18 tuổi đã được xác nhận “đạt phổ cập kỹ năng số”", "Người từ 18 tuổi", _d("65"),
               END_2025, "adults", "pcks_confirmed", "≥65% năm 2025; ≥80% năm 2030"),
    Definition("AD_BASIC", "Người trưởng thành có kỹ năng số cơ bản", RESIDENT,
               "Người từ 18 tuổi tự làm được mọi kỹ năng của bộ kỹ năng cơ bản", "Người từ 18 tuổi", _d("90"),
               END_2025, "adults", "basic", "≥90% năm 2025; 100% năm 2030"),
    Definition("VN_HEALTHBOOK", "Sổ sức khỏe điện tử trên VNeID", RESIDENT,
               "Người có VNeID mức 2 đã tích hợp sổ sức khỏe điện tử", "Người có VNeID mức 2", _d("80"),
               END_2026, "vneid2", "health_book", "≥80%"),
    Definition("DOSSIER_ONLINE", "Hồ sơ thủ tục hành chính trực tuyến", AGGREGATE,
               "Hồ sơ tiếp nhận trực tuyến (từ đầu năm)", "Tổng số hồ sơ tiếp nhận (từ đầu năm)", _d("90"),
               END_2026, source="≥90%"),
    Definition("ELDERLY_CLASS", "Người cao tuổi đi lớp học", RESIDENT,
               "Người từ 60 tuổi đã tham gia lớp học cộng đồng", "Người từ 60 tuổi", _d("100"), END_2026,
               "age60", "class", "100%"),
    Definition("DISABLED_CLASS", "Người khuyết tật đi lớp học", RESIDENT,
               "Người khuyết tật đã tham gia lớp học cộng đồng", "Người khuyết tật", _d("100"), END_2026,
               "disabled", "class", "100%"),
    Definition("OCOP_ONLINE", "Sản phẩm OCOP bán trực tuyến", AGGREGATE,
               "Sản phẩm OCOP có mặt trên sàn thương mại điện tử", "Sản phẩm OCOP của xã", _d("100"),
               END_2026, source="100%", stock=True),
    Definition("MB_10HH", "Tổ viên phụ trách đủ 10 hộ", TEAM, "Tổ viên phụ trách từ 10 hộ", "Tổ viên",
               _d("100"), END_2026, source="KH: mỗi tổ viên phụ trách ≥10 hộ"),
    Definition("TM_50Q", "Tổ đủ 50 lượt hướng dẫn trong quý", TEAM,
               "Tổ có từ 50 lượt hướng dẫn người dân trong quý", "Tổ", _d("100"), END_2026,
               source="KH: ≥50 lượt/tổ/quý"),
    Definition("MB_HOURS", "Tổ viên đủ giờ hoạt động", TEAM,
               "Tổ viên có ít nhất 2 ngày hoạt động từ 4 giờ trong mỗi tuần của kỳ", "Tổ viên", _d("100"),
               END_2026, source="KH: ≥4 giờ/ngày, ≥2 ngày/tuần"),
    Definition("MT_5", "Đại sứ số kèm đủ 5 người", TEAM, "Đại sứ số kèm từ 5 người", "Đại sứ số", _d("100"),
               END_2026, source="KH: mỗi đại sứ số kèm ≥5 người"),
    Definition("MB_TRAINED", "Tổ viên được tập huấn", TEAM, "Tổ viên đã dự ít nhất một buổi tập huấn", "Tổ viên",
               _d("100"), END_2026, source="100% đến cuối 2026"),
    Definition("TM_SIZE", "Tổ đủ 7-12 thành viên", TEAM, "Tổ của thôn có 7-12 thành viên", "Tổ của thôn",
               _d("100"), END_2026, source="KH kiện toàn: 7-12 người/tổ"),
)  # fmt: skip
DEFINITION_BY_CODE = {d.code: d for d in DEFINITIONS}
