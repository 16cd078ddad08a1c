"""Completion papers (giấy chứng nhận) for the commune's own classes, and their public verification codes.

A certificate is the commune's paper saying a resident took part in one of its classes; it is **not** the
state's "đạt phổ cập kỹ năng số" confirmation and says so on the paper and on its public page. Each one
has a number per commune and year (printed "Số: 12/GCN-UBND") and an unguessable public code (60 random
bits from `secrets`, never sequential) that the QR code on the paper opens at `/chung-nhan/<code>/`.
Revoking keeps the row (the public page then says "đã thu hồi"); reissuing revokes the old paper and
makes a new one with a new number and code. A resident's erasure withdraws their certificates and the
public page stops showing even their initials (`erasure.py`).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from binhdan.places.models import Place

# No 0/O/1/I: the code reads aloud and copies by hand from the paper without mistakes. 12 characters of a
# 32-letter alphabet are 60 random bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
NUMBER_SYMBOL = "GCN-UBND"  # Phụ lục III: GCN giấy chứng nhận, issued by the UBND


def new_public_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: Any) -> str:
    """What a person types or a QR code carries, as stored: capitals, no dashes or spaces; "" when it
    cannot be a code (wrong length or letters), so that it is never looked up."""
    text = "".join(str(value or "").split()).replace("-", "").upper()
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    return text


def grouped_code(code: str) -> str:
    """ "ABCD2345EFGH" -> "ABCD-2345-EFGH", as printed on the paper."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class SignerCapacity(models.TextChoices):
    CHAIRMAN = "chairman", "Chủ tịch UBND xã"
    VICE_CHAIRMAN = "vice_chairman", "Phó Chủ tịch UBND xã (ký thay Chủ tịch)"


SIGNATURE_LINES: dict[str, tuple[str, ...]] = {
    SignerCapacity.CHAIRMAN: ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    SignerCapacity.VICE_CHAIRMAN: ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
}


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def valid(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: Any) -> CertificateQuerySet:
        """Certificates of residents the user may see (certificates carry a full name and birth year)."""
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "resident__household__village"))


class Certificate(models.Model):
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name="xã cấp")
    community_class = models.ForeignKey(
        "fieldwork.CommunityClass",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="lớp học",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="người được cấp",
    )
    year = models.PositiveSmallIntegerField("năm cấp")
    serial = models.PositiveIntegerField("số")
    issued_on = models.DateField("ngày cấp")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="người cấp",
    )
    signer_capacity = models.CharField(
        "người ký", max_length=16, choices=SignerCapacity.choices, default=SignerCapacity.CHAIRMAN
    )
    signer_name = models.CharField("họ tên người ký", max_length=120, blank=True)
    code = models.CharField("mã kiểm tra", max_length=CODE_LENGTH, unique=True, editable=False)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField("lý do thu hồi", max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    # Set by the holder's erasure: the public page no longer shows even the initials.
    holder_erased = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "giấy chứng nhận hoàn thành lớp học"
        verbose_name_plural = "giấy chứng nhận hoàn thành lớp học"
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "year", "serial"], name="certificate_number_once"),
            models.UniqueConstraint(
                fields=["community_class", "resident"],
                condition=Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_class",
            ),
        ]

    def __str__(self) -> str:
        return f"Giấy chứng nhận số {self.number}"

    @property
    def number(self) -> str:
        return f"{self.serial:02d}/{NUMBER_SYMBOL}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def printed_code(self) -> str:
        return grouped_code(self.code)
