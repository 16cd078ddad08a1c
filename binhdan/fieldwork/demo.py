"""A believable, deterministic demo commune: Xã Sơn Đông (Phú Thọ).

Village names and every person are invented; the commune and province codes are the official ones.
The commune looks mid-plan: most households entered the registry on 1 October 2025, a few later, a
few left (with their reasons) and two moved to another village; from then to today visits reach more
households week by week, adults learn the core skills one visit after another, the elderly attend
classes. The rows are written in bulk, past the registry's write path, so `build_demo` ends with
`indicators.rollup.rebuild()`.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from binhdan.accounts.models import Role, RoleKind, User
from binhdan.fieldwork.models import (
    Affiliation,
    Audience,
    Campaign,
    Channel,
    ClassAttendance,
    ClassKind,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamRole,
    Training,
    Visit,
    VisitPerson,
    WorkTime,
)
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Place
from binhdan.places.services import add_village
from binhdan.registry.models import (
    Evidence,
    Gender,
    Household,
    HouseholdMove,
    LeftReason,
    Relation,
    Resident,
    Skill,
    SkillLevel,
    SkillObservation,
    Source,
    StatusField,
    StatusObservation,
)

DEMO_COMMUNE_CODE = "08866"  # Xã Sơn Đông, tỉnh Phú Thọ (vietnam-provinces 2025)
DEMO_PASSWORD = "SonDong@2025"  # nosec B105  # the local demo's published password
SEED = 20251001
HISTORY_START = dt.date(2025, 10, 1)  # the registry's first day: the October 2025 campaign
LATE_REGISTRATION = 0.08  # households registered after the first day
HOUSEHOLD_LEFT = 0.02
RESIDENT_LEFT = 0.02
REACHED_BY_TODAY = 0.80  # households with a first visit by today, reached along a rising curve
DOOR_HOUSEHOLDS = 0.72  # households the team guides at home (the others meet it elsewhere)
MAX_VISITS = 9  # a household reached on the first day gets up to this many visits by today

VILLAGES = [
    "Thôn Đông Thịnh", "Thôn Phú Hậu", "Thôn Đồng Giãn", "Thôn Yên Lập", "Thôn Hoàng Chung",
    "Thôn Tam Sơn", "Thôn Phú Thứ",
]  # fmt: skip
VILLAGE_LOGIN = ["dongthinh", "phuhau", "donggian", "yenlap", "hoangchung", "tamson", "phuthu"]

FAMILY = [
    ("Nguyễn", 36), ("Trần", 10), ("Lê", 8), ("Phạm", 6), ("Hoàng", 5), ("Phan", 3), ("Vũ", 4), ("Đặng", 3),
    ("Bùi", 4), ("Đỗ", 4), ("Hồ", 1), ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Đào", 3), ("Đinh", 2), ("Lưu", 1),
    ("Tạ", 1), ("Khổng", 1), ("Kiều", 1), ("Chu", 1), ("Triệu", 1),
]  # fmt: skip
MIDDLE: dict[str, list[str]] = {
    Gender.MALE: [
        "Văn",
        "Văn",
        "Văn",
        "Đức",
        "Minh",
        "Quang",
        "Xuân",
        "Hữu",
        "Đình",
        "Công",
        "Tiến",
        "Thanh",
        "Ngọc",
    ],
    Gender.FEMALE: [
        "Thị",
        "Thị",
        "Thị",
        "Thị",
        "Ngọc",
        "Thu",
        "Thanh",
        "Minh",
        "Hồng",
        "Phương",
        "Kim",
        "Bích",
    ],
}
GIVEN: dict[str, list[str]] = {
    Gender.MALE: [
        "Hùng", "Dũng", "Tuấn", "Cường", "Thắng", "Hải", "Long", "Nam", "Sơn", "Tùng", "Đức", "Hiếu", "Phong",
        "Quân", "Thành", "Bình", "Toàn", "Khánh", "Trung", "Hoà", "Lâm", "Việt", "Đạt", "Huy", "Kiên", "Mạnh",
        "Nghĩa", "Phúc", "Quý", "Tâm", "Thịnh", "Vinh", "Bảo", "Đông", "Lợi", "Tài", "Chiến", "Khoa", "An",
    ],
    Gender.FEMALE: [
        "Hoa", "Lan", "Hương", "Mai", "Hằng", "Thuỷ", "Nga", "Hạnh", "Liên", "Dung", "Huyền", "Trang", "Linh",
        "Thảo", "Yến", "Nhung", "Loan", "Phượng", "Vân", "Hà", "Ngọc", "Oanh", "Thu", "Tuyết", "Hoà", "Duyên",
        "Giang", "Hiền", "Lụa", "Mến", "Nhàn", "Quyên", "Thơm", "Uyên", "Xuân", "Đào", "Ánh", "Chi", "Diệp",
    ],
}  # fmt: skip
CHANNEL_MIX = [
    Channel.DOOR_TO_DOOR,
    Channel.COMMUNITY_POINT,
    Channel.SERVICE_CENTRE,
    Channel.ONLINE,
    Channel.MARKET,
]
AFFILIATIONS = [
    Affiliation.YOUTH_UNION, Affiliation.YOUTH_UNION, Affiliation.YOUTH_UNION, Affiliation.WOMEN_UNION,
    Affiliation.POLICE, Affiliation.VETERANS, Affiliation.FARMERS, Affiliation.TEACHER,
]  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    place: str


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _name(rng: random.Random, gender: str, family: str | None = None) -> str:
    family = family or _weighted(rng, FAMILY)
    return f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


def _user(
    username: str, full_name: str, *, password: str | None, staff: bool = False, superuser: bool = False
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "is_staff": staff or superuser, "is_superuser": superuser},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(f"tovien.{VILLAGE_LOGIN[0]}", "Tổ viên", VILLAGES[0]),
        DemoLogin(f"totruong.{VILLAGE_LOGIN[0]}", "Tổ trưởng", VILLAGES[0]),
        DemoLogin("canbo.sondong", "Công chức Văn hóa - Xã hội", "Xã Sơn Đông"),
        DemoLogin("lanhdao.sondong", "Phó Chủ tịch UBND xã", "Xã Sơn Đông"),
        DemoLogin("sokhcn.phutho", "Cán bộ Sở KH&CN", "Tỉnh Phú Thọ"),
        DemoLogin("quantri", "Quản trị hệ thống", "Toàn hệ thống"),
    ]


# Higher apps add their part of the demo (reports, programmes, …) from `AppConfig.ready()`: fieldwork never
# imports them. Each step gets the demo's day, must be idempotent, and returns a line for the command.
DemoStep = Callable[[dt.date], str]
_DEMO_STEPS: list[tuple[str, DemoStep]] = []


def register_demo_step(key: str, step: DemoStep) -> None:
    """Run `step(today)` after the demo commune is built (registering a key again replaces it)."""
    _DEMO_STEPS[:] = [(k, s) for k, s in _DEMO_STEPS if k != key]
    _DEMO_STEPS.append((key, step))


def run_demo_steps(today: dt.date | None = None) -> list[str]:
    """The higher apps' demo steps, in registration order (the order of INSTALLED_APPS)."""
    today = today or timezone.localdate()
    return [step(today) for _, step in _DEMO_STEPS]


