"""Households, residents, consent, the skills catalogue and residents' digital status history."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from binhdan.common.models import AppendOnlyModel, TimeStampedModel
from binhdan.common.text import name_sort_key, nfc, search_text
from binhdan.places.models import Place


class Gender(models.TextChoices):
    MALE = "nam", "Nam"
    FEMALE = "nu", "Nữ"
    OTHER = "khac", "Khác"
    UNKNOWN = "", "Chưa rõ"


class Relation(models.TextChoices):
    HEAD = "chu_ho", "Chủ hộ"
    SPOUSE = "vo_chong", "Vợ/chồng"
    CHILD = "con", "Con"
    CHILD_IN_LAW = "con_dau_re", "Con dâu/con rể"
    GRANDCHILD = "chau", "Cháu"
    PARENT = "bo_me", "Bố/mẹ"
    GRANDPARENT = "ong_ba", "Ông/bà"
    SIBLING = "anh_chi_em", "Anh/chị/em"
    OTHER = "khac", "Khác"


# How far back a member may record work time, unless the commune chooses otherwise (CommuneSettings).
WORK_TIME_MAX_AGE_DAYS = 35
# The day of a quarter's last month on which team reports are due, unless the commune chooses another.
REPORT_DAY_DEFAULT = 15
REPORT_DAY_MAX = 28  # every month has it
# The plans' working-hours quota (SPEC §5 "Work time"): at least 4 hours a day on at least 2 days a week.
MIN_WORK_HOURS_PER_DAY = 4
MIN_WORK_DAYS_PER_WEEK = 2


class LeftReason(models.TextChoices):
    """Why a household or resident left the registry (SPEC §4): the indicators stop counting them then."""

    MOVED = "moved", "Chuyển đi nơi khác"
    DIED = "died", "Qua đời"
    SPLIT = "split", "Tách hộ"
    MERGED = "merged", "Nhập hộ"
    DUPLICATE = "duplicate", "Trùng, đã gộp bản ghi"


def lifecycle_error(
    registered_on: dt.date | None, left_on: dt.date | None, left_reason: str
) -> dict[str, str]:
    """Vietnamese messages, by field, when the dates in and out of the registry do not fit together."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if registered_on and registered_on > today:
        errors["registered_on"] = "Ngày vào sổ không được ở tương lai."
    if left_on and left_on > today:
        errors["left_on"] = "Ngày rời sổ không được ở tương lai."
    elif left_on and registered_on and left_on < registered_on:
        errors["left_on"] = "Ngày rời sổ phải sau ngày vào sổ."
    if left_on and not left_reason:
        errors["left_reason"] = "Hãy chọn lý do rời sổ."
    if left_reason and not left_on:
        errors["left_on"] = "Hãy nhập ngày rời sổ."
    return errors


class DashboardEvidence(models.TextChoices):
    """Which digital-status values a commune's dashboards count (SPEC §4: "on paper only" is distrusted)."""

    TRUSTED = "trusted", "Chỉ tính thông tin tổ viên đã xem hoặc đã được xác nhận chính thức"
    ALL = "all", "Tính mọi thông tin, kể cả điều người dân tự kể lại"


