import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from binhdan.accounts.models import Role, RoleKind, User
from binhdan.fieldwork.models import TeamRole
from binhdan.fieldwork.services import add_team_member, remove_team_member


def test_joining_a_team_grants_access_and_leaving_closes_it(world):
    user = User.objects.create_user("tovien.moi", password="Mat-khau-123")
    membership = add_team_member(team=world.team_a, user=user, joined_on=dt.date(2025, 2, 1))
    assert Role.objects.current().filter(user=user, kind=RoleKind.MEMBER, place=world.village_a).exists()
    remove_team_member(membership=membership, left_on=dt.date(2025, 3, 1))
    assert not Role.objects.current().filter(user=user).exists()
    assert world.team_a.memberships.filter(user=user, left_on=dt.date(2025, 3, 1)).exists()


def test_a_team_has_one_leader_and_at_most_twelve_members(world):
    other = User.objects.create_user("x", password="Mat-khau-123")
    with pytest.raises(ValidationError) as error:
        add_team_member(team=world.team_a, user=other, role=TeamRole.LEADER)
    assert "đã có tổ trưởng" in str(error.value)
    for i in range(10):
        add_team_member(team=world.team_a, user=User.objects.create_user(f"m{i}", password="Mat-khau-123"))
    with pytest.raises(ValidationError) as full:
        add_team_member(team=world.team_a, user=other)
    assert "7-12" in str(full.value)


def test_team_page_warns_when_team_size_is_outside_7_to_12(world, client_for):
    page = (
        client_for(world.leader_a)
        .get(reverse("fieldwork:team_detail", args=[world.team_a.pk]))
        .content.decode()
    )
    assert "chưa đúng quy định 7-12 người" in page
    assert "Trần Thị Bình" in page


def test_home_page_per_role(world, client_for):
    assert "hộ bạn phụ trách" in client_for(world.member_a).get("/").content.decode()
    assert "Phân công trong tổ" in client_for(world.leader_a).get("/").content.decode()
    assert "Thôn Đông" in client_for(world.officer).get("/").content.decode()
    province = client_for(world.province_officer).get("/").content.decode()
    assert "Xã Sơn Đông" in province and "Nguyễn Thị Hoà" not in province
    assert "Vào trang quản trị" in client_for(world.admin).get("/").content.decode()


@pytest.mark.django_db(transaction=False)
def test_demo_commune_is_believable_and_loading_twice_changes_nothing(capsys):
    from binhdan.places.models import Place
    from binhdan.registry.models import Household, Resident, StatusObservation

    call_command("load_demo")
    out = capsys.readouterr().out
    commune = Place.objects.get(code="08866")
    villages = Place.objects.villages().filter(parent=commune)
    assert villages.count() >= 5
    households = Household.objects.filter(village__parent=commune)
    residents = Resident.objects.filter(household__village__parent=commune)
    assert households.count() >= 1000 and residents.count() >= 3000
    for village in villages:
        size = village.team.memberships.filter(left_on__isnull=True).count()
        assert 7 <= size <= 12
    assert households.filter(is_poor=True).exists() and households.filter(has_elderly=True).exists()
    assert StatusObservation.objects.filter(
        resident__household__village__parent=commune, source="visit"
    ).exists()
    from binhdan.fieldwork.models import Campaign, ClassAttendance, Visit
    from binhdan.registry.models import SkillObservation

    visit = Visit.objects.filter(household__village__parent=commune).first()
    assert visit is not None and visit.people.exists()
    assert SkillObservation.objects.filter(
        source_ref=str(visit.uuid)
    ).exists()  # every guided person has skills
    assert Visit.objects.filter(campaign__isnull=False).exists()
    assert Campaign.objects.filter(commune=commune).count() == 2
    assert ClassAttendance.objects.filter(community_class__place__in=[commune, *villages]).exists()
    for username in (
        "tovien.dongthinh",
        "totruong.dongthinh",
        "canbo.sondong",
        "lanhdao.sondong",
        "sokhcn.phutho",
        "quantri",
    ):
        assert username in out
        assert User.objects.get(username=username).check_password("SonDong@2025")
    counts = (households.count(), residents.count(), StatusObservation.objects.count())
    names = list(residents.order_by("pk").values_list("full_name", flat=True)[:20])
    call_command("load_demo")
    assert (households.count(), residents.count(), StatusObservation.objects.count()) == counts
    assert list(residents.order_by("pk").values_list("full_name", flat=True)[:20]) == names


def test_joining_a_team_keeps_the_role_an_invitation_already_gave(world):
    """An officer invites a member into the village, then the leader adds them: one role, not two."""
    import datetime as dt

    from binhdan.accounts.models import Role, RoleKind, User
    from binhdan.fieldwork.services import add_team_member

    newcomer = User.objects.create_user(
        username="tovien.moi", password="Mat-khau-rat-dai-2026", full_name="Phạm Văn Mới"
    )
    Role.objects.create(
        user=newcomer, kind=RoleKind.MEMBER, place=world.village_a, valid_from=dt.date(2026, 1, 1)
    )
    add_team_member(team=world.team_a, user=newcomer, joined_on=dt.date(2026, 2, 1))
    assert Role.objects.filter(user=newcomer, place=world.village_a).count() == 1
