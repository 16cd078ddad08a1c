"""Team and member quotas, emulation leaderboards and campaign mode: each quota on a small built world,
scope per persona, workbooks, hostile dates and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from binhdan.accounts.models import AuditEvent
from binhdan.fieldwork import rules, visit_days
from binhdan.fieldwork.models import (
    Campaign,
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
from binhdan.indicators import emulation, rollup
from binhdan.indicators.teamwork import MIN_GUIDANCE_PER_QUARTER, MentorRow, TeamRow, teamwork, weeks_in
from binhdan.places.services import add_village
from binhdan.registry import catalogue, services
from binhdan.registry.models import CommuneSettings, Household, Relation, Resident, SkillLevel, Source
from binhdan.testing.personas import make_household, make_user

# Q4 2026 starts on Thursday 1 October; its first complete week is Monday 5 – Sunday 11 October.
DAY = dt.date(2026, 10, 11)
WEEK = [dt.date(2026, 10, 5) + dt.timedelta(days=i) for i in range(7)]
LONG_AGO = dt.date(2025, 1, 1)
PERSONAS = (
    "member_a",
    "leader_a",
    "member_b",
    "officer",
    "leader",
    "province_officer",
    "other_officer",
    "admin",
)


def _households(village: Any, n: int, *, member: Any = None, prefix: str = "Hộ") -> list[Household]:
    homes = [
        Household(village=village, head_name=f"{prefix} {village.name} {i}", assigned_member=member,
                  registered_on=LONG_AGO)
        for i in range(n)
    ]  # fmt: skip
    for home in homes:
        home.refresh_derived()
    return Household.objects.bulk_create(homes)


def _residents(households: list[Household]) -> list[Resident]:
    people = [
        Resident(household=h, full_name=f"Người {h.pk}", birth_year=1970, relation=Relation.HEAD,
                 registered_on=LONG_AGO)
        for h in households
    ]  # fmt: skip
    for person in people:
        person.refresh_derived()
    return Resident.objects.bulk_create(people)


def _fill_team(team: Team, size: int, tag: str) -> None:
    current = team.memberships.filter(left_on__isnull=True).count()
    for i in range(size - current):
        add_team_member(team=team, user=make_user(f"{tag}.{i}", f"Thành Viên {tag} {i}"), joined_on=LONG_AGO)


def _work(user: Any, days: list[dt.date], hours: str) -> None:
    for day in days:
        WorkTime.objects.create(uuid=uuid.uuid4(), user=user, day=day, hours=Decimal(hours))


def _guidance(user: Any, resident: Resident, n: int, on: dt.date = WEEK[1]) -> None:
    when = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    visits = Visit.objects.bulk_create(
        Visit(uuid=uuid.uuid4(), household=resident.household, recorded_by=user, visited_at=when, minutes=10,
              channel="door")
        for _ in range(n)
    )  # fmt: skip
    VisitPerson.objects.bulk_create(VisitPerson(visit=v, resident=resident) for v in visits)
    # The sync push keeps the daily counts; rows made here by hand are counted in the same way.
    visit_days.add([(resident.household.village_id, user.pk, on, 1)] * n)


def _row(work: Any, user: Any) -> Any:
    return next(m for m in work.members if m.user_id == user.pk)


# --- each quota, computed right -------------------------------------------------------------------------


def test_ten_households_meet_the_quota_and_nine_do_not(world):
    _households(world.village_a, rules.MIN_HOUSEHOLDS_PER_MEMBER, member=world.member_a)
    _households(world.village_b, rules.MIN_HOUSEHOLDS_PER_MEMBER - 1, member=world.member_b)
    gone = _households(world.village_a, 1, member=world.member_b, prefix="Đã rời")
    Household.objects.filter(pk=gone[0].pk).update(left_on=DAY - dt.timedelta(days=3))
    work = teamwork(world.commune, DAY)
    a, b = _row(work, world.member_a), _row(work, world.member_b)
    assert (a.households, a.enough_households) == (10, True)
    assert (b.households, b.enough_households) == (9, False)  # a household that left no longer counts
    assert work.values()["MB_10HH"] == (1, 3)  # leader_a has none


def test_two_days_of_four_hours_in_a_week_meet_the_quota_and_one_does_not(world):
    _work(world.member_a, [WEEK[1], WEEK[3]], "4")
    _work(world.member_b, [WEEK[1]], "4")
    _work(world.member_b, [WEEK[2]], "3.5")
    _work(world.leader_a, [WEEK[1]], "2")
    _work(world.leader_a, [WEEK[1]], "2")  # two entries on one day add up to 4 h
    _work(world.leader_a, [WEEK[4]], "4")
    assert weeks_in(dt.date(2026, 10, 1), DAY) == [(WEEK[0], WEEK[6])]
    work = teamwork(world.commune, DAY)
    a, b, lead = _row(work, world.member_a), _row(work, world.member_b), _row(work, world.leader_a)
    assert (a.weeks_met, a.weeks, a.enough_hours) == (1, 1, True)
    assert (b.weeks_met, b.weeks, b.enough_hours) == (0, 1, False)
    assert lead.enough_hours
    assert work.values()["MB_HOURS"] == (2, 3)


def test_the_communes_own_working_hours_rule_counts(world):
    CommuneSettings.objects.create(commune=world.commune, min_hours_per_day=Decimal(3), min_days_per_week=2)
    _work(world.member_b, [WEEK[1], WEEK[2]], "3.5")
    assert _row(teamwork(world.commune, DAY), world.member_b).enough_hours
    assert _row(teamwork(world.village_b, DAY), world.member_b).enough_hours
    assert _row(teamwork(world.province, DAY), world.member_b).enough_hours  # a province uses each commune's
    page = _page_text(world, "officer", reverse("indicators:teams", args=[world.commune.pk]))
    assert "ít nhất 3 giờ/ngày" in page


def test_a_member_who_joined_mid_quarter_is_counted_from_joining(world):
    newcomer = make_user("moi.vao", "Đinh Văn Mới")
    add_team_member(team=world.team_a, user=newcomer, joined_on=dt.date(2026, 10, 12))
    _work(newcomer, [dt.date(2026, 10, 13), dt.date(2026, 10, 14)], "4")
    row = _row(teamwork(world.commune, dt.date(2026, 10, 18)), newcomer)
    assert (row.weeks_met, row.weeks) == (1, 1)


def test_a_team_of_seven_is_right_and_of_six_is_not(world):
    _fill_team(world.team_a, rules.MIN_TEAM_SIZE, "a")
    _fill_team(world.team_b, rules.MIN_TEAM_SIZE - 1, "b")
    work = teamwork(world.commune, DAY)
    sizes = {t.name: (t.size, t.right_size) for t in work.teams}
    assert sizes[world.team_a.name] == (7, True)
    assert sizes[world.team_b.name] == (6, False)
    assert work.values()["TM_SIZE"] == (1, 2)


def test_members_are_listed_leader_first_then_deputy(world):
    deputy = make_user("topho.a", "Âu Thị Phó")
    add_team_member(team=world.team_a, user=deputy, role=TeamRole.DEPUTY, joined_on=LONG_AGO)
    team = next(t for t in teamwork(world.commune, DAY).teams if t.team_id == world.team_a.pk)
    assert [m.role for m in team.members] == [TeamRole.LEADER, TeamRole.DEPUTY, TeamRole.MEMBER]
    assert [m.role_label for m in team.members] == ["Tổ trưởng", "Tổ phó", "Tổ viên"]


def test_fifty_guidance_records_in_the_quarter_meet_the_team_quota_and_49_do_not(world):
    resident_a = _residents(_households(world.village_a, 1))[0]
    resident_b = _residents(_households(world.village_b, 1))[0]
    _guidance(world.member_a, resident_a, MIN_GUIDANCE_PER_QUARTER)
    _guidance(world.member_b, resident_b, MIN_GUIDANCE_PER_QUARTER - 1)
    _guidance(world.member_b, resident_b, 5, on=dt.date(2026, 9, 30))  # the quarter before
    work = teamwork(world.commune, DAY)
    guided = {t.team_id: (t.guided, t.enough_guidance) for t in work.teams}
    assert guided[world.team_a.pk] == (50, True)
    assert guided[world.team_b.pk] == (49, False)
    assert _row(work, world.member_a).guided == 50


def test_a_mentor_with_five_mentees_meets_the_quota_and_four_do_not(world):
    people = _residents(_households(world.village_a, 10))
    five = Mentor.objects.create(commune=world.commune, user=world.member_a, started_on=LONG_AGO)
    four = Mentor.objects.create(commune=world.commune, resident=people[9], started_on=LONG_AGO)
    for person in people[:5]:
        Mentorship.objects.create(mentor=five, mentee=person, started_on=LONG_AGO)
    for person in people[5:9]:
        Mentorship.objects.create(mentor=four, mentee=person, started_on=LONG_AGO,
                                  outcome=Mentorship.Outcome.INDEPENDENT, ended_on=DAY)  # fmt: skip
    Mentorship.objects.create(mentor=four, mentee=people[0], started_on=LONG_AGO,
                              outcome=Mentorship.Outcome.STOPPED)  # fmt: skip
    work = teamwork(world.commune, DAY)
    rows = {m.mentor_id: m for m in work.mentors}
    assert (rows[five.pk].mentees, rows[five.pk].enough_mentees) == (5, True)
    assert (rows[four.pk].mentees, rows[four.pk].enough_mentees, rows[four.pk].independent) == (4, False, 4)
    assert work.values()["MT_5"] == (1, 2)
    # A village shows the mentors who work or live there; the other village none.
    assert {m.mentor_id for m in teamwork(world.village_a, DAY).mentors} == {five.pk, four.pk}
    assert teamwork(world.village_b, DAY).mentors == []


def test_trained_members_are_those_at_a_training_held_by_the_day(world):
    held = Training.objects.create(title="Tập huấn VNeID", commune=world.commune, held_on=WEEK[0])
    held.attendees.add(world.member_a)
    later = Training.objects.create(
        title="Tập huấn sau", commune=world.commune, held_on=DAY + dt.timedelta(days=1)
    )
    later.attendees.add(world.member_b)
    work = teamwork(world.commune, DAY)
    assert _row(work, world.member_a).trained is True
    assert _row(work, world.member_b).trained is False
    assert work.values()["MB_TRAINED"] == (1, 3)


def test_a_team_of_a_merged_village_or_formed_later_is_not_counted(world):
    late = add_village(commune=world.commune, name="Thôn Mới")
    Team.objects.filter(pk=create_team(village=late).pk).update(formed_on=DAY + dt.timedelta(days=5))
    assert {t.team_id for t in teamwork(world.commune, DAY).teams} == {world.team_a.pk, world.team_b.pk}


# --- emulation rules ----------------------------------------------------------------------------------


def _team(name: str, size: int, guided: int, *, households: int = 0, trained: bool = False) -> TeamRow:
    from binhdan.indicators.teamwork import MemberRow

    team = TeamRow(len(name), name, 1, "Thôn")
    team.members = [MemberRow(i, f"M{i}", team.team_id, 1, TeamRole.MEMBER, None, households, trained)
                    for i in range(size)]  # fmt: skip
    team.guided = guided
    return team


def test_team_score_is_the_average_of_the_five_quota_shares():
    full = _team("Đủ", 7, 50, households=10, trained=True)
    for m in full.members:
        m.weeks = m.weeks_met = 1
    assert emulation.team_score(full) == Decimal("100.0")
    half_trained = _team("Nửa", 7, 60, households=10)
    for m in half_trained.members[:3]:
        m.trained = True
    # size 1 + guidance 1 + households 1 + hours 0 + trained 3/7 → (3 + 3/7) / 5 = 68.6 %
    assert emulation.team_score(half_trained) == Decimal("68.6")
    assert emulation.team_score(_team("Trống", 0, 0)) == Decimal("0.0")


def test_ranks_follow_score_then_guidance_and_ties_share_a_rank():
    a, b, c = _team("Tổ A", 7, 50), _team("Tổ B", 7, 50), _team("Tổ C", 7, 80)
    ranked = emulation.rank_teams([a, b, c])
    assert [(r.rank, r.item.name) for r in ranked] == [(1, "Tổ C"), (2, "Tổ A"), (2, "Tổ B")]
    mentors = [MentorRow(1, "Bảo", 6, 1), MentorRow(2, "An", 4, 3), MentorRow(3, "Cúc", 7, 1)]
    assert [(r.rank, r.item.name) for r in emulation.rank_mentors(mentors)] == [
        (1, "An"),
        (2, "Cúc"),
        (3, "Bảo"),
    ]


# --- pages: scope per persona ---------------------------------------------------------------------------


def _page_text(world: Any, persona: str, url: str, **params: str) -> str:
    from binhdan.testing.personas import signed_in_client

    answer = signed_in_client(world.personas()[persona]).get(url, {"ngay": DAY.isoformat(), **params})
    assert answer.status_code == 200, (persona, url, answer.status_code)
    return answer.content.decode()


SEES_COMMUNE = {"officer", "leader", "province_officer", "admin"}
SEES_VILLAGE_A = SEES_COMMUNE | {"member_a", "leader_a"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_the_quota_pages_and_the_leaderboard(world, client_for, persona):
    client = client_for(world.personas()[persona])
    commune_urls = [
        reverse("indicators:teams", args=[world.commune.pk]),
        reverse("indicators:leaderboard", args=[world.commune.pk]),
    ]
    for url in commune_urls:
        assert client.get(url).status_code == (200 if persona in SEES_COMMUNE else 404), url
    village = client.get(reverse("indicators:village_teams", args=[world.village_a.pk]))
    assert village.status_code == (200 if persona in SEES_VILLAGE_A else 404)
    other = client.get(reverse("indicators:teams", args=[world.other_commune.pk]))
    assert other.status_code == (200 if persona in {"province_officer", "other_officer", "admin"} else 404)
    assert client.get(reverse("indicators:teams", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    for url in [
        reverse("indicators:teams", args=[world.commune.pk]),
        reverse("indicators:village_teams", args=[world.village_a.pk]),
        reverse("indicators:leaderboard", args=[world.commune.pk]),
        reverse("indicators:campaign", args=[1]),
        reverse("indicators:campaign_print", args=[1]),
    ]:
        answer = client.get(url)
        assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"], url


def test_the_quota_page_says_met_and_not_met_in_words_with_the_rules_numbers(world):
    _households(world.village_a, 10, member=world.member_a)
    _fill_team(world.team_a, 7, "a")
    page = _page_text(world, "leader_a", reverse("indicators:village_teams", args=[world.village_a.pk]))
    assert "Số thành viên: 7 — Đạt (7-12 người)" in page
    assert "Lượt hướng dẫn người dân trong quý: 0/50 — Chưa đạt" in page
    assert "10 — Đạt" in page and "0 — Chưa đạt" in page
    assert "Chưa tập huấn" in page
    assert page.index("Trần Thị Bình") < page.index("Nguyễn Văn An")  # tổ trưởng first
    assert "Thôn Tây" not in page  # the village page shows only its own team


def test_resident_mentors_names_are_hidden_from_province_officers(world):
    Mentor.objects.create(commune=world.commune, resident=world.resident_a, started_on=LONG_AGO)
    url = reverse("indicators:teams", args=[world.commune.pk])
    assert "Nguyễn Thị Hoà" in _page_text(world, "officer", url)
    province = _page_text(world, "province_officer", url)
    assert "Nguyễn Thị Hoà" not in province and "Người dân (tên ẩn)" in province
    assert "Nguyễn Văn An" in province  # team members are not residents


def _make_digital(world: Any, household: Household, adults: int) -> None:
    """Give `adults` adults of the household every core skill (mastered) on LONG_AGO."""
    core = catalogue.core_skills(world.commune, DAY)
    people = list(household.residents.all())
    while len(people) < adults:
        people.append(services.add_resident(
            by=None, household=household, full_name=f"Con {household.pk} {len(people)}", birth_year=1990,
            relation=Relation.CHILD, registered_on=LONG_AGO,
        ))  # fmt: skip
    household.residents.update(registered_on=LONG_AGO)  # recording the skills below refreshes the rollups
    for person in people[:adults]:
        for skill in core:
            services.record_skill(by=None, resident=person, skill=skill, level=SkillLevel.MASTERED,
                                  observed_on=LONG_AGO, source=Source.OFFICER)  # fmt: skip


def test_digital_families_board_ranks_by_adults_with_basic_skills_for_those_who_may_see_households(world):
    for household in (world.household_a, world.household_b):
        Household.objects.filter(pk=household.pk).update(registered_on=LONG_AGO)
        household.residents.update(registered_on=LONG_AGO)
    second = make_household(world.village_b, "Lý Văn Số", registered_on=LONG_AGO)
    second.residents.update(registered_on=LONG_AGO)
    _make_digital(world, world.household_a, 1)
    _make_digital(world, second, 2)
    url = reverse("indicators:leaderboard", args=[world.commune.pk])
    page = _page_text(world, "officer", url)
    board = page[page.index("gia-dinh-tieu-bieu") :]
    assert board.index("Lý Văn Số") < board.index("Nguyễn Thị Hoà")
    assert "Đặng Văn Đức" not in board  # not a Gia đình số
    assert reverse("registry:household_detail", args=[second.pk]) in board
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_LIST, detail="Gia đình số tiêu biểu"
    ).exists()
    province = _page_text(world, "province_officer", url)
    assert "Lý Văn Số" not in province and "Nguyễn Thị Hoà" not in province
    assert "Tổ CNSCĐ tiêu biểu" in province and "Đại sứ số tiêu biểu" in province
    assert "trung bình cộng" in province  # the score is explained


# --- campaign mode ------------------------------------------------------------------------------------


def _campaign(world: Any, **extra: Any) -> Campaign:
    return Campaign.objects.create(
        name="Đi từng ngõ, gõ từng nhà", commune=world.commune, starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 10, 30), **extra,
    )  # fmt: skip


def _visit_on(user: Any, household: Household, day: dt.date, hour: int = 9) -> None:
    Visit.objects.create(uuid=uuid.uuid4(), household=household, recorded_by=user, minutes=10, channel="door",
                         visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))  # fmt: skip
    visit_days.add([(household.village_id, user.pk, day, 0)])


def _campaign_world(world: Any) -> tuple[Campaign, list[Household], list[Household]]:
    a = _households(world.village_a, 4, prefix="Nhà")
    b = _households(world.village_b, 2, prefix="Nhà")
    _visit_on(world.member_a, a[0], dt.date(2026, 10, 2))
    _visit_on(world.member_a, a[0], dt.date(2026, 10, 3))  # a second visit: still one household
    _visit_on(world.member_a, a[1], dt.date(2026, 10, 3), hour=23)  # 23:00 local is still 3 October
    _visit_on(world.member_b, b[0], dt.date(2026, 9, 30))  # before the campaign
    _visit_on(world.member_b, b[1], dt.date(2026, 10, 12))  # after the day looked at
    return _campaign(world), a, b


def test_campaign_counts_households_visited_in_the_period_per_village_and_day(world):
    from binhdan.indicators.views_teams import campaign_state

    campaign, _a, _b = _campaign_world(world)
    state = campaign_state(campaign, DAY)
    assert state.households == {world.village_a.pk: 4, world.village_b.pk: 2}
    assert state.visited == {world.village_a.pk: 2}
    assert (state.total_visited, state.total, state.days_left) == (2, 6, 19)
    days = {d["day"]: d for d in state.days}
    assert len(state.days) == 11  # 1-11 October
    assert (days[dt.date(2026, 10, 2)]["new"], days[dt.date(2026, 10, 3)]["new"]) == (1, 1)
    assert days[dt.date(2026, 10, 3)]["visits"] == 2
    assert (days[dt.date(2026, 10, 11)]["cumulative"], days[dt.date(2026, 10, 11)]["percent"]) == (2, 33)
    later = campaign_state(campaign, dt.date(2026, 11, 5))
    assert (later.total_visited, later.days_left, len(later.days)) == (3, 0, 30)
    chosen = _campaign(world)
    chosen.villages.add(world.village_b)
    assert campaign_state(chosen, DAY).households == {world.village_b.pk: 2}


def test_campaign_lists_the_households_not_yet_visited_for_officers_and_only_counts_for_the_province(world):
    campaign, a, b = _campaign_world(world)
    url = reverse("indicators:campaign", args=[campaign.pk])
    page = _page_text(world, "officer", url)
    listed = page[page.index('id="chua-den"') :]
    for household in (a[2], a[3], b[0], b[1]):
        assert household.head_name in listed
    assert a[0].head_name not in listed and a[1].head_name not in listed
    assert reverse("registry:household_detail", args=[a[2].pk]) in listed
    only_b = _page_text(world, "officer", url, thon=str(world.village_b.pk))
    assert a[2].head_name not in only_b[only_b.index('id="chua-den"') :]
    assert "không thuộc chiến dịch" in _page_text(world, "officer", url, thon=str(world.village_c.pk))
    assert "không thuộc chiến dịch" in _page_text(world, "officer", url, thon="'; drop table")
    province = _page_text(world, "province_officer", url)
    assert "2/6" in province
    for household in (*a, *b):
        assert household.head_name not in province
    from binhdan.testing.personas import signed_in_client

    printable = reverse("indicators:campaign_print", args=[campaign.pk])
    assert signed_in_client(world.province_officer).get(printable).status_code == 404
    sheet = _page_text(world, "officer", printable)
    assert a[3].head_name in sheet and "data-print" in sheet


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_campaign_mode(world, client_for, persona):
    campaign = _campaign(world)
    client = client_for(world.personas()[persona])
    # Campaigns are the commune's (fieldwork's Campaign.visible_to): members and team leaders see none.
    expected = 200 if persona in SEES_COMMUNE else 404
    assert client.get(reverse("indicators:campaign", args=[campaign.pk])).status_code == expected
    printable = client.get(reverse("indicators:campaign_print", args=[campaign.pk])).status_code
    assert printable == (200 if persona in {"officer", "leader", "admin"} else 404)


# --- workbooks ----------------------------------------------------------------------------------------


def _book(world: Any, persona: str, url: str, **params: str) -> Any:
    from binhdan.testing.personas import signed_in_client

    answer = signed_in_client(world.personas()[persona]).get(
        url, {"ngay": DAY.isoformat(), "tai": "xlsx", **params}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in answer["Content-Disposition"]
    return load_workbook(io.BytesIO(answer.content))


def test_the_quota_workbook_holds_the_numbers(world):
    _households(world.village_a, 10, member=world.member_a)
    _fill_team(world.team_a, 7, "a")
    evil = make_user("ac", '=HYPERLINK("http://x")')
    add_team_member(team=world.team_b, user=evil, joined_on=LONG_AGO)
    book = _book(world, "officer", reverse("indicators:teams", args=[world.commune.pk]))
    assert book.sheetnames == ["Tổng hợp", "Tổ", "Thành viên", "Đại sứ số"]
    teams = {row[1]: row for row in book["Tổ"].iter_rows(min_row=2, values_only=True)}
    assert teams[world.team_a.name][2:4] == (7, "Đạt")
    members = {row[2]: row for row in book["Thành viên"].iter_rows(min_row=2, values_only=True)}
    assert members["Nguyễn Văn An"][4:6] == (10, "Đạt")
    cell = next(c for c in book["Thành viên"]["C"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"  # formula-like text stays text
    summary = {row[0]: row[1:] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Tổ có 7-12 thành viên"] == (1, 2)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_leaderboard_and_campaign_workbooks_hold_the_numbers(world):
    campaign, _a, _b = _campaign_world(world)
    book = _book(world, "officer", reverse("indicators:campaign", args=[campaign.pk]))
    assert book.sheetnames == ["Theo ngày", "Theo thôn", "Hộ chưa đến"]
    villages = {row[0]: row[1:] for row in book["Theo thôn"].iter_rows(min_row=2, values_only=True)}
    assert villages["Thôn Đông"] == (4, 2, 2, 50)
    assert len(list(book["Hộ chưa đến"].iter_rows(min_row=2))) == 4
    assert _book(world, "province_officer", reverse("indicators:campaign", args=[campaign.pk])).sheetnames == [
        "Theo ngày", "Theo thôn",
    ]  # fmt: skip
    board = _book(world, "officer", reverse("indicators:leaderboard", args=[world.commune.pk]))
    assert board.sheetnames == ["Tổ CNSCĐ tiêu biểu", "Đại sứ số tiêu biểu", "Gia đình số tiêu biểu"]
    assert len(list(board["Tổ CNSCĐ tiêu biểu"].iter_rows(min_row=2))) == 2
    province = _book(world, "province_officer", reverse("indicators:leaderboard", args=[world.commune.pk]))
    assert "Gia đình số tiêu biểu" not in province.sheetnames


# --- hostile dates --------------------------------------------------------------------------------------

HOSTILE_DAYS = [
    "2026-02-30", "2026-13-01", "hôm qua", "0001-01-01", "1999-12-31", "9999-12-31", "2999-01-01",
    "' OR 1=1 --", "%00", "2026-10-11\x00", "1" * 5000, "-1", "2026/10/11", "NaN", "   ",
]  # fmt: skip


@pytest.mark.parametrize("raw", HOSTILE_DAYS)
def test_hostile_dates_give_a_vietnamese_message_and_today(world, client_for, raw):
    campaign = _campaign(world)
    client = client_for(world.officer)
    for url in [
        reverse("indicators:teams", args=[world.commune.pk]),
        reverse("indicators:village_teams", args=[world.village_a.pk]),
        reverse("indicators:leaderboard", args=[world.commune.pk]),
        reverse("indicators:campaign", args=[campaign.pk]),
        reverse("indicators:campaign_print", args=[campaign.pk]),
    ]:
        for extra in ({}, {"tai": "xlsx"}):
            answer = client.get(url, {"ngay": raw, **extra})
            assert answer.status_code == 200, (url, raw)
        page = client.get(url, {"ngay": raw}).content.decode()
        if raw.strip():
            assert "Ngày xem" in page and "đang hiện số liệu hôm nay" in page, (url, raw)
        assert timezone.localdate().strftime("%d/%m/%Y") in page


def test_a_day_written_the_vietnamese_way_is_understood(world, client_for):
    page = client_for(world.officer).get(
        reverse("indicators:teams", args=[world.commune.pk]), {"ngay": "11/10/2026"}
    )
    assert "Tính đến ngày 11/10/2026" in page.content.decode()


# --- query counts ---------------------------------------------------------------------------------------


def _grow(world: Any, teams: int, members: int) -> None:
    for t in range(teams):
        village = add_village(commune=world.commune, name=f"Thôn Số {t}")
        team = create_team(village=village)
        _fill_team(team, members, f"g{t}")
        users = [m.user for m in team.memberships.all()]
        homes = _households(village, 3, member=users[0])
        people = _residents(homes)
        for user in users:
            _work(user, [WEEK[1], WEEK[2]], "4")
        _guidance(users[0], people[0], 2)
        training = Training.objects.create(title=f"T{t}", commune=world.commune, held_on=WEEK[0])
        training.attendees.add(*users)
        mentor = Mentor.objects.create(commune=world.commune, user=users[-1], started_on=LONG_AGO)
        for person in people:
            Mentorship.objects.create(mentor=mentor, mentee=person, started_on=LONG_AGO)


TEAMWORK_QUERIES = 9


@pytest.mark.parametrize("teams,members", [(1, 7), (6, 12)])
def test_teamwork_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries, teams, members):
    _grow(world, teams, members)
    for place in (world.commune, world.village_a, world.province):
        with django_assert_max_num_queries(TEAMWORK_QUERIES):
            work = teamwork(place, DAY)
    assert len(work.teams) == teams + 2


PAGE_QUERIES = 21  # with the rollups' one look at their queue (rollup.pending)


@pytest.mark.parametrize("teams,members", [(1, 7), (5, 12)])
def test_pages_take_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries, teams, members
):
    _grow(world, teams, members)
    campaign, _a, _b = _campaign_world(world)
    client = client_for(world.officer)
    rollup.catch_up()  # as the background drainer would have: the pages' own queries are counted
    for url in [
        reverse("indicators:teams", args=[world.commune.pk]),
        reverse("indicators:village_teams", args=[world.village_a.pk]),
        reverse("indicators:leaderboard", args=[world.commune.pk]),
        reverse("indicators:campaign", args=[campaign.pk]),
        reverse("indicators:campaign_print", args=[campaign.pk]),
    ]:
        for extra in ({}, {"tai": "xlsx"}):
            with django_assert_max_num_queries(PAGE_QUERIES):
                assert client.get(url, {"ngay": DAY.isoformat(), **extra}).status_code == 200
