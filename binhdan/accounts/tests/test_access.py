"""Scope: every role sees its own places and gets 404 elsewhere, the same as for a missing row."""

import re

import pytest
from django.urls import reverse

from binhdan.accounts import access
from binhdan.registry.models import Household, Resident

# persona -> may see households of village A, may change them
EXPECTED_A = {
    "member_a": (True, True),
    "leader_a": (True, True),
    "member_b": (False, False),
    "officer": (True, True),
    "leader": (True, False),
    "province_officer": (False, False),
    "other_officer": (False, False),
    "admin": (True, True),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_A.items())
def test_household_page_in_and_out_of_scope(world, client_for, persona, expected):
    may_see, _ = expected
    client = client_for(world.personas()[persona])
    response = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert response.status_code == (200 if may_see else 404)


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_A.items())
def test_resident_page_in_and_out_of_scope(world, client_for, persona, expected):
    may_see, _ = expected
    client = client_for(world.personas()[persona])
    response = client.get(reverse("registry:resident_detail", args=[world.resident_a.pk]))
    assert response.status_code == (200 if may_see else 404)


@pytest.mark.parametrize(("persona", "expected"), EXPECTED_A.items())
def test_household_edit_needs_change_rights(world, client_for, persona, expected):
    _, may_change = expected
    client = client_for(world.personas()[persona])
    response = client.get(reverse("registry:household_edit", args=[world.household_a.pk]))
    assert response.status_code == (200 if may_change else 404)


def test_forbidden_and_missing_look_the_same(world, client_for):
    client = client_for(world.member_a)
    forbidden = client.get(reverse("registry:household_detail", args=[world.household_b.pk]))
    missing = client.get(reverse("registry:household_detail", args=[999_999]))
    assert forbidden.status_code == missing.status_code == 404

    def without_csrf(page: bytes) -> str:  # the sign-out form's CSRF token is masked afresh each time
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.decode())

    assert without_csrf(forbidden.content) == without_csrf(missing.content)
    assert 'lang="vi"' in forbidden.content.decode() and "Không tìm thấy trang" in forbidden.content.decode()


def test_member_of_b_sees_b_but_not_a(world, client_for):
    client = client_for(world.member_b)
    assert client.get(reverse("registry:household_detail", args=[world.household_b.pk])).status_code == 200
    assert client.get(reverse("registry:resident_detail", args=[world.resident_b.pk])).status_code == 200
    assert client.get(reverse("registry:household_detail", args=[world.household_a.pk])).status_code == 404


def test_household_list_only_lists_households_in_scope(world, client_for):
    page = client_for(world.member_a).get(reverse("registry:household_list")).content.decode()
    assert "Nguyễn Thị Hoà" in page
    assert "Đặng Văn Đức" not in page and "Bùi Thị Lan" not in page
    page = client_for(world.officer).get(reverse("registry:household_list")).content.decode()
    assert "Nguyễn Thị Hoà" in page and "Đặng Văn Đức" in page
    assert "Bùi Thị Lan" not in page


def test_province_officer_sees_places_but_no_resident_data(world, client_for):
    client = client_for(world.province_officer)
    assert client.get(reverse("fieldwork:commune_detail", args=[world.commune.pk])).status_code == 200
    assert client.get(reverse("fieldwork:village_detail", args=[world.village_a.pk])).status_code == 200
    listing = client.get(reverse("registry:household_list")).content.decode()
    assert "Nguyễn Thị Hoà" not in listing
    assert not Household.objects.visible_to(world.province_officer).exists()
    assert not Resident.objects.visible_to(world.province_officer).exists()


def test_outsider_commune_officer_gets_404_on_another_commune(world, client_for):
    client = client_for(world.other_officer)
    assert client.get(reverse("fieldwork:commune_detail", args=[world.commune.pk])).status_code == 404
    assert client.get(reverse("fieldwork:village_detail", args=[world.village_a.pk])).status_code == 404
    assert client.get(reverse("fieldwork:team_detail", args=[world.team_a.pk])).status_code == 404
    assert client.get(reverse("fieldwork:commune_detail", args=[world.other_commune.pk])).status_code == 200


def test_member_cannot_see_the_other_villages_page_or_team(world, client_for):
    client = client_for(world.member_a)
    assert client.get(reverse("fieldwork:village_detail", args=[world.village_a.pk])).status_code == 200
    assert client.get(reverse("fieldwork:team_detail", args=[world.team_a.pk])).status_code == 200
    assert client.get(reverse("fieldwork:village_detail", args=[world.village_b.pk])).status_code == 404
    assert client.get(reverse("fieldwork:team_detail", args=[world.team_b.pk])).status_code == 404


def test_only_commune_officers_add_villages(world, client_for):
    url = reverse("fieldwork:village_create", args=[world.commune.pk])
    assert client_for(world.officer).get(url).status_code == 200
    for persona in ("member_a", "leader_a", "leader", "province_officer", "other_officer"):
        assert client_for(world.personas()[persona]).get(url).status_code == 404, persona


def test_bulk_export_is_for_officers_not_members(world):
    assert access.can_bulk_export(world.officer, world.village_a)
    assert not access.can_bulk_export(world.member_a, world.village_a)
    assert not access.can_bulk_export(world.leader_a, world.village_a)
    assert not access.can_bulk_export(world.other_officer, world.village_a)


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_leaving_the_team_ends_access(world, client_for):
    from binhdan.fieldwork.services import remove_team_member

    membership = world.team_a.memberships.get(user=world.member_a)
    remove_team_member(membership=membership)
    world.member_a._current_roles = None
    client = client_for(world.member_a)
    assert client.get(reverse("registry:household_detail", args=[world.household_a.pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.left_on is not None  # history kept


def test_the_admin_is_closed_to_officers(world, client_for):
    """Officers work in the workspace; the admin is for system admins (test_admin_closed.py)."""
    client = client_for(world.officer)
    assert client.get(reverse("admin:registry_household_changelist")).status_code == 404
    assert client_for(world.member_a).get(reverse("admin:index")).status_code == 404
