"""Certificates: issue to one or all attendees of the commune's own class, revoke with a reason, reissue, the
public verification page (only initials, class, date and commune; "đã thu hồi"; guessing limited), erasure,
who may do what, and the query counts of the lists."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.certificates import services
from binhdan.certificates.models import CODE_LENGTH, Certificate, normalise_code
from binhdan.certificates.views import WRONG_CODES_PER_ADDRESS, initials
from binhdan.fieldwork.models import CommunityClass
from binhdan.registry import rights
from binhdan.registry import services as registry
from binhdan.registry.models import Gender, Relation
from binhdan.testing.indicators import attend, community_class

TODAY = timezone.localdate  # called in each test: the day may turn during a run


def held_on() -> dt.date:
    return TODAY() - dt.timedelta(days=3)


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lop(world):
    """A commune-wide class of Xã Sơn Đông attended by two residents of Thôn Đông and one of Thôn Tây."""
    held = community_class(world.commune, held_on(), by=world.officer)
    held.title = "Sử dụng điện thoại thông minh an toàn"
    held.save()
    second = registry.add_resident(
        by=world.officer, household=world.household_a, full_name="Lò Văn Quý", birth_year=1987,
        gender=Gender.MALE, relation=Relation.CHILD,
    )  # fmt: skip
    attend(held, [world.resident_a, second, world.resident_b], by=world.officer)
    return held


class _Text(HTMLParser):
    """The visible text of a page and every attribute value (links, meta, ids)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(v for _, v in attrs if v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _main(html: str) -> str:
    return html.split('<main id="noi-dung"', 1)[1].split(">", 1)[1].split("</main>", 1)[0]


# --- services ----------------------------------------------------------------------------------------


def test_issue_to_one_then_all_numbers_per_commune_and_year_and_codes_unguessable(world, lop):
    one = services.issue_certificates(by=world.officer, community_class=lop, residents=[world.resident_a])
    assert [c.serial for c in one] == [1] and one[0].year == TODAY().year and one[0].commune == world.commune
    rest = services.issue_certificates(
        by=world.officer, community_class=lop, residents=list(services.attendees_without_certificate(lop))
    )
    assert sorted(c.serial for c in rest) == [2, 3]
    # Issuing again skips holders: one valid paper per person and class.
    assert (
        services.issue_certificates(by=world.officer, community_class=lop, residents=[world.resident_a]) == []
    )
    codes = [c.code for c in Certificate.objects.all()]
    assert len(set(codes)) == 3 and all(len(c) == CODE_LENGTH and normalise_code(c) == c for c in codes)
    assert not any(a in b or b in a for a in codes for b in codes if a != b)
    # Another commune numbers from 1 too.
    other = community_class(world.other_commune, held_on(), by=world.other_officer)
    attend(other, [world.household_c.residents.get()], by=world.other_officer)
    made = services.issue_certificates(
        by=world.other_officer, community_class=other, residents=[world.household_c.residents.get()]
    )
    assert made[0].serial == 1 and made[0].number == "01/GCN-UBND"


def test_only_attendees_and_no_future_or_pre_class_dates(world, lop):
    outsider = world.household_c.residents.get()
    with pytest.raises(ValidationError, match="danh sách điểm danh"):
        services.issue_certificates(by=world.officer, community_class=lop, residents=[outsider])
    with pytest.raises(ValidationError, match="tương lai"):
        services.issue_certificates(
            by=world.officer, community_class=lop, residents=[world.resident_a],
            issued_on=TODAY() + dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="từ ngày học"):
        services.issue_certificates(
            by=world.officer,
            community_class=lop,
            residents=[world.resident_a],
            issued_on=held_on() - dt.timedelta(1),
        )
    assert not Certificate.objects.exists()


def test_revoke_needs_a_reason_and_reissue_gives_a_new_number_and_code(world, lop):
    (paper,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    with pytest.raises(ValidationError, match="lý do"):
        services.revoke_certificate(by=world.officer, certificate=paper, reason="   ")
    new = services.reissue_certificate(by=world.officer, certificate=paper, reason="Ghi nhầm năm sinh")
    paper.refresh_from_db()
    assert (
        paper.is_revoked and paper.revoke_reason == "Ghi nhầm năm sinh" and paper.revoked_by == world.officer
    )
    assert new.replaces == paper and new.serial == 2 and new.code != paper.code and not new.is_revoked
    with pytest.raises(ValidationError, match="đã được cấp lại"):
        services.reissue_certificate(by=world.officer, certificate=paper)
    services.revoke_certificate(by=world.officer, certificate=new, reason="Không dự đủ buổi")
    with pytest.raises(ValidationError, match="từ trước"):
        services.revoke_certificate(by=world.officer, certificate=new, reason="Lần hai")


def test_initials_keep_vietnamese_letters():
    assert initials("Nguyễn Thị Hoà") == "N. T. H."
    assert initials("  Đặng   Văn Đức ") == "Đ. V. Đ."


# --- the public page ---------------------------------------------------------------------------------


def test_public_page_shows_only_initials_class_date_and_commune(world, lop):
    (paper,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    response = Client().get(reverse("certificates:verify", args=[paper.code]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    text = page_text(_main(html))
    assert "N. T. H." in text and lop.title in text and held_on().strftime("%d/%m/%Y") in text
    assert "Xã Sơn Đông" in text and "Còn hiệu lực" in text
    assert "không phải là xác nhận “đạt phổ cập kỹ năng số”" in text
    resident = world.resident_a
    whole = page_text(html)
    for secret in (resident.full_name, "Nguyễn", "Hoà", "Thôn Đông", "Xóm 1", str(resident.birth_year)):
        assert secret not in whole, secret
    # No resident, household or certificate id, no number at all but the two dates.
    undated = text.replace(f"{held_on():%d/%m/%Y}", "").replace(paper.issued_on.strftime("%d/%m/%Y"), "")
    assert not re.search(r"\d", undated), undated
    # What the page says is exactly: the verdict, five facts, the note.
    terms = re.findall(r"<dt>([^<]+)</dt>", html)
    assert terms == ["Người được cấp", "Lớp học", "Ngày học", "Ngày cấp", "Nơi cấp"]


def test_public_page_says_revoked_and_a_typed_code_with_dashes_works(world, lop):
    (paper,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    services.revoke_certificate(by=world.officer, certificate=paper, reason="Nguyễn Thị Hoà không dự đủ")
    typed = paper.printed_code.lower()
    response = Client().get(reverse("certificates:verify", args=[typed]))
    text = page_text(_main(response.content.decode()))
    assert response.status_code == 200 and "ĐÃ THU HỒI" in text and "đã thu hồi" in text
    assert "không dự đủ" not in text  # the reason may name the person: never shown


def test_a_wrong_code_is_a_plain_vietnamese_404_and_guessing_is_limited(world, lop):
    (paper,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    client = Client()
    wrong = client.get(reverse("certificates:verify", args=["ABCDEFGHJKLM"]))
    assert wrong.status_code == 404 and "Không tìm thấy giấy chứng nhận" in wrong.content.decode()
    for junk in ["x" * 300, "%00", "ABCD-EFGH-JKL0", "' OR 1=1 --"]:
        assert client.get(f"/chung-nhan/{junk}/").status_code == 404
    for _ in range(WRONG_CODES_PER_ADDRESS.tries):
        client.get(reverse("certificates:verify", args=["ZZZZZZZZZZZZ"]))
    # Over the limit even the right code waits: nothing is looked up.
    limited = client.get(reverse("certificates:verify", args=[paper.code]))
    assert limited.status_code == 429 and "15 phút" in limited.content.decode()
    assert "N. T. H." not in limited.content.decode()
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.0.0.9").get(reverse("certificates:verify", args=[paper.code]))
    assert other.status_code == 200


def test_erasure_withdraws_the_papers_and_the_page_shows_no_initials(world, lop):
    papers = services.issue_certificates(by=world.officer, community_class=lop, residents=[world.resident_a])
    services.revoke_certificate(by=world.officer, certificate=papers[0], reason="Nguyễn Thị Hoà xin cấp lại")
    (again,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    rights.erase_resident(by=world.officer, resident=world.resident_a, reason="Yêu cầu của người dân")
    for paper in Certificate.objects.filter(resident=world.resident_a):
        assert paper.is_revoked and paper.holder_erased and "Hoà" not in paper.revoke_reason
    response = Client().get(reverse("certificates:verify", args=[again.code]))
    text = page_text(_main(response.content.decode()))
    assert "ĐÃ THU HỒI" in text and "N. T. H." not in text and "xoá dữ liệu cá nhân" in text
    with pytest.raises(ValidationError):
        services.reissue_certificate(by=world.officer, certificate=again)


# --- the workspace -----------------------------------------------------------------------------------


def test_officer_issues_to_all_from_the_class_page_with_one_audit_row(world, lop, client_for):
    client = client_for(world.officer)
    page = client.get(reverse("certificates:class", args=[lop.pk]))
    assert page.status_code == 200 and "Lò Văn Quý" in page.content.decode()
    before = AuditEvent.objects.filter(action="change").count()
    response = client.post(
        reverse("certificates:class_issue", args=[lop.pk]),
        {"everyone": "on", "signer_capacity": "vice_chairman", "signer_name": "Hoàng Văn Em"},
    )
    assert response.status_code == 302
    assert Certificate.objects.filter(community_class=lop).count() == 3
    assert AuditEvent.objects.filter(action="change").count() == before + 1
    paper = Certificate.objects.first()
    revoke = client.post(reverse("certificates:certificate_revoke", args=[paper.pk]), {"reason": "Ghi nhầm"})
    assert revoke.status_code == 302 and Certificate.objects.get(pk=paper.pk).is_revoked


def test_a_household_of_another_commune_cannot_be_ticked(world, lop, client_for):
    outsider = world.household_c.residents.get()
    client = client_for(world.officer)
    response = client.post(
        reverse("certificates:class_issue", args=[lop.pk]),
        {"residents": [outsider.pk], "signer_capacity": "chairman"},
        follow=True,
    )
    assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode()
    for hostile in (["99999999999999999999"], ["-1"], ["abc"], [str(world.resident_a.pk)] * 500):
        r = client.post(
            reverse("certificates:class_issue", args=[lop.pk]),
            {"residents": hostile, "issued_on": "31/02/2026", "signer_capacity": "chairman"},
        )
        assert r.status_code == 302
    assert Certificate.objects.count() == 0


@pytest.mark.parametrize(
    "persona", ["member_a", "leader_a", "member_b", "leader", "province_officer", "other_officer"]
)
def test_no_one_but_the_officer_issues_revokes_or_reissues(world, lop, client_for, persona):
    (paper,) = services.issue_certificates(
        by=world.officer, community_class=lop, residents=[world.resident_a]
    )
    client = client_for(world.personas()[persona])
    snapshot = list(Certificate.objects.values_list())
    assert (
        client.post(
            reverse("certificates:class_issue", args=[lop.pk]),
            {"everyone": "on", "signer_capacity": "chairman"},
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("certificates:certificate_revoke", args=[paper.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.post(reverse("certificates:certificate_reissue", args=[paper.pk]), {}).status_code == 404
    assert list(Certificate.objects.values_list()) == snapshot
    reading = client.get(reverse("certificates:class", args=[lop.pk])).status_code
    assert reading == (200 if persona == "leader" else 404)
    assert client.get(reverse("certificates:commune", args=[world.commune.pk])).status_code == reading


def test_the_other_communes_officer_cannot_reach_our_class(world, lop, client_for):
    client = client_for(world.other_officer)
    assert client.get(reverse("certificates:class_file", args=[lop.pk])).status_code == 404


def test_lists_take_a_fixed_number_of_queries(world, lop, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)

    def counts() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        sizes = []
        for url in (
            reverse("certificates:commune", args=[world.commune.pk]),
            reverse("certificates:class", args=[lop.pk]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            sizes.append(len(ctx.captured_queries))
        return sizes[0], sizes[1]

    small = counts()
    for n in range(12):
        more = community_class(world.commune, held_on(), by=world.officer)
        home = registry.create_household(by=world.officer, village=world.village_b, head_name=f"Hộ Thử {n}")
        person = registry.add_resident(
            by=world.officer,
            household=home,
            full_name=f"Người Thử {n}",
            birth_year=1970,
            relation=Relation.HEAD,
        )
        attend(lop, [person], by=world.officer)
        attend(more, [person], by=world.officer)
    services.issue_certificates(
        by=world.officer, community_class=lop, residents=list(services.attendees_without_certificate(lop))
    )
    assert counts() == small
    with django_assert_max_num_queries(small[1]):
        client.get(reverse("certificates:class", args=[lop.pk]))
    assert CommunityClass.objects.count() == 13
