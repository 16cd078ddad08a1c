"""The access matrix's world: the personas' world plus one object of every kind a URL can name, in each
scope — village A (Thôn Đông), village B (Thôn Tây) of the same commune, the other commune of the
province (Xã Tam Sơn, village C) and, for places, a commune of another province (Hà Nội).

`MatrixWorld.cases(kind)` gives, for one kind of object, the (scope label, object, place) triples a URL
is called with; the place is where the object sits (its village, or its commune, or its province), which
is what the expected-access rules in tests/test_access_matrix.py reason about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from binhdan.accounts.models import Role, User
from binhdan.accounts.tokens import create_api_token
from binhdan.assistant.guides import all_guides, short_code
from binhdan.certificates import services as certificates
from binhdan.common.models import Job
from binhdan.donations import services as donations
from binhdan.fieldwork import scams
from binhdan.fieldwork.models import Campaign, CommunityClass, Mentor, Mentorship, Team, Training
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.indicators import services as indicators
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.programmes import services as programmes
from binhdan.programmes.catalogue import PROGRAMMES
from binhdan.programmes.models import DriveKind
from binhdan.registry.models import Household, Resident, Skill
from binhdan.reports import services as reports
from binhdan.reports import services_tasks as tasks
from binhdan.reports.models import ReportKind
from binhdan.reports.models_tasks import PlanTask
from binhdan.reports.periods import day as one_day
from binhdan.reports.periods import quarter_of
from binhdan.testing.indicators import attend, community_class
from binhdan.testing.personas import World, build_world, make_user

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Case:
    scope: str  # "A", "B", "C" (other commune), "X" (another province)
    obj: Any
    place: Place  # where the object sits: a village, a commune or a province


@dataclass
class MatrixWorld:
    world: World
    member_c: User
    hanoi: Place
    hoan_kiem: Place
    objects: dict[str, list[Case]] = field(default_factory=dict)

    def add(self, kind: str, scope: str, obj: Any, place: Place) -> None:
        self.objects.setdefault(kind, []).append(Case(scope, obj, place))

    def cases(self, kind: str) -> list[Case]:
        return self.objects[kind]


def _class(commune: Place, village: Place, by: User) -> CommunityClass:
    return community_class(commune, timezone.localdate(), by=by, village=village)


def _commune_objects(m: MatrixWorld, scope: str, commune: Place, officer: User, leader: User | None) -> None:
    """Everything that belongs to a commune as a whole (no village)."""
    today = timezone.localdate()
    m.add("commune", scope, commune, commune)
    m.add(
        "training",
        scope,
        Training.objects.create(title="Tập huấn VNeID", commune=commune, held_on=today),
        commune,
    )
    m.add(
        "campaign", scope,
        Campaign.objects.create(name="Gõ từng nhà", commune=commune, starts_on=today, ends_on=today), commune,
    )  # fmt: skip
    villages = list(Place.objects.filter(parent=commune).order_by("pk"))
    warning = scams.publish_warning(
        by=officer, commune=commune, title="Cảnh giác cuộc gọi giả công an", text="Không bấm vào đường link lạ.",
        pretext="cap_nhat_vneid", villages=villages[:1],
    )  # fmt: skip
    m.add("scam_warning", scope, warning, commune)
    m.add("commune_code", scope, commune.code, commune)
    skill = Skill.objects.create(
        code=f"ky-nang-rieng-{commune.code}",
        name="Dùng ứng dụng chợ của xã",
        domain="kinh-te-so",
        commune=commune,
    )
    m.add("skill", scope, skill, commune)
    own = indicators.add_own_indicator(
        by=officer, commune=commune, name="Người bán hàng trực tuyến", kind="resident", population="adults",
        condition="sells_online", target=Decimal(30), deadline=dt.date(2026, 12, 31),
    ).obj  # fmt: skip
    m.add("own_indicator", scope, (commune, own), commune)
    task = PlanTask.objects.create(commune=commune, section="I. Truyền thông", number="1", title="Hội nghị")
    m.add("task", scope, task, commune)
    m.add(
        "evidence",
        scope,
        tasks.add_evidence(by=officer, task=task, name="bien-ban.pdf", data=PDF).obj,
        commune,
    )
    donor = donations.save_donor(
        by=officer, commune=commune, name=f"Nhà tài trợ {commune.name}", kind="business"
    )
    m.add("donor", scope, donor, commune)
    job = Job.objects.create(kind="thu", title="Việc thử", created_by=officer)
    m.add("job", scope, job, commune)
    draft = reports.create_report(
        by=officer, kind=ReportKind.COMMUNE_SUMMARY, commune=commune, period=quarter_of(today)
    )
    m.add("report_draft", scope, draft, commune)
    submitted = reports.create_report(
        by=officer, kind=ReportKind.COMMUNE_SUMMARY, commune=commune,
        period=one_day(today - dt.timedelta(days=1)),
    )  # fmt: skip
    reports.submit_report(by=officer, report=submitted)
    m.add("report_submitted", scope, submitted, commune)


def _village_objects(
    m: MatrixWorld, scope: str, village: Place, team: Team, member: User, officer: User
) -> None:
    """Everything that sits in one village."""
    today = timezone.localdate()
    commune = village.parent
    assert commune is not None
    household = Household.objects.filter(village=village).order_by("pk")[0]
    resident = Resident.objects.filter(household=household).order_by("pk")[0]
    m.add("village", scope, village, village)
    m.add("team", scope, team, village)
    m.add("membership", scope, team.memberships.get(user=member, left_on__isnull=True), village)
    m.add("household", scope, household, village)
    m.add("resident", scope, resident, village)
    m.add("member", scope, member, village)
    m.add("role", scope, Role.objects.filter(user=member).order_by("pk").first(), village)
    token = create_api_token(user=member)
    m.add("token", scope, member.api_tokens.order_by("pk").last(), village)
    m.objects.setdefault("_token_text", []).append(Case(scope, token, village))
    held = _class(commune, village, officer)
    attend(held, [resident], by=officer)
    m.add("class", scope, held, village)
    (paper,) = certificates.issue_certificates(by=officer, community_class=held, residents=[resident])
    m.add("certificate", scope, paper, village)
    m.add("certificate_code", scope, paper.code, village)
    mentor = Mentor.objects.create(commune=commune, user=member, started_on=dt.date(2025, 1, 1))
    m.add("mentor", scope, mentor, village)
    mentorship = Mentorship.objects.create(mentor=mentor, mentee=resident, started_on=dt.date(2025, 2, 1))
    m.add("mentorship", scope, mentorship, village)
    donor = next(c.obj for c in m.cases("donor") if c.obj.commune_id == commune.pk)
    donation = donations.record_donation(
        by=officer, commune=commune, donor=donor, item_kind="sim", household=household,
        given_on=today - dt.timedelta(days=1), follow_up_on=today,
    )  # fmt: skip
    m.add("donation", scope, donation, village)
    drive = programmes.create_drive(
        by=officer, commune=commune, villages=[village], residents=[resident],
        data={"title": f"Ra quân tại {village.name}", "kind": DriveKind.VNEID, "held_on": today,
              "starts_at": dt.time(7, 30), "venue": f"Nhà văn hoá {village.name}", "what_to_bring": "",
              "contact": officer},
        filter_used={"rule": "vneid", "villages": [village.pk]},
    )  # fmt: skip
    m.add("drive", scope, drive, village)
    team_report = reports.create_report(
        by=officer, kind=ReportKind.TEAM_QUARTERLY, commune=commune, period=quarter_of(today), team=team
    )
    m.add("report_team", scope, team_report, village)


def build_matrix_world() -> MatrixWorld:
    world = build_world()
    team_c = create_team(village=world.village_c)
    member_c = make_user("tovien.c", "Bùi Văn Cao")
    add_team_member(team=team_c, user=member_c, joined_on=dt.date(2025, 1, 1))
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    add_village(commune=hoan_kiem, name="Tổ dân phố số 1")
    m = MatrixWorld(world=world, member_c=member_c, hanoi=hanoi, hoan_kiem=hoan_kiem)
    m.add("province", "A", world.province, world.province)
    m.add("province", "X", hanoi, hanoi)
    m.add("commune", "X", hoan_kiem, hoan_kiem)
    _commune_objects(m, "A", world.commune, world.officer, world.leader)
    _commune_objects(m, "C", world.other_commune, world.other_officer, None)
    _village_objects(m, "A", world.village_a, world.team_a, world.member_a, world.officer)
    _village_objects(m, "B", world.village_b, world.team_b, world.member_b, world.officer)
    _village_objects(m, "C", world.village_c, team_c, member_c, world.other_officer)
    guide = next(iter(sorted(all_guides())))
    m.add("guide", "P", guide, world.province)
    m.add("short", "P", short_code(guide), world.province)
    m.add(
        "skill_code",
        "P",
        Skill.objects.filter(commune__isnull=True, active=True).order_by("pk")[0].code,
        world.province,
    )
    m.add("programme", "P", PROGRAMMES[0].slug, world.province)
    return m
