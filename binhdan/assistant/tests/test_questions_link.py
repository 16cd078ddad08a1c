"""The way in to the commune's questions page: a link for the staff who may read it, and nobody else."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from binhdan.assistant.context_processors import questions_link

pytestmark = pytest.mark.django_db
LABEL = "Câu hỏi người dân của xã"


def _link_on(client, url: str) -> str | None:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["assistant_questions_url"]


@pytest.mark.parametrize("persona", ["officer", "leader"])
def test_the_communes_officer_and_leader_see_the_link_and_it_opens(world, client_for, persona):
    client = client_for(getattr(world, persona))
    url = reverse("assistant:commune_questions", args=[world.commune.pk])
    for page in (reverse("assistant:chat"), reverse("assistant:guide_list")):
        assert _link_on(client, page) == url
        assert f'href="{url}"' in client.get(page).content.decode()
        assert LABEL in client.get(page).content.decode()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "province_officer"])
def test_members_team_leaders_and_the_province_see_no_link(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert _link_on(client, reverse("assistant:chat")) is None
    assert LABEL not in client.get(reverse("assistant:chat")).content.decode()
    # and the page itself stays closed to them (404, as for a missing commune)
    assert client.get(reverse("assistant:commune_questions", args=[world.commune.pk])).status_code == 404


def test_a_resident_signed_out_sees_no_link(client):
    response = client.get(reverse("assistant:chat"))
    assert response.context["assistant_questions_url"] is None
    assert LABEL not in response.content.decode()


def test_an_officer_of_another_commune_gets_the_link_to_their_own(world, client_for):
    url = _link_on(client_for(world.other_officer), reverse("assistant:chat"))
    assert url == reverse("assistant:commune_questions", args=[world.other_commune.pk])


def test_the_link_asks_no_query_of_its_own(world, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = world.officer
    world.officer.current_roles()  # loaded once per request by the accounts context processor
    with django_assert_num_queries(0):
        assert questions_link(request)["assistant_questions_url"]
