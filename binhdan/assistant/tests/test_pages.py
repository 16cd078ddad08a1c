import pytest
from django.test import Client

from binhdan.assistant.guides import all_guides

pytestmark = pytest.mark.django_db


def test_the_chat_page_answers_without_signing_in():
    client = Client()
    assert client.get("/tro-ly/").status_code == 200
    page = client.post("/tro-ly/", {"q": "cach quet ma qr tra tien"}).content.decode()
    assert '<ol class="steps">' in page
    assert "Đọc to" in page


def test_the_chat_page_warns_about_a_scam_story():
    page = Client().post("/tro-ly/", {"q": "co nguoi xung cong an goi bat chuyen tien gap"}).content.decode()
    assert "đây có thể là lừa đảo" in page


def test_a_guide_page_has_a_short_link_and_a_qr_code():
    guide = next(iter(all_guides().values()))
    page = Client().get(f"/tro-ly/huong-dan/{guide.id}/").content.decode()
    assert f"/g/{guide.short}" in page
    assert "<svg" in page


def test_the_short_link_leads_to_the_guide():
    guide = next(iter(all_guides().values()))
    response = Client().get(f"/g/{guide.short}")
    assert response.status_code == 302
    assert response["Location"] == f"/tro-ly/huong-dan/{guide.id}/"
    assert Client().get("/g/zzzzz").status_code == 404


def test_the_guide_list_and_a_missing_guide():
    assert Client().get("/tro-ly/huong-dan/").status_code == 200
    assert Client().get("/tro-ly/huong-dan/khong-co/").status_code == 404


def test_a_self_check_without_a_learner_code_asks_for_one_first():
    response = Client().get("/tro-ly/hoc/kiem-tra/nhan-biet-lua-dao/")
    assert response.status_code == 302
    assert response["Location"] == "/tro-ly/hoc/"
