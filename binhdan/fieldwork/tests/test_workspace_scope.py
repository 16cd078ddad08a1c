"""Scope by construction: every workspace form, every persona, ids from another commune and province.

The form URLs are not listed by hand: every view marked `@workspace_form` in fieldwork's urls is
attacked, and a positive control (the officer, in scope) must exist for each of them, so a new form
cannot be added without being covered here.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts.fields import OUT_OF_SCOPE, _Scoped
from binhdan.accounts.models import AuditEvent, Role
from binhdan.fieldwork import urls as fieldwork_urls
from binhdan.fieldwork.models import Campaign, CommunityClass, Mentor, Mentorship, Team, TeamRole, Training
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry.models import Skill
from binhdan.testing.personas import World, make_household, make_user

PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run


@dataclass
class Site:
    """One commune's objects that a workspace URL can name."""

    commune: Place
    objects: dict[str, Any]


def _site(commune: Place, village: Place, team: Team, member: Any, resident: Any) -> Site:
    membership = team.memberships.get(user=member, left_on__isnull=True)
    training = Training.objects.create(title="Tập huấn VNeID", commune=commune, held_on=TODAY())
    community_class = CommunityClass.objects.create(
        title="Lớp điện thoại thông minh", place=village, held_on=TODAY()
    )
    mentor = Mentor.objects.create(commune=commune, user=member, started_on=dt.date(2025, 1, 1))
    mentorship = Mentorship.objects.create(mentor=mentor, mentee=resident, started_on=dt.date(2025, 2, 1))
    campaign = Campaign.objects.create(
        name="Gõ từng nhà", commune=commune, starts_on=TODAY(), ends_on=TODAY()
    )
    return Site(
        commune,
        {
            "commune": commune,
            "village": village,
            "team": team,
            "membership": membership,
            "training": training,
            "class": community_class,
            "mentor": mentor,
            "mentorship": mentorship,
            "campaign": campaign,
        },
    )


@pytest.fixture
def sites(world: World) -> dict[str, Site]:
    """Our commune, another commune of the province, and a commune of another province (Hà Nội)."""
    team_c = create_team(village=world.village_c)
    member_c = make_user("tovien.c", "Bùi Văn Cao")
    add_team_member(team=team_c, user=member_c, joined_on=dt.date(2025, 1, 1))
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    hang_bac = add_village(commune=hoan_kiem, name="Tổ dân phố số 1")
    team_h = create_team(village=hang_bac)
    member_h = make_user("tovien.hk", "Ngô Thị Hà")
    add_team_member(team=team_h, user=member_h, role=TeamRole.LEADER, joined_on=dt.date(2025, 1, 1))
    household_h = make_household(hang_bac, "Phan Văn Hùng")
    Skill.objects.create(code="ky-nang-da-an", name="Kỹ năng xã đã ẩn", domain="xa-hoi-so", active=False)
    return {
        "own": _site(world.commune, world.village_a, world.team_a, world.member_a, world.resident_a),
        "other": _site(
            world.other_commune, world.village_c, team_c, member_c, world.household_c.residents.get()
        ),
        "province": _site(hoan_kiem, hang_bac, team_h, member_h, household_h.residents.get()),
    }


