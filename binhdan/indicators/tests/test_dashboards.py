"""Dashboards of a village, a commune and a province, and the lists behind their numbers: scope per persona,
the numbers are those of `values.values`, XLSX downloads, the reference day, constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from binhdan.accounts.models import AuditEvent
from binhdan.indicators import rollup, values
from binhdan.indicators.context_processors import dashboard_links
from binhdan.indicators.models import Indicator, Target
from binhdan.indicators.views import number, percent_text
from binhdan.places.models import Place
from binhdan.places.services import add_village
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Gender, Relation, Source, StatusField
from binhdan.testing.personas import make_household

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
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def today() -> dt.date:
    return timezone.localdate()


def smartphone(resident, *, value: int = 1, on: dt.date | None = None) -> None:
    registry.record_status(
        by=None, resident=resident,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, value, Evidence.SEEN)],
        observed_on=on or today(), source=Source.OFFICER,
    )  # fmt: skip


def add_adults(village: Place, head: str, *, adults: int = 1, phones: int = 0, since: dt.date | None = None):
    """A household with `adults` adults (the head first), `phones` of them with a smartphone from `since`."""
    since = since or today() - dt.timedelta(weeks=10)
    household = make_household(village, head, registered_on=since, address=f"Xóm {head[:3]}")
    people = list(household.residents.all())
    people[0].registered_on = since
    people[0].save()
    for i in range(1, adults):
        people.append(
            registry.add_resident(
                by=None,
                household=household,
                full_name=f"Con {i} của {head}",
                birth_year=1990 + i,
                gender=Gender.MALE,
                relation=Relation.CHILD,
                registered_on=since,
            )
        )
    for person in people[:phones]:
        smartphone(person, on=since + dt.timedelta(weeks=2))
    return household


@pytest.fixture
def data(world):
    """Village A: 2 households, 4 adults, 3 with a smartphone; village B: 1 household of 2, 1 phone; village
    C (the other commune): 1 household of 2, both with phones."""
    smartphone(world.resident_a, on=today() - dt.timedelta(weeks=8))
    add_adults(world.village_a, "Lê Thị Mai", adults=3, phones=2)
    registry.add_resident(
        by=None, household=world.household_b, full_name="Đặng Văn Phúc", birth_year=1995, gender=Gender.MALE,
        relation=Relation.CHILD,
    )  # fmt: skip
    smartphone(world.resident_b)
    for person in world.household_c.residents.all():
        smartphone(person)
    registry.add_resident(
        by=None, household=world.household_c, full_name="Bùi Văn Nam", birth_year=1988, gender=Gender.MALE,
        relation=Relation.CHILD,
    )  # fmt: skip
    for person in world.household_c.residents.all():
        smartphone(person)
    return world


def url(name: str, place: Place, *rest: str) -> str:
    if name == "behind":
        return f"/chi-tieu/{place.pk}/{rest[0]}/{rest[1]}/"
    return f"/chi-tieu/{ {'village': 'thon', 'commune': 'xa', 'province': 'tinh'}[name] }/{place.pk}/"


def card(html: str, code: str) -> str:
    match = re.search(rf'id="chi-tieu-{code}">(.*?)</li>', html, re.DOTALL)
    assert match, code
    return match.group(1)


def get_as(world, persona: str | None, path: str):
    client = Client() if persona is None else _clients(world)[persona]
    return client.get(path)


def _clients(world):
    from binhdan.testing.personas import signed_in_client

    cache = getattr(world, "_clients", None)
    if cache is None:
        cache = {name: signed_in_client(user) for name, user in world.personas().items()}
        world._clients = cache
    return cache


# --- scope per persona --------------------------------------------------------------------------------------

SEES_VILLAGE_A = {"member_a", "leader_a", "officer", "leader", "province_officer", "admin"}
SEES_COMMUNE = {"officer", "leader", "province_officer", "admin"}
SEES_PROVINCE = {"province_officer", "admin"}
ROWS_OF_VILLAGE_A = {"member_a", "leader_a", "officer", "leader", "admin"}
ROWS_OF_COMMUNE = {"officer", "leader", "admin"}
EXPORTS_ROWS_OF_VILLAGE_A = {"officer", "leader", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_which_dashboard(data, persona):
    cases = [
        (url("village", data.village_a), persona in SEES_VILLAGE_A),
        (url("village", data.village_b), persona in SEES_COMMUNE or persona == "member_b"),
        (url("village", data.village_c), persona in {"other_officer", "province_officer", "admin"}),
        (url("commune", data.commune), persona in SEES_COMMUNE),
        (url("commune", data.other_commune), persona in {"other_officer", "province_officer", "admin"}),
        (url("province", data.province), persona in SEES_PROVINCE),
        (url("behind", data.village_a, "AD_SMARTPHONE", "tu-so"), persona in ROWS_OF_VILLAGE_A),
        (url("behind", data.village_a, "HH_DIGITAL", "mau-so"), persona in ROWS_OF_VILLAGE_A),
        (url("behind", data.commune, "AD_SMARTPHONE", "mau-so"), persona in ROWS_OF_COMMUNE),
        (url("behind", data.province, "AD_SMARTPHONE", "mau-so"), persona == "admin"),
        (url("behind", data.village_a, "AD_SMARTPHONE", "tu-so") + "?tai=xlsx", persona in EXPORTS_ROWS_OF_VILLAGE_A),
    ]  # fmt: skip
    for path, allowed in cases:
        response = get_as(data, persona, path)
        assert response.status_code == (200 if allowed else 404), (persona, path)
    for name, place in [("village", data.village_a), ("commune", data.commune), ("province", data.province)]:
        response = get_as(data, persona, url(name, place) + "?tai=xlsx")
        allowed = {"village": SEES_VILLAGE_A, "commune": SEES_COMMUNE, "province": SEES_PROVINCE}[name]
        assert response.status_code == (200 if persona in allowed else 404), (persona, name)


def test_anonymous_is_sent_to_sign_in(data):
    for path in [
        url("village", data.village_a), url("commune", data.commune), url("province", data.province),
        url("behind", data.village_a, "AD_SMARTPHONE", "tu-so"),
    ]:  # fmt: skip
        response = Client().get(path)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"], path


def test_province_officer_sees_counts_but_no_link_to_rows(data):
    for path in [
        url("province", data.province),
        url("commune", data.commune),
        url("village", data.village_a),
    ]:
        html = get_as(data, "province_officer", path).content.decode()
        assert "/tu-so/" not in html and "/mau-so/" not in html, path
    for part in ("tu-so", "mau-so"):
        for place in (data.village_a, data.commune, data.province):
            assert (
                get_as(data, "province_officer", url("behind", place, "AD_SMARTPHONE", part)).status_code
                == 404
            )


def test_missing_places_codes_and_parts_are_404(data):
    for path in [
        "/chi-tieu/thon/999999/", f"/chi-tieu/thon/{data.commune.pk}/", f"/chi-tieu/xa/{data.village_a.pk}/",
        f"/chi-tieu/tinh/{data.commune.pk}/", url("behind", data.village_a, "KHONG_CO", "tu-so"),
        url("behind", data.village_a, "AD_SMARTPHONE", "ca-hai"),
        url("behind", data.commune, "DOSSIER_ONLINE", "tu-so"), url("behind", data.commune, "MB_10HH", "tu-so"),
        "/chi-tieu/999999/AD_SMARTPHONE/tu-so/",
    ]:  # fmt: skip
        assert get_as(data, "admin", path).status_code == 404, path


# --- the numbers are the engine's -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,attr,persona", [("village", "village_a", "member_a"), ("commune", "commune", "officer"),
                          ("province", "province", "province_officer")]
)  # fmt: skip
def test_cards_show_the_values_of_the_engine(data, name, attr, persona):
    place = getattr(data, attr)
    response = get_as(data, persona, url(name, place))
    html = response.content.decode()
    found = values.values(place, today())
    assert [c["v"].code for c in response.context["cards"]] == [v.code for v in found]
    for v in found:
        text = card(html, v.code)
        assert percent_text(v.value) in text and f"{number(v.numerator)}" in text, v.code
        assert percent_text(v.target) in text and v.deadline.strftime("%d/%m/%Y") in text
        if v.pace is not None:
            assert v.pace.label in text
    phones = next(v for v in found if v.code == "AD_SMARTPHONE")
    assert phones.denominator > 0 and phones.numerator > 0
    expected = {"village_a": (3, 4), "commune": (4, 6), "province": (6, 8)}[attr]
    assert (phones.numerator, phones.denominator) == expected
    assert 'data-chart="AD_SMARTPHONE"' in html and 'id="chi-tieu-bieu-do"' in html
    assert "vendor/chart.js/chart.umd.min.js" in html and "indicators/dashboard.js" in html


def test_numbers_link_to_their_lists_for_those_who_see_rows(data):
    html = get_as(data, "member_a", url("village", data.village_a)).content.decode()
    text = card(html, "AD_SMARTPHONE")
    assert f'href="/chi-tieu/{data.village_a.pk}/AD_SMARTPHONE/tu-so/"' in text
    assert f'href="/chi-tieu/{data.village_a.pk}/AD_SMARTPHONE/mau-so/"' in text
    # Aggregate and team numbers have no list behind them.
    assert "/tu-so/" not in card(html, "DOSSIER_ONLINE") and "/tu-so/" not in card(html, "MB_10HH")


def test_commune_shows_its_villages_side_by_side(data):
    response = get_as(data, "officer", url("commune", data.commune))
    html = response.content.decode()
    rows = {r["place"].pk: r for r in response.context["rows"]}
    assert set(rows) == {data.village_a.pk, data.village_b.pk}
    counts = values.side_by_side([data.village_a, data.village_b], today())
    for village in (data.village_a, data.village_b):
        cells = {c["code"]: c for c in rows[village.pk]["cells"]}
        assert (cells["AD_SMARTPHONE"]["num"], cells["AD_SMARTPHONE"]["den"]) == counts[village.pk][
            "AD_SMARTPHONE"
        ]
        assert f'href="/chi-tieu/thon/{village.pk}/#chi-tieu-AD_SMARTPHONE"' in html
    assert rows[data.village_b.pk]["cells"][[c.code for c in response.context["columns"]].index("AD_SMARTPHONE")][
        "text"] == "50%"  # fmt: skip


def test_commune_links_to_the_other_pages_only_when_they_exist(data):
    from binhdan.indicators import views

    response = get_as(data, "officer", url("commune", data.commune))
    links = {p["label"]: p["url"] for p in response.context["pages"]}
    for name, label in views.COMMUNE_PAGES:
        assert (label in links) == (views._optional_url(name, data.commune.pk) is not None)
    assert views._optional_url("indicators:khong-co-trang-nay", 1) is None


def test_commune_links_to_its_running_campaigns(data):
    from binhdan.fieldwork.models import Campaign
    from binhdan.indicators import views

    if views._optional_url(views.CAMPAIGN_PAGE, 1) is None:
        pytest.skip("the campaign page is not built yet")
    running = Campaign.objects.create(name="Đi từng ngõ", commune=data.commune, starts_on=today() - dt.timedelta(days=3),
                                      ends_on=today() + dt.timedelta(days=20))  # fmt: skip
    Campaign.objects.create(name="Đã xong", commune=data.commune, starts_on=dt.date(2025, 1, 1),
                            ends_on=dt.date(2025, 2, 1))  # fmt: skip
    Campaign.objects.create(name="Xã khác", commune=data.other_commune, starts_on=today(), ends_on=today())
    links = {
        p["label"]: p["url"] for p in get_as(data, "officer", url("commune", data.commune)).context["pages"]
    }
    campaigns = {label: link for label, link in links.items() if label.startswith("Chiến dịch")}
    assert campaigns == {"Chiến dịch: Đi từng ngõ": f"/chi-tieu/chien-dich/{running.pk}/"}


def test_province_lists_communes_with_their_own_targets_in_one_query(data, django_assert_max_num_queries):
    phones = Indicator.objects.get(code="AD_SMARTPHONE")
    Target.objects.create(commune=data.other_commune, indicator=phones, target=Decimal("55"),
                          deadline=dt.date(2027, 6, 30))  # fmt: skip
    response = get_as(data, "province_officer", url("province", data.province))
    rows = {r["place"].pk: r for r in response.context["rows"]}
    index = [c["v"].code for c in response.context["columns"]].index("AD_SMARTPHONE")
    assert rows[data.other_commune.pk]["cells"][index]["target"] == Decimal("55")
    assert rows[data.other_commune.pk]["cells"][index]["met"]  # 2/2 = 100%
    assert rows[data.commune.pk]["cells"][index]["target"] == phones.default_target
    html = response.content.decode()
    assert "CT 55%" in html and "Cả tỉnh" in html


def test_province_sorts_by_any_column(data):
    def order(query: str) -> list[int]:
        response = get_as(data, "province_officer", url("province", data.province) + query)
        return [r["place"].pk for r in response.context["rows"]]

    by_name = order("")
    assert by_name == [data.commune.pk, data.other_commune.pk]  # Sơn Đông, Tam Sơn
    assert order("?xep=ten&chieu=giam") == list(reversed(by_name))
    assert order("?xep=AD_SMARTPHONE&chieu=giam") == [data.other_commune.pk, data.commune.pk]  # 100% > 66.7%
    assert order("?xep=AD_SMARTPHONE&chieu=tang") == [data.commune.pk, data.other_commune.pk]
    # Anything else sorts by name, never an error.
    assert order("?xep=%3Cscript%3E&chieu=x") == by_name
    html = get_as(data, "province_officer", url("province", data.province) + "?xep=AD_SMARTPHONE&chieu=giam")
    assert 'aria-sort="descending"' in html.content.decode()


def test_province_hides_communes_without_data_unless_asked(data):
    empty = Place.objects.create(code="08870", name="Xã Trống", kind="xa", level=2, parent=data.province)
    response = get_as(data, "province_officer", url("province", data.province))
    assert empty.pk not in [r["place"].pk for r in response.context["rows"]]
    response = get_as(data, "province_officer", url("province", data.province) + "?tat-ca=1")
    assert empty.pk in [r["place"].pk for r in response.context["rows"]]


# --- the lists behind a number ------------------------------------------------------------------------------


def test_behind_lists_the_counted_rows_within_scope(data):
    response = get_as(data, "member_a", url("behind", data.village_a, "AD_SMARTPHONE", "tu-so"))
    html = response.content.decode()
    names = {r.full_name for r in response.context["page"]}
    assert names == {"Nguyễn Thị Hoà", "Lê Thị Mai", "Con 1 của Lê Thị Mai"}
    assert f'href="/nguoi-dan/{data.resident_a.pk}/"' in html
    denominator = get_as(data, "member_a", url("behind", data.village_a, "AD_SMARTPHONE", "mau-so"))
    assert denominator.context["page"].paginator.count == 4
    households = get_as(data, "officer", url("behind", data.commune, "HH_DIGITAL", "mau-so"))
    assert {h.pk for h in households.context["page"]} >= {data.household_a.pk, data.household_b.pk}
    assert data.household_c.pk not in {h.pk for h in households.context["page"]}
    assert f"/ho/{data.household_a.pk}/" in households.content.decode()


def test_behind_is_audited_as_a_personal_data_list(data):
    before = AuditEvent.objects.count()
    get_as(data, "officer", url("behind", data.village_a, "AD_SMARTPHONE", "tu-so"))
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == AuditEvent.Action.VIEW_LIST and event.place_id == data.village_a.pk
    assert "AD_SMARTPHONE" in event.detail and "Nguyễn" not in event.detail
    get_as(data, "officer", url("behind", data.village_a, "AD_SMARTPHONE", "tu-so") + "?tai=xlsx")
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == AuditEvent.Action.EXPORT and "3 dòng" in event.detail


def test_behind_is_paginated(data):
    from binhdan.indicators.views import PAGE_SIZE

    for i in range(PAGE_SIZE + 3):
        make_household(data.village_b, f"Hộ Thử {i:02d}", registered_on=today() - dt.timedelta(days=3))
    path = url("behind", data.village_b, "HH_DIGITAL", "mau-so")
    first = get_as(data, "officer", path)
    assert len(first.context["page"]) == PAGE_SIZE and first.context["page"].paginator.count == PAGE_SIZE + 4
    second = get_as(data, "officer", path + "?trang=2")
    assert len(second.context["page"]) == 4
    assert get_as(data, "officer", path + "?trang=abc").status_code == 200


def test_behind_xlsx_holds_the_rows_and_keeps_text_as_text(data):
    registry.update_household(by=None, household=data.household_a, address='=HYPERLINK("http://x")')
    response = get_as(data, "officer", url("behind", data.village_a, "HH_DIGITAL", "mau-so") + "?tai=xlsx")
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    ids = {r[0] for r in rows[3:]}
    assert ids == {data.household_a.pk, *data.household_a.village.households.values_list("pk", flat=True)}
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"


# --- XLSX of the dashboards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,attr,persona,sheet", [("village", "village_a", "member_a", None), ("commune", "commune", "officer", "Các thôn"),
                                ("province", "province", "province_officer", "Các xã")]
)  # fmt: skip
def test_dashboard_xlsx_holds_the_numbers(data, name, attr, persona, sheet):
    place = getattr(data, attr)
    response = get_as(data, persona, url(name, place) + "?tai=xlsx")
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    rows = {r[0]: r for r in book["Chỉ tiêu"].iter_rows(min_row=3, values_only=True)}
    for v in values.values(place, today()):
        assert rows[v.code][2:5] == (
            v.numerator,
            v.denominator,
            float(v.value) if v.value is not None else None,
        )
    weeks = list(book["Theo tuần"].iter_rows(values_only=True))
    assert "AD_SMARTPHONE" in weeks[0] and len(weeks) == 27
    if sheet:
        table = list(book[sheet].iter_rows(values_only=True))
        header = table[0]
        column = header.index("AD_SMARTPHONE tử số")
        children = {r[0]: r for r in table[1:]}
        child = data.village_a if name == "commune" else data.other_commune
        counts = values.side_by_side([child], today())[child.pk]["AD_SMARTPHONE"]
        assert children[child.name][column : column + 2] == counts
        assert table[-1][0] == "Cộng"


# --- the reference day --------------------------------------------------------------------------------------

BAD_DAYS = ["2025-02-30", "abc", "2025-13-01", "0001-01-01", "1999-12-31", "99999-01-01", "9999-12-31",
            "'; DROP TABLE x; --", "2025-1-1x", "٢٠٢٥-٠١-٠١", "x" * 5000]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_DAYS)
def test_a_bad_day_shows_a_vietnamese_error_and_today(data, bad):
    for persona, path in [
        ("member_a", url("village", data.village_a)), ("officer", url("commune", data.commune)),
        ("province_officer", url("province", data.province)),
        ("officer", url("behind", data.village_a, "AD_SMARTPHONE", "tu-so")),
    ]:  # fmt: skip
        response = get_as(data, persona, path + "?" + "ngay=" + bad)
        assert response.status_code == 200, (bad, path)
        assert response.context["day"] == today()
        assert "Ngày xem số liệu" in response.content.decode() and response.context["form"].errors
        assert get_as(data, persona, path + "?tai=xlsx&ngay=" + bad).status_code == 200


def test_tomorrow_is_refused_and_a_past_day_shows_that_day(data):
    tomorrow = today() + dt.timedelta(days=1)
    response = get_as(data, "member_a", url("village", data.village_a) + f"?ngay={tomorrow.isoformat()}")
    assert response.context["day"] == today() and "không được sau hôm nay" in response.content.decode()
    past = today() - dt.timedelta(weeks=9)  # only Hoà's phone by then (recorded 8 weeks ago: not yet)
    response = get_as(data, "member_a", url("village", data.village_a) + f"?ngay={past.isoformat()}")
    assert response.context["day"] == past and not response.context["form"].errors
    found = {v.code: v for v in values.values(data.village_a, past)}
    cards = {c["v"].code: c["v"] for c in response.context["cards"]}
    assert (cards["AD_SMARTPHONE"].numerator, cards["AD_SMARTPHONE"].denominator) == (
        found["AD_SMARTPHONE"].numerator, found["AD_SMARTPHONE"].denominator)  # fmt: skip
    html = response.content.decode()
    assert f"/chi-tieu/{data.village_a.pk}/AD_SMARTPHONE/tu-so/?ngay={past.isoformat()}" in html
    # The day also carries to the list behind the number.
    behind = get_as(
        data, "member_a", url("behind", data.village_a, "AD_SMARTPHONE", "mau-so") + f"?ngay={past}"
    )
    assert behind.context["page"].paginator.count == found["AD_SMARTPHONE"].denominator


# --- the menu link ------------------------------------------------------------------------------------------


def test_menu_links_each_persona_to_its_widest_dashboard(data, rf):
    expected = {
        "member_a": url("village", data.village_a), "leader_a": url("village", data.village_a),
        "member_b": url("village", data.village_b), "officer": url("commune", data.commune),
        "leader": url("commune", data.commune), "province_officer": url("province", data.province),
        "other_officer": url("commune", data.other_commune), "admin": None,
    }  # fmt: skip
    for persona, user in data.personas().items():
        request = rf.get("/")
        request.user = user
        assert dashboard_links(request)["dashboard_url"] == expected[persona], persona
        if expected[persona]:
            html = get_as(data, persona, "/").content.decode()
            assert f'href="{expected[persona]}">Chỉ tiêu</a>' in html
            assert get_as(data, persona, expected[persona]).status_code == 200


# --- query counts stay flat as places and people grow ---------------------------------------------------


def _grow(world, villages: int = 3, households: int = 4) -> None:
    for v in range(villages):
        village = add_village(commune=world.commune, name=f"Thôn Mới {v}")
        other = add_village(commune=world.other_commune, name=f"Thôn Khác {v}")
        for h in range(households):
            add_adults(village, f"Trương Văn Hộ {v}{h}", adults=2, phones=1)
            add_adults(other, f"Phan Thị Hộ {v}{h}", adults=2, phones=2)
    Place.objects.create(code=f"0889{villages}", name="Xã Thêm", kind="xa", level=2, parent=world.province)
    Target.objects.create(commune=world.other_commune, indicator=Indicator.objects.get(code="AD_BASIC"),
                          target=Decimal("70"), deadline=dt.date(2027, 12, 31))  # fmt: skip


def _count(client: Client, path: str) -> int:
    client.get(path)  # warm: the totals' clock, sessions
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "persona,path", [
        ("member_a", "village"), ("officer", "commune"), ("province_officer", "province"),
        ("admin", "province-all"), ("officer", "behind"), ("officer", "commune-xlsx"),
    ],
)  # fmt: skip
def test_query_count_is_constant_as_places_and_people_grow(
    data, persona, path, django_assert_max_num_queries
):
    paths = {
        "village": url("village", data.village_a), "commune": url("commune", data.commune),
        "province": url("province", data.province), "province-all": url("province", data.province) + "?tat-ca=1",
        "behind": url("behind", data.commune, "AD_SMARTPHONE", "mau-so"),
        "commune-xlsx": url("commune", data.commune) + "?tai=xlsx",
    }  # fmt: skip
    client = _clients(data)[persona]
    rollup.catch_up()  # as the background drainer would have: the page's own queries are counted
    small = _count(client, paths[path])
    _grow(data)
    rollup.catch_up()
    with django_assert_max_num_queries(small):
        client.get(paths[path])
    assert _count(client, paths[path]) == small
