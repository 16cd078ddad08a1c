"""Scope by construction for the catalogue and settings forms: every persona, three communes.

The form URLs are not listed by hand: every view of registry's urls marked `@workspace_form` is
attacked, and each needs a positive control (the officer, in scope), so a new form cannot go uncovered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts import access
from binhdan.accounts.fields import _Scoped
from binhdan.accounts.models import AuditEvent, Role
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry import catalogue
from binhdan.registry import urls as registry_urls
from binhdan.registry.models import Skill
from binhdan.testing.personas import World

PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run


def workspace_patterns() -> list[URLPattern]:
    found = [p for p in registry_urls.urlpatterns if hasattr(getattr(p, "callback", None), "workspace_form")]
    assert len(found) >= 5, "the catalogue and settings forms are marked with @workspace_form"
    return found


@pytest.fixture
def sites(world: World) -> dict[str, dict[str, Any]]:
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    add_village(commune=hoan_kiem, name="Tổ dân phố số 1")
    Skill.objects.create(code="ky-nang-ngung", name="Kỹ năng đã ngừng", domain="xa-hoi-so", active=False)
    found = {}
    for key, commune, by in (
        ("own", world.commune, world.officer),
        ("other", world.other_commune, world.other_officer),
        ("province", hoan_kiem, world.admin),
    ):
        skill = catalogue.add_commune_skill(
            by=by, commune=commune, name=f"Kỹ năng riêng {commune.name}", domain="xa-hoi-so"
        )
        found[key] = {"commune": commune, "skill": skill}
    return found


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for label in ("places", "registry"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["roles"] = list(Role.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk"))
    return tables


def _plain_value(name: str, field: forms.Field) -> Any:
    if isinstance(field, forms.DateField):
        return TODAY().strftime("%d/%m/%Y")
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.IntegerField):
        return "3"
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return next(str(value) for value, _ in field.choices if value)
    return f"Thử {name}"


def _payloads(pattern: URLPattern, persona: Any, commune: Place) -> list[dict[str, Any]]:
    fields = dict(pattern.callback.workspace_form.form.base_fields)
    scoped = {n: f for n, f in fields.items() if isinstance(f, _Scoped)}
    base = {n: _plain_value(n, f) for n, f in fields.items() if n not in scoped}
    if not scoped:
        return [base]
    payload: dict[str, Any] = {}
    form = pattern.callback.workspace_form.form(user=persona, commune=commune)
    for name in scoped:
        queryset = form.fields[name].queryset  # bound to the persona and the commune, as the view does
        allowed = set(queryset.values_list("pk", flat=True))
        foreign = [pk for pk in queryset.model.objects.values_list("pk", flat=True) if pk not in allowed]
        assert foreign, f"{pattern.name}.{name}: the test world has objects out of scope"
        payload[name] = foreign
    return [{**base, **payload}]


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope_through_any_catalogue_form(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    for persona_name in PERSONAS:
        persona = world.personas()[persona_name]
        client = client_for(persona)
        for site in sites.values():
            target = site[spec.target]
            url = reverse(f"registry:{pattern.name}", args=[target.pk])
            has_scoped = any(isinstance(f, _Scoped) for f in spec.form.base_fields.values())
            if not has_scoped and client.get(url).status_code == 200:
                # Only an officer of that very commune may open a form without object choices.
                assert access.can_manage_place(persona, site["commune"]), (persona_name, url)
                assert persona_name in ("officer", "other_officer"), (persona_name, url)
                continue
            for payload in _payloads(pattern, persona, site["commune"]):
                before = _snapshot()
                response = client.post(url, payload)
                where = f"{persona_name} → {pattern.name} on {site['commune'].name}"
                assert response.status_code in (200, 404), where
                assert _snapshot() == before, f"{where} wrote something"
                if response.status_code == 200:
                    assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode(), where


def test_every_catalogue_form_saves_for_the_officer_and_leaves_an_audit_row(world, sites, client_for):
    today = TODAY().strftime("%d/%m/%Y")
    core = list(Skill.objects.national().filter(is_core=True).values_list("pk", flat=True))[:3]
    spare = Skill.objects.national().filter(is_core=False, active=True).first()
    controls = {
        "catalogue_core": (
            world.commune,
            {"skills": [*core, sites["own"]["skill"].pk], "effective_on": today},
        ),
        "catalogue_hidden": (world.commune, {"skills": [spare.pk], "effective_on": today}),
        "catalogue_add": (world.commune, {"name": "Dùng ứng dụng Sơn Đông số", "domain": "xa-hoi-so"}),
        "catalogue_edit": (sites["own"]["skill"], {"name": "Tra cứu lịch tiêm", "domain": "xa-hoi-so"}),
        "commune_settings": (
            world.commune,
            {
                "report_day": "21",
                "min_hours_per_day": "4",
                "min_days_per_week": "2",
                "work_time_max_age_days": "35",
                "dashboard_evidence": "all",
            },
        ),
    }
    assert {p.name for p in workspace_patterns()} == set(controls), "every form needs a positive control"
    client = client_for(world.officer)
    for name, (target, payload) in controls.items():
        before = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()
        response = client.post(reverse(f"registry:{name}", args=[target.pk]), payload)
        errors = re.findall(
            r"(?:class=\"error\"|role=\"alert\")[^>]*>\s*(?:<p>)?([^<]+)<", response.content.decode()
        )
        assert response.status_code == 302, (name, errors)
        events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk")
        assert events.count() == before + 1, name
        event = events.first()
        assert event.user == world.officer and event.detail and event.ip == "127.0.0.1", name
        assert event.place == world.commune, name
