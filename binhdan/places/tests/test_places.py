import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village, find_village


@pytest.mark.django_db
def test_load_places_gives_34_provinces_and_3321_communes_and_is_idempotent(capsys):
    call_command("load_places")
    assert Place.objects.provinces().count() == 34
    assert Place.objects.communes().count() == 3321
    assert Place.objects.communes().filter(kind=Kind.XA).count() == 2621
    assert Place.objects.communes().filter(kind=Kind.PHUONG).count() == 687
    assert Place.objects.communes().filter(kind=Kind.DAC_KHU).count() == 13
    son_dong = Place.objects.get(code="08866")
    assert (son_dong.name, son_dong.parent.name) == ("Xã Sơn Đông", "Phú Thọ")
    before = list(
        Place.objects.order_by("pk").values_list("pk", "code", "name", "kind", "parent_id", "updated_at")
    )
    capsys.readouterr()
    call_command("load_places")
    assert "0 mới, 0 cập nhật" in capsys.readouterr().out
    after = list(
        Place.objects.order_by("pk").values_list("pk", "code", "name", "kind", "parent_id", "updated_at")
    )
    assert before == after


def test_villages_get_codes_under_their_commune_and_a_kind_from_the_name(world):
    tdp = add_village(commune=world.commune, name="Tổ dân phố số 3")
    assert tdp.kind == Kind.TO_DAN_PHO and tdp.level == Level.VILLAGE
    assert tdp.code.startswith("08866.") and tdp.parent == world.commune


def test_the_same_village_twice_is_refused_ignoring_accents(world):
    with pytest.raises(ValidationError) as error:
        add_village(commune=world.commune, name="thon dong")
    assert "đã có" in str(error.value)
    assert find_village(commune=world.commune, name="Đông") == world.village_a
    assert find_village(commune=world.commune, name="THÔN TÂY") == world.village_b


def test_villages_belong_to_communes_only(world):
    with pytest.raises(ValidationError):
        add_village(commune=world.village_a, name="Xóm 1")


def test_add_village_command(world, capsys):
    call_command("add_village", "--commune", "08866", "Xóm Bến", "Bản Mường")
    assert "Đã thêm Xóm Bến" in capsys.readouterr().out
    assert Place.objects.get(name="Bản Mường").kind == Kind.BAN


def test_officer_adds_a_village_on_screen_with_errors_next_to_the_field(world, client_for):
    client = client_for(world.officer)
    url = reverse("fieldwork:village_create", args=[world.commune.pk])
    empty = client.post(url, {"name": "  "})
    assert "Vui lòng nhập tên thôn, tổ dân phố." in empty.content.decode()
    duplicate = client.post(url, {"name": "Thôn Đông"})
    assert "đã có" in duplicate.content.decode()
    created = client.post(url, {"name": "Thôn Mới"})
    assert created.status_code == 302
    assert Place.objects.filter(parent=world.commune, name="Thôn Mới").count() == 1


def test_valid_on_keeps_history_of_merged_units(world):
    import datetime as dt

    old = add_village(commune=world.commune, name="Thôn Cũ")
    old.valid_to = dt.date(2025, 6, 30)
    old.replaced_by = world.village_a
    old.save()
    assert old in Place.objects.villages().valid_on(dt.date(2025, 1, 1))
    assert old not in Place.objects.villages().valid_on(dt.date(2025, 7, 1))
