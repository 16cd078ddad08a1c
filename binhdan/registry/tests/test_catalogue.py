"""The commune's skill catalogue: national seed read-only, dated core set and hidden skills, own skills."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.registry import catalogue
from binhdan.registry.models import CommuneSkillChoice, Skill

TODAY = timezone.localdate  # called in each test: the day may turn during a run


def _core_codes(commune, on=None) -> set[str]:
    return {s.code for s in catalogue.core_skills(commune, on)}


def test_the_default_core_set_is_the_five_seeded_skills(world):
    assert len(catalogue.core_skills(world.commune)) == 5
    assert _core_codes(world.commune) == set(
        Skill.objects.national().filter(is_core=True).values_list("code", flat=True)
    )
    assert not any(e.hidden for e in catalogue.catalogue(world.commune))


def test_a_core_set_change_is_dated_and_keeps_the_past(world):
    five = _core_codes(world.commune)
    spare = Skill.objects.get(code="mat-khau-manh")
    tomorrow = TODAY() + dt.timedelta(days=1)
    chosen = [*Skill.objects.filter(code__in=five).exclude(code="thanh-toan-qr"), spare]
    written = catalogue.set_core_set(
        by=world.officer, commune=world.commune, skills=chosen, effective_on=tomorrow
    )
    assert {c.skill.code for c in written} == {"thanh-toan-qr", "mat-khau-manh"}
    assert all(c.recorded_by == world.officer and c.effective_on == tomorrow for c in written)
    assert _core_codes(world.commune) == five  # not yet in force
    assert _core_codes(world.commune, tomorrow) == five - {"thanh-toan-qr"} | {"mat-khau-manh"}
    assert _core_codes(world.other_commune, tomorrow) == five  # another commune keeps the default
    with pytest.raises(ValidationError):  # a choice never rewrites past days
        catalogue.set_core_set(
            by=world.officer,
            commune=world.commune,
            skills=chosen,
            effective_on=TODAY() - dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        catalogue.set_core_set(by=world.officer, commune=world.commune, skills=[], effective_on=TODAY())


def test_hidden_and_core_exclude_each_other(world):
    core = catalogue.core_skills(world.commune)
    with pytest.raises(ValidationError, match="bỏ khỏi bộ cơ bản"):
        catalogue.set_hidden_skills(
            by=world.officer, commune=world.commune, skills=core[:1], effective_on=TODAY()
        )
    spare = Skill.objects.get(code="sim-4g")
    catalogue.set_hidden_skills(by=world.officer, commune=world.commune, skills=[spare], effective_on=TODAY())
    assert spare not in catalogue.skills_in_use(world.commune)
    assert spare in catalogue.skills_in_use(world.other_commune)
    with pytest.raises(ValidationError, match="hiện lại"):
        catalogue.set_core_set(
            by=world.officer, commune=world.commune, skills=[*core, spare], effective_on=TODAY()
        )
    # Showing it again is one more dated row; the history keeps both.
    catalogue.set_hidden_skills(by=world.officer, commune=world.commune, skills=[], effective_on=TODAY())
    assert spare in catalogue.skills_in_use(world.commune)
    assert CommuneSkillChoice.objects.filter(skill=spare).count() == 2


def test_own_skills_belong_to_one_commune(world, client_for):
    skill = catalogue.add_commune_skill(
        by=world.officer, commune=world.commune, name="Dùng ứng dụng  Sơn Đông số", domain="xa-hoi-so"
    )
    assert skill.commune == world.commune and skill.code.startswith(f"xa{world.commune.pk}-")
    assert skill in catalogue.skills_in_use(world.commune)
    assert skill not in catalogue.skills_in_use(world.other_commune)
    with pytest.raises(ValidationError, match="cùng tên"):
        catalogue.add_commune_skill(
            by=world.officer, commune=world.commune, name="dùng ứng dụng sơn đông số", domain="xa-hoi-so"
        )
    with pytest.raises(ValidationError, match="cùng tên"):  # nor the name of a national skill
        catalogue.add_commune_skill(
            by=world.officer, commune=world.commune, name="Mobile Money, ví điện tử", domain="kinh-te-so"
        )
    # Another commune's officer does not even find it.
    response = client_for(world.other_officer).post(
        reverse("registry:catalogue_edit", args=[skill.pk]), {"name": "Đổi", "domain": "xa-hoi-so"}
    )
    assert response.status_code == 404
    skill.refresh_from_db()
    assert skill.name == "Dùng ứng dụng Sơn Đông số"


def test_an_officer_cannot_rename_or_deactivate_the_national_seed(world, client_for):
    national = Skill.objects.get(code="vneid-muc-2")
    client = client_for(world.officer)
    response = client.post(
        reverse("registry:catalogue_edit", args=[national.pk]), {"name": "Đổi tên", "domain": "xa-hoi-so"}
    )
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="quản trị hệ thống"):
        catalogue.update_commune_skill(
            by=world.officer, commune=world.commune, skill=national, name="Đổi tên", domain="xa-hoi-so"
        )
    # Hiding it is the commune's own choice and leaves the national row as it was.
    client.post(
        reverse("registry:catalogue_hidden", args=[world.commune.pk]),
        {"skills": [Skill.objects.get(code="sim-4g").pk], "effective_on": TODAY().strftime("%d/%m/%Y")},
    )
    national.refresh_from_db()
    assert (
        national.name == "Sử dụng tài khoản định danh điện tử mức 2" and national.active and national.is_core
    )
    assert Skill.objects.get(code="sim-4g").active
    assert client.get("/admin/registry/skill/").status_code == 404  # the admin is for system admins


def test_the_catalogue_page_reads_for_the_leader_and_404s_for_others(world, client_for):
    url = reverse("registry:catalogue", args=[world.commune.pk])
    page = client_for(world.officer).get(url).content.decode()
    assert (
        "Bộ kỹ năng số cơ bản (5)" in page
        and reverse("registry:catalogue_core", args=[world.commune.pk]) in page
    )
    leader_page = client_for(world.leader).get(url)
    assert leader_page.status_code == 200
    assert reverse("registry:catalogue_core", args=[world.commune.pk]) not in leader_page.content.decode()
    assert "Ngày 15 của tháng cuối quý" in leader_page.content.decode()  # the leader reads the settings
    for name in ("member_a", "leader_a", "province_officer", "other_officer"):
        assert client_for(world.personas()[name]).get(url).status_code == 404, name
    for name in ("catalogue_core", "catalogue_hidden", "catalogue_add", "commune_settings"):
        form_url = reverse(f"registry:{name}", args=[world.commune.pk])
        assert client_for(world.leader).get(form_url).status_code == 404, name
        assert client_for(world.officer).get(form_url).status_code == 200, name
    commune_page = client_for(world.officer).get(reverse("fieldwork:commune_detail", args=[world.commune.pk]))
    assert url in commune_page.content.decode()


def test_the_catalogue_page_costs_the_same_queries_however_big_the_catalogue(world, client_for):
    client = client_for(world.officer)
    url = reverse("registry:catalogue", args=[world.commune.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(15):
        skill = catalogue.add_commune_skill(
            by=world.officer, commune=world.commune, name=f"Kỹ năng thêm {n}", domain="kinh-te-so"
        )
        if n % 2:
            catalogue.set_hidden_skills(
                by=world.officer, commune=world.commune, skills=[skill], effective_on=TODAY()
            )
    with CaptureQueriesContext(connection) as big:
        assert client.get(url).status_code == 200
    assert len(big) == len(small)
    assert len(small) <= 12


HOSTILE = [
    {"skills": ["9" * 30], "effective_on": "01/01/2026"},
    {"skills": ["-1", "abc", ""], "effective_on": "31/02/2026"},
    {"skills": "1' OR '1'='1", "effective_on": "\x00"},
    {"name": "x" * 5000, "domain": "<script>", "description": "\x00"},
    {"name": "\u0000", "domain": ""},
    {"report_day": "99999999999999999999", "min_hours_per_day": "-4", "min_days_per_week": "1e9"},
    {"report_day": "NaN", "dashboard_evidence": "moi-thu", "work_time_max_age_days": "0"},
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_input_gives_form_errors_not_5xx(world, client_for, payload):
    client = client_for(world.officer)
    own = catalogue.add_commune_skill(
        by=world.officer, commune=world.commune, name="Riêng", domain="xa-hoi-so"
    )
    before = (
        CommuneSkillChoice.objects.count(),
        Skill.objects.count(),
        AuditEvent.objects.filter(action="change").count(),
    )
    for name in ("catalogue_core", "catalogue_hidden", "catalogue_add", "commune_settings"):
        response = client.post(reverse(f"registry:{name}", args=[world.commune.pk]), payload)
        assert response.status_code == 200, name
    response = client.post(reverse("registry:catalogue_edit", args=[own.pk]), payload)
    assert response.status_code == 200
    for bad in ("catalogue_edit", "catalogue", "commune_settings"):
        assert client.get(reverse(f"registry:{bad}", args=[10**22])).status_code == 404, bad
    after = (
        CommuneSkillChoice.objects.count(),
        Skill.objects.count(),
        AuditEvent.objects.filter(action="change").count(),
    )
    assert after == before