def demo_exists() -> bool:
    return Team.objects.filter(village__parent__code=DEMO_COMMUNE_CODE).exists()


@transaction.atomic
def build_demo(*, households_per_village: int = 160, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo commune once; a second call changes nothing and returns the same counts."""
    # The seed keeps the people identical from run to run; the history runs from 1 October 2025 to today.
    today = today or timezone.localdate()
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    province = commune.parent
    assert province is not None
    if not demo_exists():
        _build(commune, province, households_per_village, today)
        # The rows above were written in bulk, past the registry's listener: recompute the indicators
        # (`indicators.rollup.rebuild()`, by its command since fieldwork does not import indicators).
        call_command("rebuild_indicators", stdout=io.StringIO())
    return {
        "villages": Place.objects.villages().filter(parent=commune).count(),
        "households": Household.objects.filter(village__parent=commune).count(),
        "residents": Resident.objects.filter(household__village__parent=commune).count(),
        "members": Role.objects.filter(place__parent=commune).count(),
    }


def _build(commune: Place, province: Place, households_per_village: int, today: dt.date) -> None:
    rng = random.Random(SEED)  # nosec B311  # reproducible demo data
    officer = _user("canbo.sondong", "Nguyễn Thị Thu Hà", password=DEMO_PASSWORD, staff=True)
    Role.objects.get_or_create(user=officer, kind=RoleKind.COMMUNE_OFFICER, place=commune)
    leader = _user("lanhdao.sondong", "Trần Văn Quang", password=DEMO_PASSWORD, staff=True)
    Role.objects.get_or_create(user=leader, kind=RoleKind.COMMUNE_LEADER, place=commune)
    province_officer = _user("sokhcn.phutho", "Lê Minh Tuấn", password=DEMO_PASSWORD)
    Role.objects.get_or_create(user=province_officer, kind=RoleKind.PROVINCE_OFFICER, place=province)
    admin = _user("quantri", "Quản trị binhdan", password=DEMO_PASSWORD, superuser=True)
    Role.objects.get_or_create(user=admin, kind=RoleKind.ADMIN, place=None)

    skills = list(Skill.objects.filter(active=True))
    by_code = {s.code: s for s in skills}
    campaigns = [
        Campaign.objects.create(
            name="Chiến dịch “Đi từng ngõ, gõ từng nhà, hướng dẫn từng người dân kỹ năng số” 2025",
            commune=commune, starts_on=dt.date(2025, 10, 1), ends_on=dt.date(2025, 10, 30),
        ),
        Campaign.objects.create(
            name="Chiến dịch “Đi từng ngõ, gõ từng nhà” năm 2026",
            commune=commune, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 11, 30),
        ),
    ]  # fmt: skip
    for campaign in campaigns:
        campaign.focus_skills.set([by_code[c] for c in ("vneid-muc-2", "thanh-toan-qr", "nhan-biet-lua-dao")])
    formed = dt.date(2025, 3, 15)
    all_members: list[User] = []
    for index, village_name in enumerate(VILLAGES):
        village = Place.objects.filter(parent=commune, name=village_name).first() or add_village(
            commune=commune, name=village_name, kind=Kind.THON
        )
        team = create_team(village=village, formed_on=formed)
        members = _build_team(rng, team, VILLAGE_LOGIN[index], formed)
        all_members += members
        _build_households(rng, village, members, households_per_village, skills, today, index, campaigns)
    _build_moves(rng, commune, today)
    _build_community_life(rng, commune, all_members, by_code, today)


def _build_moves(rng: random.Random, commune: Place, today: dt.date) -> None:
    """Two households moved to the next village this year: their history stays where it was."""
    villages = list(Place.objects.villages().filter(parent=commune).order_by("code")[:2])
    if len(villages) < 2:
        return
    movers = list(
        Household.objects.filter(
            village=villages[0], registered_on=HISTORY_START, left_on__isnull=True
        ).order_by("pk")[:2]
    )
    for offset, household in zip((75, 30), movers, strict=False):
        moved_on = max(HISTORY_START + dt.timedelta(days=1), today - dt.timedelta(days=offset))
        HouseholdMove.objects.create(
            household=household, from_village=villages[0], to_village=villages[1], moved_on=moved_on
        )
        Household.objects.filter(pk=household.pk).update(village=villages[1])


def _build_community_life(
    rng: random.Random, commune: Place, members: list[User], skills: dict[str, Skill], today: dt.date
) -> None:
    """Classes with attendance, member trainings, digital ambassadors and members' working hours."""
    residents = list(Resident.objects.filter(household__village__parent=commune).select_related("household"))
    elderly = [r for r in residents if (r.age_on(today) or 0) >= 60]
    span = max(30, (today - HISTORY_START).days)
    classes = [
        ("Ngày hội toàn dân học tập số", ClassKind.LEARNING_DAY, Audience.GENERAL, dt.date(2025, 10, 10), commune, 60),
        ("Ngày hội toàn dân học tập số", ClassKind.LEARNING_DAY, Audience.GENERAL, dt.date(2026, 10, 10), commune, 60),
        ("Chợ số: thanh toán bằng mã QR", ClassKind.MARKET_DAY, Audience.TRADERS, dt.date(2026, 10, 18), commune, 25),
    ]  # fmt: skip
    for village in Place.objects.villages().filter(parent=commune).order_by("code"):
        for part in (0, 1, 2):  # one class in each third of the period: the elderly are reached over time
            day = HISTORY_START + dt.timedelta(days=rng.randint(span * part // 3 + 7, span * (part + 1) // 3))
            classes.append(("Lớp VNeID và sổ sức khỏe điện tử cho người cao tuổi", ClassKind.CLASS,
                            Audience.ELDERLY, day, village, 8))  # fmt: skip
    for title, kind, audience, day, place, size in classes:
        if day > today:
            continue
        community_class = CommunityClass.objects.create(
            title=title, kind=kind, audience=audience, held_on=day, place=place
        )
        community_class.skills.set([skills["vneid-muc-2"], skills["thanh-toan-qr"]])
        community_class.instructors.set(rng.sample(members, 2))
        pool = [
            r
            for r in (elderly if audience == Audience.ELDERLY else residents)
            if (place == commune or r.household.village_id == place.pk) and _present(r, day)
        ]
        ClassAttendance.objects.bulk_create(
            [
                ClassAttendance(community_class=community_class, resident=r)
                for r in rng.sample(pool, min(size, len(pool)))
            ]
        )
    for title, day in (("Tập huấn kỹ năng hướng dẫn VNeID mức 2", dt.date(2025, 4, 5)),
                       ("Tập huấn phòng chống lừa đảo trực tuyến", dt.date(2026, 3, 12))):  # fmt: skip
        training = Training.objects.create(title=title, commune=commune, held_on=day)
        training.attendees.set([m for m in members if rng.random() < 0.8])
    for mentor_user in rng.sample(members, 3):
        mentor = Mentor.objects.create(commune=commune, user=mentor_user, started_on=dt.date(2025, 9, 1))
        village_people = [
            r for r in residents if r.household.assigned_member_id == mentor_user.pk
        ] or residents
        for mentee in rng.sample(village_people, min(len(village_people), rng.randint(3, 7))):
            Mentorship.objects.create(mentor=mentor, mentee=mentee, started_on=dt.date(2025, 9, 15))
    work = []
    for member in members:
        for offset in rng.sample(range(1, 31), 8):
            work.append(WorkTime(uuid=uuid.UUID(int=rng.getrandbits(128), version=4), user=member,
                                 day=today - dt.timedelta(days=offset), hours=rng.choice([2, 3, 4, 4, 5, 6])))  # fmt: skip
    WorkTime.objects.bulk_create(work)


def _present(resident: Resident, day: dt.date) -> bool:
    household = resident.household
    return all(
        start <= day and (end is None or end > day)
        for start, end in (
            (resident.registered_on, resident.left_on),
            (household.registered_on, household.left_on),
        )
    )


def _build_team(rng: random.Random, team: Team, login: str, formed: dt.date) -> list[User]:
    size = rng.randint(7, 12)
    members: list[User] = []
    for position in range(size):
        gender = rng.choice([Gender.MALE, Gender.FEMALE])
        if position == 0:
            username, role, password, affiliation = (
                f"totruong.{login}",
                TeamRole.LEADER,
                DEMO_PASSWORD,
                Affiliation.VILLAGE_CHIEF,
            )
        elif position == 1:
            username, role, password, affiliation = (
                f"tovien.{login}",
                TeamRole.MEMBER,
                DEMO_PASSWORD,
                Affiliation.YOUTH_UNION,
            )
        else:
            role = TeamRole.DEPUTY if position == 2 else TeamRole.MEMBER
            username, password, affiliation = f"{login}.{position:02d}", None, rng.choice(AFFILIATIONS)
        user = _user(username, _name(rng, gender), password=password)
        user.phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        user.save(update_fields=["phone"])
        add_team_member(team=team, user=user, role=role, affiliation=affiliation, joined_on=formed)
        members.append(user)
    return members


def _birth(rng: random.Random, age: int, today: dt.date) -> tuple[dt.date | None, int]:
    year = today.year - age
    if rng.random() < 0.25:  # lists often carry the year only
        return None, year
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    return day, day.year


def _build_households(
    rng: random.Random,
    village: Place,
    members: list[User],
    count: int,
    skills: list[Skill],
    today: dt.date,
    v_index: int,
    campaigns: list[Campaign],
) -> None:
    households: list[Household] = []
    people: list[list[Resident]] = []
    for number in range(1, count + 1):
        head_gender = Gender.MALE if rng.random() < 0.78 else Gender.FEMALE
        family = _weighted(rng, FAMILY)
        head_age = rng.randint(26, 88)
        residents: list[Resident] = []

        def person(gender: str, age: int, relation: str, fam: str | None = family) -> Resident:
            birth_date, birth_year = _birth(rng, age, today)
            return Resident(
                full_name=_name(rng, gender, fam),
                gender=gender,
                birth_date=birth_date,
                birth_year=birth_year,
                relation=relation,
                is_disabled=rng.random() < 0.03,
                is_trader=18 <= age <= 65 and rng.random() < 0.06,
                is_worker=18 <= age <= 45 and rng.random() < 0.15,
                is_pupil=6 <= age <= 18,
            )

        residents.append(person(head_gender, head_age, Relation.HEAD))
        if head_age < 80 and rng.random() < 0.85:
            spouse_gender = Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE
            residents.append(
                person(spouse_gender, max(20, head_age + rng.randint(-6, 3)), Relation.SPOUSE, None)
            )
        if head_age < 65:
            for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3])):
                child_age = rng.randint(0, max(0, min(40, head_age - 20)))
                residents.append(person(rng.choice([Gender.MALE, Gender.FEMALE]), child_age, Relation.CHILD))
            if head_age < 50 and rng.random() < 0.2:
                residents.append(
                    person(
                        rng.choice([Gender.MALE, Gender.FEMALE]),
                        head_age + rng.randint(22, 32),
                        Relation.PARENT,
                    )
                )
        elif rng.random() < 0.35:
            residents.append(
                person(rng.choice([Gender.MALE, Gender.FEMALE]), rng.randint(25, 45), Relation.CHILD)
            )
            residents.append(person(Gender.FEMALE, rng.randint(22, 42), Relation.CHILD_IN_LAW, None))
            for _ in range(rng.randint(0, 2)):
                residents.append(
                    person(rng.choice([Gender.MALE, Gender.FEMALE]), rng.randint(0, 16), Relation.GRANDCHILD)
                )
        ages = [r.age_on(today) or 0 for r in residents]
        span = max(30, (today - HISTORY_START).days)
        registered = HISTORY_START
        if rng.random() < LATE_REGISTRATION:
            registered += dt.timedelta(days=rng.randint(1, span - 21))
        left_on, left_reason = None, ""
        if rng.random() < HOUSEHOLD_LEFT:
            left_on = registered + dt.timedelta(days=rng.randint(14, max(14, (today - registered).days - 1)))
            left_reason = rng.choice([LeftReason.MOVED, LeftReason.SPLIT, LeftReason.MERGED])
        for resident, age in zip(residents, ages, strict=True):
            resident.registered_on = registered
            if left_on is None and rng.random() < RESIDENT_LEFT and (today - registered).days > 30:
                resident.left_on = registered + dt.timedelta(
                    days=rng.randint(20, (today - registered).days - 1)
                )
                resident.left_reason = LeftReason.DIED if age >= 70 else LeftReason.MOVED
        poor = rng.random() < 0.05
        household = Household(
            village=village,
            number=f"{v_index + 1:02d}{number:04d}",
            head_name=residents[0].full_name,
            address=f"Xóm {rng.randint(1, 6)}, {village.name}",
            declared_size=len(residents),
            is_poor=poor,
            is_near_poor=not poor and rng.random() < 0.07,
            has_elderly=any(a >= 60 for a in ages),
            has_disabled=any(r.is_disabled for r in residents),
            no_smart_device=rng.random() < 0.12,
            registered_on=registered,
            left_on=left_on,
            left_reason=left_reason,
            phone=f"0{rng.choice([3, 8, 9])}{rng.randint(10_000_000, 99_999_999)}"
            if rng.random() < 0.7
            else "",
        )
        household.refresh_derived()
        households.append(household)
        people.append(residents)

    # Assign about 85% of the households, at least 10 per member where the village allows.
    assignable = [h for h in households if rng.random() < 0.85]
    for position, household in enumerate(assignable):
        household.assigned_member = members[position % len(members)]
    Household.objects.bulk_create(households)

    all_residents: list[Resident] = []
    for household, residents in zip(households, people, strict=True):
        for resident in residents:
            resident.household = household
            resident.refresh_derived()
            all_residents.append(resident)
    Resident.objects.bulk_create(all_residents, batch_size=500)
    _build_history(rng, households, people, members, skills, today, campaigns)


