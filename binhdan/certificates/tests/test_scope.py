"""Scope by construction: every certificates view marked `@workspace_form` is attacked by every persona on our
commune and on another commune; nothing is written. The officer in scope saves each with one audit row."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from binhdan.accounts.models import AuditEvent
from binhdan.certificates import services, urls
from binhdan.certificates.models import Certificate
from binhdan.testing.indicators import attend, community_class

PERSONAS = [
    "member_a",
    "leader_a",
    "member_b",
    "officer",
    "leader",
    "province_officer",
    "other_officer",
    "admin",
]


def marked() -> list[URLPattern]:
    found = [p for p in urls.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) == 3
    return found


def _site(commune, officer, resident):
    """A class of the commune with one attendee holding a paper."""
    held = community_class(commune, _today(), by=officer)
    attend(held, [resident], by=officer)
    (paper,) = services.issue_certificates(by=officer, community_class=held, residents=[resident])
    return {"commune": commune, "class": held, "certificate": paper}


def _today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def sites(world):
    return {
        "own": _site(world.commune, world.officer, world.resident_a),
        "other": _site(world.other_commune, world.other_officer, world.household_c.residents.get()),
    }


def _snapshot():
    return (
        list(Certificate.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.filter(action="change").values_list("pk")),
    )


PAYLOAD = {"everyone": "on", "signer_capacity": "chairman", "reason": "Thử"}


@pytest.mark.parametrize("pattern", marked(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    for name in PERSONAS:
        client = client_for(world.personas()[name])
        for site_name, site in sites.items():
            if (name, site_name) in (("officer", "own"), ("other_officer", "other")) or name == "admin":
                continue
            url = reverse(f"certificates:{pattern.name}", args=[site[spec.target].pk])
            before = _snapshot()
            assert client.post(url, PAYLOAD).status_code == 404, (name, pattern.name, site_name)
            assert _snapshot() == before


def test_every_marked_form_saves_for_the_officer_in_scope(world, sites, client_for):
    own = sites["own"]
    extra = community_class(world.commune, _today(), by=world.officer)
    attend(extra, [world.resident_a], by=world.officer)
    # In order: issue in the extra class, reissue our paper (its old one is revoked), revoke the new one.
    steps = [
        (
            "class_issue",
            lambda: extra.pk,
            {"residents": [world.resident_a.pk], "signer_capacity": "chairman"},
        ),
        ("certificate_reissue", lambda: own["certificate"].pk, {"reason": "Mất giấy"}),
        (
            "certificate_revoke",
            lambda: Certificate.objects.valid().get(community_class=own["class"]).pk,
            {"reason": "Ghi nhầm"},
        ),
    ]
    assert {name for name, _, _ in steps} == {p.name for p in marked()}
    client = client_for(world.officer)
    for name, pk, payload in steps:
        before = AuditEvent.objects.filter(action="change").count()
        response = client.post(reverse(f"certificates:{name}", args=[pk()]), payload)
        assert response.status_code == 302, name
        events = AuditEvent.objects.filter(action="change").order_by("-pk")
        assert events.count() == before + 1, name
        assert events.first().user == world.officer and events.first().ip == "127.0.0.1"
    assert Certificate.objects.filter(commune=world.commune).count() == 3
