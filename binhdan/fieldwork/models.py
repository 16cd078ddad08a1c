"""Community digital technology teams (Tổ CNSCĐ) and their composition over time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from binhdan.common.models import TimeStampedModel
from binhdan.places.models import Place


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: Any) -> TeamQuerySet:
        from binhdan.accounts.access import places_visible_to

        return self.filter(village__in=places_visible_to(user))


class Team(TimeStampedModel):
    """Tổ công nghệ số cộng đồng of one village."""

    village = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="team", verbose_name="thôn")
    name = models.CharField("tên tổ", max_length=160)
    formed_on = models.DateField("ngày thành lập", null=True, blank=True)
    contact_phone = models.CharField("số điện thoại liên hệ", max_length=20, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = "Tổ công nghệ số cộng đồng"
        verbose_name_plural = "Tổ công nghệ số cộng đồng"

    def __str__(self) -> str:
        return self.name

    def current_memberships(self) -> models.QuerySet[TeamMembership]:
        return self.memberships.filter(left_on__isnull=True).select_related("user")


class TeamRole(models.TextChoices):
    LEADER = "to_truong", "Tổ trưởng"
    DEPUTY = "to_pho", "Tổ phó"
    MEMBER = "to_vien", "Tổ viên"


class Affiliation(models.TextChoices):
    YOUTH_UNION = "doan_thanh_nien", "Đoàn Thanh niên"
    WOMEN_UNION = "hoi_phu_nu", "Hội Liên hiệp Phụ nữ"
    POLICE = "cong_an", "Công an"
    VILLAGE_CHIEF = "truong_thon", "Trưởng thôn"
    PARTY_CELL = "bi_thu_chi_bo", "Bí thư chi bộ"
    VETERANS = "hoi_cuu_chien_binh", "Hội Cựu chiến binh"
    FARMERS = "hoi_nong_dan", "Hội Nông dân"
    TEACHER = "giao_vien", "Giáo viên"
    OTHER = "khac", "Khác"


class TeamMembership(models.Model):
    """Who was in a team, in which role, from when to when; leaving closes the row, never deletes it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="team_memberships",
        verbose_name="thành viên",
    )
    role = models.CharField(
        "chức danh trong tổ", max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    affiliation = models.CharField("đơn vị, đoàn thể", max_length=20, choices=Affiliation.choices, blank=True)
    joined_on = models.DateField("ngày vào tổ")
    left_on = models.DateField("ngày rời tổ", null=True, blank=True)

    class Meta:
        verbose_name = "thành viên tổ"
        verbose_name_plural = "thành viên tổ"
        ordering = ["team", "role", "joined_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(left_on__isnull=True),
                name="one_open_membership_per_team",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Channel(models.TextChoices):
    DOOR_TO_DOOR = "door", "Tại nhà (đi từng ngõ, gõ từng nhà)"
    COMMUNITY_POINT = "community", "Điểm hỗ trợ tại nhà văn hoá"
    SERVICE_CENTRE = "service_centre", "Bộ phận một cửa / Trung tâm phục vụ hành chính công"
    ONLINE = "online", "Trực tuyến qua Zalo, điện thoại"
    MARKET = "market", "Tại chợ (Chợ số)"


class SyncReceipt(models.Model):
    """One row per record a phone ever pushed: the database enforces that a client UUID is stored once.

    `payload_hash` tells a harmless resend (same content: "unchanged") from a conflicting one.
    """

    uuid = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload_hash = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "biên nhận đồng bộ"
        verbose_name_plural = "biên nhận đồng bộ"

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: Any) -> VisitQuerySet:
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "household__village"))


