"""Households and residents entering and leaving the registry through the web forms (issue 10, point 1):
"Ngày vào sổ" on the forms, "Ngày chuyển thôn" and the village history, "Ghi nhận rời sổ" and its undo,
the list's "Đang ở / Đã rời sổ / Tất cả" filter; hostile dates never give a 5xx."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.registry import services
from binhdan.registry.models import Household, HouseholdMove, LeftReason, Resident
from binhdan.testing.personas import make_household

TODAY = timezone.localdate  # called in each test: the day may turn during a run


def d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


def changes() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("pk"))


def household_post(world, **extra):
    return {"village": world.village_a.pk, "head_name": "Hà Văn Mạnh", **extra}


def resident_post(**extra):
    return {"full_name": "Lò Thị Sen", "birth_year": "1980", "gender": "nu", "relation": "con", **extra}


# Dates a person (or a script) may type that are not dates, or not possible ones.
IMPOSSIBLE = [
    ("30/02/2025", "Ngày không đúng"),
    ("2025-02-30", "Ngày không đúng"),
    ("31/04/2024", "Ngày không đúng"),
    ("01/01/99999", "Ngày không đúng"),
    ("99999", "Ngày không đúng"),
    ("hôm qua", "Ngày không đúng"),
    ("0/0/0", "Ngày không đúng"),
    ("01/01/0001", "cách đây hơn 120 năm"),
    ("1" * 5000, "Ngày không đúng"),
]


# ---------------------------------------------------------------------------------------- Ngày vào sổ


def test_new_household_takes_the_typed_registration_date_or_today(world, client_for):
    client = client_for(world.member_a)
    response = client.get(reverse("registry:household_create"))
    assert "Ngày vào sổ" in response.content.decode()
    assert f'value="{d(TODAY())}"' in response.content.decode()  # the default shown is today

    response = client.post(
        reverse("registry:household_create"), household_post(world, registered_on="15/03/2010")
    )
    assert response.status_code == 302
    assert Household.objects.get(head_name="Hà Văn Mạnh").registered_on == dt.date(2010, 3, 15)

    response = client.post(reverse("registry:household_create"), household_post(world, head_name="Lò Văn Tư"))
    assert response.status_code == 302
    assert Household.objects.get(head_name="Lò Văn Tư").registered_on == TODAY()
    assert "registered_on" not in changes()[-1].detail  # nothing typed, nothing audited as typed


@pytest.mark.parametrize(("typed", "message"), IMPOSSIBLE)
def test_impossible_registration_dates_are_refused_next_to_the_field(world, client_for, typed, message):
    client = client_for(world.member_a)
    response = client.post(reverse("registry:household_create"), household_post(world, registered_on=typed))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="id_registered_on_error"' in response.content.decode()
    assert not Household.objects.filter(head_name="Hà Văn Mạnh").exists()
    response = client.post(
        reverse("registry:resident_create", args=[world.household_a.pk]), resident_post(registered_on=typed)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Resident.objects.filter(full_name="Lò Thị Sen").exists()


def test_future_registration_dates_are_refused(world, client_for):
    client = client_for(world.member_a)
    tomorrow = TODAY() + dt.timedelta(days=1)
    response = client.post(
        reverse("registry:household_create"), household_post(world, registered_on=d(tomorrow))
    )
    assert f"Ngày vào sổ {d(tomorrow)} ở tương lai." in response.content.decode()
    response = client.post(
        reverse("registry:household_edit", args=[world.household_a.pk]),
        household_post(world, head_name="Nguyễn Thị Hoà", registered_on=d(tomorrow)),
    )
    assert f"Ngày vào sổ {d(tomorrow)} ở tương lai." in response.content.decode()
    world.household_a.refresh_from_db()
    assert world.household_a.registered_on == TODAY()


def test_a_resident_is_not_registered_before_being_born(world, client_for):
    client = client_for(world.member_a)
    response = client.post(
        reverse("registry:resident_create", args=[world.household_a.pk]),
        resident_post(birth_date="05/09/2001", birth_year="", registered_on="01/01/2000"),
    )
    assert response.status_code == 200
    assert "Ngày vào sổ 01/01/2000 trước ngày sinh (05/09/2001)." in response.content.decode()


def test_editing_keeps_the_saved_date_when_the_box_is_left_empty(world, client_for):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    client = client_for(world.member_a)
    page = client.get(reverse("registry:household_edit", args=[household.pk])).content.decode()
    assert 'value="01/06/2015"' in page
    response = client.post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, head_name="Vi Văn Sáu", address="Xóm Mới"),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.registered_on == dt.date(2015, 6, 1) and household.address == "Xóm Mới"
    assert changes()[-1].detail == f"Sửa hộ (mã {household.pk}): address"


def test_registration_after_the_day_the_household_left_is_refused(world, client_for):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    services.record_household_left(
        by=world.officer, household=household, left_on=dt.date(2020, 1, 1), reason="moved"
    )
    response = client_for(world.member_a).post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, head_name="Vi Văn Sáu", registered_on="02/02/2021"),
    )
    assert "Ngày vào sổ phải trước ngày rời sổ (01/01/2020)." in response.content.decode()


def test_resident_registration_date_is_saved(world, client_for):
    client = client_for(world.member_a)
    response = client.post(
        reverse("registry:resident_create", args=[world.household_a.pk]),
        resident_post(registered_on="01/02/2012"),
    )
    assert response.status_code == 302
    assert Resident.objects.get(full_name="Lò Thị Sen").registered_on == dt.date(2012, 2, 1)


# ------------------------------------------------------------------------------ Ngày chuyển thôn


def test_changing_the_village_asks_the_day_and_keeps_the_history(world, client_for):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    client = client_for(world.officer)
    page = client.get(reverse("registry:household_edit", args=[household.pk])).content.decode()
    assert "Ngày chuyển thôn" in page
    assert "Ngày chuyển thôn" not in client.get(reverse("registry:household_create")).content.decode()

    response = client.post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, village=world.village_b.pk, head_name="Vi Văn Sáu", moved_on="10/10/2020"),
    )
    assert response.status_code == 302
    (move,) = HouseholdMove.objects.filter(household=household)
    assert (move.from_village, move.to_village, move.moved_on) == (
        world.village_a, world.village_b, dt.date(2020, 10, 10),
    )  # fmt: skip
    assert "moved_on" in changes()[-1].detail and "village" in changes()[-1].detail

    # Editing something else records no move, whatever the day box says.
    response = client.post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, village=world.village_b.pk, head_name="Vi Văn Sáu", moved_on="11/11/2021"),
    )
    assert response.status_code == 302 and HouseholdMove.objects.filter(household=household).count() == 1
    assert "moved_on" not in changes()[-1].detail

    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "Từ Thôn Đông sang Thôn Tây ngày 10/10/2020" in page
    assert "Vào sổ ngày 01/06/2015" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01/01/2014", "Ngày chuyển thôn phải từ ngày vào sổ (01/06/2015) trở đi."),
        ("31/02/2020", "Ngày không đúng"),
        ("future", "ở tương lai"),
    ],
)
def test_impossible_move_days_are_refused(world, client_for, typed, message):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    if typed == "future":
        typed = d(TODAY() + dt.timedelta(days=3))
    response = client_for(world.officer).post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, village=world.village_b.pk, head_name="Vi Văn Sáu", moved_on=typed),
    )
    assert response.status_code == 200 and message in response.content.decode()
    household.refresh_from_db()
    assert household.village == world.village_a and not HouseholdMove.objects.exists()


def test_a_move_is_not_dated_before_the_previous_one(world, client_for):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    services.update_household(
        by=world.officer, household=household, village=world.village_b, moved_on=dt.date(2020, 1, 1)
    )
    response = client_for(world.officer).post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, village=world.village_a.pk, head_name="Vi Văn Sáu", moved_on="01/01/2019"),
    )
    assert "Ngày chuyển thôn phải từ lần chuyển trước (01/01/2020) trở đi." in response.content.decode()
    response = client_for(world.officer).post(
        reverse("registry:household_edit", args=[household.pk]),
        household_post(world, village=world.village_b.pk, head_name="Vi Văn Sáu", registered_on="02/02/2021"),
    )
    assert "Ngày vào sổ phải trước lần chuyển thôn đầu tiên của hộ (01/01/2020)." in response.content.decode()


# ------------------------------------------------------------------------------------ Rời sổ, hoàn tác


def test_recording_a_household_as_left_and_undoing_it(world, client_for):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    client = client_for(world.member_a)
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "Ghi nhận rời sổ" in page and "Qua đời" not in page  # a household does not die
    response = client.post(
        reverse("registry:household_left", args=[household.pk]), {"left_on": "20/12/2024", "reason": "moved"}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.left_on, household.left_reason) == (dt.date(2024, 12, 20), LeftReason.MOVED)
    event = changes()[-1]
    assert event.detail == f"Ghi nhận hộ rời sổ (mã {household.pk}): left_on, left_reason"
    assert (event.place, event.object_type, event.object_id) == (
        world.village_a,
        "Household",
        str(household.pk),
    )
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "Hộ đã rời sổ ngày 20/12/2024 (chuyển đi nơi khác)" in page
    assert "Hoàn tác rời sổ" in page

    # Recording again does not overwrite the first record.
    response = client.post(
        reverse("registry:household_left", args=[household.pk]), {"left_on": "21/12/2024", "reason": "split"}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.left_on == dt.date(2024, 12, 20)

    response = client.post(reverse("registry:household_undo_left", args=[household.pk]))
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.left_on, household.left_reason) == (None, "")
    assert changes()[-1].detail == f"Hoàn tác hộ rời sổ (mã {household.pk}): left_on, left_reason"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"left_on": "01/01/2014", "reason": "moved"},
            "left_on",
            "Ngày rời sổ phải từ ngày vào sổ (01/06/2015) trở đi.",
        ),
        ({"left_on": "future", "reason": "moved"}, "left_on", "ở tương lai"),
        ({"left_on": "30/02/2025", "reason": "moved"}, "left_on", "Ngày không đúng"),
        ({"left_on": "01/01/99999", "reason": "moved"}, "left_on", "Ngày không đúng"),
        ({"left_on": "", "reason": "moved"}, "left_on", "Vui lòng nhập ngày rời sổ."),
        ({"left_on": "01/01/2020", "reason": ""}, "reason", "Hãy chọn lý do rời sổ."),
        ({"left_on": "01/01/2020", "reason": "died"}, "reason", "Lý do này không có trong danh sách."),
        ({"left_on": "01/01/2020", "reason": "x" * 10000}, "reason", "Lý do này không có trong danh sách."),
        ({"left_on": ["01/01/2020", "02/02/2020"], "reason": ["moved", "split"]}, None, None),
    ],
)
def test_hostile_left_forms_get_vietnamese_errors(world, client_for, data, field, message):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    if data["left_on"] == "future":
        data = {**data, "left_on": d(TODAY() + dt.timedelta(days=1))}
    response = client_for(world.member_a).post(reverse("registry:household_left", args=[household.pk]), data)
    if field is None:  # several values: the last one counts, as for every Django form
        assert response.status_code == 302
        return
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'id="id_{field}_error"' in page
    household.refresh_from_db()
    assert household.left_on is None


def test_recording_a_resident_as_left_and_undoing_it(world, client_for):
    resident = world.resident_a
    client = client_for(world.officer)
    response = client.get(reverse("registry:resident_left", args=[resident.pk]))
    assert response.status_code == 200 and "Qua đời" in response.content.decode()
    response = client.post(
        reverse("registry:resident_left", args=[resident.pk]), {"left_on": d(TODAY()), "reason": "died"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.left_on, resident.left_reason) == (TODAY(), LeftReason.DIED)
    assert changes()[-1].detail == f"Ghi nhận người dân rời sổ (mã {resident.pk}): left_on, left_reason"
    page = client.get(reverse("registry:resident_detail", args=[resident.pk])).content.decode()
    assert f"Đã rời sổ ngày {d(TODAY())} (qua đời)" in page
    assert f"Ngày vào sổ</dt><dd>{d(resident.registered_on)}" in page
    page = client.get(reverse("registry:household_detail", args=[resident.household_id])).content.decode()
    assert f"Đã rời sổ ngày {d(TODAY())}" in page and "0 người trong sổ (1 kể cả người đã rời sổ)" in page

    response = client.post(
        reverse("registry:resident_left", args=[resident.pk]), {"left_on": "01/01/2000", "reason": "moved"}
    )
    assert response.status_code == 302  # already left: nothing changes
    response = client.post(reverse("registry:resident_undo_left", args=[resident.pk]))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.left_on is None
    assert changes()[-1].detail == f"Hoàn tác người dân rời sổ (mã {resident.pk}): left_on, left_reason"


def test_a_resident_does_not_leave_before_entering(world, client_for):
    resident = world.resident_a
    response = client_for(world.officer).post(
        reverse("registry:resident_left", args=[resident.pk]), {"left_on": d(days_ago(1)), "reason": "moved"}
    )
    assert response.status_code == 400
    assert f"Ngày rời sổ phải từ ngày vào sổ ({d(TODAY())}) trở đi." in response.content.decode()


@pytest.mark.parametrize("persona", ["member_b", "leader", "province_officer", "other_officer"])
def test_only_those_who_may_change_the_row_record_it_as_left(world, client_for, persona):
    client = client_for(getattr(world, persona))
    household, resident = world.household_a, world.resident_a
    services.record_resident_left(
        by=world.officer, resident=world.resident_b, left_on=TODAY(), reason="moved"
    )
    attempts = [
        (reverse("registry:household_left", args=[household.pk]), {"left_on": d(TODAY()), "reason": "moved"}),
        (reverse("registry:resident_left", args=[resident.pk]), {"left_on": d(TODAY()), "reason": "died"}),
    ]
    if persona != "member_b":  # member_b is at home in Thôn Tây
        attempts.append((reverse("registry:resident_undo_left", args=[world.resident_b.pk]), {}))
    for url, data in attempts:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, data).status_code == 404, url
    household.refresh_from_db()
    resident.refresh_from_db()
    world.resident_b.refresh_from_db()
    assert household.left_on is None and resident.left_on is None and world.resident_b.left_on == TODAY()
    page = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert "Ghi nhận rời sổ" not in page.content.decode()


def test_left_pages_need_a_sign_in_and_refuse_other_methods(world, client):
    url = reverse("registry:household_left", args=[world.household_a.pk])
    assert client.post(url, {"left_on": d(TODAY()), "reason": "moved"}).status_code == 302  # to sign in
    world.household_a.refresh_from_db()
    assert world.household_a.left_on is None


# --------------------------------------------------------------------------------- the household list


def test_household_list_shows_who_is_here_by_default(world, client_for, django_assert_max_num_queries):
    gone = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    services.record_household_left(
        by=world.officer, household=gone, left_on=dt.date(2024, 5, 6), reason="merged"
    )
    for i in range(10):
        make_household(world.village_a, f"Hộ Thử {chr(65 + i)}")
    client = client_for(world.officer)
    url = reverse("registry:household_list")
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "Vi Văn Sáu" not in page and "Nguyễn Thị Hoà" in page and "Đang ở" in page
    with django_assert_max_num_queries(14):
        page = client.get(url, {"tinh_trang": "da-roi-so"}).content.decode()
    assert "Vi Văn Sáu" in page and "Nguyễn Thị Hoà" not in page
    assert "Đã rời sổ ngày 06/05/2024" in page and "1 hộ (đã rời sổ)" in page
    page = client.get(url, {"tinh_trang": "tat-ca"}).content.decode()
    assert "Vi Văn Sáu" in page and "Nguyễn Thị Hoà" in page
    # An unknown value is the default, never an error.
    response = client.get(url, {"tinh_trang": "'; DROP TABLE--", "thon": "x"})
    assert response.status_code == 200 and "Vi Văn Sáu" not in response.content.decode()


def test_household_page_query_count_does_not_grow_with_moves(
    world, client_for, django_assert_max_num_queries
):
    household = make_household(world.village_a, "Vi Văn Sáu", registered_on=dt.date(2015, 6, 1))
    for year, village in [(2016, world.village_b), (2017, world.village_a), (2018, world.village_b)]:
        services.update_household(
            by=world.officer, household=household, village=village, moved_on=dt.date(year, 1, 1)
        )
    client = client_for(world.officer)
    url = reverse("registry:household_detail", args=[household.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert page.count("Từ Thôn") == 3
    assert "Từ Thôn Tây sang Thôn Đông ngày 01/01/2017" in page
