"""People and roles: no persona writes outside its scope through any people form (issue 9, points 1-2).

As in fieldwork's test_workspace_scope: every accounts view marked `@workspace_form` is attacked by
every persona, on our commune, another commune of the province and a commune of another province,
with valid-looking values and, in each scoped field, ids the persona may not choose."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts import urls as accounts_urls
from binhdan.accounts.fields import _Scoped
from binhdan.accounts.models import AuditEvent, Role, RoleKind, User
from binhdan.fieldwork.models import TeamRole
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.testing.personas import World, make_user

PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run


@dataclass
class Site:
    commune: Place
    objects: dict[str, Any]


def _site(commune: Place, member: User) -> Site:
    role = Role.objects.current().get(user=member, kind__in=[RoleKind.MEMBER, RoleKind.TEAM_LEADER])
    return Site(commune, {"commune": commune, "role": role, "person": member})


@pytest.fixture
def sites(world: World) -> dict[str, Site]:
    team_c = create_team(village=world.village_c)
    member_c = make_user("tovien.c", "Bùi Văn Cao")
    add_team_member(team=team_c, user=member_c, joined_on=dt.date(2025, 1, 1))
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    team_h = create_team(village=add_village(commune=hoan_kiem, name="Tổ dân phố số 1"))
    member_h = make_user("tovien.hk", "Ngô Thị Hà")
    add_team_member(team=team_h, user=member_h, role=TeamRole.LEADER, joined_on=dt.date(2025, 1, 1))
    return {
        "own": _site(world.commune, world.member_a),
        "other": _site(world.other_commune, member_c),
        "province": _site(hoan_kiem, member_h),
    }


def people_patterns() -> list[URLPattern]:
    found = [p for p in accounts_urls.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) >= 3, "the people forms are marked with @workspace_form"
    return found


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "users": list(
            User.objects.order_by("pk").values_list("pk", "username", "password", "must_change_password")
        ),
        "roles": list(Role.objects.order_by("pk").values_list()),
        "audit": list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk")),
    }


def _plain_value(name: str, field: forms.Field) -> Any:
    if isinstance(field, forms.DateField):
        return TODAY().strftime("%d/%m/%Y")
    if isinstance(field, forms.ChoiceField) and not isinstance(field, _Scoped):
        return next(str(value) for value, _ in field.choices if value)
    if name == "phone":
        return "0912345678"
    if name == "username":
        return "nguoi.moi"
    return f"Thử {name}"


def _payloads(pattern: URLPattern, persona: User, commune: Place) -> list[dict[str, Any]]:
    fields = dict(pattern.callback.workspace_form.form.base_fields)
    scoped = {n: f for n, f in fields.items() if isinstance(f, _Scoped)}
    base = {n: _plain_value(n, f) for n, f in fields.items() if n not in scoped}
    if not scoped:
        return [base]
    payloads: list[dict[str, Any]] = [{}, {}]
    for name, field in scoped.items():
        field = copy.deepcopy(field)
        field.bind(persona, commune)
        allowed = set(field.queryset.values_list("pk", flat=True))
        foreign = [
            pk for pk in field.queryset.model.objects.values_list("pk", flat=True) if pk not in allowed
        ]
        assert foreign
        payloads[0][name], payloads[1][name] = foreign[0], foreign[-1]
    return [{**base, **p} for p in payloads]


@pytest.mark.parametrize("pattern", people_patterns(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope_through_any_people_form(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    scoped_form = any(isinstance(f, _Scoped) for f in spec.form.base_fields.values())
    for persona_name in PERSONAS:
        persona = world.personas()[persona_name]
        client = client_for(persona)
        for site in sites.values():
            target = site.objects[spec.target]
            url = reverse(f"accounts:{pattern.name}", args=[target.pk])
            if not scoped_form and client.get(url).status_code == 200:
                own_commune = {"officer": world.commune, "other_officer": world.other_commune}
                assert own_commune.get(persona_name) == site.commune, (persona_name, url)
                continue  # the officer's own commune: the positive tests cover it
            for payload in _payloads(pattern, persona, site.commune):
                before = _snapshot()
                response = client.post(url, payload)
                where = f"{persona_name} → {pattern.name} on {site.commune.name}"
                assert response.status_code in (200, 404), where
                assert _snapshot() == before, f"{where} wrote something"
                if response.status_code == 200:
                    assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode(), where


def test_only_the_officer_of_the_commune_gets_the_forms(world, sites, client_for):
    own = sites["own"].objects
    urls = [
        reverse("accounts:people_invite", args=[world.commune.pk]),
        reverse("accounts:role_end", args=[own["role"].pk]),
        reverse("accounts:password_reset", args=[own["person"].pk]),
    ]
    for persona_name in PERSONAS:
        client = client_for(world.personas()[persona_name])
        for url in urls:
            expected = 200 if persona_name == "officer" else 404
            assert client.get(url).status_code == expected, (persona_name, url)


def test_the_village_picker_offers_only_the_communes_own_villages(world, sites, client_for):
    page = (
        client_for(world.officer)
        .get(reverse("accounts:people_invite", args=[world.commune.pk]))
        .content.decode()
    )
    assert "Thôn Đông" in page and "Thôn Tây" in page
    assert "Thôn Thượng" not in page and "Tổ dân phố số 1" not in page
    # Only field roles are offered: never an officer, leader or province role.
    for kind in (
        RoleKind.COMMUNE_OFFICER,
        RoleKind.COMMUNE_LEADER,
        RoleKind.PROVINCE_OFFICER,
        RoleKind.ADMIN,
    ):
        assert f'value="{kind.value}"' not in page
