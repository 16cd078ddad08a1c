"""The guides of content/guides/*.md: YAML front matter, then Markdown sections, loaded once per process."""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from binhdan.common.text import nfc

logger = logging.getLogger(__name__)

# The topic slugs of assistant-topics.md with the name a resident reads on screen.
TOPICS: dict[str, str] = {
    "dien-thoai-co-ban": "Dùng điện thoại cơ bản",
    "cai-dat-ung-dung": "Cài đặt ứng dụng",
    "ket-noi-internet": "Kết nối Internet, Wi-Fi, 4G",
    "chuyen-doi-4g": "Chuyển đổi sang 4G",
    "tim-kiem-thong-tin": "Tìm kiếm thông tin, tin thật tin giả",
    "vneid-dang-ky": "VNeID: đăng ký tài khoản",
    "vneid-muc-2": "VNeID: tài khoản mức 2",
    "vneid-kich-hoat": "VNeID: kích hoạt tài khoản",
    "vneid-doi-dien-thoai": "VNeID: đổi điện thoại",
    "vneid-loi": "VNeID: lỗi thường gặp",
    "vneid-khoa-tai-khoan": "VNeID: khoá, mở khoá tài khoản",
    "vneid-tich-hop-giay-to": "VNeID: tích hợp giấy tờ",
    "vneid-bhyt": "Thẻ bảo hiểm y tế trên điện thoại",
    "vneid-so-suc-khoe": "Sổ sức khỏe điện tử",
    "vneid-luu-tru": "Thông báo lưu trú và thủ tục trên VNeID",
    "vneid-dia-chi-sap-nhap": "Địa chỉ sau sáp nhập",
    "cccd-so-dinh-danh": "Thẻ căn cước, số định danh cá nhân",
    "dvc-dang-nhap": "Đăng nhập Cổng Dịch vụ công",
    "dvc-nop-ho-so": "Nộp hồ sơ trực tuyến",
    "dvc-khai-sinh": "Đăng ký khai sinh trực tuyến",
    "tai-khoan-ngan-hang": "Tài khoản ngân hàng",
    "thanh-toan-qr": "Thanh toán bằng mã QR",
    "thanh-toan-hoa-don": "Thanh toán hoá đơn",
    "vi-dien-tu": "Ví điện tử, Mobile Money",
    "chu-ky-so": "Chữ ký số cá nhân",
    "lua-dao-gia-danh": "Lừa đảo giả danh",
    "lua-dao-dau-tu": "Lừa đảo đầu tư, việc nhẹ lương cao",
    "lua-dao-xu-ly": "Đã bị lừa: làm gì ngay",
    "lua-dao-nhan-biet": "Nhận biết lừa đảo",
    "mat-khau-an-toan": "Mật khẩu, mã OTP an toàn",
    "bao-ve-du-lieu-ca-nhan": "Bảo vệ dữ liệu cá nhân",
    "mua-sam-truc-tuyen": "Mua sắm trực tuyến",
    "ban-hang-truc-tuyen": "Bán hàng trực tuyến",
    "y-te-truc-tuyen": "Y tế trực tuyến",
    "hoc-truc-tuyen": "Học trực tuyến",
    "tro-ly-ao-ai": "Trợ lý AI",
    "mang-xa-hoi": "Zalo, Facebook",
}

