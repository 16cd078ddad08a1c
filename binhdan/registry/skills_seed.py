"""The skills the commune plans name, seeded into the editable catalogue (SPEC §4)."""

from __future__ import annotations

from typing import Any

# (code, name, domain, is_core) — the five core skills are the default "kỹ năng số cơ bản" set:
# device use, VNeID, online public services, cashless payment, online safety.
SKILLS: list[tuple[str, str, str, bool]] = [
    ("dien-thoai-co-ban", "Sử dụng điện thoại thông minh cơ bản", "thiet-bi", True),
    ("cai-dat-ung-dung", "Cài đặt, cập nhật ứng dụng từ kho chính thức", "thiet-bi", False),
    ("sim-4g", "Chuyển đổi SIM, điện thoại sang 4G", "thiet-bi", False),
    ("tim-kiem-thong-tin", "Tìm kiếm, đánh giá thông tin trên Internet", "xa-hoi-so", False),
    ("vneid-cai-dat", "Cài đặt ứng dụng VNeID, đăng ký tài khoản", "chinh-quyen-so", False),
    ("vneid-kich-hoat", "Kích hoạt tài khoản định danh điện tử", "chinh-quyen-so", False),
    ("vneid-muc-2", "Sử dụng tài khoản định danh điện tử mức 2", "chinh-quyen-so", True),
    ("vneid-tich-hop", "Tích hợp giấy tờ vào VNeID (BHYT, GPLX, đăng ký xe)", "chinh-quyen-so", False),
    ("so-suc-khoe", "Sổ sức khỏe điện tử trên VNeID", "chinh-quyen-so", False),
    ("thong-bao-luu-tru", "Thông báo lưu trú trên VNeID", "chinh-quyen-so", False),
    ("to-giac-toi-pham", "Tố giác, tin báo về tội phạm trên VNeID", "chinh-quyen-so", False),
    ("dvc-tai-khoan", "Đăng nhập Cổng Dịch vụ công quốc gia", "chinh-quyen-so", False),
    ("dvc-nop-ho-so", "Nộp hồ sơ thủ tục hành chính trực tuyến đơn giản", "chinh-quyen-so", True),
    ("thanh-toan-qr", "Thanh toán hoá đơn, chuyển tiền bằng mã QR", "kinh-te-so", True),
    ("mobile-money", "Mobile Money, ví điện tử", "kinh-te-so", False),
    ("tai-khoan-ngan-hang", "Mở tài khoản ngân hàng, xác thực sinh trắc học", "kinh-te-so", False),
    ("chu-ky-so", "Chữ ký số cá nhân (chữ ký số công cộng, SmartCA)", "chinh-quyen-so", False),
    ("mat-khau-manh", "Đặt mật khẩu mạnh, bảo vệ tài khoản", "an-toan-so", False),
    ("nhan-biet-lua-dao", "Nhận biết, phòng tránh lừa đảo trực tuyến", "an-toan-so", True),
    ("bao-ve-du-lieu", "Bảo vệ dữ liệu cá nhân", "an-toan-so", False),
    ("mua-sam-an-toan", "Mua sắm trực tuyến an toàn", "kinh-te-so", False),
    ("ban-hang-truc-tuyen", "Bán hàng trên sàn thương mại điện tử, sản phẩm OCOP", "kinh-te-so", False),
    ("hoc-binhdanhocvuso", "Học trên nền tảng Bình dân học vụ số", "xa-hoi-so", False),
    ("tro-ly-ao-ai", "Sử dụng trợ lý trí tuệ nhân tạo an toàn", "tri-tue-nhan-tao", False),
    ("y-te-giao-duc-truc-tuyen", "Dịch vụ y tế, giáo dục trực tuyến", "xa-hoi-so", False),
    ("mang-xa-hoi", "Dùng Zalo, mạng xã hội an toàn", "xa-hoi-so", False),
]


def seed_skills(skill_model: Any) -> int:
    """Create missing skills; existing rows (possibly edited by the commune) are left alone."""
    created = 0
    for position, (code, name, domain, is_core) in enumerate(SKILLS, start=1):
        _, was_created = skill_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "domain": domain, "is_core": is_core, "position": position * 10},
        )
        created += was_created
    return created
