"""The programme pages and drives for every persona of the world; results move the indicators; hostile
input never gives a 5xx; the lists' query counts do not grow with the rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.fieldwork.models import ClassAttendance
from binhdan.indicators.values import values
from binhdan.programmes import urls as programme_urls
from binhdan.programmes.catalogue import PROGRAMMES
from binhdan.programmes.models import Drive, DriveInvitee
from binhdan.registry.models import SkillObservation, StatusObservation
from binhdan.testing import indicators as f

TODAY = timezone.localdate  # called in each test: the day may turn during a run
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


def today_typed() -> str:
    return TODAY().strftime("%d/%m/%Y")


def _post_drive(client, world, villages, **extra):
    data = {
        "rule": "vneid",
        "villages": [v.pk for v in villages],
        "title": "Ra quân kích hoạt VNeID mức 2",
        "kind": "vneid",
        "held_on": today_typed(),
        "starts_at": "7:30",
        "venue": "Nhà văn hoá thôn Đông",
        "what_to_bring": "CCCD gắn chip, điện thoại, SIM chính chủ",
        "contact": world.leader_a.pk,
        **extra,
    }
    return client.post(reverse("programmes:drive_create", args=[world.commune.pk]), data)


def _snapshot():
    tables = {}
    for label in ("programmes", "registry", "fieldwork"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk"))
    return tables


def _cis(place):
    value = {v.code: v for v in values(place, TODAY(), with_pace=False)}["CI_VNEID2"]
    return value.numerator, value.denominator


def test_every_persona_sees_what_its_role_allows(world, client_for):
    index = reverse("programmes:index", args=[world.commune.pk])
    detail = reverse("programmes:detail", args=[world.commune.pk, "danh-tinh-so"])
    create = reverse("programmes:drive_create", args=[world.commune.pk])
    expected = {
        # persona: (index, detail, create form, names shown on the list)
        "member_a": (404, 404, 404, None),
        "member_b": (404, 404, 404, None),
        "leader_a": (200, 200, 200, {"Nguyễn Thị Hoà"}),
        "officer": (200, 200, 200, {"Nguyễn Thị Hoà", "Đặng Văn Đức"}),
        "leader": (200, 200, 404, {"Nguyễn Thị Hoà", "Đặng Văn Đức"}),
        "province_officer": (200, 200, 404, set()),
        "other_officer": (404, 404, 404, None),
        "admin": (200, 200, 200, {"Nguyễn Thị Hoà", "Đặng Văn Đức"}),
    }
    for name, (i, d, c, names) in expected.items():
        client = client_for(world.personas()[name])
        assert client.get(index).status_code == i, name
        response = client.get(detail)
        assert response.status_code == d, name
        assert client.get(create).status_code == c, name
        if names is None:
            continue
        page = response.content.decode()
        for person in ("Nguyễn Thị Hoà", "Đặng Văn Đức", "Bùi Thị Lan"):
            assert (person in page) == (person in names), (name, person)
    # The province officer sees the count, not the names, and no button.
    page = client_for(world.province_officer).get(detail).content.decode()
    assert "<strong>2</strong> người cần vận động" in page and "Vận động</a>" not in page


def test_an_unknown_programme_or_a_foreign_village_filter_is_harmless(world, client_for):
    client = client_for(world.leader_a)
    assert client.get(reverse("programmes:detail", args=[world.commune.pk, "khong-co"])).status_code == 404
    detail = reverse("programmes:detail", args=[world.commune.pk, "danh-tinh-so"])
    response = client.get(detail, {"thon": world.village_b.pk})
    page = response.content.decode()
    assert response.status_code == 200 and "nằm ngoài địa bàn" in page and "Đặng Văn Đức" not in page
    for hostile in ("x", "-1", "9" * 30, "1 OR 1=1"):
        assert client.get(detail, {"thon": hostile, "q": hostile * 40, "trang": hostile}).status_code == 200


def test_officer_creates_a_drive_records_results_and_the_indicators_move(world, client_for):
    client = client_for(world.officer)
    before = _cis(world.commune)
    response = _post_drive(client, world, [world.village_a, world.village_b])
    assert response.status_code == 302, response.content.decode()[:2000]
    drive = Drive.objects.get()
    assert set(drive.invitees.values_list("resident_id", flat=True)) == {
        world.resident_a.pk,
        world.resident_b.pk,
    }
    assert drive.filter["rule"] == "vneid" and drive.filter["villages"] == [
        world.village_a.pk,
        world.village_b.pk,
    ]
    a = drive.invitees.get(resident=world.resident_a)
    b = drive.invitees.get(resident=world.resident_b)
    page = client.get(reverse("programmes:drive_detail", args=[drive.pk])).content.decode()
    assert "Nguyễn Thị Hoà" in page and "Lưu người có mặt" in page
    results = reverse("programmes:drive_results", args=[drive.pk])
    response = client.post(results, {"rows": [a.pk, b.pk], "came": [a.pk], f"vneid-{a.pk}": "2"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.came and a.results == {"vneid_level": 2} and a.recorded_by == world.officer
    observation = StatusObservation.objects.get(resident=world.resident_a)
    assert (observation.value, observation.source, observation.source_ref) == (
        2,
        "officer",
        f"drive:{drive.pk}",
    )
    assert _cis(world.commune) == (before[0] + 1, before[1])
    assert _cis(world.village_a)[0] == 1
    # Saving the same again writes nothing new.
    client.post(results, {"rows": [a.pk, b.pk], "came": [a.pk], f"vneid-{a.pk}": "2"})
    assert StatusObservation.objects.count() == 1
    # Results for someone not ticked present are refused, nothing written.
    before_rows = _snapshot()
    response = client.post(results, {"rows": [b.pk], f"vneid-{b.pk}": "2"}, follow=True)
    assert "chưa đánh dấu có mặt" in response.content.decode()
    assert _snapshot() == before_rows


def test_a_class_drive_takes_attendance_and_writes_skills(world, client_for):
    core = f.national_core()
    person = f.resident(world.household_a, dt.date(2020, 1, 1), birth_year=1950)
    f.master_skills(person, core[:4], TODAY() - dt.timedelta(days=3))
    client = client_for(world.officer)
    elderly_before = {v.code: v for v in values(world.commune, TODAY(), with_pace=False)}["ELDERLY_CLASS"]
    response = _post_drive(
        client, world, [world.village_a], rule="elderly", kind="class", title="Lớp người cao tuổi",
        skills=[core[4].pk],
    )  # fmt: skip
    assert response.status_code == 302
    drive = Drive.objects.get()
    assert drive.community_class is not None and drive.community_class.audience == "elderly"
    invitee = drive.invitees.get(resident=person)
    client.post(
        reverse("programmes:drive_results", args=[drive.pk]),
        {"rows": [invitee.pk], "came": [invitee.pk], f"skill-{invitee.pk}-{core[4].pk}": "2"},
    )
    assert ClassAttendance.objects.filter(community_class=drive.community_class, resident=person).exists()
    assert SkillObservation.objects.filter(resident=person, skill=core[4], source="class").exists()
    after = {v.code: v for v in values(world.commune, TODAY(), with_pace=False)}
    assert after["ELDERLY_CLASS"].numerator == elderly_before.numerator + 1
    assert after["AD_BASIC"].numerator >= 1


def test_team_leader_draws_only_their_village_and_out_of_scope_writes_nothing(world, client_for):
    client = client_for(world.leader_a)
    before = _snapshot()
    response = _post_drive(client, world, [world.village_b])
    assert response.status_code == 200 and "nằm ngoài địa bàn" in response.content.decode()
    response = _post_drive(client, world, [world.village_a], contact=world.member_b.pk)
    assert response.status_code == 200 and "nằm ngoài địa bàn" in response.content.decode()
    assert _snapshot() == before
    assert _post_drive(client, world, [world.village_a]).status_code == 302
    drive = Drive.objects.get()
    assert list(drive.invitees.values_list("resident_id", flat=True)) == [world.resident_a.pk]


def test_drive_pages_are_404_outside_scope_and_write_nothing(world, client_for):
    _post_drive(client_for(world.officer), world, [world.village_a, world.village_b])
    drive = Drive.objects.get()
    a = drive.invitees.get(resident=world.resident_a)
    b = drive.invitees.get(resident=world.resident_b)
    detail = reverse("programmes:drive_detail", args=[drive.pk])
    results = reverse("programmes:drive_results", args=[drive.pk])
    for name in ("member_a", "member_b", "leader", "province_officer", "other_officer"):
        client = client_for(world.personas()[name])
        before = _snapshot()
        response = client.post(results, {"rows": [a.pk, b.pk], "came": [a.pk, b.pk], f"vneid-{a.pk}": "2"})
        assert response.status_code == 404, name
        assert _snapshot() == before, name
    for name in ("member_a", "member_b", "province_officer", "other_officer"):
        assert client_for(world.personas()[name]).get(detail).status_code == 404, name
        assert client_for(world.personas()[name]).get(detail + "giay-moi/?dinh-dang=docx").status_code == 404
    # The team leader of village A sees and records their village's invitees only.
    client = client_for(world.leader_a)
    page = client.get(detail).content.decode()
    assert "Nguyễn Thị Hoà" in page and "Đặng Văn Đức" not in page
    client.post(results, {"rows": [a.pk, b.pk], "came": [a.pk, b.pk], f"vneid-{b.pk}": "2"})
    assert not DriveInvitee.objects.get(pk=b.pk).came
    assert DriveInvitee.objects.get(pk=a.pk).came
    assert not StatusObservation.objects.filter(resident=world.resident_b).exists()


def test_hostile_input_never_gives_a_server_error(world, client_for):
    client = client_for(world.officer)
    for payload in (
        {},
        {"rule": "x", "villages": ["abc", "-1", "9" * 30], "contact": "<script>", "held_on": "32/13/2025"},
        {"rule": "vneid", "villages": [world.village_a.pk], "starts_at": "25:99", "held_on": "01/01/1900"},
        {"rule": "vneid", "villages": [world.village_c.pk], "title": "x" * 500, "held_on": today_typed()},
    ):
        response = client.post(reverse("programmes:drive_create", args=[world.commune.pk]), payload)
        assert response.status_code == 200
    assert not Drive.objects.exists()
    _post_drive(client, world, [world.village_a])
    drive = Drive.objects.get()
    invitee = drive.invitees.get()
    results = reverse("programmes:drive_results", args=[drive.pk])
    for payload in (
        {},
        {"rows": ["x", "9" * 40, "-3"], "came": ["y"]},
        {"rows": [invitee.pk], "came": [invitee.pk], f"vneid-{invitee.pk}": "7"},
        {"rows": [invitee.pk], "came": [invitee.pk], f"vneid-{invitee.pk}": "2", "evidence": "told"},
        {"rows": [invitee.pk], f"skill-{invitee.pk}-999": "2"},
    ):
        assert client.post(results, payload).status_code == 302
    assert not StatusObservation.objects.exists()
    assert client.get(reverse("programmes:drive_detail", args=["999999"])).status_code == 404
    assert client.get(reverse("programmes:index", args=["999999"])).status_code == 404


def test_a_future_drive_takes_results_only_from_its_day(world, client_for):
    client = client_for(world.officer)
    later = (TODAY() + dt.timedelta(days=7)).strftime("%d/%m/%Y")
    assert _post_drive(client, world, [world.village_a], held_on=later).status_code == 302
    drive = Drive.objects.get()
    invitee = drive.invitees.get()
    response = client.post(
        reverse("programmes:drive_results", args=[drive.pk]),
        {"rows": [invitee.pk], "came": [invitee.pk]},
        follow=True,
    )
    assert "chỉ ghi kết quả từ ngày đó" in response.content.decode()
    assert not DriveInvitee.objects.get(pk=invitee.pk).came


def test_slips_are_an_audited_export_as_docx(world, client_for):
    from docx import Document

    client = client_for(world.officer)
    _post_drive(client, world, [world.village_a, world.village_b])
    drive = Drive.objects.get()
    response = client.get(reverse("programmes:drive_slips", args=[drive.pk]), {"dinh-dang": "docx"})
    assert response.status_code == 200
    text = "\n".join(
        p.text for t in Document(io.BytesIO(response.content)).tables for c in t._cells for p in c.paragraphs
    )
    assert text.count("GIẤY MỜI") == 2 and "Bà Nguyễn Thị Hoà" in text and "Ông Đặng Văn Đức" in text
    assert "UBND XÃ SƠN ĐÔNG" in text and "SIM chính chủ" in text and "Trần Thị Bình" in text
    assert "7 giờ 30" in text
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).get()
    assert event.user == world.officer and "2 người" in event.detail
    assert "Hoà" not in event.detail


def test_slips_pdf_with_libreoffice(world, client_for):
    from binhdan.reports.pdf import soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice is not installed")
    client = client_for(world.officer)
    _post_drive(client, world, [world.village_a])
    drive = Drive.objects.get()
    response = client.get(reverse("programmes:drive_slips", args=[drive.pk]), {"so": "4"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"


def _many(world, n):
    for i in range(n):
        home = f.household(world.village_a, dt.date(2020, 1, 1))
        f.resident(home, dt.date(2020, 1, 1), birth_year=1950 + i)


@pytest.mark.parametrize("rows", [1, 12])
def test_query_counts_do_not_grow_with_rows(world, client_for, django_assert_max_num_queries, rows):
    _many(world, rows)
    client = client_for(world.officer)
    _post_drive(client, world, [world.village_a, world.village_b])
    drive = Drive.objects.get()
    client.get(reverse("programmes:index", args=[world.commune.pk]))  # warm the session and settings
    with django_assert_max_num_queries(40):
        assert client.get(reverse("programmes:index", args=[world.commune.pk])).status_code == 200
    for programme in PROGRAMMES:
        with django_assert_max_num_queries(30):
            url = reverse("programmes:detail", args=[world.commune.pk, programme.slug])
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("programmes:drive_detail", args=[drive.pk])).status_code == 200


def test_every_programme_form_view_is_marked_for_the_scope_tests():
    marked = {p.name for p in programme_urls.urlpatterns if hasattr(p.callback, "workspace_form")}
    assert marked == {"drive_create", "drive_results"}
