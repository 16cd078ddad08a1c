"""Commune settings: ID storage opt-in with its warning, report day, working hours, counted evidence."""

from __future__ import annotations

from django.urls import reverse

from binhdan.accounts.models import AuditEvent
from binhdan.registry.models import (
    TRUSTED_EVIDENCE,
    CommuneSettings,
    DashboardEvidence,
    Evidence,
)

VALID = {
    "report_day": "21",
    "min_hours_per_day": "4",
    "min_days_per_week": "2",
    "work_time_max_age_days": "35",
    "dashboard_evidence": "trusted",
}


def _url(commune) -> str:
    return reverse("registry:commune_settings", args=[commune.pk])


def test_the_defaults_follow_the_plans(world):
    settings = CommuneSettings.for_commune(world.commune)
    assert (settings.report_day, settings.min_hours_per_day, settings.min_days_per_week) == (15, 4, 2)
    # Issue 10: by default every evidence counts; a commune may count only seen/confirmed values.
    assert settings.dashboard_evidence == DashboardEvidence.ALL and not settings.store_citizen_ids
    assert set(settings.counted_evidence) == set(Evidence.values)
    settings.dashboard_evidence = DashboardEvidence.TRUSTED
    assert set(settings.counted_evidence) == set(TRUSTED_EVIDENCE)
    settings.dashboard_evidence = DashboardEvidence.ALL
    assert Evidence.TOLD in settings.counted_evidence


def test_the_officer_saves_the_settings_and_the_change_is_audited(world, client_for):
    client = client_for(world.officer)
    page = client.get(_url(world.commune)).content.decode()
    assert "Luật Bảo vệ dữ liệu cá nhân" in page and "không bao giờ lưu ảnh thẻ" in page
    response = client.post(_url(world.commune), {**VALID, "dashboard_evidence": "all"})
    assert response.status_code == 302
    settings = CommuneSettings.objects.get(commune=world.commune)
    assert (settings.report_day, settings.dashboard_evidence) == (21, DashboardEvidence.ALL)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).latest("pk")
    assert event.user == world.officer and event.place == world.commune
    assert "ngày nộp báo cáo quý: 21" in event.detail


def test_id_storage_is_switched_on_only_with_the_warning_acknowledged(world, client_for):
    client = client_for(world.officer)
    response = client.post(_url(world.commune), {**VALID, "store_citizen_ids": "on"})
    assert response.status_code == 200
    assert "Hãy đánh dấu ô này để xác nhận" in response.content.decode()
    assert not CommuneSettings.for_commune(world.commune).store_citizen_ids
    response = client.post(_url(world.commune), {**VALID, "store_citizen_ids": "on", "understood": "on"})
    assert response.status_code == 302
    assert CommuneSettings.for_commune(world.commune).store_citizen_ids
    # Once on, saving other settings does not ask again; switching off needs no confirmation.
    assert client.post(_url(world.commune), {**VALID, "store_citizen_ids": "on"}).status_code == 302
    assert client.post(_url(world.commune), VALID).status_code == 302
    assert not CommuneSettings.for_commune(world.commune).store_citizen_ids


def test_no_one_else_changes_a_communes_settings(world, client_for):
    payload = {**VALID, "store_citizen_ids": "on", "understood": "on", "report_day": "3"}
    for name in ("member_a", "leader_a", "leader", "province_officer", "other_officer"):
        client = client_for(world.personas()[name])
        assert client.get(_url(world.commune)).status_code == 404, name
        assert client.post(_url(world.commune), payload).status_code == 404, name
    assert not CommuneSettings.objects.filter(commune=world.commune).exists()
    # The other officer saves their own commune's settings, which leaves ours alone.
    assert client_for(world.other_officer).post(_url(world.other_commune), payload).status_code == 302
    assert CommuneSettings.for_commune(world.other_commune).report_day == 3
    assert CommuneSettings.for_commune(world.commune).report_day == 15


def test_out_of_range_values_are_named_next_to_their_field(world, client_for):
    client = client_for(world.officer)
    response = client.post(
        _url(world.commune),
        {**VALID, "report_day": "31", "min_days_per_week": "8", "dashboard_evidence": "x"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ngày nộp báo cáo quý phải là một số nguyên từ 1 đến 28." in page
    assert "Số ngày hoạt động tối thiểu mỗi tuần phải là một số nguyên từ 1 đến 7." in page
    assert "Lựa chọn không hợp lệ." in page
    assert not CommuneSettings.objects.filter(commune=world.commune).exists()
    assert (
        client.post(reverse("registry:commune_settings", args=[world.village_a.pk]), VALID).status_code == 404
    )