class Visit(models.Model):
    """Lượt hỗ trợ: a member's visit to a household, recorded on a phone, offline first."""

    uuid = models.UUIDField("mã trên điện thoại", unique=True)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="visits", verbose_name="hộ"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name="người ghi"
    )
    visited_at = models.DateTimeField("thời điểm", db_index=True)
    minutes = models.PositiveSmallIntegerField("số phút")
    channel = models.CharField("hình thức", max_length=20, choices=Channel.choices)
    follow_up_on = models.DateField("hẹn quay lại", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    campaign = models.ForeignKey(
        "fieldwork.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "lượt hỗ trợ"
        verbose_name_plural = "lượt hỗ trợ"
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["household", "-visited_at"])]

    def __str__(self) -> str:
        return f"Lượt hỗ trợ {self.household} {self.visited_at:%d/%m/%Y}"


class VisitPerson(models.Model):
    """A resident present at a visit; their skills and status facts are observations with source_ref=visit uuid."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="people")
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="visits_present")

    class Meta:
        verbose_name = "người được hỗ trợ"
        verbose_name_plural = "người được hỗ trợ"
        constraints = [models.UniqueConstraint(fields=["visit", "resident"], name="visit_person_once")]

    def __str__(self) -> str:
        return str(self.resident)


class WorkTime(models.Model):
    """A member's active hours on one day (plans ask ≥4 h/day, ≥2 days/week)."""

    uuid = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_times")
    day = models.DateField("ngày")
    hours = models.DecimalField("số giờ", max_digits=4, decimal_places=2)
    note = models.CharField("ghi chú", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thời gian hoạt động"
        verbose_name_plural = "thời gian hoạt động"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%d/%m/%Y}: {self.hours} giờ"


class Audience(models.TextChoices):
    GENERAL = "general", "Mọi người dân"
    ELDERLY = "elderly", "Người cao tuổi"
    DISABLED = "disabled", "Người khuyết tật"
    TRADERS = "traders", "Tiểu thương"
    WORKERS = "workers", "Công nhân"
    YOUTH = "youth", "Thanh niên, học sinh"


class ClassKind(models.TextChoices):
    CLASS = "class", "Lớp Bình dân học vụ số"
    LEARNING_DAY = "learning_day", "Ngày hội toàn dân học tập số (10/10)"
    MARKET_DAY = "market_day", "Chợ số (một ngày tại chợ)"
    SESSION = "session", "Buổi sinh hoạt cộng đồng"


class CommunityClassQuerySet(models.QuerySet["CommunityClass"]):
    def visible_to(self, user: Any) -> CommunityClassQuerySet:
        """Classes held in the user's places, and commune-wide classes above a village they work in."""
        from binhdan.accounts.access import places_visible_to

        visible = places_visible_to(user)
        return self.filter(Q(place__in=visible) | Q(place__in=visible.values("parent_id")))


class CommunityClass(TimeStampedModel):
    """Buổi học cộng đồng: a class, the 10/10 learning day or a market-day campaign."""

    kind = models.CharField("loại", max_length=20, choices=ClassKind.choices, default=ClassKind.CLASS)
    title = models.CharField("tên buổi học", max_length=200)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="classes", verbose_name="địa bàn")
    venue = models.CharField("địa điểm", max_length=200, blank=True)
    held_on = models.DateField("ngày học")
    audience = models.CharField(
        "đối tượng", max_length=20, choices=Audience.choices, default=Audience.GENERAL
    )
    skills = models.ManyToManyField("registry.Skill", blank=True, related_name="+", verbose_name="kỹ năng")
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="classes_taught", verbose_name="người hướng dẫn"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CommunityClassQuerySet.as_manager()

    class Meta:
        verbose_name = "buổi học cộng đồng"
        verbose_name_plural = "buổi học cộng đồng"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class ClassAttendance(models.Model):
    community_class = models.ForeignKey(CommunityClass, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="class_attendance"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "điểm danh buổi học"
        verbose_name_plural = "điểm danh buổi học"
        constraints = [
            models.UniqueConstraint(fields=["community_class", "resident"], name="attend_class_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.community_class}"


class Training(TimeStampedModel):
    """Tập huấn: a training session for team members."""

    title = models.CharField("nội dung tập huấn", max_length=200)
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="trainings", verbose_name="xã")
    held_on = models.DateField("ngày")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="trainings", verbose_name="thành viên tham dự"
    )

    class Meta:
        verbose_name = "buổi tập huấn"
        verbose_name_plural = "buổi tập huấn"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class Mentor(models.Model):
    """Đại sứ số: a team member or a resident who guides others."""

    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="mentors", verbose_name="xã")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="mentor_roles"
    )
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="mentor_roles"
    )
    started_on = models.DateField("từ ngày")
    ended_on = models.DateField("đến ngày", null=True, blank=True)

    class Meta:
        verbose_name = "đại sứ số"
        verbose_name_plural = "đại sứ số"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, resident__isnull=True)
                | Q(user__isnull=True, resident__isnull=False),
                name="mentor_is_member_or_resident",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.resident)


