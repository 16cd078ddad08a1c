"""The commune workspace as its users meet it: officers change, leaders read, provinces compare."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent, Role, RoleKind
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import (
    Affiliation,
    Campaign,
    ClassAttendance,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    TeamRole,
    Training,
    Visit,
)
from binhdan.fieldwork.services import add_team_member
from binhdan.places.models import Place
from binhdan.places.services import add_village
from binhdan.registry.models import Household, StatusObservation
from binhdan.testing.personas import make_household, make_user

TODAY = timezone.localdate  # called in each test: the day may turn during a run


def _today() -> str:
    return TODAY().strftime("%d/%m/%Y")


def _visit(user: Any, household: Household, when: dt.datetime, **extra: Any) -> Visit:
    people = [
        {
            "resident": household.residents.first().pk,
            "skills": [{"skill": "thanh-toan-qr", "outcome": "mastered"}],
        }
    ]
    record = {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": household.pk,
            "visited_at": when.replace(microsecond=0).isoformat(),
            "minutes": 20,
            "channel": "door",
            "people": people,
            **extra,
        },
    }
    answer = sync.push(user=user, records=[record])[0]
    assert answer["status"] == "created", answer
    return Visit.objects.get(uuid=record["uuid"])


def _changes() -> list[str]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("detail", flat=True))


# --- villages -----------------------------------------------------------------------------------------


def test_merging_two_villages_moves_households_and_members_and_keeps_the_past(world, client_for):
    old_household = world.household_b
    observation_count = StatusObservation.objects.count()
    client = client_for(world.officer)
    url = reverse("fieldwork:village_merge", args=[world.commune.pk])
    future = (TODAY() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    refused = client.post(
        url, {"village": world.village_b.pk, "into": world.village_b.pk, "merged_on": future}
    )
    page = refused.content.decode()
    assert "Hãy chọn một thôn khác" in page and "không được sau hôm nay" in page
    response = client.post(
        url, {"village": world.village_b.pk, "into": world.village_a.pk, "merged_on": _today()}
    )
    assert response.status_code == 302
    world.village_b.refresh_from_db()
    assert world.village_b.valid_to == TODAY() - dt.timedelta(days=1)
    assert world.village_b.replaced_by == world.village_a
    old_household.refresh_from_db()
    assert old_household.village == world.village_a
    assert StatusObservation.objects.count() == observation_count
    # Lê Văn Cường left team B the day of the merge and joined team A; the history of B stays.
    old = TeamMembership.objects.get(team=world.team_b, user=world.member_b)
    assert old.left_on == TODAY()
    assert world.team_a.memberships.filter(
        user=world.member_b, left_on__isnull=True, joined_on=TODAY()
    ).exists()
    assert (
        Role.objects.current()
        .filter(user=world.member_b, place=world.village_a, kind=RoleKind.MEMBER)
        .exists()
    )
    assert not Role.objects.current().filter(user=world.member_b, place=world.village_b).exists()
    assert any("Sáp nhập Thôn Tây vào Thôn Đông" in d for d in _changes())
    # The old village still exists for history, no longer among the commune's current villages.
    commune_page = client.get(reverse("fieldwork:commune_detail", args=[world.commune.pk])).content.decode()
    assert "sáp nhập vào Thôn Đông" in commune_page
    two_days_ago = TODAY() - dt.timedelta(days=2)
    assert Place.objects.villages().valid_on(two_days_ago).filter(pk=world.village_b.pk).exists()


def test_a_merge_that_would_make_a_team_too_big_is_refused_and_nothing_moves(world, client_for):
    for i in range(10):
        add_team_member(team=world.team_a, user=make_user(f"them.{i}", f"Người Thêm {i}"))
    response = client_for(world.officer).post(
        reverse("fieldwork:village_merge", args=[world.commune.pk]),
        {"village": world.village_b.pk, "into": world.village_a.pk, "merged_on": _today()},
    )
    assert "quá 12" in response.content.decode()
    world.household_b.refresh_from_db()
    world.village_b.refresh_from_db()
    assert world.household_b.village == world.village_b and world.village_b.valid_to is None


def test_renaming_and_closing_villages(world, client_for):
    client = client_for(world.officer)
    rename = reverse("fieldwork:village_rename", args=[world.village_a.pk])
    assert "đã có “Thôn Tây”" in client.post(rename, {"name": "thon tay"}).content.decode()
    assert client.post(rename, {"name": "Thôn Đông Nam"}).status_code == 302
    world.village_a.refresh_from_db()
    assert world.village_a.name == "Thôn Đông Nam"
    assert "Đổi tên thôn: Thôn Đông → Thôn Đông Nam" in _changes()
    close = reverse("fieldwork:village_close", args=[world.village_a.pk])
    assert "còn 1 hộ" in client.post(close, {"closed_on": _today()}).content.decode()
    empty = add_village(commune=world.commune, name="Xóm Trống")
    assert (
        client.post(
            reverse("fieldwork:village_close", args=[empty.pk]), {"closed_on": "31/02/2025"}
        ).status_code
        == 200
    )
    assert (
        client.post(reverse("fieldwork:village_close", args=[empty.pk]), {"closed_on": _today()}).status_code
        == 302
    )
    empty.refresh_from_db()
    assert empty.valid_to == TODAY()
    # A closed village takes no more changes.
    assert client.get(reverse("fieldwork:village_rename", args=[empty.pk])).status_code == 404


# --- teams --------------------------------------------------------------------------------------------


def test_officer_forms_a_team_and_members_join_and_leave_with_roles_leader_first(world, client_for):
    village = add_village(commune=world.commune, name="Thôn Bắc")
    people = [
        make_user(f"bac.{i}", name) for i, name in enumerate(["An Văn Tư", "Bùi Thị Năm", "Cao Văn Sáu"])
    ]
    for person in people:
        Role.objects.create(user=person, kind=RoleKind.MEMBER, place=village, valid_from=TODAY())
    client = client_for(world.officer)
    response = client.post(
        reverse("fieldwork:team_create", args=[world.commune.pk]),
        {"village": village.pk, "formed_on": _today()},
    )
    team = Team.objects.get(village=village)
    assert response.status_code == 302 and team.name == "Tổ công nghệ số cộng đồng Thôn Bắc"
    add = reverse("fieldwork:team_member_add", args=[team.pk])
    roles = [TeamRole.MEMBER, TeamRole.DEPUTY, TeamRole.LEADER]
    for person, role in zip(people, roles, strict=True):
        answer = client.post(
            add,
            {"user": person.pk, "role": role, "affiliation": Affiliation.YOUTH_UNION, "joined_on": _today()},
        )
        assert answer.status_code == 302
    second_leader = client.post(
        add, {"user": world.leader.pk, "role": TeamRole.LEADER, "joined_on": _today()}
    )
    assert "Tổ đã có tổ trưởng" in second_leader.content.decode()
    page = client.get(reverse("fieldwork:team_detail", args=[team.pk])).content.decode()
    assert page.index("Cao Văn Sáu") < page.index("Bùi Thị Năm") < page.index("An Văn Tư")
    assert "Đoàn Thanh niên" in page
    assert Role.objects.current().filter(user=people[2], kind=RoleKind.TEAM_LEADER, place=village).exists()
    membership = team.memberships.get(user=people[0])
    leave = reverse("fieldwork:team_member_leave", args=[membership.pk])
    assert "không được trước ngày vào tổ" in client.post(leave, {"left_on": "01/01/2020"}).content.decode()
    assert client.post(leave, {"left_on": _today()}).status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == TODAY()
    assert "Đã rời tổ" in client.get(reverse("fieldwork:team_detail", args=[team.pk])).content.decode()
    assert len([d for d in _changes() if "tổ" in d.lower()]) >= 5


def test_team_leader_adds_members_to_their_own_team_only(world, client_for):
    newcomer = make_user("moi.dong", "Đinh Văn Mới")
    Role.objects.create(user=newcomer, kind=RoleKind.MEMBER, place=world.village_a, valid_from=TODAY())
    client = client_for(world.leader_a)
    ok = client.post(
        reverse("fieldwork:team_member_add", args=[world.team_a.pk]),
        {"user": newcomer.pk, "role": TeamRole.MEMBER, "joined_on": _today()},
    )
    assert ok.status_code == 302
    assert client.get(reverse("fieldwork:team_member_add", args=[world.team_b.pk])).status_code == 404


def test_team_page_shows_each_members_week_against_the_quotas(world, client_for):
    from binhdan.fieldwork.models import WorkTime

    monday = TODAY() - dt.timedelta(days=TODAY().weekday())
    for i in range(10):
        make_household(world.village_a, f"Hộ Phụ Trách {i}").__class__.objects.filter(
            head_name=f"Hộ Phụ Trách {i}"
        ).update(assigned_member=world.member_a)
    now = timezone.localtime()
    _visit(world.member_a, world.household_a, now, follow_up_on=TODAY().isoformat())
    for day, hours in ((monday, "4.5"), (monday + dt.timedelta(days=1), "2")):
        if day <= TODAY():
            WorkTime.objects.create(uuid=uuid.uuid4(), user=world.member_a, day=day, hours=hours)
    page = (
        client_for(world.leader_a)
        .get(reverse("fieldwork:team_detail", args=[world.team_a.pk]))
        .content.decode()
    )
    row = page.split("Công việc của từng thành viên", 1)[1]
    an = row[row.index("Nguyễn Văn An") :].split("</tr>", 1)[0]
    assert "10/10" in an and "còn thiếu" not in an
    assert "1/2" in an and "chưa đủ" in an  # one day of ≥4 h this week; the 2-hour day does not count
    assert "<strong>1</strong>" in an  # the follow-up due today
    binh = row[row.index("Trần Thị Bình") :].split("</tr>", 1)[0]
    assert "0/10" in binh and "còn thiếu" in binh
    # A plain member sees the roster, not colleagues' hours.
    member_page = client_for(world.member_a).get(reverse("fieldwork:team_detail", args=[world.team_a.pk]))
    assert "Công việc của từng thành viên" not in member_page.content.decode()


def test_trainings_record_who_attended(world, client_for):
    client = client_for(world.officer)
    response = client.post(
        reverse("fieldwork:training_create", args=[world.commune.pk]),
        {
            "title": "Tập huấn kỹ năng hỗ trợ VNeID",
            "held_on": _today(),
            "attendees": [world.member_a.pk, world.leader_a.pk],
        },
    )
    assert response.status_code == 302
    training = Training.objects.get()
    assert set(training.attendees.all()) == {world.member_a, world.leader_a}
    page = client.get(reverse("fieldwork:training_list", args=[world.commune.pk])).content.decode()
    assert "2/3 thành viên" in page
    team_page = client.get(reverse("fieldwork:team_detail", args=[world.team_b.pk])).content.decode()
    assert "Chưa tập huấn" in team_page


# --- classes ------------------------------------------------------------------------------------------


def test_officer_schedules_a_class_and_takes_attendance_with_an_accentless_search(world, client_for):
    client = client_for(world.officer)
    bad = client.post(
        reverse("fieldwork:class_create", args=[world.commune.pk]),
        {"kind": "learning_day", "title": "", "held_on": "10/13/2025", "audience": "elderly"},
    )
    page = bad.content.decode()
    assert "Vui lòng nhập tên buổi học." in page and "Ngày không đúng" in page
    response = client.post(
        reverse("fieldwork:class_create", args=[world.commune.pk]),
        {
            "kind": "learning_day",
            "title": "Ngày hội toàn dân học tập số",
            "held_on": "10/10/2025",
            "audience": "elderly",
            "venue": "Nhà văn hoá xã",
            "instructors": [world.member_a.pk],
        },
    )
    assert response.status_code == 302
    community_class = CommunityClass.objects.get()
    assert community_class.place == world.commune and community_class.created_by == world.officer
    detail = reverse("fieldwork:class_detail", args=[community_class.pk])
    found = client.get(detail, {"q": "nguyen thi hoa"}).content.decode()
    assert "Nguyễn Thị Hoà" in found and "Đặng Văn Đức" not in found
    assert "Bùi Thị Lan" not in client.get(detail, {"q": "bui thi lan"}).content.decode()  # another commune
    tick = reverse("fieldwork:class_attendance", args=[community_class.pk])
    assert client.post(tick, {"present": [world.resident_a.pk], "q": "hoa"}).status_code == 302
    client.post(tick, {"present": [world.resident_a.pk, world.resident_b.pk]})
    assert ClassAttendance.objects.filter(community_class=community_class).count() == 2
    sheet = client.get(reverse("fieldwork:class_sign_in_sheet", args=[community_class.pk])).content.decode()
    assert "Danh sách ký tên" in sheet and "Nguyễn Thị Hoà" in sheet and "workspace.css" in sheet
    client.post(tick, {"absent": [world.resident_b.pk]})
    assert list(community_class.attendance.values_list("resident", flat=True)) == [world.resident_a.pk]
    nothing = client.post(tick, {}, follow=True).content.decode()
    assert "Hãy đánh dấu ít nhất một người." in nothing
    assert sum("Điểm danh buổi học" in d for d in _changes()) == 3


# --- mentors ------------------------------------------------------------------------------------------


def test_mentors_and_their_mentees_with_outcomes(world, client_for):
    client = client_for(world.officer)
    both = client.post(
        reverse("fieldwork:mentor_create", args=[world.commune.pk]),
        {"user": world.member_a.pk, "resident": world.resident_a.pk, "started_on": _today()},
    )
    assert "chỉ một trong hai" in both.content.decode()
    client.post(
        reverse("fieldwork:mentor_create", args=[world.commune.pk]),
        {"user": world.member_a.pk, "started_on": _today()},
    )
    mentor = Mentor.objects.get()
    detail = reverse("fieldwork:mentor_detail", args=[mentor.pk])
    assert "Nguyễn Thị Hoà" in client.get(detail, {"q": "hoa"}).content.decode()
    client.post(
        reverse("fieldwork:mentee_add", args=[mentor.pk]),
        {"mentee": world.resident_a.pk, "started_on": _today()},
    )
    again = client.post(
        reverse("fieldwork:mentee_add", args=[mentor.pk]),
        {"mentee": world.resident_a.pk, "started_on": _today()},
        follow=True,
    )
    assert "đang được đại sứ số này kèm cặp" in again.content.decode()
    mentorship = Mentorship.objects.get()
    outcome = reverse("fieldwork:mentorship_outcome", args=[mentorship.pk])
    assert "Vui lòng nhập ngày kết thúc" in client.post(outcome, {"outcome": "independent"}).content.decode()
    client.post(outcome, {"outcome": "independent", "ended_on": _today(), "note": "Tự cài VNeID"})
    mentorship.refresh_from_db()
    assert mentorship.outcome == "independent" and mentorship.ended_on == TODAY()
    page = client.get(reverse("fieldwork:mentor_list", args=[world.commune.pk])).content.decode()
    assert "chưa đủ 5" in page and "Nguyễn Văn An" in page


# --- campaigns ----------------------------------------------------------------------------------------


def test_officer_starts_a_campaign_for_chosen_villages_and_skills(world, client_for):
    from binhdan.registry.models import Skill

    skill = Skill.objects.get(code="thanh-toan-qr")
    client = client_for(world.officer)
    backwards = client.post(
        reverse("fieldwork:campaign_create", args=[world.commune.pk]),
        {"name": "Gõ cửa", "starts_on": "30/10/2025", "ends_on": "01/10/2025"},
    )
    assert "Ngày kết thúc không được trước ngày bắt đầu." in backwards.content.decode()
    response = client.post(
        reverse("fieldwork:campaign_create", args=[world.commune.pk]),
        {
            "name": "Đi từng ngõ, gõ từng nhà",
            "starts_on": "01/10/2025",
            "ends_on": "30/10/2025",
            "villages": [world.village_a.pk],
            "focus_skills": [skill.pk],
            "daily_reporting": "on",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.commune == world.commune
    assert list(campaign.villages.all()) == [world.village_a] and list(campaign.focus_skills.all()) == [skill]
    client.post(
        reverse("fieldwork:campaign_edit", args=[campaign.pk]),
        {"name": "Đi từng ngõ, gõ từng nhà", "starts_on": "01/10/2025", "ends_on": "31/10/2025"},
    )
    campaign.refresh_from_db()
    assert campaign.ends_on == dt.date(2025, 10, 31) and not campaign.daily_reporting
    assert not campaign.villages.exists()


def test_a_finished_campaign_shows_its_period_totals_not_todays_zeros(world, client_for):
    campaign = Campaign.objects.create(
        name="Chiến dịch tháng trước",
        commune=world.commune,
        starts_on=TODAY() - dt.timedelta(days=12),
        ends_on=TODAY() - dt.timedelta(days=2),
    )
    for days_ago in (10, 5):
        _visit(world.member_a, world.household_a, timezone.localtime() - dt.timedelta(days=days_ago))
    assert Visit.objects.filter(campaign=campaign).count() == 2
    page = (
        client_for(world.leader)
        .get(reverse("fieldwork:campaign_detail", args=[campaign.pk]))
        .content.decode()
    )
    assert (
        "đã kết thúc" in page and "Tổng kết cả chiến dịch" in page and "hôm nay" not in page.split("<h1>")[1]
    )
    flat = page.replace("\n", "")
    assert (
        'Thôn Đông <span class="meta">— Tổ công nghệ số cộng đồng Thôn Đông</span></td><td>2</td><td>1</td><td>2</td><td>1/1</td>'
        in flat
    )


# --- reading without changing ------------------------------------------------------------------------


def _workspace_pages(world: Any) -> list[str]:
    today = TODAY()
    community_class = CommunityClass.objects.create(title="Lớp Zalo", place=world.village_a, held_on=today)
    mentor = Mentor.objects.create(commune=world.commune, user=world.member_a, started_on=today)
    campaign = Campaign.objects.create(name="Chợ số", commune=world.commune, starts_on=today, ends_on=today)
    return [
        reverse("fieldwork:commune_detail", args=[world.commune.pk]),
        reverse("fieldwork:village_detail", args=[world.village_a.pk]),
        reverse("fieldwork:team_detail", args=[world.team_a.pk]),
        reverse("fieldwork:class_list", args=[world.commune.pk]),
        reverse("fieldwork:class_detail", args=[community_class.pk]),
        reverse("fieldwork:class_sign_in_sheet", args=[community_class.pk]),
        reverse("fieldwork:training_list", args=[world.commune.pk]),
        reverse("fieldwork:mentor_list", args=[world.commune.pk]),
        reverse("fieldwork:mentor_detail", args=[mentor.pk]),
        reverse("fieldwork:campaign_list"),
        reverse("fieldwork:campaign_detail", args=[campaign.pk]),
    ]


def test_the_commune_leader_reads_every_workspace_page_and_changes_nothing(world, client_for):
    client = client_for(world.leader)
    for url in _workspace_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert 'method="post"' not in page.replace('action="/dang-xuat/"', "").split("</header>", 1)[1], url
    community_class = CommunityClass.objects.get()
    targets = {
        "village_merge": world.commune.pk,
        "team_create": world.commune.pk,
        "campaign_create": world.commune.pk,
        "class_attendance": community_class.pk,
        "village_rename": world.village_a.pk,
        "team_member_add": world.team_a.pk,
    }
    for name, pk in targets.items():
        assert client.post(reverse(f"fieldwork:{name}", args=[pk]), {"name": "X"}).status_code == 404, name
    assert ClassAttendance.objects.count() == 0 and not _changes()


def test_members_and_outsiders_do_not_see_the_commune_workspace(world, client_for):
    urls = _workspace_pages(world)[3:9]
    for persona in ("member_a", "leader_a", "member_b", "province_officer", "other_officer"):
        client = client_for(world.personas()[persona])
        for url in urls:
            assert client.get(url).status_code == 404, (persona, url)


def test_province_officer_compares_communes_without_resident_rows(world, client_for):
    _visit(world.member_a, world.household_a, timezone.localtime() - dt.timedelta(days=3))
    url = reverse("fieldwork:province_detail", args=[world.province.pk])
    page = client_for(world.province_officer).get(url).content.decode()
    assert "Xã Sơn Đông" in page and "Xã Tam Sơn" in page
    row = page[page.index("Xã Sơn Đông") :].split("</tr>", 1)[0]
    assert "<td>2</td><td>2</td><td>2</td><td>1</td>" in row  # households, residents, teams, visits
    assert "Nguyễn Thị Hoà" not in page and "Bùi Thị Lan" not in page
    assert client_for(world.officer).get(url).status_code == 404
    assert client_for(world.member_a).get(url).status_code == 404
    assert "So sánh các xã, phường" in client_for(world.province_officer).get("/").content.decode()


# --- the admin is no longer where the commune works ---------------------------------------------------


def test_the_commune_page_links_to_the_workspace_not_the_admin(world, client_for):
    page = (
        client_for(world.officer)
        .get(reverse("fieldwork:commune_detail", args=[world.commune.pk]))
        .content.decode()
    )
    assert "/admin/" not in page.split("</header>", 1)[1] and "trang quản trị" not in page
    for name in (
        "class_list",
        "training_list",
        "mentor_list",
        "village_merge",
        "team_create",
        "campaign_create",
    ):
        assert reverse(f"fieldwork:{name}", args=[world.commune.pk]) in page, name


# --- query counts -------------------------------------------------------------------------------------


@pytest.fixture
def busy_commune(world):
    """Twice the rows of the plain world, to show the pages do not query per row."""

    def grow(n: int) -> None:
        for i in range(n):
            village = add_village(
                commune=world.commune, name=f"Xóm {Place.objects.filter(parent=world.commune).count()}"
            )
            team = Team.objects.create(village=village, name=f"Tổ {village.name}")
            add_team_member(team=team, user=make_user(f"u{village.pk}", f"Người {village.pk}"))
            household = make_household(village, f"Hộ {village.pk}")
            community_class = CommunityClass.objects.create(title=f"Lớp {i}", place=village, held_on=TODAY())
            ClassAttendance.objects.create(
                community_class=community_class, resident=household.residents.get()
            )
            mentor = Mentor.objects.create(
                commune=world.commune, user=team.memberships.get().user, started_on=TODAY()
            )
            Mentorship.objects.create(mentor=mentor, mentee=household.residents.get(), started_on=TODAY())
            training = Training.objects.create(title=f"Tập huấn {i}", commune=world.commune, held_on=TODAY())
            training.attendees.add(world.member_a)
            if world.team_a.memberships.filter(left_on__isnull=True).count() < 12:
                add_team_member(
                    team=world.team_a, user=make_user(f"a{village.pk}", f"Thành viên {village.pk}")
                )

    return grow


def test_workspace_pages_do_not_query_per_row(world, client_for, busy_commune, django_assert_max_num_queries):
    today = TODAY()
    campaign = Campaign.objects.create(name="Chợ số", commune=world.commune, starts_on=today, ends_on=today)
    client = client_for(world.officer)
    busy_commune(3)
    community_class = CommunityClass.objects.filter(place__parent=world.commune).first()
    mentor = Mentor.objects.first()
    pages = {
        reverse("fieldwork:commune_detail", args=[world.commune.pk]): 24,
        reverse("fieldwork:team_detail", args=[world.team_a.pk]): 22,
        reverse("fieldwork:class_list", args=[world.commune.pk]): 16,
        reverse("fieldwork:class_detail", args=[community_class.pk]) + "?q=ho": 22,
        reverse("fieldwork:class_sign_in_sheet", args=[community_class.pk]): 16,
        reverse("fieldwork:training_list", args=[world.commune.pk]): 16,
        reverse("fieldwork:mentor_list", args=[world.commune.pk]) + "?q=ho": 20,
        reverse("fieldwork:mentor_detail", args=[mentor.pk]) + "?q=ho": 20,
        reverse("fieldwork:campaign_list"): 14,
        reverse("fieldwork:campaign_detail", args=[campaign.pk]): 22,
        reverse("fieldwork:village_merge", args=[world.commune.pk]): 14,
        reverse("fieldwork:class_create", args=[world.commune.pk]): 16,
        reverse("fieldwork:campaign_create", args=[world.commune.pk]): 16,
    }
    counts = {}
    for url in pages:
        client.get(url)  # warm caches (session, two-factor device) the same way for both sizes
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200, url
        counts[url] = len(small)
    busy_commune(4)
    for url, limit in pages.items():
        with django_assert_max_num_queries(min(limit, counts[url])):
            assert client.get(url).status_code == 200, url
    province = client_for(world.province_officer)
    with django_assert_max_num_queries(14):
        assert province.get(reverse("fieldwork:province_detail", args=[world.province.pk])).status_code == 200


def test_hostile_input_gets_vietnamese_messages_and_never_a_server_error(world, client_for):
    client = client_for(world.officer)
    community_class = CommunityClass.objects.create(title="Lớp", place=world.village_a, held_on=TODAY())
    long = "Ạ" * 5000
    cases = [
        (
            "campaign_create",
            world.commune.pk,
            {"name": long, "starts_on": "2025-99-99", "villages": ["-1", "abc"]},
        ),
        (
            "class_create",
            world.commune.pk,
            {"title": "x", "held_on": "10/10/2025", "kind": "<script>", "skills": ["1 OR 1=1"]},
        ),
        (
            "village_merge",
            world.commune.pk,
            {"village": "abc", "into": str(10**30), "merged_on": "00/00/0000"},
        ),
        ("team_member_add", world.team_a.pk, {"user": "", "role": "admin", "joined_on": long}),
        ("class_attendance", community_class.pk, {"present": ["abc"], "absent": [str(10**30)]}),
        ("village_rename", world.village_a.pk, {"name": "   "}),
        ("assignments", world.team_a.pk, {"member": str(10**30), "households": [str(world.household_a.pk)]}),
    ]
    before = _changes()
    for name, pk, payload in cases:
        response = client.post(reverse(f"fieldwork:{name}", args=[pk]), payload, follow=True)
        page = response.content.decode()
        assert response.status_code == 200, name
        assert "Chưa lưu" in page or "không hợp lệ" in page or "Vui lòng" in page, name
    assert _changes() == before and not Campaign.objects.exists()
    assert (
        client.get(reverse("fieldwork:class_detail", args=[community_class.pk]), {"q": long}).status_code
        == 200
    )
    assert client.get(reverse("fieldwork:class_detail", args=["999999999"])).status_code == 404
