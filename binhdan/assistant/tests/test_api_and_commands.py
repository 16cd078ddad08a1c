import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_api_answers_anyone_without_signing_in():
    response = Client().post(
        "/api/v1/assistant/ask", data={"question": "vneid ko gui ma otp"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["confident"] is True
    assert "vneid-loi" in body["results"][0]["topics"]
    assert isinstance(body["ms"], float)
    assert body["recommendations"] == []


def test_the_api_refuses_an_empty_question():
    response = Client().post(
        "/api/v1/assistant/ask", data={"question": "  "}, content_type="application/json"
    )
    assert response.status_code == 422


def test_the_api_with_a_learner_code_recommends_guides(world):
    world.resident_a.learner_code = "ABC234"
    world.resident_a.save()
    response = Client().post(
        "/api/v1/assistant/ask",
        data={"question": "quét mã qr trả tiền", "learner_code": "abc234"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["recommendations"]


def test_an_unknown_learner_code_is_ignored_not_an_error():
    response = Client().post(
        "/api/v1/assistant/ask",
        data={"question": "quét mã qr", "learner_code": "ZZZZZZ"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["recommendations"] == []


def test_ask_command_prints_one_json_answer():
    out = StringIO()
    call_command("assistant_ask", "dang ky vneid muc 1", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert {"confident", "answer", "results", "ms"} <= set(answer)


def test_ask_command_batch_prints_one_json_line_per_question(tmp_path):
    questions = tmp_path / "cau-hoi.txt"
    questions.write_text("đổi sim 4g\n\ngiá vàng hôm nay\nquet ma qr\n", "utf-8")
    out = StringIO()
    call_command("assistant_ask", "--batch", str(questions), "--json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 3
    assert [json.loads(line)["question"] for line in lines][1] == "giá vàng hôm nay"


def test_ask_command_needs_a_question_or_a_batch():
    with pytest.raises(CommandError):
        call_command("assistant_ask")


def test_eval_command_prints_accuracy_and_latency(tmp_path):
    sample = tmp_path / "mau.tsv"
    sample.write_text(
        "question\ttopics\ncach quet ma qr tra tien\tthanh-toan-qr\nvneid bao he thong bao tri\tvneid-loi|vneid-dang-ky\n",
        "utf-8",
    )
    out = StringIO()
    call_command("assistant_eval", str(sample), stdout=out)
    text = out.getvalue()
    assert "top-1: 100.0% (2/2)" in text
    assert "top-3: 100.0% (2/2)" in text
    assert "p50" in text and "p95" in text