class Mentorship(models.Model):
    class Outcome(models.TextChoices):
        ONGOING = "ongoing", "Đang kèm cặp"
        INDEPENDENT = "independent", "Đã tự sử dụng được"
        STOPPED = "stopped", "Dừng giữa chừng"

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="mentorships")
    mentee = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="mentorships")
    started_on = models.DateField("từ ngày")
    ended_on = models.DateField("đến ngày", null=True, blank=True)
    outcome = models.CharField("kết quả", max_length=12, choices=Outcome.choices, default=Outcome.ONGOING)
    note = models.CharField("ghi chú", max_length=200, blank=True)

    class Meta:
        verbose_name = "người được kèm cặp"
        verbose_name_plural = "người được kèm cặp"
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"], condition=Q(ended_on__isnull=True), name="one_open_mentorship"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        from binhdan.accounts.access import places_visible_to

        return self.filter(commune__in=places_visible_to(user))

    def running_on(self, day: Any) -> CampaignQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Campaign(TimeStampedModel):
    """Chiến dịch, e.g. "Đi từng ngõ, gõ từng nhà" 01/10 – 30/10."""

    name = models.CharField("tên chiến dịch", max_length=200)
    commune = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="campaigns", verbose_name="xã")
    villages = models.ManyToManyField(
        Place, blank=True, related_name="campaigns_in", verbose_name="thôn (để trống = cả xã)"
    )
    starts_on = models.DateField("từ ngày")
    ends_on = models.DateField("đến ngày")
    focus_skills = models.ManyToManyField(
        "registry.Skill", blank=True, related_name="+", verbose_name="kỹ năng trọng tâm"
    )
    daily_reporting = models.BooleanField("báo cáo hằng ngày", default=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "chiến dịch"
        verbose_name_plural = "chiến dịch"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d/%m} – {self.ends_on:%d/%m/%Y})"


class VisitDay(models.Model):
    """How many visits a member recorded in a village on a local day, and how many people they guided.

    Kept by the sync push in its transaction (`fieldwork.visit_days`) so that team quotas over a quarter
    read a few rows per member and day instead of every visit; `visit_days.rebuild()` recomputes it from
    the visits (the demo and the synthetic province load visits directly). Ids and counts only.
    """

    village_id = models.BigIntegerField()  # the household's village when the visit was pushed
    user_id = models.BigIntegerField()
    day = models.DateField()
    visits = models.IntegerField(default=0)
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = "số lượt hỗ trợ theo ngày"
        verbose_name_plural = "số lượt hỗ trợ theo ngày"
        constraints = [models.UniqueConstraint(fields=["village_id", "user_id", "day"], name="visit_day_key")]
        indexes = [models.Index(fields=["user_id", "day"]), models.Index(fields=["village_id", "day"])]

    def __str__(self) -> str:
        return (
            f"{self.user_id}@{self.village_id} {self.day:%d/%m/%Y}: {self.visits} lượt, {self.people} người"
        )


from binhdan.fieldwork.models_scams import ScamReport, ScamWarning  # noqa: E402, F401  (scam reports)
