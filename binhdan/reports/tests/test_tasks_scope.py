"""Scope by construction for the plan-task forms: every view of reports.urls_tasks marked `@workspace_form`
is attacked by every persona on our commune, another commune of the province and a commune of another
province; nothing may be written, and the officer in scope saves each form with one audit row."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent, Role
from binhdan.places.models import Kind, Level, Place
from binhdan.reports import services_tasks as services
from binhdan.reports import urls_tasks
from binhdan.reports.models_tasks import PlanTask
from binhdan.reports.tests.files.annex import messy_annex

PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)


def _site(commune: Place, officer: Any) -> dict[str, Any]:
    task = PlanTask.objects.create(commune=commune, section="I. Truyền thông", number="1", title="Hội nghị")
    evidence = services.add_evidence(by=officer, task=task, name="bien-ban.pdf", data=PDF).obj
    return {"commune": commune, "task": task, "evidence": evidence}


@pytest.fixture
def sites(world) -> dict[str, dict[str, Any]]:
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    return {
        "own": _site(world.commune, world.officer),
        "other": _site(world.other_commune, world.other_officer),
        "province": _site(hoan_kiem, world.admin),
    }


def workspace_patterns() -> list[URLPattern]:
    found = [p for p in urls_tasks.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) >= 8, "the task forms are marked with @workspace_form"
    return found


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_app_config("reports").get_models():
        tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["roles"] = list(Role.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk"))
    return tables


def _plain_value(name: str, field: forms.Field) -> Any:
    if isinstance(field, forms.FileField):
        return SimpleUploadedFile("bien-ban.pdf", PDF)
    if isinstance(field, forms.DateField):
        return TODAY().strftime("%d/%m/%Y")
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.ChoiceField):
        return next(str(value) for value, _ in field.choices if value)
    return f"Thử {name}"


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope_through_any_task_form(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    for persona_name in PERSONAS:
        persona = world.personas()[persona_name]
        client = client_for(persona)
        for site_name, site in sites.items():
            if (persona_name, site_name) in (("officer", "own"), ("other_officer", "other")):
                continue  # in scope: the positive control below
            url = reverse(f"reports:{pattern.name}", args=[site[spec.target].pk])
            where = f"{persona_name} → {pattern.name} on {site['commune'].name}"
            assert client.get(url).status_code == 404, where
            payload = {n: _plain_value(n, f) for n, f in spec.form.base_fields.items()}
            before = _snapshot()
            assert client.post(url, payload).status_code == 404, where
            assert _snapshot() == before, f"{where} wrote something"


def test_every_task_form_saves_for_the_officer_in_scope_and_leaves_an_audit_row(world, sites, client_for):
    own = sites["own"]
    client = client_for(world.officer)
    spare = PlanTask.objects.create(commune=world.commune, title="Việc sẽ xoá")
    controls: dict[str, tuple[Any, dict[str, Any]]] = {
        "task_create": (world.commune, {"title": "Tổ chức lớp học", "deadline_text": "Quý IV/2025"}),
        "task_edit": (own["task"], {"title": "Hội nghị triển khai", "number": "1"}),
        "task_status": (own["task"], {"status": "done", "done_on": TODAY().strftime("%d/%m/%Y")}),
        "evidence_upload": (own["task"], {"file": SimpleUploadedFile("anh.pdf", PDF)}),
        "evidence_delete": (own["evidence"], {"action": "confirm"}),
        "task_delete": (spare, {}),
    }
    names = {p.name for p in workspace_patterns()}
    # The import's two steps: the upload writes nothing (the file waits for the preview), the confirmation
    # writes the tasks with one audit row.
    assert names == set(controls) | {"tasks_import", "tasks_import_preview"}
    for name, (target, payload) in controls.items():
        before = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()
        response = client.post(reverse(f"reports:{name}", args=[target.pk]), payload)
        errors = re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode())
        assert response.status_code == 302, (name, errors)
        events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk")
        assert events.count() == before + 1, name
        event = events.first()
        assert event.user == world.officer and event.detail and event.ip == "127.0.0.1", name
        assert event.place == world.commune, name
    before = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()
    upload = client.post(
        reverse("reports:tasks_import", args=[world.commune.pk]),
        {"file": SimpleUploadedFile("phu-luc.xlsx", messy_annex())},
    )
    assert upload.status_code == 302 and AuditEvent.objects.filter(action="change").count() == before
    confirm = client.post(upload["Location"], {"action": "confirm"})
    assert confirm.status_code == 302 and AuditEvent.objects.filter(action="change").count() == before + 1
    assert PlanTask.objects.filter(commune=world.commune).count() >= 8
