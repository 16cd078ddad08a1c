"""Scope by construction: every donations view marked `@workspace_form` is attacked by every persona on our
commune and another commune, with the scoped fields filled with ids the persona may not choose; nothing is
written. The officer in scope saves each form with one audit row."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.apps import apps
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts.fields import _Scoped
from binhdan.accounts.models import AuditEvent
from binhdan.donations import services, urls

PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run


def marked() -> list[URLPattern]:
    found = [p for p in urls.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) == 4
    return found


def _site(commune, officer, household):
    donor = services.save_donor(
        by=officer, commune=commune, name=f"Nhà tài trợ {commune.name}", kind="business"
    )
    donation = services.record_donation(
        by=officer, commune=commune, donor=donor, item_kind="sim", household=household,
        given_on=TODAY() - dt.timedelta(days=1), follow_up_on=TODAY(),
    )  # fmt: skip
    return {"commune": commune, "donor": donor, "donation": donation}


@pytest.fixture
def sites(world):
    return {
        "own": _site(world.commune, world.officer, world.household_a),
        "other": _site(world.other_commune, world.other_officer, world.household_c),
    }


def _snapshot():
    tables = {}
    for label in ("donations", "registry"):
        for model in apps.get_app_config(label).get_models():
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action="change").values_list("pk"))
    return tables


def _payloads(pattern, persona, commune):
    fields = pattern.callback.workspace_form.form.base_fields
    base = {"name": "Thử", "kind": "person", "item_kind": "smartphone", "quantity": "1",
            "given_on": TODAY().strftime("%d/%m/%Y"), "followed_up_on": TODAY().strftime("%d/%m/%Y")}  # fmt: skip
    out = [dict(base)]
    foreign: dict[str, list] = {}
    for name, field in fields.items():
        if isinstance(field, _Scoped):
            bound = copy.deepcopy(field)
            bound.bind(persona, commune)
            allowed = set(bound.queryset.values_list("pk", flat=True))
            foreign[name] = [
                pk for pk in bound.queryset.model.objects.values_list("pk", flat=True) if pk not in allowed
            ]
    if foreign:
        out.append({**base, **{n: pks[0] for n, pks in foreign.items() if pks}})
        out.append({**base, **{n: pks[-1] for n, pks in foreign.items() if pks}})
    return out


@pytest.mark.parametrize("pattern", marked(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    for name in PERSONAS:
        persona = world.personas()[name]
        client = client_for(persona)
        for site_name, site in sites.items():
            url = reverse(f"donations:{pattern.name}", args=[site[spec.target].pk])
            in_scope = (name, site_name) in (("officer", "own"), ("other_officer", "other"))
            for payload in _payloads(pattern, persona, site["commune"]):
                if in_scope and pattern.name in ("donor_create", "donor_edit", "follow_up_record"):
                    continue  # these name no other object: the positive control covers them
                before = _snapshot()
                response = client.post(url, payload)
                where = f"{name} → {pattern.name} on {site_name}"
                assert response.status_code == (200 if in_scope else 404), where
                assert _snapshot() == before, f"{where} wrote something"


def test_every_marked_form_saves_for_the_officer_in_scope(world, sites, client_for):
    own = sites["own"]
    day = TODAY().strftime("%d/%m/%Y")
    controls = {
        "donation_create": (world.commune.pk, {
            "donor": own["donor"].pk, "item_kind": "smartphone", "quantity": "1", "given_on": day,
            "household": world.household_b.pk, "recipient": world.resident_b.pk,
        }),
        "donor_create": (world.commune.pk, {"name": "Hội Chữ thập đỏ xã", "kind": "organisation"}),
        "donor_edit": (own["donor"].pk, {"name": "VNPT Phú Thọ", "kind": "business"}),
        "follow_up_record": (own["donation"].pk, {"followed_up_on": day, "note": "Đã dùng được"}),
    }  # fmt: skip
    assert set(controls) == {p.name for p in marked()}
    client = client_for(world.officer)
    for name, (pk, payload) in controls.items():
        before = AuditEvent.objects.filter(action="change").count()
        response = client.post(reverse(f"donations:{name}", args=[pk]), payload)
        assert response.status_code == 302, (name, response.content.decode()[-2000:])
        events = AuditEvent.objects.filter(action="change").order_by("-pk")
        assert events.count() == before + 1, name
        assert events.first().user == world.officer and events.first().place == world.commune
