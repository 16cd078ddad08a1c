"""Web edits of households, residents, status observations and consent are audited, with ids and field
names only: no name, phone, address or note typed in the form ever reaches the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from binhdan.accounts.models import AuditEvent
from binhdan.registry.models import Household, Resident

# Values typed in the forms below; none may appear in an audit row.
TYPED = ("Hà Văn Mạnh", "ha van manh", "0912345678", "Xóm Bến", "Ngọc Ánh", "mẹ chứng kiến")


def changes() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).order_by("pk"))


def assert_no_personal_data(event: AuditEvent) -> None:
    for value in TYPED:
        assert value.lower() not in event.detail.lower(), (value, event.detail)


def test_creating_and_editing_a_household_is_audited(world, client_for):
    client = client_for(world.member_a)
    response = client.post(
        reverse("registry:household_create"),
        {
            "village": world.village_a.pk,
            "head_name": "Hà Văn Mạnh",
            "address": "Xóm Bến",
            "phone": "0912345678",
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(head_name="Hà Văn Mạnh")
    (created,) = changes()
    assert (created.user, created.place, created.object_type, created.object_id) == (
        world.member_a, world.village_a, "Household", str(household.pk),
    )  # fmt: skip
    assert created.detail.startswith(f"Thêm hộ (mã {household.pk})")
    assert "address" in created.detail and "phone" in created.detail
    assert_no_personal_data(created)

    response = client.post(
        reverse("registry:household_edit", args=[household.pk]),
        {"village": world.village_a.pk, "head_name": "Hà Văn Mạnh", "address": "Xóm Bến 2", "phone": ""},
    )
    assert response.status_code == 302
    edited = changes()[-1]
    assert edited.detail == f"Sửa hộ (mã {household.pk}): address, phone"
    assert (edited.object_type, edited.object_id, edited.place) == (
        "Household",
        str(household.pk),
        world.village_a,
    )
    assert_no_personal_data(edited)


def test_adding_and_editing_a_resident_is_audited(world, client_for):
    client = client_for(world.member_a)
    response = client.post(
        reverse("registry:resident_create", args=[world.household_a.pk]),
        {"full_name": "Nguyễn Thị Ngọc Ánh", "birth_year": "1998", "relation": "con", "phone": "0912345678"},
    )
    assert response.status_code == 302
    resident = Resident.objects.get(full_name="Nguyễn Thị Ngọc Ánh")
    (created,) = changes()
    assert (created.object_type, created.object_id, created.place) == (
        "Resident",
        str(resident.pk),
        world.village_a,
    )
    assert created.detail.startswith(f"Thêm người dân (mã {resident.pk}): ")
    assert_no_personal_data(created)

    response = client.post(
        reverse("registry:resident_edit", args=[resident.pk]),
        {"full_name": "Nguyễn Thị Ngọc Ánh", "birth_year": "1998", "relation": "con", "phone": "0987654321"},
    )
    assert response.status_code == 302
    edited = changes()[-1]
    assert edited.detail == f"Sửa người dân (mã {resident.pk}): phone"
    assert "0987654321" not in edited.detail and edited.user == world.member_a


def test_a_status_observation_and_consent_are_audited(world, client_for):
    client = client_for(world.member_a)
    resident = world.resident_a
    observe = client.post(
        reverse("registry:resident_observe", args=[resident.pk]),
        {"field": "smartphone", "value": "1", "evidence": "seen", "observed_on": "02/10/2025"},
    )
    assert observe.status_code == 302
    consent = client.post(
        reverse("registry:resident_consent", args=[resident.pk]),
        {"given": "0", "method": "verbal", "note": "mẹ chứng kiến"},
    )
    assert consent.status_code == 302
    status_event, consent_event = changes()
    assert status_event.detail == f"Ghi nhận trạng thái (mã {resident.pk}): smartphone"
    assert consent_event.detail == f"Ghi nhận rút lại đồng ý (mã {resident.pk}): method, note"
    for event in (status_event, consent_event):
        assert (event.user, event.place, event.object_type, event.object_id) == (
            world.member_a, world.village_a, "Resident", str(resident.pk),
        )  # fmt: skip
        assert_no_personal_data(event)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("household_create", {"village": "", "head_name": ""}),
        ("resident_observe", {"field": "smartphone", "value": "9"}),
        ("resident_consent", {"given": "1", "method": "telepathy"}),
    ],
)
def test_refused_edits_are_not_audited_as_changes(world, client_for, name, data):
    args = [] if name == "household_create" else [world.resident_a.pk]
    response = client_for(world.member_a).post(reverse(f"registry:{name}", args=args), data)
    assert response.status_code in (200, 400)
    assert changes() == []


def test_an_outsiders_edit_is_404_and_not_audited(world, client_for):
    client = client_for(world.member_b)
    response = client.post(
        reverse("registry:household_edit", args=[world.household_a.pk]),
        {"village": world.village_a.pk, "head_name": "Hà Văn Mạnh"},
    )
    assert response.status_code == 404
    assert changes() == []
