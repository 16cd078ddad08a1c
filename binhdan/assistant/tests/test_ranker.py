"""The ranker on the kinds of question it used to get wrong (issue 13): each kind has examples that must
now put the right topic first. Figures on the whole tuning set are in benchmarks/bench_assistant.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from binhdan.assistant.apps import should_warm
from binhdan.assistant.retrieval import STORY_WEIGHT, get_index
from binhdan.assistant.text import tokenize

TUNING = Path(__file__).resolve().parents[1] / "tuning"


def top_topics(question: str) -> tuple[str, ...]:
    return get_index().rank(question).results[0].guide.topics


CASES = {
    "long story, question last": [
        (
            "hôm trước tôi đi chợ huyện, con dâu nhờ mua cái điện thoại mới, về nhà cắm sạc cả đêm, sáng ra "
            "vẫn thấy pin tụt nhanh, làm sao để giữ pin lâu",
            "dien-thoai-co-ban",
        ),
        (
            "Nhà tôi có ba người, con trai đi làm xa, tuần trước nó gọi về bảo bố mẹ phải cài VNeID, tôi cài "
            "rồi, giờ bắt nhập mã OTP mà chờ mãi không thấy tin nhắn về",
            "vneid-loi",
        ),
        (
            "hom qua co nguoi goi bao la nhan vien ngan hang noi the cua toi sap bi khoa, bao doc ma vua gui "
            "ve dien thoai, toi lo doc roi, gio phai lam sao",
            "lua-dao-xu-ly",
        ),
        (
            "Xã tôi vừa sáp nhập với xã bên cạnh, tên xã mới khác hẳn, tôi đang định đi làm sổ đỏ, không biết "
            "cái địa chỉ trên thẻ căn cước có phải đổi trước không",
            "vneid-dia-chi-sap-nhap",
        ),
    ],
    "elderly voice with kinship words and particles": [
        ("Con ơi, dạy ông cách làm chữ trên điện thoại to ra nhỉ", "dien-thoai-co-ban"),
        ("cháu ơi bà muốn lưu số của con gái vào máy giùm bà với", "dien-thoai-co-ban"),
        ("bà muốn gọi video zalo cho thằng út ở xa", "mang-xa-hoi"),
        ("con oi day ba cach chup anh roi gui qua zalo cho con gai nhe", "dien-thoai-co-ban"),
        ("con ơi ông mới mua máy mới, giờ vào vneid thế nào, máy cũ vẫn để ở nhà", "vneid-doi-dien-thoai"),
    ],
    "definition": [
        ("VNeID là gì", "vneid-dang-ky"),
        ("chữ ký số là gì", "chu-ky-so"),
        ("số định danh cá nhân nghĩa là gì", "cccd-so-dinh-danh"),
        ("vi dien tu la gi", "vi-dien-tu"),
    ],
    "symptom instead of task": [
        ("máy cũ đã reset, giờ vào vneid máy mới thế nào", "vneid-doi-dien-thoai"),
        ("vneid cu bao dang bao tri suot tu sang", "vneid-loi"),
        ("quet mat tren vneid hoai khong duoc", "vneid-loi"),
        ("doi dt moi thi tai khoan vneid co mat khong", "vneid-doi-dien-thoai"),
        ("bà muốn xem lại kết quả khám bệnh trên vneid", "vneid-so-suc-khoe"),
    ],
    "trust in an app": [
        ("ứng dụng VNeID do ai làm, có an toàn không", "vneid-dang-ky"),
        ("app ngân hàng do ai làm có an toàn không", "tai-khoan-ngan-hang"),
        ("tra google thông tin thủ tục làm sao biết trang nào của nhà nước", "tim-kiem-thong-tin"),
    ],
    "seller on a named platform": [
        ("muốn mở shop bán hàng trên TikTok Shop", "ban-hang-truc-tuyen"),
        ("bán hàng trên shopee cần đăng ký gì", "ban-hang-truc-tuyen"),
        ("tôi bán hàng trên Shopee, có người nhắn bảo nộp tiền để tăng đơn", "ban-hang-truc-tuyen"),
    ],
    "exposed ID card or its photo": [
        ("bị lộ CCCD thì phải làm gì", "bao-ve-du-lieu-ca-nhan"),
        ("lỡ gửi ảnh CCCD cho người khác qua zalo", "bao-ve-du-lieu-ca-nhan"),
        ("toi lo gui anh cccd cho nguoi khac qua zalo roi", "bao-ve-du-lieu-ca-nhan"),
    ],
    "scam told after the fact": [
        ("hôm qua có người gọi xưng ngân hàng bảo đọc mã, tôi lỡ đọc rồi, giờ phải làm sao", "lua-dao-xu-ly"),
        ("tôi vừa chuyển 20 triệu cho người xưng công an, giờ phải làm gì", "lua-dao-xu-ly"),
    ],
}


@pytest.mark.parametrize(
    ("question", "topic"),
    [pytest.param(q, t, id=f"{kind}: {q[:40]}") for kind, cases in CASES.items() for q, t in cases],
)
def test_each_kind_of_hard_question_ranks_the_right_topic_first(question, topic):
    assert topic in top_topics(question)


def test_an_unaccented_stopword_is_read_as_the_word_the_guides_spell_in_that_place():
    index = get_index()
    tokens = tokenize("chu nho qua")  # "chữ nhỏ quá", not "chú nhờ"
    assert not index.restored_stopword(tokens, 0)
    assert index.restored_stopword(tokenize("ong oi"), 0)  # "ông ơi" stays a form of address


def test_in_a_long_story_only_the_asking_clauses_count_fully():
    index = get_index()
    story = (
        "Hôm qua con trai tôi về thăm nhà, nó ở lại ăn cơm tối rồi đi sớm, "
        "giờ tôi muốn đặt chữ to hơn thì làm sao"
    )
    tokens, weights = index.focus(story)
    by_word = {t.folded: w for t, w in zip(tokens, weights, strict=True)}
    assert by_word["com"] == STORY_WEIGHT
    assert by_word["chu"] == 1.0
    _short_tokens, short_weights = index.focus("chữ to hơn, làm sao")
    assert set(short_weights) == {1.0}


def test_a_name_the_question_uses_lifts_the_guide_about_that_app():
    ranking = get_index().rank("vneid báo hệ thống đang bảo trì")
    assert "vneid" in ranking.results[0].guide.title.lower()


def test_the_tuning_set_finds_most_topics_first_and_off_topic_is_not_confident():
    index = get_index()
    with (TUNING / "paraphrases.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    hits = sum(
        bool(set(r["topics"].split("|")) & set(index.rank(r["question"]).results[0].guide.topics))
        for r in rows
    )
    assert len(rows) >= 150
    assert hits / len(rows) >= 0.85
    off = [q.strip() for q in (TUNING / "offtopic.txt").read_text("utf-8").splitlines() if q.strip()]
    assert sum(not index.rank(q).confident for q in off) / len(off) >= 0.9


@pytest.mark.parametrize(
    ("argv", "run_main", "expected"),
    [
        (["manage.py", "migrate"], None, False),
        (["manage.py", "shell"], None, False),
        (["manage.py", "runserver"], None, False),  # the autoreloader's watcher
        (["manage.py", "runserver"], "true", True),  # its serving child
        (["manage.py", "runserver", "--noreload"], None, True),
        (["/venv/bin/gunicorn", "config.wsgi"], None, True),
    ],
)
def test_the_index_is_warmed_only_by_processes_that_serve_questions(
    argv, run_main, expected, monkeypatch, settings
):
    import sys

    monkeypatch.delitem(sys.modules, "pytest", raising=False)  # outside a test run
    monkeypatch.delenv("RUN_MAIN", raising=False)
    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    assert should_warm(argv) is expected


def test_the_warm_up_setting_overrides_the_guess(settings):
    settings.ASSISTANT_WARM_INDEX = True
    assert should_warm(["manage.py", "migrate"]) is True
    settings.ASSISTANT_WARM_INDEX = False
    assert should_warm(["gunicorn"]) is False
