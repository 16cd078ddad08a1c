"""A commune's targets, monthly figures and own indicators (issue 10 point 4): what they feed into
`values.values`, who may read and change them, and hostile input (form errors, never 5xx)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from binhdan.accounts.fields import _Scoped
from binhdan.accounts.models import AuditEvent, Role
from binhdan.indicators import services, urls_targets, values
from binhdan.indicators.models import AggregateEntry, Indicator, Target
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.testing.personas import World, make_household

TODAY = timezone.localdate  # called in each test: the day may turn during a run
PERSONAS = ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
READERS = {"officer", "leader", "province_officer"}  # of world.commune; other_officer reads Xã Tam Sơn


def _value(place: Place, code: str, day: dt.date | None = None) -> values.IndicatorValue:
    found = [v for v in values.values(place, day or TODAY(), with_pace=False) if v.code == code]
    assert len(found) == 1, code
    return found[0]


def _changes() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()


def _page_errors(response: Any) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode())


def _months_back(n: int) -> dt.date:
    month = TODAY().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


# --- targets ---------------------------------------------------------------------------------------------


def test_two_communes_set_their_own_targets_and_values_show_each(world, client_for):
    hh = Indicator.objects.get(code="HH_DIGITAL")
    for officer, commune, target in (
        (world.officer, world.commune, "70"),
        (world.other_officer, world.other_commune, "80,0"),
    ):
        before = _changes()
        response = client_for(officer).post(
            reverse("indicators:targets", args=[commune.pk]),
            {"indicator": hh.pk, "target": target, "deadline": "31/12/2025", "action": "save"},
        )
        assert response.status_code == 302, _page_errors(response)
        assert response["Location"].endswith("#chi-tieu-hh_digital")
        assert _changes() == before + 1
    own, other = _value(world.commune, "HH_DIGITAL"), _value(world.other_commune, "HH_DIGITAL")
    assert (own.target, own.deadline, own.own_target) == (Decimal("70.0"), dt.date(2025, 12, 31), True)
    assert (other.target, other.own_target) == (Decimal("80.0"), True)
    assert _value(world.province, "HH_DIGITAL").own_target is False  # a province has no targets of its own

    page = (
        client_for(world.leader).get(reverse("indicators:targets", args=[world.commune.pk])).content.decode()
    )
    assert "70,0% đến 31/12/2025" in page and "Phạm Thị Dung" in page
    assert 'name="target"' not in page  # the commune leader reads

    # One decimal is kept; the same value again writes nothing; reset goes back to the default.
    client = client_for(world.officer)
    url = reverse("indicators:targets", args=[world.commune.pk])
    client.post(url, {"indicator": hh.pk, "target": "72,5", "deadline": "31/12/2026"})
    assert _value(world.commune, "HH_DIGITAL").target == Decimal("72.5")
    before = _changes()
    client.post(url, {"indicator": hh.pk, "target": "72.5", "deadline": "31/12/2026"})
    assert _changes() == before
    response = client.post(url, {"indicator": hh.pk, "action": "reset"})
    assert response.status_code == 302
    own = _value(world.commune, "HH_DIGITAL")
    assert (own.target, own.own_target) == (hh.default_target, False)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk").first()
    assert "mặc định" in event.detail and event.place == world.commune and event.user == world.officer


@pytest.mark.parametrize(
    ("target", "deadline", "field", "message"),
    [
        ("NaN", "31/12/2026", "target", "từ 0 đến 100"),
        ("1e9", "31/12/2026", "target", "từ 0 đến 100"),
        ("-1", "31/12/2026", "target", "từ 0 đến 100"),
        ("100,05", "31/12/2026", "target", "một chữ số sau dấu phẩy"),
        ("100.1", "31/12/2026", "target", "từ 0 đến 100"),
        ("Infinity", "31/12/2026", "target", "từ 0 đến 100"),
        ("7" * 500, "31/12/2026", "target", "từ 0 đến 100"),
        ("", "31/12/2026", "target", "Vui lòng nhập chỉ tiêu"),
        ("70", "31/02/2026", "deadline", "Ngày không đúng"),
        ("70", "31/12/99999", "deadline", "Ngày không đúng"),
        ("70", "01/01/1900", "deadline", "Thời hạn phải trong khoảng"),
        ("70", "", "deadline", "Vui lòng nhập thời hạn"),
    ],
)
def test_hostile_targets_are_form_errors_next_to_the_field(
    world, client_for, target, deadline, field, message
):
    hh = Indicator.objects.get(code="HH_DIGITAL")
    response = client_for(world.officer).post(
        reverse("indicators:targets", args=[world.commune.pk]),
        {"indicator": hh.pk, "target": target, "deadline": deadline},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(rf'id="t{hh.pk}-{field}-error">[^<]*{re.escape(message)}', page), _page_errors(response)
    assert not Target.objects.exists()


@pytest.mark.parametrize("indicator", ["", "abc", "-1", "0", str(2**63), "9" * 40, "1.5", "[1]"])
def test_hostile_indicator_ids_name_the_field_and_write_nothing(world, client_for, indicator):
    response = client_for(world.officer).post(
        reverse("indicators:targets", args=[world.commune.pk]),
        {"indicator": indicator, "target": "70", "deadline": "31/12/2026"},
    )
    assert response.status_code == 200
    assert "Chỉ tiêu:" in response.content.decode()
    assert not Target.objects.exists()


def test_another_communes_own_indicator_and_an_own_one_are_not_targets_here(world, client_for):
    theirs = services.add_own_indicator(
        by=world.other_officer, commune=world.other_commune, name="Hộ nghèo được hướng dẫn", kind="household",
        population="poor_households", condition="guided", target=Decimal(90), deadline=dt.date(2026, 12, 31),
    ).obj  # fmt: skip
    ours = services.add_own_indicator(
        by=world.officer, commune=world.commune, name="Người bán hàng trực tuyến", kind="resident",
        population="adults", condition="sells_online", target=Decimal(30), deadline=dt.date(2026, 12, 31),
    ).obj  # fmt: skip
    client = client_for(world.officer)
    for indicator in (theirs, ours):
        response = client.post(
            reverse("indicators:targets", args=[world.commune.pk]),
            {"indicator": indicator.pk, "target": "70", "deadline": "31/12/2026"},
        )
        assert response.status_code == 200
        assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode()
    assert not Target.objects.exists()
    # Nor may another commune's own indicator be edited through this commune's page.
    url = reverse("indicators:own_indicator_edit", args=[world.commune.pk, theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "X", "target": "1", "deadline": "31/12/2026"}).status_code == 404
    assert Indicator.objects.get(pk=theirs.pk).name == "Hộ nghèo được hướng dẫn"


# --- monthly figures -------------------------------------------------------------------------------------


def _post_month(client, commune, indicator, month: dt.date, num, den):
    return client.post(
        reverse("indicators:monthly", args=[commune.pk]),
        {"indicator": indicator.pk, "month": f"{month:%Y-%m}", "numerator": num, "denominator": den},
    )


def test_monthly_figures_feed_the_year_sum_and_the_latest_month_for_commune_and_province(world, client_for):
    dossier, ocop = Indicator.objects.get(code="DOSSIER_ONLINE"), Indicator.objects.get(code="OCOP_ONLINE")
    officer, other = client_for(world.officer), client_for(world.other_officer)
    jan, feb = TODAY().replace(month=1, day=1), TODAY().replace(month=2, day=1)
    last_december = dt.date(TODAY().year - 1, 12, 1)
    for client, commune, rows in (
        (officer, world.commune, [(dossier, last_december, 50, 60), (dossier, jan, 40, 50), (dossier, feb, 30, 40),
                                  (ocop, jan, 2, 5), (ocop, feb, 3, 6)]),
        (other, world.other_commune, [(dossier, jan, 10, 10), (ocop, jan, 1, 4)]),
    ):  # fmt: skip
        for indicator, month, num, den in rows:
            response = _post_month(client, commune, indicator, month, num, den)
            assert response.status_code == 302, _page_errors(response)
    d, o = _value(world.commune, "DOSSIER_ONLINE"), _value(world.commune, "OCOP_ONLINE")
    assert (d.numerator, d.denominator) == (70, 90)  # this year's months summed, last December not
    assert (o.numerator, o.denominator) == (3, 6)  # the latest month
    d, o = _value(world.province, "DOSSIER_ONLINE"), _value(world.province, "OCOP_ONLINE")
    assert (d.numerator, d.denominator) == (80, 100)
    assert (o.numerator, o.denominator) == (4, 10)
    on_jan_31 = _value(world.commune, "DOSSIER_ONLINE", TODAY().replace(month=1, day=31))
    assert (on_jan_31.numerator, on_jan_31.denominator) == (40, 50)

    # Correcting a past month replaces it and is audited with the old and new figures.
    before = _changes()
    assert _post_month(officer, world.commune, dossier, jan, 45, 50).status_code == 302
    assert _changes() == before + 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk").first()
    assert "40/50 → 45/50" in event.detail and event.place == world.commune
    assert AggregateEntry.objects.get(commune=world.commune, indicator=dossier, month=jan).numerator == 45
    assert AggregateEntry.objects.filter(commune=world.commune, indicator=dossier).count() == 3

    page = officer.get(reverse("indicators:monthly", args=[world.commune.pk])).content.decode()
    assert f"Từ đầu năm {TODAY().year} (2 tháng): <strong>75/90 = 83,3%" in page
    assert f"Tháng gần nhất ({feb:%m/%Y}): <strong>3/6 = 50,0%" in page
    # "Sửa" opens that month with its figures.
    page = officer.get(
        reverse("indicators:monthly", args=[world.commune.pk]),
        {"chi-tieu": dossier.pk, "thang": f"{jan:%Y-%m}"},
    ).content.decode()
    assert re.search(rf'<option value="{jan:%Y-%m}" selected>', page) and 'value="45"' in page


@pytest.mark.parametrize(
    ("month", "num", "den", "field", "message"),
    [
        ("next", "1", "2", "month", "Tháng không hợp lệ"),
        ("2024-12", "1", "2", "month", "Tháng không hợp lệ"),
        ("2026-13", "1", "2", "month", "Tháng không hợp lệ"),
        ("2026-02-30", "1", "2", "month", "Tháng không hợp lệ"),
        ("", "1", "2", "month", "Vui lòng chọn tháng"),
        ("this", "3", "2", "numerator", "không được lớn hơn mẫu số"),
        ("this", "-1", "2", "numerator", "số nguyên từ 0"),
        ("this", "1e9", "2000000000", "numerator", "số nguyên từ 0"),
        ("this", "NaN", "2", "numerator", "số nguyên từ 0"),
        ("this", "1.5", "2", "numerator", "số nguyên từ 0"),
        ("this", "1", "9" * 30, "denominator", "số nguyên từ 0"),
        ("this", "1", "", "denominator", "Vui lòng nhập mẫu số"),
    ],
)
def test_hostile_monthly_figures_are_form_errors(world, client_for, month, num, den, field, message):
    dossier = Indicator.objects.get(code="DOSSIER_ONLINE")
    month = {
        "this": f"{TODAY():%Y-%m}",
        "next": f"{(TODAY().replace(day=28) + dt.timedelta(days=7)):%Y-%m}",
    }.get(month, month)
    response = client_for(world.officer).post(
        reverse("indicators:monthly", args=[world.commune.pk]),
        {"indicator": dossier.pk, "month": month, "numerator": num, "denominator": den},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(rf'id="m{dossier.pk}-{field}-error">[^<]*{re.escape(message)}', page), _page_errors(
        response
    )
    assert not AggregateEntry.objects.exists()


def test_the_service_refuses_future_months_registry_kinds_and_numerators_over_denominators(world):
    dossier, hh = Indicator.objects.get(code="DOSSIER_ONLINE"), Indicator.objects.get(code="HH_DIGITAL")
    future = (TODAY().replace(day=28) + dt.timedelta(days=7)).replace(day=1)
    for indicator, month, num, den, field in (
        (dossier, future, 1, 2, "month"),
        (dossier, dt.date(2024, 12, 1), 1, 2, "month"),
        (dossier, TODAY().replace(day=15), 1, 2, "month"),
        (dossier, TODAY().replace(day=1), 3, 2, "numerator"),
        (dossier, TODAY().replace(day=1), 1, services.COUNT_MAX + 1, "denominator"),
        (hh, TODAY().replace(day=1), 1, 2, "indicator"),
    ):
        with pytest.raises(services.ValidationError) as error:
            services.record_month(
                by=world.officer, commune=world.commune, indicator=indicator, month=month, numerator=num,
                denominator=den,
            )  # fmt: skip
        assert field in error.value.message_dict
    assert not AggregateEntry.objects.exists()


def test_a_monthly_entry_for_another_communes_own_aggregate_indicator_is_refused(world, client_for):
    theirs = services.add_own_indicator(
        by=world.other_officer, commune=world.other_commune, name="Hộ kinh doanh có mã QR", kind="aggregate",
        numerator_label="Hộ kinh doanh có mã QR", denominator_label="Hộ kinh doanh", target=Decimal(80),
        deadline=dt.date(2026, 12, 31),
    ).obj  # fmt: skip
    response = _post_month(client_for(world.officer), world.commune, theirs, TODAY().replace(day=1), 1, 2)
    assert response.status_code == 200
    assert "nằm ngoài địa bàn bạn phụ trách" in response.content.decode()
    assert not AggregateEntry.objects.exists()
    # Its own officer enters it; it is counted for that commune only.
    response = _post_month(
        client_for(world.other_officer), world.other_commune, theirs, TODAY().replace(day=1), 1, 2
    )
    assert response.status_code == 302
    assert (
        _value(world.other_commune, theirs.code).numerator,
        _value(world.other_commune, theirs.code).denominator,
    ) == (1, 2)
    assert theirs.code not in {v.code for v in values.values(world.commune, TODAY(), with_pace=False)}


# --- own indicators -----------------------------------------------------------------------------------------


def _new_own(client, commune, **fields):
    data = {"name": "Người trưởng thành bán hàng trực tuyến", "kind": "resident", "population": "adults",
            "condition": "sells_online", "target": "40", "deadline": "31/12/2026"}  # fmt: skip
    data.update(fields)
    return client.post(reverse("indicators:own_indicator_new", args=[commune.pk]), data)


def _sells_online(resident, value: int, day: dt.date | None = None) -> None:
    registry.record_status(
        by=None, resident=resident, facts=[registry.StatusFact(StatusField.SELLS_ONLINE, value, Evidence.SEEN)],
        observed_on=day or TODAY(), source=Source.VISIT,
    )  # fmt: skip


def test_an_own_resident_indicator_counts_for_its_commune_only(world, client_for):
    third = make_household(world.village_b, "Vương Văn Sơn")  # a third adult in the commune
    _sells_online(world.resident_a, 1, TODAY() - dt.timedelta(days=20))  # before the indicator exists
    before = _changes()
    response = _new_own(client_for(world.officer), world.commune)
    assert response.status_code == 302, _page_errors(response)
    assert _changes() == before + 1
    own = Indicator.objects.get(commune=world.commune)
    assert (own.kind, own.population, own.condition) == ("resident", "adults", "sells_online")
    assert own.numerator_label == "Người trưởng thành (từ 18 tuổi) bán hàng trực tuyến"

    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator, found.target) == (1, 3, Decimal("40.0"))
    assert own.code not in {v.code for v in values.values(world.other_commune, TODAY(), with_pace=False)}
    assert own.code not in {v.code for v in values.values(world.province, TODAY(), with_pace=False)}
    # The village sees its part of the commune's own indicator.
    in_a = _value(world.village_a, own.code)
    assert (in_a.numerator, in_a.denominator) == (1, 1)

    # Observations recorded afterwards move it through the registry's write path.
    _sells_online(world.resident_b, 1)
    _sells_online(third.residents.get(), 0)
    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator) == (2, 3)
    _sells_online(world.resident_a, 0)
    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator) == (1, 3)
    # The other commune's resident who sells online is not counted anywhere here.
    _sells_online(world.household_c.residents.get(), 1)
    assert _value(world.commune, own.code).numerator == 1
    assert own.code not in {v.code for v in values.values(world.other_commune, TODAY(), with_pace=False)}


def test_changing_what_an_own_indicator_counts_recounts_it_and_deactivating_hides_it(world, client_for):
    _sells_online(world.resident_a, 1)
    client = client_for(world.officer)
    assert _new_own(client, world.commune).status_code == 302
    own = Indicator.objects.get(commune=world.commune)
    url = reverse("indicators:own_indicator_edit", args=[world.commune.pk, own.pk])
    page = client.get(url).content.decode()
    assert "Người trưởng thành bán hàng trực tuyến" in page and "không đổi được" in page
    data = {"name": "Người cao tuổi bán hàng trực tuyến", "population": "age60", "condition": "sells_online",
            "target": "25,5", "deadline": "30/06/2027", "active": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, _page_errors(response)
    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator, found.target) == (1, 2, Decimal("25.5"))  # both heads are 60+
    assert found.indicator.name == "Người cao tuổi bán hàng trực tuyến"
    # A population of the other kind is a form error, nothing changes.
    response = client.post(url, {**data, "population": "households"})
    assert response.status_code == 200 and "Vui lòng chọn nhóm người dân" in response.content.decode()
    assert Indicator.objects.get(pk=own.pk).population == "age60"
    # Deactivate: gone from the values and the pages; its edit page still opens to switch it back on.
    response = client.post(url, {**data, "active": ""})
    assert response.status_code == 302
    assert own.code not in {v.code for v in values.values(world.commune, TODAY(), with_pace=False)}
    assert (
        "Người cao tuổi bán hàng"
        not in client.get(reverse("indicators:targets", args=[world.commune.pk]))
        .content.decode()
        .split("Chỉ tiêu riêng của xã (")[1]
        .split("Đã ngừng dùng")[0]
    )
    assert client.post(url, data).status_code == 302
    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator) == (1, 2)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "team"}, "kind", "Cách tính không hợp lệ"),
        ({"kind": "household"}, "population", "Vui lòng chọn nhóm hộ gia đình"),
        ({"condition": "digital"}, "condition", "Vui lòng chọn điều kiện tính trên người dân"),
        ({"population": "nobody"}, "population", "Nhóm không hợp lệ"),
        ({"name": ""}, "name", "Vui lòng nhập tên chỉ tiêu"),
        ({"name": "x" * 161}, "name", "dài quá 160"),
        ({"name": "gia dinh so"}, "name", "Xã đã có chỉ tiêu mang tên này"),
        ({"target": "100,05"}, "target", "từ 0 đến 100"),
        ({"deadline": "30/02/2026"}, "deadline", "Ngày không đúng"),
        ({"kind": "aggregate", "numerator_label": ""}, "numerator_label", "Vui lòng ghi tử số"),
    ],
)
def test_hostile_own_indicators_are_form_errors(world, client_for, fields, field, message):
    response = _new_own(client_for(world.officer), world.commune, **fields)
    assert response.status_code == 200
    assert re.search(rf'id="id_{field}_error">[^<]*{re.escape(message)}', response.content.decode(), re.I), (
        _page_errors(response)
    )
    assert not Indicator.objects.filter(commune__isnull=False).exists()


def test_an_own_aggregate_indicator_gets_monthly_entry(world, client_for):
    client = client_for(world.officer)
    response = _new_own(
        client, world.commune, name="Hộ kinh doanh có mã QR", kind="aggregate", population="adults",
        numerator_label="Hộ kinh doanh nhận thanh toán bằng mã QR", denominator_label="Hộ kinh doanh",
        stock="on", target="60",
    )  # fmt: skip
    assert response.status_code == 302, _page_errors(response)
    own = Indicator.objects.get(commune=world.commune)
    assert (own.kind, own.population, own.stock) == ("aggregate", "", True)
    assert response["Location"].endswith(f"#so-lieu-{own.code.lower()}")
    assert _post_month(client, world.commune, own, TODAY().replace(day=1), 12, 40).status_code == 302
    found = _value(world.commune, own.code)
    assert (found.numerator, found.denominator, found.value) == (12, 40, Decimal("30.0"))


# --- who ------------------------------------------------------------------------------------------------------


def test_who_reads_and_who_changes(world, client_for):
    own = services.add_own_indicator(
        by=world.officer, commune=world.commune, name="Người dân có chữ ký số", kind="resident",
        population="residents", condition="digital_signature", target=Decimal(20), deadline=dt.date(2026, 12, 31),
    ).obj  # fmt: skip
    reads = [
        reverse("indicators:targets", args=[world.commune.pk]),
        reverse("indicators:monthly", args=[world.commune.pk]),
    ]
    changes = [
        reverse("indicators:own_indicator_new", args=[world.commune.pk]),
        reverse("indicators:own_indicator_edit", args=[world.commune.pk, own.pk]),
    ]
    for name, persona in world.personas().items():
        client = client_for(persona)
        for url in reads:
            expected = 200 if name in READERS | {"admin"} else 404
            assert client.get(url).status_code == expected, (name, url)
        for url in changes:
            expected = 200 if name in ("officer", "admin") else 404
            assert client.get(url).status_code == expected, (name, url)
        if name not in ("officer", "admin"):
            hh = Indicator.objects.get(code="HH_DIGITAL")
            response = client.post(reads[0], {"indicator": hh.pk, "target": "1", "deadline": "31/12/2026"})
            assert response.status_code == 404, name
    assert not Target.objects.exists()
    page = client_for(world.province_officer).get(reads[1]).content.decode()
    assert 'name="numerator"' not in page and "Hồ sơ thủ tục hành chính trực tuyến" in page
    for url in reads + changes:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL)), (
            url
        )


def test_the_list_pages_take_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)
    targets_url = reverse("indicators:targets", args=[world.commune.pk])
    monthly_url = reverse("indicators:monthly", args=[world.commune.pk])

    def counts() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        out = []
        for url in (targets_url, monthly_url):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            out.append(len(captured))
        return out[0], out[1]

    small = counts()
    dossier = Indicator.objects.get(code="DOSSIER_ONLINE")
    for n in range(8):
        services.add_own_indicator(
            by=world.officer, commune=world.commune, name=f"Chỉ tiêu riêng số {n}", kind="aggregate" if n % 2 else "household",
            population="households", condition="reached", numerator_label="Tử", denominator_label="Mẫu",
            target=Decimal(50), deadline=dt.date(2026, 12, 31),
        )  # fmt: skip
    for indicator in Indicator.objects.filter(kind="aggregate"):
        for back in range(12):
            services.record_month(
                by=world.officer, commune=world.commune, indicator=indicator, month=_months_back(back),
                numerator=1, denominator=2,
            )  # fmt: skip
    for indicator in Indicator.objects.filter(commune__isnull=True)[:10]:
        services.set_target(
            by=world.officer,
            commune=world.commune,
            indicator=indicator,
            target=Decimal(50),
            deadline=dt.date(2026, 1, 1),
        )
    assert dossier.entries.count() == 12
    assert counts() == small
    with django_assert_max_num_queries(small[0]):
        client.get(targets_url)
    with django_assert_max_num_queries(small[1]):
        client.get(monthly_url)


# --- scope by construction: every marked view of urls_targets, every persona, three communes ---------------


def workspace_patterns() -> list[URLPattern]:
    found = [p for p in urls_targets.urlpatterns if hasattr(p.callback, "workspace_form")]
    assert len(found) == 4, "the targets, monthly and own-indicator forms are marked with @workspace_form"
    return found


@pytest.fixture
def sites(world: World) -> dict[str, dict[str, Any]]:
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    hoan_kiem = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    add_village(commune=hoan_kiem, name="Tổ dân phố số 1")
    found = {}
    for key, commune, by in (
        ("own", world.commune, world.officer),
        ("other", world.other_commune, world.other_officer),
        ("province", hoan_kiem, world.admin),
    ):
        for kind in ("resident", "aggregate"):
            indicator = services.add_own_indicator(
                by=by, commune=commune, name=f"Chỉ tiêu riêng {kind} {commune.name}", kind=kind,
                population="adults", condition="uses_4g", numerator_label="Tử", denominator_label="Mẫu",
                target=Decimal(50), deadline=dt.date(2026, 12, 31),
            ).obj  # fmt: skip
        found[key] = {"commune": commune, "own_indicator": indicator}
    Indicator.objects.filter(commune=hoan_kiem, kind="resident").update(active=False)
    return found


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for model in (Indicator, Target, AggregateEntry):
        tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    for label in ("places", "registry"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    tables["roles"] = list(Role.objects.order_by("pk").values_list())
    tables["changes"] = list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).values_list("pk"))
    return tables


def _plain_value(name: str, field: forms.Field) -> Any:
    if isinstance(field, forms.DateField):
        return "31/12/2026"
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.IntegerField):
        return "3"
    if isinstance(field, forms.DecimalField):
        return "50"
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        flat = [
            c
            for value, label in field.choices
            for c in (label if isinstance(label, list | tuple) else [(value, label)])
        ]
        return next(str(value) for value, _ in flat if value)
    return f"Thử {name}"


def _url(pattern: URLPattern, site: dict[str, Any]) -> str:
    target = site[pattern.callback.workspace_form.target]
    if pattern.callback.workspace_form.target == "own_indicator":
        return reverse(f"indicators:{pattern.name}", args=[site["commune"].pk, target.pk])
    return reverse(f"indicators:{pattern.name}", args=[target.pk])


def _payloads(pattern: URLPattern, persona: Any, commune: Place) -> list[dict[str, Any]]:
    spec = pattern.callback.workspace_form
    fields = dict(spec.form.base_fields)
    scoped = {n: f for n, f in fields.items() if isinstance(f, _Scoped)}
    base = {n: _plain_value(n, f) for n, f in fields.items() if n not in scoped}
    if not scoped:
        return [base]
    form = spec.form(user=persona, commune=commune)
    payload: dict[str, Any] = {}
    for name in scoped:
        queryset = form.fields[name].queryset
        allowed = set(queryset.values_list("pk", flat=True))
        foreign = [pk for pk in queryset.model.objects.values_list("pk", flat=True) if pk not in allowed]
        assert foreign, f"{pattern.name}.{name}: the test world has objects out of scope"
        payload[name] = foreign
    return [{**base, name: ids[0]} for name, ids in payload.items()] + [
        {**base, name: ids[-1]} for name, ids in payload.items()
    ]


@pytest.mark.parametrize("pattern", workspace_patterns(), ids=lambda p: p.name)
def test_no_persona_writes_outside_its_scope_through_any_targets_form(pattern, world, sites, client_for):
    spec = pattern.callback.workspace_form
    has_scoped = any(isinstance(f, _Scoped) for f in spec.form.base_fields.values())
    for persona_name in PERSONAS:
        persona = world.personas()[persona_name]
        client = client_for(persona)
        for site in sites.values():
            url = _url(pattern, site)
            if not has_scoped and client.get(url).status_code == 200:
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


def test_every_targets_form_saves_for_the_officer_and_leaves_an_audit_row(world, sites, client_for):
    own = sites["own"]["own_indicator"]
    controls = {
        "targets": (
            _url(workspace_patterns()[0], sites["own"]),
            {"indicator": Indicator.objects.get(code="AD_PCKS").pk, "target": "70", "deadline": "31/12/2026"},
        ),
        "monthly": (
            reverse("indicators:monthly", args=[world.commune.pk]),
            {"indicator": own.pk, "month": f"{TODAY():%Y-%m}", "numerator": "3", "denominator": "4"},
        ),
        "own_indicator_new": (
            reverse("indicators:own_indicator_new", args=[world.commune.pk]),
            {
                "name": "Hộ được tiếp cận (riêng)",
                "kind": "household",
                "population": "poor_households",
                "condition": "reached",
                "target": "95",
                "deadline": "31/12/2026",
            },
        ),
        "own_indicator_edit": (
            reverse("indicators:own_indicator_edit", args=[world.commune.pk, own.pk]),
            {
                "name": "Tên mới",
                "numerator_label": "Tử",
                "denominator_label": "Mẫu",
                "target": "55",
                "deadline": "31/12/2026",
                "active": "on",
            },
        ),
    }
    assert {p.name for p in workspace_patterns()} == set(controls), "every form needs a positive control"
    client = client_for(world.officer)
    for name, (url, payload) in controls.items():
        before = _changes()
        response = client.post(url, payload)
        assert response.status_code == 302, (name, _page_errors(response))
        events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("-pk")
        assert events.count() == before + 1, name
        event = events.first()
        assert event.user == world.officer and event.detail and event.ip == "127.0.0.1", name
        assert event.place == world.commune, name
