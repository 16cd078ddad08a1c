"""The community programmes of the plans (seed 002 §7.2-7.8, seed 003 item 8) as declarative data.

Each programme is a filter (`filters.Rule`), what it counts (residents or households), the indicator
whose target it serves when one matches (else "chưa có chỉ tiêu"), and the drive it suggests.
Definitions in words: docs/programmes.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from binhdan.programmes.filters import Rule
from binhdan.programmes.models import DriveKind

RESIDENTS, HOUSEHOLDS = "residents", "households"
DEFAULT_BRING = "Căn cước công dân gắn chip, điện thoại thông minh, SIM chính chủ"


@dataclass(frozen=True)
class Programme:
    slug: str
    name: str
    plan: str  # the plan's words it comes from
    rule: str
    counts: str  # RESIDENTS or HOUSEHOLDS
    indicator: str  # indicator code whose target applies, "" when none matches
    drive_kind: str
    drive_title: str
    bring: str
    unit: str  # "người" or "hộ"

    @property
    def rule_label(self) -> str:
        return Rule(self.rule).label


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        "danh-tinh-so",
        "Mỗi công dân - Một danh tính số",
        "Bảo đảm công dân có danh tính số, hỗ trợ cài đặt và sử dụng VNeID",
        Rule.VNEID,
        RESIDENTS,
        "CI_VNEID2",
        DriveKind.VNEID,
        "Ra quân kích hoạt VNeID mức 2",
        DEFAULT_BRING,
        "người",
    ),
    Programme(
        "gia-dinh-so",
        "Gia đình số",
        "Mỗi hộ gia đình có ít nhất một thành viên sử dụng được nền tảng, dịch vụ số",
        Rule.FAMILY_ONE_SHORT,
        HOUSEHOLDS,
        "HH_DIGITAL",
        DriveKind.CLASS,
        "Lớp Gia đình số: học nốt một kỹ năng",
        "Điện thoại thông minh, căn cước công dân gắn chip",
        "hộ",
    ),
    Programme(
        "ky-nang-co-ban",
        "Kỹ năng số cơ bản: còn thiếu một kỹ năng",
        "Mọi người dân đều được phổ cập kỹ năng cơ bản về chuyển đổi số",
        Rule.ONE_SKILL_SHORT,
        RESIDENTS,
        "AD_BASIC",
        DriveKind.CLASS,
        "Lớp bổ túc kỹ năng số cơ bản",
        "Điện thoại thông minh",
        "người",
    ),
    Programme(
        "cho-so",
        "Chợ số - 4T cho tiểu thương",
        "Tiểu thương - Thương mại điện tử - Thanh toán không dùng tiền mặt - Tiết kiệm số",
        Rule.TRADERS_4T,
        RESIDENTS,
        "",
        DriveKind.OTHER,
        "Chợ số: hướng dẫn thanh toán QR và bán hàng trực tuyến",
        "Điện thoại thông minh, căn cước công dân gắn chip, tài khoản ngân hàng (nếu có)",
        "người",
    ),
    Programme(
        "cong-nhan-cong-nghe",
        "Tổ công nhân công nghệ",
        "Phổ cập kỹ năng cơ bản về chuyển đổi số cho công nhân, người lao động",
        Rule.WORKERS_NO_BASIC,
        RESIDENTS,
        "",
        DriveKind.CLASS,
        "Lớp kỹ năng số cho công nhân",
        "Điện thoại thông minh, căn cước công dân gắn chip",
        "người",
    ),
    Programme(
        "nguoi-cao-tuoi",
        "Lớp cho người cao tuổi",
        "100% người cao tuổi được tham dự lớp Bình dân học vụ số",
        Rule.ELDERLY_NO_CLASS,
        RESIDENTS,
        "ELDERLY_CLASS",
        DriveKind.CLASS,
        "Lớp Bình dân học vụ số cho người cao tuổi",
        "Điện thoại thông minh (nếu có), kính đọc sách",
        "người",
    ),
    Programme(
        "nguoi-khuyet-tat",
        "Lớp cho người khuyết tật",
        "100% người khuyết tật được tham dự lớp phổ cập kỹ năng số chuyên biệt",
        Rule.DISABLED_NO_CLASS,
        RESIDENTS,
        "DISABLED_CLASS",
        DriveKind.CLASS,
        "Lớp kỹ năng số cho người khuyết tật",
        "Điện thoại thông minh (nếu có)",
        "người",
    ),
)
BY_SLUG = {p.slug: p for p in PROGRAMMES}
BY_RULE = {p.rule: p for p in PROGRAMMES}
