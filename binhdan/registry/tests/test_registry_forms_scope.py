"""The registry's own edit forms: no persona writes outside its scope, whatever ids it posts."""

import pytest
from django.apps import apps
from django.urls import reverse

from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.testing.personas import make_household


def _snapshot():
    return {
        model._meta.db_table: list(model.objects.order_by("pk").values_list())
        for model in apps.get_app_config("registry").get_models()
        if model._meta.db_table not in ("registry_importbatch",)
    }


@pytest.fixture
def far(world):
    """A village and a household of a commune in another province (Phường Hoàn Kiếm, Hà Nội)."""
    hanoi = Place.objects.create(code="01", name="Hà Nội", kind=Kind.THANH_PHO, level=Level.PROVINCE)
    ward = Place.objects.create(
        code="00070", name="Phường Hoàn Kiếm", kind=Kind.PHUONG, level=Level.COMMUNE, parent=hanoi
    )
    village = add_village(commune=ward, name="Tổ dân phố số 1")
    return village, make_household(village, "Phan Văn Hùng")


def _household_form(village_id):
    return {"village": village_id, "head_name": "Người Thử", "address": "=HYPERLINK(1)", "declared_size": "3"}


def _resident_form():
    return {"full_name": "Người Thử", "birth_year": "1980", "gender": "male", "relation": "head"}


@pytest.mark.parametrize(
    "persona", ["member_a", "leader_a", "member_b", "officer", "leader", "province_officer", "other_officer"]
)
def test_no_persona_writes_outside_its_scope_through_the_registry_forms(world, client_for, far, persona):
    far_village, far_household = far
    # The other commune's officer is at home in Thôn Thượng; for them our commune is the outside.
    if persona == "other_officer":
        own, outside_households, near_village = (
            world.household_c,
            [world.household_a, far_household],
            world.village_a,
        )
    else:
        own, outside_households, near_village = (
            world.household_a,
            [world.household_c, far_household],
            world.village_c,
        )
    outside_villages = [near_village.pk, far_village.pk, 10**30, "1 OR 1=1"]
    user = getattr(world, persona)
    client = client_for(user)
    attempts = []
    for village in outside_villages:
        attempts.append((reverse("registry:household_create"), _household_form(village)))
        # Moving one's own household into someone else's village.
        attempts.append(
            (reverse("registry:household_edit", args=[world.household_a.pk]), _household_form(village))
        )
    for household in outside_households:
        resident = household.residents.first()
        attempts += [
            (reverse("registry:household_edit", args=[household.pk]), _household_form(own.village_id)),
            (reverse("registry:resident_create", args=[household.pk]), _resident_form()),
            (reverse("registry:resident_edit", args=[resident.pk]), _resident_form()),
            (reverse("registry:resident_observe", args=[resident.pk]), {"field": "smartphone", "value": "1"}),
            (reverse("registry:resident_consent", args=[resident.pk]), {"method": "verbal"}),
        ]
    before = _snapshot()
    for url, data in attempts:
        response = client.post(url, data)
        # 404 for a target outside the scope; the form again (200, with its error) for a choice outside it.
        assert response.status_code in (200, 404), (url, data, response.status_code)
    assert _snapshot() == before


def test_the_same_forms_save_inside_the_scope(world, client_for):
    """The control: with an in-scope village the very payload above is written (so the test can fail)."""
    client = client_for(world.officer)
    before = _snapshot()
    response = client.post(reverse("registry:household_create"), _household_form(world.village_a.pk))
    assert response.status_code == 302
    assert _snapshot() != before