class CommuneSettings(models.Model):
    """Choices each commune makes about its own registry."""

    commune = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="registry_settings")
    store_citizen_ids = models.BooleanField(
        "lưu số định danh (dạng mã hoá)",
        default=False,
        help_text="Chỉ lưu mã băm có khoá và dạng che (0791******23) để chống trùng; không bao giờ lưu ảnh thẻ.",
    )
    work_time_max_age_days = models.PositiveSmallIntegerField(
        "số ngày được khai bù thời gian hoạt động",
        default=WORK_TIME_MAX_AGE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Tổ viên chỉ được ghi thời gian hoạt động của những ngày trong khoảng này (tính đến hôm nay).",
    )
    report_day = models.PositiveSmallIntegerField(
        "ngày nộp báo cáo quý",
        default=REPORT_DAY_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(REPORT_DAY_MAX)],
        help_text="Ngày trong tháng cuối quý mà các tổ phải nộp báo cáo, ví dụ 15 hoặc 21.",
    )
    min_hours_per_day = models.PositiveSmallIntegerField(
        "số giờ hoạt động tối thiểu mỗi ngày",
        default=MIN_WORK_HOURS_PER_DAY,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Một ngày được tính là ngày hoạt động khi tổ viên làm đủ số giờ này.",
    )
    min_days_per_week = models.PositiveSmallIntegerField(
        "số ngày hoạt động tối thiểu mỗi tuần",
        default=MIN_WORK_DAYS_PER_WEEK,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    dashboard_evidence = models.CharField(
        "thông tin được tính trên bảng số liệu",
        max_length=8,
        choices=DashboardEvidence.choices,
        default=DashboardEvidence.ALL,
    )

    class Meta:
        verbose_name = "thiết lập sổ hộ của xã"
        verbose_name_plural = "thiết lập sổ hộ của xã"

    def __str__(self) -> str:
        return f"Thiết lập {self.commune}"

    @classmethod
    def for_commune(cls, commune: Place | None) -> CommuneSettings:
        if commune is None:
            return cls(store_citizen_ids=False)
        return cls.objects.get_or_create(commune=commune)[0]

    @property
    def counted_evidence(self) -> tuple[str, ...]:
        """The evidence kinds the commune's dashboards count."""
        if self.dashboard_evidence == DashboardEvidence.ALL:
            return tuple(Evidence.values)
        return tuple(TRUSTED_EVIDENCE)


def household_derived(head_name: str, address: str, number: str) -> tuple[str, str, str, str, str]:
    """A household's text as stored: (head_name, address, number) in NFC, then search_text (folded,
    padded with spaces for whole-word matching) and sort_name. Used by refresh_derived and the import."""
    head_name, address, number = nfc(head_name), nfc(address), nfc(number)
    return (
        head_name,
        address,
        number,
        f" {search_text(head_name, address, number)} ",
        name_sort_key(head_name),
    )


def resident_derived(
    full_name: str, birth_date: dt.date | None, birth_year: int | None
) -> tuple[str, int | None, str, str]:
    """A resident's stored (full_name in NFC, birth_year — from the date when there is one, search_name
    padded with spaces, sort_name). Used by refresh_derived and the import."""
    full_name = nfc(full_name)
    if birth_date:
        birth_year = birth_date.year
    return full_name, birth_year, f" {search_text(full_name)} ", name_sort_key(full_name)


def _word_patterns(folded: str) -> list[str]:
    """Whole words, except the last which may be a prefix still being typed: "nguyen thi ho" finds
    "Nguyễn Thị Hoà" but "hoa" does not find "Hoàng" unless it is the last word."""
    words = folded.split()
    return [f" {w} " for w in words[:-1]] + [f" {words[-1]}"] if words else []


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: Any) -> HouseholdQuerySet:
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "village"))

    def changeable_by(self, user: Any) -> HouseholdQuerySet:
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "village", for_change=True))

    def search(self, query: str) -> HouseholdQuerySet:
        """Accent-insensitive: every word must appear in the head's name, address or number, or in
        the name of someone living in the household."""
        folded = search_text(query)
        if not folded:
            return self
        own, member = Q(), Q()
        for word in _word_patterns(folded):
            own &= Q(search_text__contains=word)
            member &= Q(search_name__contains=word)
        by_member = Resident.objects.filter(member, erased_at__isnull=True).values("household_id")
        return self.filter(own | Q(pk__in=by_member))

    def present_on(self, day: dt.date) -> HouseholdQuerySet:
        """Households counted on `day`: registered on or before it and not yet left."""
        return self.filter(Q(registered_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day)))

    def vietnamese_order(self) -> HouseholdQuerySet:
        return self.order_by("sort_name", "pk")