# Guides in these topics are "safety guides": a scam story is answered with one of them first.
SAFETY_TOPICS = frozenset(
    {"lua-dao-gia-danh", "lua-dao-dau-tu", "lua-dao-xu-ly", "lua-dao-nhan-biet", "mat-khau-an-toan"}
)

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.DOTALL)
_HEADING = re.compile(r"^##\s+(.+?)\s*$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_MARKUP = re.compile(r"\*\*|__|`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")

SECTION_PREPARE = "Cần chuẩn bị"
SECTION_STEPS = "Các bước"
SECTION_ERRORS = "Nếu gặp lỗi"
SECTION_SAFETY = "Lưu ý an toàn"


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    topics: tuple[str, ...]
    skills: tuple[str, ...]
    level: str
    summary: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    sources: tuple[str, ...]
    checked: str
    intro: str
    sections: dict[str, list[str]] = field(hash=False)
    short: str = ""

    @property
    def steps(self) -> list[str]:
        return self.sections.get(SECTION_STEPS, [])

    @property
    def prepare(self) -> list[str]:
        return self.sections.get(SECTION_PREPARE, [])

    @property
    def errors(self) -> list[str]:
        return self.sections.get(SECTION_ERRORS, [])

    @property
    def safety(self) -> list[str]:
        return self.sections.get(SECTION_SAFETY, [])

    @property
    def is_safety(self) -> bool:
        return bool(SAFETY_TOPICS.intersection(self.topics))

    @property
    def topic_names(self) -> list[str]:
        return [TOPICS.get(slug, slug) for slug in self.topics]

    def body_text(self) -> str:
        return "\n".join(line for lines in self.sections.values() for line in lines)


def short_code(guide_id: str) -> str:
    """A stable five-letter code for the short link: derived from the id, so it survives reloads."""
    digest = hashlib.sha1(guide_id.encode(), usedforsecurity=False).digest()
    return base64.b32encode(digest).decode()[:5].lower()


def _clean_line(line: str) -> str:
    return nfc(_LINK.sub(r"\1", _MARKUP.sub("", line)))


def parse_body(body: str) -> tuple[str, dict[str, list[str]]]:
    """The intro paragraph and each `## ` section as a list of items (list items or paragraphs)."""
    intro: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in body.splitlines():
        heading = _HEADING.match(raw)
        if heading:
            current = sections.setdefault(nfc(heading.group(1)), [])
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        item = _NUMBERED.match(line) or _BULLET.match(line)
        target = intro if current is None else current
        if item:
            target.append(_clean_line(item.group(1)))
        elif raw.startswith((" ", "\t")) and target:
            target[-1] = f"{target[-1]} {_clean_line(line)}"  # continuation of a list item
        else:
            target.append(_clean_line(line))
    return " ".join(intro), sections


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(nfc(str(item)) for item in value if item is not None and str(item).strip())


def parse_guide(path: Path) -> Guide:
    """One guide file; missing optional fields become empty, a missing id falls back to the file name."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ValueError(f"{path.name}: no YAML front matter")
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise ValueError(f"{path.name}: front matter is not a mapping")
    intro, sections = parse_body(match.group(2))
    guide_id = str(meta.get("id") or path.stem)
    return Guide(
        id=guide_id,
        title=nfc(str(meta.get("title") or guide_id)),
        topics=_strings(meta.get("topics")),
        skills=_strings(meta.get("skills")),
        level=str(meta.get("level") or "co-ban"),
        summary=nfc(str(meta.get("summary") or "")),
        questions=_strings(meta.get("questions")),
        keywords=_strings(meta.get("keywords")),
        sources=_strings(meta.get("sources")),
        checked=str(meta.get("checked") or ""),
        intro=intro,
        sections=sections,
        short=short_code(guide_id),
    )


def guides_dir() -> Path:
    return Path(getattr(settings, "ASSISTANT_GUIDES_DIR", settings.BASE_DIR / "content" / "guides"))


def load_guides(directory: Path | None = None) -> list[Guide]:
    """Every readable guide, sorted by id; a broken file is logged and skipped, not fatal."""
    guides: list[Guide] = []
    for path in sorted((directory or guides_dir()).glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            guides.append(parse_guide(path))
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
            logger.warning("assistant: skipping guide %s: %s", path.name, exc)
    return guides


@functools.cache
def _library(directory: str) -> dict[str, Guide]:
    return {guide.id: guide for guide in load_guides(Path(directory))}


def all_guides() -> dict[str, Guide]:
    return _library(str(guides_dir()))


def get_guide(guide_id: str) -> Guide | None:
    return all_guides().get(guide_id)


def by_short_code(short: str) -> Guide | None:
    short = short.lower()
    return next((g for g in all_guides().values() if g.short == short), None)