def workspace_patterns() -> list[URLPattern]:
    found = [p for p in fieldwork_urls.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) >= 15, "the workspace forms are marked with @workspace_form"
    return found


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables the workspace writes (small in the test world)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for label in ("fieldwork", "places", "registry"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["roles"] = list(Role.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk"))
    return tables


def _commune_of(obj: Any) -> Place:
    if isinstance(obj, Place):
        return obj if obj.level == Level.COMMUNE else obj.parent
    for path in ("commune", "village", "place", "team", "mentor"):
        if hasattr(obj, path):
            return _commune_of(getattr(obj, path))
    raise AssertionError(obj)


def _plain_value(name: str, field: forms.Field) -> Any:
    if isinstance(field, forms.DateField):
        return TODAY().strftime("%d/%m/%Y")
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.ChoiceField):
        return next(str(value) for value, _ in field.choices if value)
    return f"Thử {name}"


def _form_fields(pattern: URLPattern) -> dict[str, forms.Field]:
    return dict(pattern.callback.workspace_form.form.base_fields)


def _attack_payloads(pattern: URLPattern, persona: Any, commune: Place) -> list[dict[str, Any]]:
    """Valid-looking values everywhere, and in each scoped field ids the persona may not choose."""
    fields = _form_fields(pattern)
    scoped = {n: f for n, f in fields.items() if isinstance(f, _Scoped)}
    base = {n: _plain_value(n, f) for n, f in fields.items() if n not in scoped}
    if not scoped:
        return [base]
    payloads: list[dict[str, Any]] = [{}, {}]
    for name, field in scoped.items():
        field = copy.deepcopy(field)  # binding the class's own field would leak into other tests
        field.bind(persona, commune)
        allowed = set(field.queryset.values_list("pk", flat=True))
        everything = field.queryset.model.objects.values_list("pk", flat=True)
        foreign = [pk for pk in everything if pk not in allowed]
        assert foreign, f"{pattern.name}.{name}: the test world has objects out of scope"
        if isinstance(field, forms.ModelMultipleChoiceField):
            payloads[0][name] = payloads[1][name] = foreign
        else:
            payloads[0][name], payloads[1][name] = foreign[0], foreign[-1]
    return [{**base, **p} for p in payloads]


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope_through_any_workspace_form(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    for persona_name in PERSONAS:
        persona = world.personas()[persona_name]
        client = client_for(persona)
        for site in sites.values():
            target = site.objects[spec.target]
            url = reverse(f"fieldwork:{pattern.name}", args=[target.pk])
            payloads = _attack_payloads(pattern, persona, _commune_of(target))
            has_scoped_fields = any(isinstance(f, _Scoped) for f in _form_fields(pattern).values())
            if not has_scoped_fields and client.get(url).status_code == 200:
                continue  # the persona may edit this object and the form names no other object
            for payload in payloads:
                before = _snapshot()
                response = client.post(url, payload)
                where = f"{persona_name} → {pattern.name} on {site.commune.name}"
                # 200: the form with its errors; 404: not theirs; 302: a tick-list page that puts its
                # error in a message and goes back (the snapshot below proves nothing was written).
                assert response.status_code in (200, 302, 404), where
                assert _snapshot() == before, f"{where} wrote something"
                if response.status_code == 200 and has_scoped_fields:
                    page = response.content.decode()
                    assert "nằm ngoài địa bàn bạn phụ trách" in page, where


def _positive_controls(world: World, sites: dict[str, Site]) -> dict[str, tuple[Any, dict[str, Any]]]:
    own = sites["own"].objects
    today = TODAY().strftime("%d/%m/%Y")
    empty = add_village(commune=world.commune, name="Thôn Mới")
    teamless = add_village(commune=world.commune, name="Thôn Bắc")
    skill = Skill.objects.filter(active=True).first()
    return {
        "village_create": (world.commune, {"name": "Thôn Ven Sông"}),
        "village_rename": (own["village"], {"name": "Thôn Đông Nam"}),
        "village_close": (empty, {"closed_on": today}),
        "team_create": (world.commune, {"village": teamless.pk, "formed_on": today}),
        "team_member_add": (
            world.team_a,
            {"user": world.member_b.pk, "role": TeamRole.MEMBER, "joined_on": today},
        ),
        "team_member_leave": (own["membership"], {"left_on": today}),
        "training_create": (
            world.commune,
            {"title": "Tập huấn", "held_on": today, "attendees": [world.leader_a.pk]},
        ),
        "training_edit": (own["training"], {"title": "Tập huấn 2", "held_on": today}),
        "class_create": (
            world.commune,
            {"kind": "class", "title": "Lớp", "held_on": today, "audience": "elderly", "skills": [skill.pk]},
        ),
        "class_edit": (
            own["class"],
            {"kind": "class", "title": "Lớp 2", "held_on": today, "audience": "general"},
        ),
        "class_attendance": (own["class"], {"present": [world.resident_a.pk]}),
        "mentor_create": (world.commune, {"resident": world.resident_b.pk, "started_on": today}),
        "mentee_add": (own["mentor"], {"mentee": world.resident_b.pk, "started_on": today}),
        "mentorship_outcome": (own["mentorship"], {"outcome": "independent", "ended_on": today}),
        "campaign_create": (
            world.commune,
            {"name": "Chiến dịch", "starts_on": today, "ends_on": today, "villages": [world.village_a.pk]},
        ),
        "campaign_edit": (own["campaign"], {"name": "Chiến dịch 2", "starts_on": today, "ends_on": today}),
        "scam_warnings": (
            world.commune,
            {
                "pretext": "cap_nhat_vneid",
                "title": "Cảnh giác",
                "text": "Không bấm link.",
                "villages": [own["village"].pk],
            },
        ),
        # last: it moves team B's member into team A
        "village_merge": (
            world.commune,
            {"village": world.village_b.pk, "into": world.village_a.pk, "merged_on": today},
        ),
    }


def test_every_workspace_form_saves_for_the_officer_in_scope_and_leaves_an_audit_row(
    world, sites, client_for
):
    controls = _positive_controls(world, sites)
    names = {p.name for p in workspace_patterns()}
    assert names == set(controls), "every workspace form needs a positive control here"
    client = client_for(world.officer)
    for name, (target, payload) in controls.items():
        before = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()
        response = client.post(reverse(f"fieldwork:{name}", args=[target.pk]), payload)
        errors = re.findall(
            r'class="error"[^>]*>([^<]+)<|<div class="alert"[^>]*>\s*<p>([^<]+)<', response.content.decode()
        )
        assert response.status_code == 302, (name, errors)
        events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk")
        assert events.count() == before + 1, name
        event = events.first()
        assert event.user == world.officer and event.detail and event.ip == "127.0.0.1", name


def test_an_out_of_scope_id_is_named_next_to_its_field(world, sites, client_for):
    client = client_for(world.officer)
    response = client.post(
        reverse("fieldwork:campaign_create", args=[world.commune.pk]),
        {"name": "X", "starts_on": "01/10/2025", "ends_on": "30/10/2025", "villages": [world.village_c.pk]},
    )
    page = response.content.decode()
    assert response.status_code == 200 and f"“{world.village_c.pk}” không hợp lệ" in page
    assert not Campaign.objects.filter(name="X").exists()
    # The picker never offers another commune's villages in the first place.
    form_page = client.get(reverse("fieldwork:campaign_create", args=[world.commune.pk])).content.decode()
    assert "Thôn Đông" in form_page and "Thôn Thượng" not in form_page and "Tổ dân phố số 1" not in form_page
    assert OUT_OF_SCOPE  # the single-choice message, used by the merge and team forms


def test_a_scoped_field_offers_nothing_until_bound_and_then_only_the_users_scope(world):
    from binhdan.accounts.fields import ScopedModelChoiceField, team_people_managed_by, villages_managed_by

    field = ScopedModelChoiceField(scope=villages_managed_by, commune_path="parent")
    assert not field.queryset.exists()
    with pytest.raises(forms.ValidationError) as error:
        field.clean(world.village_a.pk)
    assert OUT_OF_SCOPE in str(error.value)
    field.bind(world.officer, world.commune)
    assert set(field.queryset) == {world.village_a, world.village_b}
    assert field.clean(world.village_a.pk) == world.village_a
    field.bind(world.leader, world.commune)  # the commune leader reads, and manages no village
    assert not field.queryset.exists()
    # A team leader picks people of their own village only.
    assert set(team_people_managed_by(world.leader_a)) == {world.member_a, world.leader_a}