# The boolean priority flags of a household and of a resident, by field name.
HOUSEHOLD_FLAGS = (
    "is_poor",
    "is_near_poor",
    "has_elderly",
    "has_disabled",
    "no_smart_device",
    "ethnic_minority",
)
RESIDENT_FLAGS = ("is_disabled", "is_trader", "is_worker", "is_pupil")


class Household(TimeStampedModel):
    """Hộ gia đình."""

    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="households", verbose_name="thôn"
    )
    number = models.CharField("số hộ / mã hộ", max_length=30, blank=True)
    address = models.CharField("địa chỉ", max_length=200, blank=True)
    head_name = models.CharField("họ tên chủ hộ", max_length=120)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    declared_size = models.PositiveSmallIntegerField("số nhân khẩu theo danh sách", null=True, blank=True)
    is_poor = models.BooleanField("hộ nghèo", default=False)
    is_near_poor = models.BooleanField("hộ cận nghèo", default=False)
    has_elderly = models.BooleanField("có người cao tuổi", default=False)
    has_disabled = models.BooleanField("có người khuyết tật", default=False)
    no_smart_device = models.BooleanField("chưa có thiết bị số", default=False)
    ethnic_minority = models.BooleanField("dân tộc thiểu số", default=False)
    assigned_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_households",
        verbose_name="tổ viên phụ trách",
    )
    registered_on = models.DateField(
        "ngày vào sổ", default=timezone.localdate, help_text="Từ ngày này hộ được tính vào các chỉ tiêu."
    )
    left_on = models.DateField("ngày rời sổ", null=True, blank=True)
    left_reason = models.CharField("lý do rời sổ", max_length=10, choices=LeftReason.choices, blank=True)
    search_text = models.CharField(max_length=400, editable=False)
    sort_name = models.CharField(max_length=400, editable=False, db_index=True)
    # Set by the database on every insert and update (triggers, see registry/changes.py); never by code.
    # Not indexed: a pull reads it within the user's villages (their index), and an unindexed column lets
    # the touch of every visit be a HOT update (no new index entries; see migration 0007).
    sync_version = models.BigIntegerField(default=0, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "hộ gia đình"
        verbose_name_plural = "hộ gia đình"
        indexes = [models.Index(fields=["village", "sort_name"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_poor=True, is_near_poor=True), name="household_poor_xor_near_poor"
            )
        ]

    def __str__(self) -> str:
        return f"Hộ {self.head_name}" + (f" ({self.number})" if self.number else "")

    def save(self, *args, **kwargs):
        self.refresh_derived()
        super().save(*args, **kwargs)

    def refresh_derived(self) -> None:
        """NFC text and the search/sort columns; call before bulk_create, which skips save()."""
        self.head_name, self.address, self.number, self.search_text, self.sort_name = household_derived(
            self.head_name, self.address, self.number
        )

    @property
    def priority_labels(self) -> list[str]:
        """The household's priority groups, as the field labels say them ("Hộ nghèo", …)."""
        fields = {f.name: f for f in self._meta.concrete_fields}
        return [str(fields[f].verbose_name).capitalize() for f in HOUSEHOLD_FLAGS if getattr(self, f)]


class ResidentQuerySet(models.QuerySet["Resident"]):
    def visible_to(self, user: Any) -> ResidentQuerySet:
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "household__village"))

    def changeable_by(self, user: Any) -> ResidentQuerySet:
        from binhdan.accounts.access import village_scope

        return self.filter(village_scope(user, "household__village", for_change=True))

    def active(self) -> ResidentQuerySet:
        return self.filter(erased_at__isnull=True, left_on__isnull=True)

    def present_on(self, day: dt.date) -> ResidentQuerySet:
        """Residents counted on `day`: in the registry then, and so is their household."""
        return self.filter(
            Q(registered_on__lte=day, household__registered_on__lte=day)
            & (Q(left_on__isnull=True) | Q(left_on__gt=day))
            & (Q(household__left_on__isnull=True) | Q(household__left_on__gt=day))
        )

    def search(self, query: str) -> ResidentQuerySet:
        condition = Q()
        for word in _word_patterns(search_text(query)):
            condition &= Q(search_name__contains=word)
        return self.filter(condition)

    def vietnamese_order(self) -> ResidentQuerySet:
        return self.order_by("sort_name", "pk")

    def aged_at_least(self, years: int, on: dt.date) -> ResidentQuerySet:
        """Residents who are `years` or older on `on`.

        With a birth year only, age is counted the way commune lists count it: year minus birth year.
        """
        day = 28 if (on.month, on.day) == (2, 29) else on.day
        born_by = on.replace(year=on.year - years, day=day)
        return self.filter(
            Q(birth_date__isnull=False, birth_date__lte=born_by)
            | Q(birth_date__isnull=True, birth_year__lte=on.year - years)
        )


