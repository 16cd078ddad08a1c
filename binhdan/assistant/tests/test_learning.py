"""Learner codes, recommendations, self-checks and the progress a member sees."""

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from binhdan.assistant import services
from binhdan.assistant.models import GuideRead, QuizAttempt
from binhdan.assistant.quiz import questions_for, quiz_bank
from binhdan.registry.models import Skill, SkillLevel, SkillObservation, Source
from binhdan.registry.services import record_skill
from binhdan.registry.skills_seed import SKILLS

pytestmark = pytest.mark.django_db


def right_answers(code):
    return {q.key: q.answer for q in questions_for(code)}


def test_every_skill_has_a_three_to_five_question_self_check():
    assert {code for code, *_ in SKILLS} <= set(quiz_bank())
    for questions in quiz_bank().values():
        assert 3 <= len(questions) <= 5


def test_a_member_gives_a_resident_a_learner_code(world, client_for):
    response = client_for(world.member_a).post(f"/tro-ly/nguoi-dan/{world.resident_a.pk}/ma-hoc-vien/")
    assert response.status_code == 302
    world.resident_a.refresh_from_db()
    code = world.resident_a.learner_code
    assert len(code) == 6 and code.isalnum()
    client_for(world.member_a).post(f"/tro-ly/nguoi-dan/{world.resident_a.pk}/ma-hoc-vien/")
    world.resident_a.refresh_from_db()
    assert world.resident_a.learner_code == code  # asking again keeps the code


def test_an_outsider_member_cannot_give_a_code_or_see_progress(world, client_for):
    outsider = client_for(world.member_b)
    assert outsider.post(f"/tro-ly/nguoi-dan/{world.resident_a.pk}/ma-hoc-vien/").status_code == 404
    assert outsider.get(f"/tro-ly/nguoi-dan/{world.resident_a.pk}/tien-do/").status_code == 404
    world.resident_a.refresh_from_db()
    assert world.resident_a.learner_code == ""


def test_the_progress_page_needs_a_sign_in(world):
    response = Client().get(f"/tro-ly/nguoi-dan/{world.resident_a.pk}/tien-do/")
    assert response.status_code == 302


def test_recommendations_come_from_skill_gaps_and_skip_what_was_read(world):
    resident = world.resident_a
    for code, *_ in SKILLS:
        if code != "thanh-toan-qr":
            record_skill(
                by=world.member_a,
                resident=resident,
                skill=Skill.objects.get(code=code),
                level=SkillLevel.MASTERED,
                observed_on=timezone.localdate(),
                source=Source.VISIT,
            )
    recommended = services.recommend_guides(resident=resident, limit=5)
    assert recommended
    assert all("thanh-toan-qr" in g.skills for g in recommended)
    services.record_guide_read(resident=resident, guide_id=recommended[0].id)
    assert recommended[0] not in services.recommend_guides(resident=resident, limit=5)


def test_a_passed_self_check_is_recorded_and_lifts_the_skill_to_guided(world):
    resident, skill = world.resident_a, Skill.objects.get(code="nhan-biet-lua-dao")
    attempt = services.submit_self_check(resident=resident, skill=skill, answers=right_answers(skill.code))
    assert attempt.passed and attempt.correct == attempt.total
    level = SkillObservation.objects.filter(resident=resident, skill=skill).latest("recorded_at")
    assert level.level == SkillLevel.GUIDED
    assert level.source == Source.SELF_REPORT


def test_a_failed_self_check_is_recorded_without_changing_the_skill(world):
    resident, skill = world.resident_a, Skill.objects.get(code="mat-khau-manh")
    attempt = services.submit_self_check(resident=resident, skill=skill, answers={})
    assert not attempt.passed and attempt.correct == 0
    assert not SkillObservation.objects.filter(resident=resident, skill=skill).exists()


def test_a_resident_learns_with_a_code_on_the_public_pages(world):
    world.resident_a.learner_code = "HOA234"
    world.resident_a.save()
    client = Client()
    assert client.post("/tro-ly/hoc/", {"code": "hoa234"}).status_code == 302
    page = client.get("/tro-ly/hoc/")
    assert "HOA234" in page.content.decode()
    quiz = client.get("/tro-ly/hoc/kiem-tra/nhan-biet-lua-dao/")
    assert quiz.status_code == 200
    client.post(
        "/tro-ly/hoc/kiem-tra/nhan-biet-lua-dao/",
        {k: str(v) for k, v in right_answers("nhan-biet-lua-dao").items()},
    )
    assert QuizAttempt.objects.get(resident=world.resident_a).passed
    guide_id = services.recommend_guides(resident=world.resident_a, limit=1)[0].id
    client.get(f"/tro-ly/huong-dan/{guide_id}/")
    assert GuideRead.objects.filter(resident=world.resident_a, guide_id=guide_id).exists()


def test_a_wrong_code_is_refused_politely():
    response = Client().post("/tro-ly/hoc/", {"code": "ZZZZ99"})
    assert response.status_code == 200
    assert "Không tìm thấy mã này" in response.content.decode()


def test_the_member_sees_progress_on_the_resident_page_include(world, client_for):
    resident = world.resident_a
    services.submit_self_check(
        resident=resident,
        skill=Skill.objects.get(code="nhan-biet-lua-dao"),
        answers=right_answers("nhan-biet-lua-dao"),
    )
    request = RequestFactory().get("/")
    request.user = world.member_a
    html = Template("{% load assistant %}{% assistant_progress resident %}").render(
        Context({"request": request, "resident": resident})
    )
    assert "Nhận biết, phòng tránh lừa đảo trực tuyến" in html
    assert "Tạo mã học viên" in html
    page = client_for(world.member_a).get(f"/tro-ly/nguoi-dan/{resident.pk}/tien-do/")
    assert page.status_code == 200
    assert "đạt" in page.content.decode()


def test_the_not_sure_answer_names_the_residents_team_leader(world):
    world.leader_a.phone = "0912345678"
    world.leader_a.save()
    world.resident_a.learner_code = "LAN234"
    world.resident_a.save()
    answer = services.ask(question="cách nấu canh chua cá lóc", learner_code="LAN234")
    assert "Trần Thị Bình" in answer.answer and "0912345678" in answer.answer


def test_the_resident_page_shows_learning_progress(world, client_for):
    page = client_for(world.member_a).get(f"/nguoi-dan/{world.resident_a.pk}/")
    assert page.status_code == 200
    assert "Học với trợ lý ảo" in page.content.decode()


def test_guessing_learner_codes_is_throttled(world, client):
    from django.core.cache import cache

    cache.clear()
    world.resident_a.learner_code = "ABC234"
    world.resident_a.save()
    url = reverse("assistant:learner_home")
    for attempt in range(10):
        page = client.post(url, {"code": f"ZZZZ{attempt:02d}"})
        assert "Không tìm thấy mã này" in page.content.decode()
    blocked = client.post(url, {"code": "ABC234"})
    assert blocked.status_code == 429 and "đợi 15 phút" in blocked.content.decode()
    cache.clear()
    assert client.post(url, {"code": "ABC234"}).status_code == 302
