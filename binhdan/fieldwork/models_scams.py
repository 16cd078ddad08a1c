"""Scam reports (tin báo lừa đảo) and the commune's warnings to its villages (SPEC §5).

A member records a scam attempt on the phone (offline too, synced like a visit) or a resident on the
public form (no login, no name or phone asked). The commune sees patterns and publishes warnings that
members see on the field app's home screen and share to village Zalo groups. Services: `scams.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from binhdan.places.models import Place

# A sane ceiling for one report: 100 billion đồng (the largest single cases in the news are a few
# billion); anything above is a typing slip, and it keeps the sum of a commune's year far from overflow.
MAX_AMOUNT_LOST = 100_000_000_000
MAX_DESCRIPTION = 2000
MAX_WARNING_TEXT = 1000
MAX_WARNING_TITLE = 160
WARNING_DAYS = 60  # a warning stays on the members' home screens this long unless withdrawn earlier


class ScamChannel(models.TextChoices):
    CALL = "call", "Cuộc gọi điện thoại"
    SMS = "sms", "Tin nhắn SMS"
    ZALO = "zalo", "Zalo"
    FACEBOOK = "facebook", "Facebook, Messenger"
    LINK = "link", "Đường link, trang web, ứng dụng lạ"
    OTHER = "khac", "Khác (Telegram, gặp trực tiếp…)"


class ScamPretext(models.TextChoices):
    FAKE_POLICE = "gia_danh_cong_an", "Giả danh công an, viện kiểm sát (“hợp tác điều tra”)"
    FAKE_VNEID = "cap_nhat_vneid", "Bảo cập nhật, tích hợp VNeID, cài ứng dụng Dịch vụ công giả"
    FAKE_BANK = "gia_danh_ngan_hang", "Giả danh ngân hàng, điện lực, nhà mạng"
    INVESTMENT = "dau_tu", "Mời đầu tư, tiền ảo, lãi cao"
    TASKS = "viec_nhe_luong_cao", "Việc nhẹ lương cao, làm nhiệm vụ nhận tiền"
    PRIZE = "trung_thuong", "Trúng thưởng, nhận quà, nhận tiền hỗ trợ"
    LOAN = "vay_tien", "Cho vay nhanh, phí giải ngân"
    DELIVERY = "giao_hang", "Giao hàng, shipper giả"
    ACQUAINTANCE = "nguoi_quen", "Nick Zalo, Facebook của người quen hỏi vay tiền"
    EMERGENCY = "nguoi_than_cap_cuu", "Báo người thân bị tai nạn, cấp cứu"
    RECOVERY = "lay_lai_tien", "Hứa lấy lại tiền đã bị lừa"
    OTHER = "khac", "Khác"


class ScamSource(models.TextChoices):
    MEMBER = "member", "Thành viên tổ ghi"
    RESIDENT = "resident", "Người dân tự báo"


class ScamReport(models.Model):
    """One scam attempt someone met: how it came, what story it told, what it cost. No victim's name."""

    commune = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="scam_reports", verbose_name="xã"
    )
    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="thôn"
    )
    channel = models.CharField("qua đâu", max_length=20, choices=ScamChannel.choices)
    pretext = models.CharField("thủ đoạn", max_length=30, choices=ScamPretext.choices)
    amount_lost = models.PositiveBigIntegerField("số tiền bị mất (đồng)", null=True, blank=True)
    happened_on = models.DateField("ngày xảy ra", db_index=True)
    description = models.TextField("mô tả", blank=True)
    source = models.CharField("nguồn", max_length=10, choices=ScamSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uuid = models.UUIDField("mã trên điện thoại", unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tin báo lừa đảo"
        verbose_name_plural = "tin báo lừa đảo"
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["commune", "happened_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_lost__isnull=True) | Q(amount_lost__lte=MAX_AMOUNT_LOST),
                name="scam_amount_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_pretext_display()} — {self.happened_on:%d/%m/%Y}"


class ScamWarningQuerySet(models.QuerySet["ScamWarning"]):
    def published(self, now: Any = None) -> ScamWarningQuerySet:
        """Published and not withdrawn, however old (`current` adds the WARNING_DAYS bound)."""
        return self.filter(withdrawn_at__isnull=True, published_at__lte=now or timezone.now())

    def current(self, now: Any = None) -> ScamWarningQuerySet:
        """Published, not withdrawn, and recent enough to still be news (WARNING_DAYS)."""
        now = now or timezone.now()
        return self.published(now).filter(published_at__gte=now - dt.timedelta(days=WARNING_DAYS))


class ScamWarning(models.Model):
    """A commune's warning about a scam going round, for some of its villages (none chosen = all)."""

    commune = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="scam_warnings", verbose_name="xã"
    )
    villages = models.ManyToManyField(
        Place, blank=True, related_name="scam_warnings_in", verbose_name="thôn (để trống = cả xã)"
    )
    title = models.CharField("tiêu đề", max_length=MAX_WARNING_TITLE)
    text = models.TextField("nội dung")
    pretext = models.CharField("thủ đoạn", max_length=30, choices=ScamPretext.choices)
    guide_slug = models.CharField("hướng dẫn của trợ lý ảo", max_length=100)
    published_at = models.DateTimeField("đăng lúc", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    objects = ScamWarningQuerySet.as_manager()

    class Meta:
        verbose_name = "cảnh báo lừa đảo"
        verbose_name_plural = "cảnh báo lừa đảo"
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title
