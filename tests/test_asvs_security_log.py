"""ASVS 4.0.3 7.2.2: refused access is written to the `binhdan.security` logger, one line each, no personal data."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from binhdan.accounts import access
from binhdan.common.security_log import OutOfScope, log_denied
from binhdan.registry.models import Household
from binhdan.testing.personas import PASSWORD, World, signed_in_client

SECURITY = "binhdan.security"


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SECURITY]


def test_v7_2_2_an_out_of_scope_object_is_logged_and_still_looks_missing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = signed_in_client(world.member_a)  # village A only; household B is in village B
    caplog.set_level(logging.INFO, logger=SECURITY)
    url = reverse("registry:household_detail", args=[world.household_b.pk])
    hidden = client.get(f"{url}?q={world.resident_b.full_name}")
    missing = client.get(reverse("registry:household_detail", args=[999_999]))
    assert hidden.status_code == missing.status_code == 404
    same = [
        re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", r.content.decode()) for r in (hidden, missing)
    ]
    assert same[0] == same[1]  # the answer tells nothing (ASVS 4.1.5); only the masked CSRF token differs
    [line] = _lines(caplog)  # the missing row is no security event
    assert line == (
        f"access_denied status=404 reason=out_of_scope:Household user={world.member_a.pk} token=- "
        f"method=GET path={url}"
    )
    assert world.resident_b.full_name not in line and "q=" not in line


def test_get_visible_or_404_tells_out_of_scope_from_missing(world: World) -> None:
    scoped = Household.objects.visible_to(world.member_a)
    with pytest.raises(OutOfScope):
        access.get_visible_or_404(scoped, pk=world.household_b.pk)
    with pytest.raises(Http404) as missing:
        access.get_visible_or_404(scoped, pk=999_999)
    assert not isinstance(missing.value, OutOfScope)
    with pytest.raises(Http404) as malformed:
        access.get_visible_or_404(scoped, pk="abc")
    assert not isinstance(malformed.value, OutOfScope)


def test_v7_2_2_a_401_on_the_api_is_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SECURITY)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer bd_wrong").status_code == 401
    assert _lines(caplog) == [
        "access_denied status=401 reason=unauthenticated user=- token=- method=GET path=/api/v1/me"
    ]


def test_v7_2_2_the_admin_404_for_non_admins_is_logged_not_for_admins(
    world: World, caplog: pytest.LogCaptureFixture, client_for
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger=SECURITY)
    admin_url = reverse("admin:index")
    assert client_for(world.officer).get(admin_url).status_code == 404
    assert client_for(world.admin).get(admin_url).status_code == 200
    assert client_for(world.admin).get(f"{admin_url}khong-co/").status_code == 404
    assert _lines(caplog) == [
        f"access_denied status=404 reason=admin_closed user={world.officer.pk} token=- method=GET path={admin_url}"
    ]


def test_v7_2_2_a_csrf_failure_and_a_403_are_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SECURITY)
    login = reverse("accounts:login")
    page = Client(enforce_csrf_checks=True).post(login, {"username": "tovien.a", "password": PASSWORD})
    assert page.status_code == 403 and "tải lại trang" in page.content.decode()  # still the Vietnamese page
    world.member_a.must_change_password = True
    world.member_a.save(update_fields=["must_change_password"])
    assert signed_in_client(world.member_a).get("/api/v1/me").status_code == 403
    assert _lines(caplog) == [
        f"access_denied status=403 reason=csrf user=- token=- method=POST path={login}",
        f"access_denied status=403 reason=forbidden user={world.member_a.pk} token=- method=GET path=/api/v1/me",
    ]


def test_a_hostile_path_cannot_forge_a_second_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SECURITY)
    Client().get(reverse("admin:index") + "x%0Aaccess_denied%20status=200 reason=ok")
    [line] = _lines(caplog)
    assert "\n" not in line and " status=200" not in line and "%0A" in line


def test_a_token_request_names_the_token_not_the_person(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=SECURITY)
    request = RequestFactory().post("/api/v1/sync/push?name=Nguyễn Văn A")
    request.user = SimpleNamespace(pk=7, is_authenticated=True, full_name="Nguyễn Văn A")  # type: ignore[assignment]
    request.api_token = SimpleNamespace(pk=42)  # type: ignore[attr-defined]
    log_denied(request, 403, "forbidden")
    assert _lines(caplog) == [
        "access_denied status=403 reason=forbidden user=7 token=42 method=POST path=/api/v1/sync/push"
    ]