class Resident(TimeStampedModel):
    """Người dân / nhân khẩu."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name="hộ"
    )
    full_name = models.CharField("họ và tên", max_length=120)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField("năm sinh", null=True, blank=True)
    gender = models.CharField("giới tính", max_length=4, choices=Gender.choices, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    relation = models.CharField(
        "quan hệ với chủ hộ", max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    is_disabled = models.BooleanField("người khuyết tật", default=False)
    is_trader = models.BooleanField("tiểu thương", default=False)
    is_worker = models.BooleanField("công nhân", default=False)
    is_pupil = models.BooleanField("học sinh", default=False)
    ethnic_minority = models.BooleanField("dân tộc thiểu số", default=False)
    citizen_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    citizen_id_masked = models.CharField("số định danh (che)", max_length=12, blank=True, editable=False)
    learner_code = models.CharField("mã học viên", max_length=12, blank=True, editable=False)
    registered_on = models.DateField(
        "ngày vào sổ",
        default=timezone.localdate,
        help_text="Từ ngày này người dân được tính vào các chỉ tiêu.",
    )
    left_on = models.DateField("ngày rời sổ", null=True, blank=True)
    left_reason = models.CharField("lý do rời sổ", max_length=10, choices=LeftReason.choices, blank=True)
    erased_at = models.DateTimeField("đã xoá theo yêu cầu lúc", null=True, blank=True, editable=False)
    # Keyed hash of household + folded name + birth year, kept after erasure so that importing the old
    # commune list again does not bring the person back (see registry/rights.py).
    erased_key = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    search_name = models.CharField(max_length=200, editable=False)
    sort_name = models.CharField(max_length=400, editable=False, db_index=True)
    # Set by the database on every insert and update (triggers, see registry/changes.py); never by code.
    # Not indexed: a pull reads it within the user's villages (their index), and an unindexed column lets
    # the touch of every visit be a HOT update (no new index entries; see migration 0007).
    sync_version = models.BigIntegerField(default=0, editable=False)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "người dân"
        verbose_name_plural = "người dân"
        indexes = [models.Index(fields=["household", "sort_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1890, birth_year__lte=2100),
                name="resident_birth_year_range",
            ),
            models.UniqueConstraint(
                fields=["citizen_id_hash"],
                condition=~Q(citizen_id_hash=""),
                name="resident_citizen_id_unique",
            ),
            models.UniqueConstraint(
                fields=["learner_code"], condition=~Q(learner_code=""), name="resident_learner_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.refresh_derived()
        super().save(*args, **kwargs)

    def refresh_derived(self) -> None:
        """NFC name, birth year from the date, search/sort columns; call before bulk_create."""
        self.full_name, self.birth_year, self.search_name, self.sort_name = resident_derived(
            self.full_name, self.birth_date, self.birth_year
        )

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.birth_year:
            return day.year - self.birth_year
        return None

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def birth_display(self) -> str:
        if self.birth_date:
            return self.birth_date.strftime("%d/%m/%Y")
        return str(self.birth_year or "")

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @staticmethod
    def new_learner_code() -> str:
        # No 0/O/1/I so the code reads aloud and copies by hand without mistakes.
        alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        return "".join(secrets.choice(alphabet) for _ in range(6))


class ScopeExit(models.Model):
    """A household or resident that left a village (moved to another village or household, or deleted).

    Written only by database triggers (registry/changes.py), so that every write path — services, bulk
    updates, the import — leaves one; the sync pull turns them into `removed` ids for the phones of
    that village. Holds ids only, no personal data.
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", "Hộ"
        RESIDENT = "resident", "Người dân"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    village_id = models.BigIntegerField("thôn cũ")  # no foreign key: the row outlives any change
    at = models.DateTimeField(default=timezone.now)
    sync_version = models.BigIntegerField(default=0, editable=False, db_index=True)

    class Meta:
        verbose_name = "hộ/người rời địa bàn"
        verbose_name_plural = "hộ/người rời địa bàn"
        indexes = [models.Index(fields=["village_id", "sync_version"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} rời thôn #{self.village_id}"


class HouseholdMove(AppendOnlyModel):
    """A household's move from one village to another on a day: its village history.

    The household row holds the village it is in now; its village on an earlier day is the `from_village`
    of the first move after that day. Written only by the registry's services (update, merge of
    villages); never edited, so that indicators as of a past date keep counting it where it was.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="moves")
    from_village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name="từ thôn"
    )
    to_village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name="sang thôn"
    )
    moved_on = models.DateField("ngày chuyển")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "lần chuyển thôn của hộ"
        verbose_name_plural = "lịch sử thôn của hộ"
        ordering = ["household", "moved_on", "pk"]
        indexes = [models.Index(fields=["household", "moved_on"])]

    def __str__(self) -> str:
        return (
            f"{self.household_id}: {self.from_village_id} → {self.to_village_id} ({self.moved_on:%d/%m/%Y})"
        )


class Consent(AppendOnlyModel):
    """A resident's consent to the team keeping their data: who recorded it, when, how."""

    class Method(models.TextChoices):
        VERBAL = "verbal", "Đồng ý bằng lời, có tổ viên chứng kiến"
        WRITTEN = "written", "Ký giấy đồng ý"
        SELF = "self", "Người dân tự xác nhận trên ứng dụng"
        GUARDIAN = "guardian", "Người giám hộ đồng ý (trẻ em, người mất năng lực)"

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    given = models.BooleanField("đồng ý", default=True)
    method = models.CharField("hình thức", max_length=10, choices=Method.choices)
    purpose = models.CharField(
        "mục đích", max_length=200, default="Hỗ trợ kỹ năng số và thống kê của Tổ công nghệ số cộng đồng"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField("ghi nhận lúc", default=timezone.now)
    note = models.CharField("ghi chú", max_length=200, blank=True)

    class Meta:
        verbose_name = "sự đồng ý"
        verbose_name_plural = "sự đồng ý"
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{'Đồng ý' if self.given else 'Rút lại đồng ý'} — {self.get_method_display()}"


class SkillDomain(models.TextChoices):
    DEVICE = "thiet-bi", "Sử dụng thiết bị"
    GOVERNMENT = "chinh-quyen-so", "Chính quyền số"
    ECONOMY = "kinh-te-so", "Kinh tế số"
    SOCIETY = "xa-hoi-so", "Xã hội số"
    SAFETY = "an-toan-so", "An toàn số"
    AI = "tri-tue-nhan-tao", "Trí tuệ nhân tạo"


class SkillQuerySet(models.QuerySet["Skill"]):
    def national(self) -> SkillQuerySet:
        """The national seed: read-only for communes, changed by system admins only."""
        return self.filter(commune__isnull=True)

    def of_commune(self, commune: Place) -> SkillQuerySet:
        """The national skills and the commune's own (not other communes' own skills)."""
        return self.filter(Q(commune__isnull=True) | Q(commune=commune))


class Skill(models.Model):
    """A digital skill of the catalogue: the national seed (commune empty) or a commune's own skill.

    Which skills a commune hides and which form its core set is kept, dated, in CommuneSkillChoice
    (see registry/catalogue.py); `is_core` and `active` here are the national defaults.
    """

    code = models.SlugField("mã", max_length=40, unique=True)
    commune = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_skills",
        verbose_name="xã tự thêm",
        help_text="Để trống: kỹ năng của danh mục quốc gia.",
    )
    name = models.CharField("tên kỹ năng", max_length=160)
    domain = models.CharField("lĩnh vực", max_length=20, choices=SkillDomain.choices)
    description = models.CharField("mô tả", max_length=300, blank=True)
    is_core = models.BooleanField(
        "thuộc bộ kỹ năng số cơ bản",
        default=False,
        help_text="Thành thạo mọi kỹ năng cơ bản = có kỹ năng số cơ bản.",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    active = models.BooleanField("đang dùng", default=True)

    objects = SkillQuerySet.as_manager()

    class Meta:
        verbose_name = "kỹ năng số"
        verbose_name_plural = "danh mục kỹ năng số"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.description = nfc(self.description)
        super().save(*args, **kwargs)


class CommuneSkillChoice(AppendOnlyModel):
    """A commune's dated choice about one skill: whether it is in the core set, whether it is hidden.

    Append-only: the state of a skill for a commune on a day is its latest choice effective by then
    (effective_on, then recorded_at); without any, the national default (Skill.is_core, shown).
    """

    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", verbose_name="xã")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="commune_choices")
    in_core = models.BooleanField("thuộc bộ kỹ năng số cơ bản của xã")
    hidden = models.BooleanField("xã không dùng")
    effective_on = models.DateField("áp dụng từ ngày")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "lựa chọn kỹ năng của xã"
        verbose_name_plural = "lựa chọn kỹ năng của xã"
        ordering = ["effective_on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["commune", "skill", "effective_on"])]
        constraints = [
            models.CheckConstraint(condition=~Q(in_core=True, hidden=True), name="skill_choice_core_shown")
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.effective_on:%d/%m/%Y})"


class Source(models.TextChoices):
    VISIT = "visit", "Lượt hỗ trợ tại hộ"
    CLASS = "class", "Buổi học cộng đồng"
    IMPORT = "import", "Nhập từ danh sách"
    SELF_REPORT = "self_report", "Người dân tự khai"
    OFFICER = "officer", "Cán bộ cập nhật"


class Evidence(models.TextChoices):
    TOLD = "told", "Người dân kể lại"
    SEEN = "seen", "Tổ viên đã xem trên điện thoại của người dân"
    CONFIRMED = "confirmed", "Xác nhận chính thức / danh sách chính thức"


TRUSTED_EVIDENCE = (Evidence.SEEN, Evidence.CONFIRMED)


class StatusField(models.TextChoices):
    """The digital-status facts kept per resident (SPEC §4)."""

    SMARTPHONE = "smartphone", "Có điện thoại thông minh"
    VNEID_LEVEL = "vneid_level", "Mức tài khoản VNeID"
    VNEID_DOCUMENTS = "vneid_documents", "Đã tích hợp giấy tờ vào VNeID"
    HEALTH_BOOK = "health_book", "Có sổ sức khỏe điện tử"
    ONLINE_PUBLIC_SERVICE = "online_public_service", "Đã dùng dịch vụ công trực tuyến"
    PAYMENT_ACCOUNT = "payment_account", "Có tài khoản ngân hàng / ví điện tử / Mobile Money"
    CASHLESS_REGULAR = "cashless_regular", "Thường xuyên thanh toán không dùng tiền mặt"
    DIGITAL_SIGNATURE = "digital_signature", "Có chữ ký số cá nhân"
    SELLS_ONLINE = "sells_online", "Bán hàng trực tuyến"
    USES_4G = "uses_4g", "Dùng điện thoại 4G"
    PCKS_CONFIRMED = "pcks_confirmed", "Đã được xác nhận đạt phổ cập kỹ năng số"


STATUS_VALUE_RANGE = {StatusField.VNEID_LEVEL: (0, 2)}


def status_value_label(field: str, value: int) -> str:
    if field == StatusField.VNEID_LEVEL:
        return "Chưa có tài khoản" if value == 0 else f"Mức {value}"
    return "Có" if value else "Không"


class ObservationQuerySet(models.QuerySet[Any]):
    def as_of(self, day: dt.date) -> ObservationQuerySet:
        return self.filter(observed_on__lte=day)


class StatusObservation(AppendOnlyModel):
    """One fact about a resident's digital status, as seen on a day; never edited, only superseded."""

    # (no index of its own: the history index below starts with the resident)
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="status_observations", db_index=False
    )
    field = models.CharField("thông tin", max_length=30, choices=StatusField.choices)
    value = models.PositiveSmallIntegerField("giá trị")
    observed_on = models.DateField("ngày ghi nhận")
    source = models.CharField("nguồn", max_length=12, choices=Source.choices)
    evidence = models.CharField("cách biết", max_length=10, choices=Evidence.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    source_ref = models.CharField("tham chiếu", max_length=60, blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = "ghi nhận trạng thái số"
        verbose_name_plural = "ghi nhận trạng thái số"
        ordering = ["observed_on", "recorded_at", "pk"]
        indexes = [
            # A resident's history of one field in the order it happened (the order of `Meta.ordering`),
            # with what the rollups read of each row: a round reads many residents' histories straight
            # from it, already in the order of its window (indicators.rollup._changes).
            models.Index(
                fields=["resident", "field", "observed_on", "recorded_at", "id"],
                include=["value", "evidence"],
                name="status_obs_history",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__lte=2), name="status_value_small"),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.value_label} ({self.observed_on:%d/%m/%Y})"

    @property
    def value_label(self) -> str:
        return status_value_label(self.field, self.value)

    @property
    def trusted(self) -> bool:
        return self.evidence in TRUSTED_EVIDENCE


class SkillLevel(models.IntegerChoices):
    NOT_YET = 0, "Chưa biết"
    GUIDED = 1, "Đã được hướng dẫn"
    MASTERED = 2, "Tự làm được (thành thạo)"


class SkillObservation(AppendOnlyModel):
    """A resident's level in one skill as of a day; the latest observation is the current level."""

    # (no index of its own: the history index below starts with the resident)
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="skill_observations", db_index=False
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField("mức", choices=SkillLevel.choices)
    observed_on = models.DateField("ngày ghi nhận")
    source = models.CharField("nguồn", max_length=12, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    source_ref = models.CharField("tham chiếu", max_length=60, blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = "ghi nhận kỹ năng"
        verbose_name_plural = "ghi nhận kỹ năng"
        ordering = ["observed_on", "recorded_at", "pk"]
        indexes = [
            # As StatusObservation's: a resident's history of one skill, in order, with its levels.
            models.Index(
                fields=["resident", "skill", "observed_on", "recorded_at", "id"],
                include=["level"],
                name="skill_obs_history",
            )
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.get_level_display()} ({self.observed_on:%d/%m/%Y})"


class ImportBatch(models.Model):
    """One uploaded commune list, from preview to commit.

    The cell table is kept (zlib-compressed JSON) only until the batch is committed or discarded, and
    citizen ID numbers in it are already replaced by their mask and keyed hash
    (`registry.importing.reading.protect_citizen_ids`): the raw file is never stored.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", "Cần chọn cột"
        CHECKING = "checking", "Đang kiểm tra"
        READY = "ready", "Đã kiểm tra, chờ xác nhận"
        COMMITTING = "committing", "Đang nhập"
        COMMITTED = "committed", "Đã nhập"
        FAILED = "failed", "Lỗi"
        DISCARDED = "discarded", "Đã huỷ"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commune = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", verbose_name="xã")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField("tên tệp", max_length=200)
    status = models.CharField("trạng thái", max_length=12, choices=Status.choices, default=Status.CHECKING)
    create_villages = models.BooleanField("tạo thôn mới khi chưa có", default=False)
    header_row = models.PositiveIntegerField(default=0)
    data_start = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    table = models.BinaryField(null=True, blank=True, editable=False)
    summary = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey("common.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "lượt nhập danh sách"
        verbose_name_plural = "lượt nhập danh sách"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
