"""Users, the roles they hold (each bound to a place) and the audit log of personal-data access."""

from __future__ import annotations

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


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=80, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
