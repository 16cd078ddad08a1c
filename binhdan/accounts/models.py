"""Users, the roles they hold (each bound to a place) and the audit log of personal-data access."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from binhdan.common.text import nfc, search_text
from binhdan.places.models import Level, Place


class RoleKind(models.TextChoices):
    MEMBER = "member", "Tổ viên Tổ công nghệ số cộng đồng"
    TEAM_LEADER = "team_leader", "Tổ trưởng Tổ công nghệ số cộng đồng"
    COMMUNE_OFFICER = "commune_officer", "Công chức Văn hóa - Xã hội xã"
    COMMUNE_LEADER = "commune_leader", "Lãnh đạo UBND xã"
    PROVINCE_OFFICER = "province_officer", "Cán bộ Sở Khoa học và Công nghệ"
    ADMIN = "admin", "Quản trị hệ thống"


# Which level of place each role must be bound to (admin is bound to no place).
ROLE_LEVEL: dict[str, int | None] = {
    RoleKind.MEMBER: Level.VILLAGE,
    RoleKind.TEAM_LEADER: Level.VILLAGE,
    RoleKind.COMMUNE_OFFICER: Level.COMMUNE,
    RoleKind.COMMUNE_LEADER: Level.COMMUNE,
    RoleKind.PROVINCE_OFFICER: Level.PROVINCE,
    RoleKind.ADMIN: None,
}
TWO_FACTOR_ROLES = {
    RoleKind.COMMUNE_OFFICER,
    RoleKind.COMMUNE_LEADER,
    RoleKind.PROVINCE_OFFICER,
    RoleKind.ADMIN,
}


class User(AbstractUser):
    full_name = models.CharField("họ và tên", max_length=120, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    # Set when an officer hands over a temporary password; the next sign-in asks for a new one first.
    must_change_password = models.BooleanField("phải đổi mật khẩu khi đăng nhập", default=False)

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def current_roles(self) -> list[Role]:
        cache = getattr(self, "_current_roles", None)
        if cache is None:
            cache = list(Role.objects.current().filter(user=self).select_related("place", "place__parent"))
            self._current_roles = cache
        return cache

    def has_role(self, *kinds: str) -> bool:
        return any(role.kind in kinds for role in self.current_roles())

    @property
    def requires_two_factor(self) -> bool:
        return self.is_superuser or any(role.kind in TWO_FACTOR_ROLES for role in self.current_roles())


class RoleQuerySet(models.QuerySet["Role"]):
    def current(self) -> RoleQuerySet:
        today = timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today), valid_from__lte=today)


class Role(models.Model):
    """A role held by a user over one place; scope is inherited downwards."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name="người dùng")
    kind = models.CharField("vai trò", max_length=20, choices=RoleKind.choices)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="roles", verbose_name="địa bàn"
    )
    valid_from = models.DateField("từ ngày", default=timezone.localdate)
    valid_to = models.DateField("đến ngày", null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=RoleKind.ADMIN) | Q(place__isnull=False), name="role_bound_to_place"
            ),
        ]

    def __str__(self) -> str:
        where = f" — {self.place}" if self.place_id else ""
        return f"{self.get_kind_display()}{where}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        expected = ROLE_LEVEL[self.kind]
        if expected is None:
            if self.place_id:
                raise ValidationError({"place": "Vai trò quản trị hệ thống không gắn với địa bàn."})
            return
        if self.place is None or self.place.level != expected:
            raise ValidationError({"place": f"Vai trò này phải gắn với cấp: {Level(expected).label}."})


class AuditEvent(models.Model):
    """Who read or exported personal data, when, and what. Written by binhdan.accounts.audit only."""

    class Action(models.TextChoices):
        VIEW_LIST = "view_list", "Xem danh sách"
        VIEW_RESIDENT = "view_resident", "Xem thông tin người dân"
        VIEW_HOUSEHOLD = "view_household", "Xem thông tin hộ"
        EXPORT = "export", "Xuất dữ liệu"
        CHANGE = "change", "Sửa dữ liệu"
        ERASE = "erase", "Xoá dữ liệu theo yêu cầu"
        SIGN_IN = "sign_in", "Đăng nhập"
        TOKEN_CREATE = "token_create", "Tạo mã truy cập API"
        TOKEN_NEW_ADDRESS = "token_new_address", "Dùng mã truy cập API từ địa chỉ mới"
        TOKEN_REVOKE = "token_revoke", "Thu hồi mã truy cập API"
        ENROLMENT_ISSUE = "enrolment_issue", "Cấp mã thiết lập xác thực hai lớp"
        ENROLMENT_USE = "enrolment_use", "Dùng mã thiết lập xác thực hai lớp"
        TWO_FACTOR_ENROL = "two_factor_enrol", "Thiết lập xác thực hai lớp"

    at = models.DateTimeField("lúc", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="người dùng"
    )
    action = models.CharField("hành động", max_length=20, choices=Action.choices)
    place = models.ForeignKey(Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    object_type = models.CharField("loại đối tượng", max_length=40, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=40, blank=True)
    detail = models.CharField("chi tiết", max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "nhật ký truy cập dữ liệu"
        verbose_name_plural = "nhật ký truy cập dữ liệu"
        ordering = ["-at"]
        indexes = [models.Index(fields=["place", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.get_action_display()} {self.detail}"


__all__ = ["AuditEvent", "Role", "RoleKind", "User", "search_text"]


# How many distinct client addresses a token remembers; an address outside them is audited.
API_TOKEN_KNOWN_ADDRESSES = 20


def default_token_expiry() -> dt.datetime:
    from django.conf import settings

    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token itself is shown once.

    It expires (`API_TOKEN_DAYS`), can be revoked by its owner or the commune officer, and remembers
    the addresses it was used from so that use from a new one is audited (`tokens.py`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=80, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("tạo lúc", default=timezone.now)
    expires_at = models.DateTimeField("hết hạn lúc", default=default_token_expiry)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    last_ip = models.GenericIPAddressField("địa chỉ dùng lần cuối", null=True, blank=True)
    known_ips = models.JSONField("các địa chỉ đã dùng", default=list, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="người thu hồi"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "Đã thu hồi"
        if self.expires_at <= timezone.now():
            return "Đã hết hạn"
        return "Đang dùng được"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class EnrolmentCode(models.Model):
    """A one-time code handed over out of band so that a user can set up two-factor for the first time.

    Only a keyed hash is stored (`enrolment.py`); valid `ENROLMENT_CODE_HOURS`, single use."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="người cấp"
    )
    created_at = models.DateTimeField("cấp lúc", default=timezone.now)
    expires_at = models.DateTimeField("hết hạn lúc")
    used_at = models.DateTimeField("dùng lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mã thiết lập xác thực hai lớp"
        verbose_name_plural = "mã thiết lập xác thực hai lớp"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%d/%m/%Y %H:%M}"