def _day(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=day)


def _build_history(
    rng: random.Random,
    households: list[Household],
    people: list[list[Resident]],
    members: list[User],
    skills: list[Skill],
    today: dt.date,
    campaigns: list[Campaign],
) -> None:
    """Facts imported at registration, then visits from 1 October 2025 to today.

    A household's first visit falls on a rising curve (REACHED_BY_TODAY of them by today, more each
    week); the earlier it came, the more visits followed. At each visit one to three people are guided:
    the next core skill is learned ("tự làm được") at a pace that depends on age, and facts seen on
    their phone are recorded (smartphone, VNeID level 2, payment account, health book, PCKS).
    """
    span = max(30, (today - HISTORY_START).days)  # day index of today
    core = [s for s in skills if s.is_core]
    other = [s for s in skills if not s.is_core] or core
    status_rows: list[StatusObservation] = []
    skill_rows: list[SkillObservation] = []
    visits: list[Visit] = []
    present: list[tuple[Visit, Resident]] = []

    def status(resident: Resident, field: str, value: int, day: dt.date, source: str, evidence: str,
               who: User | None = None, ref: str = "") -> None:  # fmt: skip
        status_rows.append(StatusObservation(resident=resident, field=field, value=value, observed_on=day,
                                             source=source, evidence=evidence, recorded_by=who, source_ref=ref))  # fmt: skip

    for household, residents in zip(households, people, strict=True):
        start = (household.registered_on - HISTORY_START).days
        end = (household.left_on - HISTORY_START).days if household.left_on else span + 1
        states: dict[int, list] = {}
        for resident in residents:
            age = resident.age_on(today) or 0
            if age < 14:
                continue
            older = age >= 60
            phone = not household.no_smart_device and rng.random() < (0.35 if older else 0.6)
            vneid = (2 if rng.random() < 0.25 else 1 if rng.random() < 0.4 else 0) if phone else 0
            status(
                resident,
                StatusField.SMARTPHONE,
                int(phone),
                resident.registered_on,
                Source.IMPORT,
                Evidence.TOLD,
            )
            status(resident, StatusField.VNEID_LEVEL, vneid, resident.registered_on, Source.IMPORT,
                   Evidence.CONFIRMED)  # fmt: skip
            pace = (
                rng.uniform(0.45, 0.8)
                if age < 40
                else rng.uniform(0.3, 0.6)
                if not older
                else rng.uniform(0.1, 0.3)
            )
            left = (resident.left_on - HISTORY_START).days if resident.left_on else end
            # [phone, vneid level, core skills learned, paid, cashless, pcks, health book, pace, last day]
            states[id(resident)] = [phone, vneid, 0, False, False, False, False, pace, min(left, end)]
        u = rng.random()
        if u >= REACHED_BY_TODAY:
            continue
        first = max(start, int(span * (u / REACHED_BY_TODAY) ** 0.9))
        last = min(span, end - 1)
        if first > last:
            continue
        count = 1 + round((MAX_VISITS - 1) * (last - first) / span * rng.uniform(0.5, 1.2))
        at_home = rng.random() < DOOR_HOUSEHOLDS
        for n, day in enumerate(sorted([first] + [rng.randint(first, last) for _ in range(count - 1)])):
            on = _day(HISTORY_START, day)
            who = household.assigned_member or rng.choice(members)
            at = dt.datetime.combine(on, dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])))
            channel = (
                Channel.DOOR_TO_DOOR
                if at_home and (n == 0 or rng.random() < 0.7)
                else rng.choice(CHANNEL_MIX[1:])
            )
            visit = Visit(
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                household=household,
                recorded_by=who,
                visited_at=timezone.make_aware(at),
                minutes=rng.choice([10, 15, 20, 30, 45]),
                channel=channel,
                follow_up_on=on + dt.timedelta(days=7) if rng.random() < 0.2 and on + dt.timedelta(days=7) <= today else None,
            )  # fmt: skip
            visits.append(visit)
            ref = str(visit.uuid)
            here = [
                r for r in residents
                if id(r) in states and (r.registered_on - HISTORY_START).days <= day < states[id(r)][8]
            ]  # fmt: skip
            for resident in rng.sample(here, min(len(here), rng.choice([1, 2, 2, 3]))):
                state = states[id(resident)]
                present.append((visit, resident))
                learned = sum(rng.random() < state[7] for _ in range(3))
                if not learned:
                    skill = core[state[2]] if state[2] < len(core) else rng.choice(other)
                    skill_rows.append(SkillObservation(resident=resident, skill=skill, level=SkillLevel.GUIDED,
                                                       observed_on=on, source=Source.VISIT, recorded_by=who,
                                                       source_ref=ref))  # fmt: skip
                for _ in range(learned):
                    if state[2] < len(core):
                        skill_rows.append(SkillObservation(resident=resident, skill=core[state[2]],
                                                           level=SkillLevel.MASTERED, observed_on=on,
                                                           source=Source.VISIT, recorded_by=who, source_ref=ref))  # fmt: skip
                        state[2] += 1
                if not state[0] and not household.no_smart_device and rng.random() < 0.3:
                    state[0] = True
                    status(resident, StatusField.SMARTPHONE, 1, on, Source.VISIT, Evidence.SEEN, who, ref)
                elif state[0] and state[1] < 2 and rng.random() < 0.45:
                    state[1] = 2
                    status(resident, StatusField.VNEID_LEVEL, 2, on, Source.VISIT, Evidence.SEEN, who, ref)
                if state[0] and not state[3] and rng.random() < 0.3:
                    state[3] = True
                    status(
                        resident, StatusField.PAYMENT_ACCOUNT, 1, on, Source.VISIT, Evidence.SEEN, who, ref
                    )
                elif state[3] and not state[4] and rng.random() < 0.3:
                    state[4] = True
                    status(
                        resident, StatusField.CASHLESS_REGULAR, 1, on, Source.VISIT, Evidence.TOLD, who, ref
                    )
                if state[1] == 2 and not state[6] and rng.random() < 0.3:
                    state[6] = True
                    status(resident, StatusField.HEALTH_BOOK, 1, on, Source.VISIT, Evidence.SEEN, who, ref)
                if state[2] >= len(core) and not state[5] and rng.random() < 0.4:
                    state[5] = True
                    status(
                        resident,
                        StatusField.PCKS_CONFIRMED,
                        1,
                        on,
                        Source.VISIT,
                        Evidence.CONFIRMED,
                        who,
                        ref,
                    )
                if rng.random() < 0.4:
                    status(
                        resident,
                        StatusField.USES_4G,
                        int(state[0]),
                        on,
                        Source.VISIT,
                        Evidence.TOLD,
                        who,
                        ref,
                    )
    StatusObservation.objects.bulk_create(status_rows, batch_size=1000)
    SkillObservation.objects.bulk_create(skill_rows, batch_size=1000)
    for visit in visits:
        visit.campaign = next(
            (c for c in campaigns if c.starts_on <= timezone.localtime(visit.visited_at).date() <= c.ends_on),
            None,
        )
    Visit.objects.bulk_create(visits, batch_size=500)
    VisitPerson.objects.bulk_create([VisitPerson(visit=v, resident=r) for v, r in present], batch_size=1000)
