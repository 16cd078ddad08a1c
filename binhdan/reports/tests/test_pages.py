"""The report pages: who sees which page (404 otherwise), the whole workflow through the pages (make, edit,
submit, return, new version, submit, approve), frozen figures on the page and in the DOCX, duplicates,
hostile posts that write nothing, fixed query counts, downloads with their audit rows, the PDF job."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.common.models import Job
from binhdan.fieldwork.models import Campaign
from binhdan.fieldwork.services import create_team
from binhdan.places.services import add_village
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.reports import documents, services
from binhdan.reports.context_processors import report_links
from binhdan.reports.links import place_links
from binhdan.reports.models import Report, ReportFile, ReportKind, ReportLayout, ReportStatus
from binhdan.reports.periods import day as one_day
from binhdan.reports.periods import quarter_of

pytestmark = pytest.mark.django_db

PERSONAS = ["officer", "leader", "leader_a", "member_a", "province_officer", "other_officer", "admin"]
TODAY = timezone.localdate  # called in each test: the day may turn during a run


def _summary(world, *, status=ReportStatus.DRAFT, period=None):
    report = services.create_report(
        by=world.officer,
        kind=ReportKind.COMMUNE_SUMMARY,
        commune=world.commune,
        period=period or quarter_of(TODAY()),
    )
    if status != ReportStatus.DRAFT:
        services.submit_report(by=world.officer, report=report)
    if status == ReportStatus.APPROVED:
        services.approve_report(by=world.leader, report=report)
    report.refresh_from_db()
    return report


def _team_report(world):
    return services.create_report(
        by=world.leader_a,
        kind=ReportKind.TEAM_QUARTERLY,
        commune=world.commune,
        period=quarter_of(TODAY()),
        team=world.team_a,
    )


def _smartphone(resident, day, by):
    registry.record_status(
        by=by, resident=resident, observed_on=day, source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip


def _document_part(response) -> str:
    page = response.content.decode()
    return page[page.index('<article class="document"') : page.index("</article>")]


def _snapshot():
    return (
        list(Report.objects.order_by("pk").values_list()),
        list(ReportLayout.objects.order_by("pk").values_list()),
        AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count(),
    )


# --- who sees what ---------------------------------------------------------------------------------------


def test_each_page_answers_each_persona_or_404(world, client_for):
    draft = _summary(world)
    submitted = _summary(world, status=ReportStatus.SUBMITTED, period=one_day(TODAY() - dt.timedelta(days=1)))
    team = _team_report(world)
    expected = {
        # persona: list, create form, columns, draft summary, submitted summary, team report
        "officer": (200, 200, 200, 200, 200, 200),
        "leader": (200, 404, 404, 200, 200, 200),
        "leader_a": (200, 200, 404, 404, 404, 200),
        "member_a": (404, 404, 404, 404, 404, 404),
        "province_officer": (200, 404, 404, 404, 200, 404),
        "other_officer": (404, 404, 404, 404, 404, 404),
        "admin": (200, 200, 200, 200, 200, 200),
    }
    urls = [
        reverse("reports:commune", args=[world.commune.pk]),
        reverse("reports:create", args=[world.commune.pk]),
        reverse("reports:columns", args=[world.commune.pk]),
        reverse("reports:report", args=[draft.pk]),
        reverse("reports:report", args=[submitted.pk]),
        reverse("reports:report", args=[team.pk]),
    ]
    for name in PERSONAS:
        client = client_for(world.personas()[name])
        got = tuple(client.get(url).status_code for url in urls)
        assert got == expected[name], name
        download = client.get(reverse("reports:download", args=[draft.pk, "docx"]))
        assert download.status_code == expected[name][3], name


def test_the_province_officer_sees_only_submitted_commune_reports_in_the_list(world, client_for):
    _summary(world)
    submitted = _summary(world, status=ReportStatus.SUBMITTED, period=one_day(TODAY() - dt.timedelta(days=1)))
    _team_report(world)
    page = client_for(world.province_officer).get(reverse("reports:commune", args=[world.commune.pk]))
    listed = set(re.findall(r'href="/bao-cao/(\d+)/"', page.content.decode()))
    assert listed == {str(submitted.pk)}


def test_the_index_sends_each_persona_to_their_reports(world, client_for):
    commune = reverse("reports:commune", args=[world.commune.pk])
    for name, where in (("officer", commune), ("leader", commune), ("leader_a", commune)):
        response = client_for(world.personas()[name]).get(reverse("reports:index"))
        assert response.status_code == 302 and response["Location"] == where, name
    province = client_for(world.province_officer).get(reverse("reports:index"))
    assert province.status_code == 302 and str(world.province.pk) in province["Location"]
    member = client_for(world.member_a).get(reverse("reports:index"))
    assert member.status_code == 200 and "chưa có báo cáo nào" in member.content.decode()


def test_menu_link_and_commune_page_links(world, rf):
    request = rf.get("/")
    request.user = world.officer
    assert report_links(request) == {"reports_url": reverse("reports:index")}
    labels = [label for label, _ in place_links(request, world.commune)]
    assert labels[0] == "Báo cáo"
    assert place_links(request, world.village_a) == []
    request.user = world.member_a
    assert report_links(request) == {"reports_url": None}
    assert place_links(request, world.commune) == []
    request.user = world.other_officer
    assert place_links(request, world.commune) == []


# --- the workflow through the pages ----------------------------------------------------------------------


def _text_payload(report, **changes):
    data = {name: getattr(report, name) or "" for name in services.EDITABLE_FIELDS}
    data["issued_on"] = report.issued_on.strftime("%d/%m/%Y") if report.issued_on else ""
    data.update(changes)
    return data


def test_make_edit_submit_return_new_version_submit_approve_through_the_pages(world, client_for):
    officer, leader = client_for(world.officer), client_for(world.leader)
    create = officer.post(
        reverse("reports:create", args=[world.commune.pk]),
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": quarter_of(TODAY()).code},
    )
    assert create.status_code == 302
    report = Report.objects.get()
    assert create["Location"] == reverse("reports:report", args=[report.pk])
    assert report.status == ReportStatus.DRAFT and report.created_by == world.officer
    page = officer.get(create["Location"]).content.decode()
    assert (
        "Lưu nội dung" in page and "Nộp báo cáo" in page and "Duyệt" not in page.split("Nội dung báo cáo")[0]
    )

    edit = officer.post(
        reverse("reports:edit", args=[report.pk]),
        _text_payload(report, difficulties="- Thiếu điện thoại thông minh ở Thôn Tây.", number="125"),
    )
    assert edit.status_code == 302
    report.refresh_from_db()
    assert report.difficulties == "- Thiếu điện thoại thông minh ở Thôn Tây." and report.number == "125"

    confirm = officer.get(reverse("reports:submit", args=[report.pk])).content.decode()
    assert "cố định" in confirm
    assert officer.post(reverse("reports:submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == world.officer
    # Frozen: the text cannot change any more, nothing is written.
    assert (
        officer.post(reverse("reports:edit", args=[report.pk]), _text_payload(report, number="9")).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.number == "125"

    # The officer does not decide on the commune's own report; the leader does, with a comment to return.
    assert (
        officer.post(reverse("reports:decide", args=[report.pk]), {"decision": "approve"}).status_code == 404
    )
    empty = leader.post(reverse("reports:decide", args=[report.pk]), {"decision": "return", "comment": "  "})
    assert empty.status_code == 200 and "Hãy ghi lý do trả lại" in empty.content.decode()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    returned = leader.post(
        reverse("reports:decide", args=[report.pk]),
        {"decision": "return", "comment": "Bổ sung số liệu Thôn Tây."},
    )
    assert returned.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.decided_by == world.leader
    assert (
        "Bổ sung số liệu Thôn Tây."
        in officer.get(reverse("reports:report", args=[report.pk])).content.decode()
    )

    again = officer.post(reverse("reports:new_version", args=[report.pk]))
    second = Report.objects.get(lineage=report.lineage, version=2)
    assert again["Location"] == reverse("reports:report", args=[second.pk])
    assert second.status == ReportStatus.DRAFT and second.difficulties == report.difficulties
    versions_page = officer.get(again["Location"]).content.decode()
    assert f'href="/bao-cao/{report.pk}/"' in versions_page and "Phiên bản 2" in versions_page
    assert officer.post(reverse("reports:submit", args=[second.pk])).status_code == 302
    approved = leader.post(
        reverse("reports:decide", args=[second.pk]), {"decision": "approve", "comment": ""}
    )
    assert approved.status_code == 302
    second.refresh_from_db()
    assert second.status == ReportStatus.APPROVED
    # The list shows the newest version once, with its badges.
    listing = officer.get(reverse("reports:commune", args=[world.commune.pk])).content.decode()
    assert listing.count('class="title"') == 1 and "Đã duyệt" in listing and "Phiên bản 2" in listing


def test_a_team_leader_makes_the_teams_report_and_the_officer_approves_it(world, client_for):
    leader_a = client_for(world.leader_a)
    form = leader_a.get(reverse("reports:create", args=[world.commune.pk])).content.decode()
    assert "Tổ công nghệ số cộng đồng Thôn Đông" in form and "Thôn Tây" not in form
    assert "Báo cáo tổng hợp" not in form  # only the team kinds
    response = leader_a.post(
        reverse("reports:create", args=[world.commune.pk]),
        {"kind": ReportKind.TEAM_QUARTERLY, "team": world.team_a.pk, "period": quarter_of(TODAY()).code},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.team == world.team_a
    page = leader_a.get(response["Location"]).content.decode()
    assert "Tình hình tổ chức của Tổ" in page and "Trần Thị Bình" in page
    assert leader_a.post(reverse("reports:submit", args=[report.pk])).status_code == 302
    officer = client_for(world.officer)
    assert "Duyệt" in officer.get(response["Location"]).content.decode()
    assert (
        officer.post(reverse("reports:decide", args=[report.pk]), {"decision": "approve"}).status_code == 302
    )
    assert Report.objects.get(pk=report.pk).status == ReportStatus.APPROVED


def test_a_submitted_report_page_and_docx_do_not_change_after_a_data_edit(world, client_for):
    report = _summary(world, status=ReportStatus.SUBMITTED)
    client = client_for(world.officer)
    url = reverse("reports:report", args=[report.pk])
    before_page = _document_part(client.get(url))
    before_docx = client.get(reverse("reports:download", args=[report.pk, "docx"])).content
    _smartphone(world.resident_a, TODAY(), world.officer)
    assert _document_part(client.get(url)) == before_page
    assert client.get(reverse("reports:download", args=[report.pk, "docx"])).content == before_docx
    # A draft made now does see the new figure (so the comparison above could fail).
    draft = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=one_day(TODAY())
    )
    smartphone = {i["code"]: i for i in draft.content["indicators"]}["AD_SMARTPHONE"]
    assert smartphone["numerator"] == 1
    assert {i["code"]: i for i in report.content["indicators"]}["AD_SMARTPHONE"]["numerator"] == 0


def test_the_page_shows_the_figures_as_the_document_does(world, client_for):
    _smartphone(world.resident_a, TODAY(), world.officer)
    report = _summary(world)
    page = client_for(world.officer).get(reverse("reports:report", args=[report.pk])).content.decode()
    for heading in (
        "I. Kết quả thực hiện các chỉ tiêu",
        "1. Kết quả theo chỉ tiêu của kế hoạch",
        "2. Kết quả theo thôn",
        "II. Hoạt động của Tổ công nghệ số cộng đồng",
        "III. Tình hình thực hiện nhiệm vụ của kế hoạch",
        "IV. Báo cáo của các Tổ công nghệ số cộng đồng",
        "V. Kết quả nổi bật",
        "VI. Khó khăn, vướng mắc",
        "VII. Đề xuất, kiến nghị",
    ):
        assert heading in page, heading
    assert "Chưa đạt" in page and "Toàn xã" in page and "Thôn Đông" in page
    assert "Cột do xã tự quy định (chưa có mẫu biểu quốc gia)." in page
    assert "1/2<br>(50,0%)" in page  # the smartphone indicator, commune total, as the DOCX writes it


def test_the_communes_own_columns_show_on_the_report(world, client_for):
    client = client_for(world.officer)
    url = reverse("reports:columns", args=[world.commune.pk])
    page = client.get(url + "?loai=commune-summary").content.decode()
    assert "chưa có mẫu biểu quốc gia" in page.lower()
    payload = {"kind": ReportKind.COMMUNE_SUMMARY}
    for i, key in enumerate(
        ["visits", "members", "people_guided", "hours", "classes", "class_attendance", "mentors", "mentees",
         "trainings", "members_trained"], 1
    ):  # fmt: skip
        payload[f"{key}-order"] = str(i)
        payload[f"{key}-label"] = "Lượt đến hộ" if key == "visits" else ""
        if key != "hours":
            payload[f"{key}-shown"] = "on"
    assert client.post(url, payload).status_code == 302
    report = _summary(world)
    document = _document_part(client.get(reverse("reports:report", args=[report.pk])))
    assert "Lượt đến hộ" in document and "Số giờ làm việc" not in document
    assert document.index("Lượt đến hộ") < document.index("Số tổ viên")
    # Hiding every column is refused, next to the form, nothing written.
    before = _snapshot()
    none = {k: v for k, v in payload.items() if not k.endswith("-shown")}
    refused = client.post(url, none)
    assert refused.status_code == 200 and "ít nhất một cột" in refused.content.decode()
    assert _snapshot() == before


# --- duplicates and hostile input -------------------------------------------------------------------------


def test_a_duplicate_is_refused_with_a_link_to_the_existing_report(world, client_for):
    report = _summary(world)
    response = client_for(world.officer).post(
        reverse("reports:create", args=[world.commune.pk]),
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": quarter_of(TODAY()).code},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Đã có báo cáo tổng hợp" in page
    assert f'href="/bao-cao/{report.pk}/"' in page
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "khong-co", "period": "2026"},
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": "2026-Q9"},
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": "ngay", "day": "2026-02-30"},
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": "ngay", "day": "NaN"},
        {
            "kind": ReportKind.COMMUNE_SUMMARY,
            "period": "theo-yeu-cau",
            "start": "31/12/2025",
            "end": "01/01/2025",
        },
        {
            "kind": ReportKind.COMMUNE_SUMMARY,
            "period": "theo-yeu-cau",
            "start": "01/01/1800",
            "end": "01/01/2025",
        },
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": "2025", "as_of": "01/01/2099"},
        {"kind": ReportKind.TEAM_QUARTERLY, "period": "2025-Q1", "team": "99999999999999999999"},
        {"kind": ReportKind.TEAM_QUARTERLY, "period": "2025-Q1", "team": "NaN"},
        {"kind": ReportKind.TEAM_QUARTERLY, "period": "2025-Q1"},
        {"kind": ReportKind.DAILY, "day": "01/10/2025"},
        {"kind": ReportKind.CAMPAIGN, "campaign": "-1"},
    ],
)
def test_hostile_create_posts_are_form_errors_and_write_nothing(world, client_for, payload):
    before = _snapshot()
    response = client_for(world.officer).post(reverse("reports:create", args=[world.commune.pk]), payload)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode() or 'class="alert"' in response.content.decode()
    assert _snapshot() == before


def test_another_communes_team_or_campaign_is_out_of_scope(world, client_for):
    other_team = create_team(village=world.village_c)
    other_campaign = Campaign.objects.create(
        name="Chiến dịch Tam Sơn", commune=world.other_commune, starts_on=TODAY(), ends_on=TODAY()
    )
    before = _snapshot()
    for persona in ("officer", "leader_a"):
        client = client_for(world.personas()[persona])
        for payload in (
            {"kind": ReportKind.TEAM_QUARTERLY, "period": quarter_of(TODAY()).code, "team": other_team.pk},
            {"kind": ReportKind.TEAM_QUARTERLY, "period": quarter_of(TODAY()).code, "team": world.team_b.pk}
            if persona == "leader_a"
            else {"kind": ReportKind.CAMPAIGN, "campaign": other_campaign.pk},
        ):
            response = client.post(reverse("reports:create", args=[world.commune.pk]), payload)
            assert response.status_code == 200, (persona, payload)
            assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode(), (persona, payload)
    # The leader of team A cannot make the commune's own reports, nor post into another commune.
    leader_a = client_for(world.leader_a)
    summary = leader_a.post(
        reverse("reports:create", args=[world.commune.pk]),
        {"kind": ReportKind.COMMUNE_SUMMARY, "period": "2025"},
    )
    assert summary.status_code == 200 and "không lập được loại báo cáo này" in summary.content.decode()
    assert leader_a.post(reverse("reports:create", args=[world.other_commune.pk]), {}).status_code == 404
    assert _snapshot() == before


def test_hostile_ids_and_texts_are_404_or_form_errors(world, client_for):
    report = _summary(world)
    officer = client_for(world.officer)
    for url in (
        "/bao-cao/99999999999999999999/",
        "/bao-cao/xa/99999999999999999999/",
        "/bao-cao/xa/99999999999999999999/lap-bao-cao/",
        "/bao-cao/xa/99999999999999999999/cot-bao-cao/",
        f"/bao-cao/{report.pk}/tai/exe/",
    ):
        assert officer.get(url).status_code == 404, url
    before = _snapshot()
    too_long = officer.post(
        reverse("reports:edit", args=[report.pk]), _text_payload(report, proposals="x" * 30_000)
    )
    assert too_long.status_code == 200 and "tối đa 20.000 ký tự" in too_long.content.decode()
    huge = officer.post(
        reverse("reports:edit", args=[report.pk]), _text_payload(report, proposals="x" * 10_000_000)
    )
    assert huge.status_code in (200, 400)
    bad_date = officer.post(
        reverse("reports:edit", args=[report.pk]), _text_payload(report, issued_on="30/02/2026")
    )
    assert bad_date.status_code == 200 and "Ngày không đúng" in bad_date.content.decode()
    bad_capacity = officer.post(
        reverse("reports:edit", args=[report.pk]), _text_payload(report, signer_capacity="x")
    )
    assert bad_capacity.status_code == 200
    refresh = officer.post(reverse("reports:refresh", args=[report.pk]), {"as_of": "01/01/2099"})
    assert refresh.status_code == 200 and "chưa đến" in refresh.content.decode()
    assert _snapshot() == before
    # Writes are POST only; others' reports are 404 for writes too.
    assert officer.get(reverse("reports:edit", args=[report.pk])).status_code == 405
    for persona in ("leader", "province_officer", "other_officer", "member_a", "leader_a"):
        client = client_for(world.personas()[persona])
        for name in ("edit", "refresh", "new_version"):
            assert client.post(reverse(f"reports:{name}", args=[report.pk]), {}).status_code == 404, (
                persona,
                name,
            )
        assert client.post(reverse("reports:submit", args=[report.pk])).status_code == 404, persona
    assert _snapshot() == before


# --- query counts ----------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)
    url = reverse("reports:commune", args=[world.commune.pk])
    _summary(world, period=one_day(TODAY() - dt.timedelta(days=1)))
    _team_report(world)
    few = _count(client, url)
    for days in range(2, 12):
        _summary(world, status=ReportStatus.SUBMITTED, period=one_day(TODAY() - dt.timedelta(days=days)))
    add_village(commune=world.commune, name="Thôn Bắc")
    with django_assert_max_num_queries(few):
        page = client.get(url)
    assert page.content.decode().count('class="title"') == 12


def test_the_report_page_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)
    report = _summary(world)
    url = reverse("reports:report", args=[report.pk])
    few = _count(client, url)
    for name in ("Thôn Bắc", "Thôn Nam", "Thôn Giữa"):
        create_team(village=add_village(commune=world.commune, name=name))
    services.refresh_report(by=world.officer, report=report)
    for _ in range(2):
        services.submit_report(by=world.officer, report=Report.objects.get(pk=report.pk))
        services.return_report(by=world.leader, report=Report.objects.get(pk=report.pk), comment="Sửa")
        report = services.new_version(by=world.officer, report=Report.objects.get(pk=report.pk))
        url = reverse("reports:report", args=[report.pk])
    with django_assert_max_num_queries(few):
        page = client.get(url).content.decode()
    assert "Thôn Giữa" in page and page.count("Phiên bản ") >= 3


# --- downloads -------------------------------------------------------------------------------------------


def test_docx_and_xlsx_download_at_once_and_each_download_is_audited(world, client_for):
    report = _summary(world, status=ReportStatus.SUBMITTED)
    client = client_for(world.province_officer)
    for fmt in ("docx", "xlsx"):
        before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
        response = client.get(reverse("reports:download", args=[report.pk, fmt]))
        assert response.status_code == 200, fmt
        assert response["Content-Type"] == documents.MEDIA_TYPES[fmt]
        assert documents.file_name(report, fmt) in response["Content-Disposition"]
        assert response.content[:2] == b"PK"
        event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("-pk").first()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
        assert event.user == world.province_officer and event.object_id == str(report.pk)
        assert event.place == world.commune and fmt.upper() in event.detail


def test_the_pdf_is_made_by_a_job_then_downloaded_directly(
    world, client_for, django_capture_on_commit_callbacks
):
    report = _summary(world, status=ReportStatus.SUBMITTED)
    client = client_for(world.officer)
    url = reverse("reports:download", args=[report.pk, "pdf"])
    assert "Tạo tệp PDF" in client.get(url).content.decode()  # not made yet: a button, no job on GET
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url)
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("common:job", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result["url"] == url
    assert ReportFile.objects.filter(report=report, format="pdf").exists()
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    pdf = client.get(job.result["url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
    # Once made, the report page links the PDF directly and a POST serves it without a new job.
    assert f'href="{url}"' in client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert client.post(url).status_code == 200 and Job.objects.count() == 1
