"""The Django admin is for system admins only (SPEC §3; issue 9 point 3).

Everyone else gets the site's ordinary 404 anywhere under the admin — the index, a change list, a
change page, the add form, the admin's own login page — never a login form and never a 403."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from binhdan.accounts.models import User

NOT_ADMINS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]


def _admin_urls(world) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:login"),
        reverse("admin:registry_household_changelist"),
        reverse("admin:registry_household_change", args=[world.household_a.pk]),
        reverse("admin:registry_household_add"),
        reverse("admin:registry_skill_changelist"),
        reverse("admin:registry_communesettings_changelist"),
        reverse("admin:fieldwork_team_changelist"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_auditevent_changelist"),
        reverse("admin:places_place_change", args=[world.village_c.pk]),
        reverse("admin:index") + "khong-co-trang-nay/",
    ]


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_every_non_admin_gets_404_everywhere_in_the_admin(persona, world, client_for):
    client = client_for(world.personas()[persona])
    for url in _admin_urls(world):
        response = client.get(url)
        assert response.status_code == 404, (persona, url)
        assert b"id_password" not in response.content, "no login form"
    before = world.household_a.head_name
    response = client.post(
        reverse("admin:registry_household_change", args=[world.household_a.pk]),
        {"head_name": "Đã sửa qua trang quản trị", "village": world.village_a.pk},
    )
    assert response.status_code == 404
    world.household_a.refresh_from_db()
    assert world.household_a.head_name == before


def test_anonymous_visitors_get_404_not_the_admin_login(client, world):
    for url in _admin_urls(world):
        assert client.get(url).status_code == 404, url


def test_is_staff_alone_does_not_open_the_admin(world, client_for):
    staff = User.objects.create_user(username="nhanvien", password="Nhân-viên-2025", is_staff=True)
    assert client_for(staff).get(reverse("admin:index")).status_code == 404


def test_the_system_admin_uses_the_admin(world, client_for):
    client = client_for(world.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    listing = client.get(reverse("admin:registry_household_changelist")).content.decode()
    assert "Nguyễn Thị Hoà" in listing and "Bùi Thị Lan" in listing
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_every_registered_model_admin_answers_only_to_admins(world):
    """The permission checks hold by themselves too (were the middleware ever taken out)."""
    factory = RequestFactory()
    for persona, user in world.personas().items():
        request = factory.get("/")
        request.user = user
        for model, model_admin in admin.site._registry.items():
            allowed = persona == "admin"
            name = f"{persona}: {model.__name__}"
            assert model_admin.has_module_permission(request) is allowed, name
            assert model_admin.has_view_permission(request) is allowed, name
            if not allowed:
                assert not model_admin.has_change_permission(request), name
                assert not model_admin.has_add_permission(request), name
                assert not model_admin.has_delete_permission(request), name
