"""Signed-in answers are not kept by browsers or proxies; public ones and views' own choices are left alone."""

from __future__ import annotations

import pytest
from django.test import Client

from binhdan.testing.personas import build_world, signed_in_client

pytestmark = pytest.mark.django_db


def test_signed_in_pages_and_token_requests_are_private_and_not_stored():
    world = build_world()
    officer = signed_in_client(world.officer)
    page = officer.get(f"/xa/{world.commune.pk}/")
    assert page.status_code in (200, 302)
    assert page["Cache-Control"] == "private, no-store"
    api = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer bd_not-a-real-token")
    assert api.status_code == 401
    assert api["Cache-Control"] == "private, no-store"


def test_public_answers_and_a_views_own_header_are_left_alone():
    world = build_world()
    assert "Cache-Control" not in Client().get("/healthz").headers
    member = signed_in_client(world.member_a)
    guides = member.get("/tro-ly/ngoai-tuyen/huong-dan.json")
    assert guides.status_code == 200
    assert guides["Cache-Control"].startswith("public")
