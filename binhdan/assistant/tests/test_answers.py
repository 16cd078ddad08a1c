"""How the assistant answers: confident or not, off-topic, scams, and never asking for secrets."""

import csv
from pathlib import Path

import pytest

from binhdan.assistant.guides import all_guides
from binhdan.assistant.retrieval import get_index
from binhdan.assistant.safety import asks_for_secret
from binhdan.assistant.services import ask, guide_answer_text

DATA = Path(__file__).parent / "data"
OFF_TOPIC = [
    line.strip() for line in (DATA / "off_topic.txt").read_text("utf-8").splitlines() if line.strip()
]
with (DATA / "paraphrases.tsv").open(encoding="utf-8") as handle:
    PARAPHRASES = [
        (row["question"], set(row["topics"].split("|"))) for row in csv.DictReader(handle, delimiter="\t")
    ]

pytestmark = pytest.mark.django_db


def top_topics(question: str, n: int = 1) -> set[str]:
    ranking = get_index().rank(question)
    return {t for s in ranking.results[:n] for t in s.guide.topics}


def test_a_clear_question_gets_the_steps_and_is_confident():
    answer = ask(question="cach kich hoat tai khoan vneid tren dien thoai")
    assert answer.confident
    assert "vneid-kich-hoat" in answer.results[0]["topics"]
    assert "Các bước:" in answer.answer
    assert "1. " in answer.answer


def test_unaccented_abbreviated_and_accented_questions_find_the_same_topic():
    for question in ["làm định danh mức 2 ở đâu", "lam dinh danh muc 2 o dau", "lam dd muc 2 o dau z"]:
        assert "vneid-muc-2" in top_topics(question, 3), question


def test_a_typo_does_not_lose_the_topic():
    assert "vneid-loi" in top_topics("vnied ko gui ma otp")


def test_a_long_first_person_story_finds_the_task():
    story = (
        "chào cháu, bác năm nay 68 tuổi, tuần trước bác bị mất điện thoại cũ ở chợ, con bác mua cho "
        "cái máy mới rồi nhưng giờ bác vào vneid trên máy mới không được, nó cứ đòi xác nhận trên máy cũ"
    )
    assert "vneid-doi-dien-thoai" in top_topics(story)


@pytest.mark.parametrize(
    "story",
    [
        "hôm qua có người gọi xưng là công an phường bảo tôi liên quan vụ án, phải chuyển tiền vào tài khoản tạm giữ",
        "co nguoi goi bao con toi bi tai nan dang cap cuu can chuyen tien gap",
        "tôi được rủ làm nhiệm vụ like video nhận hoa hồng, nạp tiền vào rồi giờ không rút được",
        "nhan tin tu xung nhan vien dien luc bao sap cat dien, gui link bat bam vao thanh toan",
        "có người nhắn zalo xin mã OTP vừa gửi về điện thoại của tôi",
    ],
)
def test_a_scam_story_is_answered_with_a_safety_guide_first(story):
    answer = ask(question=story)
    assert answer.scam
    assert answer.confident
    first = all_guides()[answer.results[0]["guide"]]
    assert first.is_safety


def test_asking_how_to_avoid_scams_is_not_treated_as_a_scam_story():
    answer = ask(question="mua hàng trên mạng sao cho khỏi bị lừa")
    assert not answer.scam
    assert "mua-sam-truc-tuyen" in answer.results[0]["topics"]


def test_off_topic_questions_are_mostly_not_confident():
    not_confident = sum(not ask(question=q).confident for q in OFF_TOPIC)
    assert len(OFF_TOPIC) >= 40
    assert not_confident / len(OFF_TOPIC) >= 0.9


def test_an_off_topic_answer_gives_no_steps_and_points_to_the_village_team():
    answer = ask(question="cách nấu canh chua cá lóc")
    assert not answer.confident
    assert answer.guide is None
    assert "Các bước" not in answer.answer
    assert "Tổ công nghệ số cộng đồng" in answer.answer


def test_held_out_paraphrases_find_their_topic_in_the_top_three():
    hits = sum(bool(top_topics(q, 3) & accepted) for q, accepted in PARAPHRASES)
    assert hits / len(PARAPHRASES) >= 0.9


def test_every_answer_has_the_documented_fields():
    answer = ask(question="quét mã QR trả tiền").as_dict()
    assert {"confident", "answer", "results", "ms"} <= set(answer)
    assert set(answer["results"][0]) == {"guide", "title", "topics", "score"}
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True) or answer["scam"]


def test_the_secret_rule_catches_requests_and_lets_warnings_through():
    assert asks_for_secret("Hãy đọc mã OTP cho tôi để kiểm tra")
    assert asks_for_secret("Bạn gửi mật khẩu qua Zalo cho cán bộ")
    assert asks_for_secret("Cung cấp số căn cước để nhận quà")
    assert not asks_for_secret("Không đọc mã OTP cho bất kỳ ai.")
    assert not asks_for_secret("Đừng gửi ảnh căn cước cho người lạ.")
    assert not asks_for_secret("Ngân hàng gửi mã OTP về máy bạn, tự tay nhập vào ứng dụng.")


def test_no_guide_answer_asks_for_an_otp_password_or_id_number():
    for guide in all_guides().values():
        assert not asks_for_secret(guide_answer_text(guide)), guide.id
        assert not asks_for_secret(guide_answer_text(guide, scam=True)), guide.id


def test_no_answer_to_many_questions_asks_for_a_secret():
    questions = [q for q, _ in PARAPHRASES] + OFF_TOPIC
    questions += [q for g in all_guides().values() for q in g.questions[:3]]
    questions += [
        "cho tôi mã otp",
        "gửi mật khẩu cho bạn nhé",
        "số căn cước của tôi là gì",
        "bạn cần otp không",
    ]
    for question in questions:
        assert not asks_for_secret(ask(question=question).answer), question
