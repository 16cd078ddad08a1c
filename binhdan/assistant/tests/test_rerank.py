"""The learned re-ranker: its weights ship with the code, it learns what separates right from wrong, and
it is never taught on the held-out questions."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from binhdan.assistant import rerank
from binhdan.assistant.retrieval import get_index

ASSISTANT = Path(rerank.__file__).resolve().parent


def test_the_committed_weights_match_the_features_and_serve_the_index():
    model = rerank.load_model()
    assert model is not None, "rerank.json is missing or was learned on other features: run assistant_train"
    assert len(model.weights) == len(rerank.FEATURES)
    index = get_index()
    assert index.model == model
    assert index.memory is not None and len(index.memory.texts) > 300


def test_training_learns_the_feature_that_separates_right_from_wrong(tmp_path):
    # Two features: the first marks the right candidate, the second is noise.
    examples = [
        ([[1.0, 0.3], [0.0, 0.9], [0.0, 0.1]], [True, False, False]),
        ([[0.0, 0.2], [1.0, 0.4], [0.0, 0.8]], [False, True, False]),
        ([[0.0, 0.5], [0.0, 0.6], [1.0, 0.2]], [False, False, True]),
    ]
    model = rerank.train(examples, features=("right", "noise"), steps=200)
    assert model.weights[0] > 1.0 > abs(model.weights[1])
    path = tmp_path / "weights.json"
    rerank.save_model(model, path)
    # Features of another version do not load: the index then ranks by the first stage alone.
    assert rerank.load_model(path) is None
    with pytest.raises(ValueError, match="Không có câu hỏi"):
        rerank.train([([[1.0, 0.0]], [True])], features=("right", "noise"))


def test_the_memory_votes_for_the_topics_of_similar_questions():
    memory = rerank.Memory(
        [
            ("kich hoat tai khoan vneid", frozenset({"vneid-kich-hoat"})),
            ("mo shop tren shopee", frozenset({"ban-hang-truc-tuyen"})),
        ]
    )
    neighbours = memory.neighbours("kich hoat vneid o dau")
    assert neighbours[0][1] == {"vneid-kich-hoat"}
    nearest, votes = rerank.memory_features(neighbours, ["vneid-kich-hoat"])
    assert nearest > 0.3 and votes >= nearest
    assert rerank.memory_features(neighbours, ["mua-sam-truc-tuyen"]) == (0.0, 0.0)
    # A question does not vote for itself while the weights are learned.
    assert all(
        sim < 0.999 for sim, _ in memory.neighbours("mo shop tren shopee", exclude="mo shop tren shopee")
    )


def test_scores_shown_follow_the_order_and_sum_to_at_most_one():
    ranking = get_index().rank("ong muon goi video cho chau o xa tren zalo", limit=5)
    shown = [s.relevance for s in ranking.results]
    assert shown == sorted(shown, reverse=True)
    assert 0 < sum(shown) <= 1.0 + 1e-9


def test_training_refuses_the_held_out_set():
    with pytest.raises(CommandError, match="giữ lại"):
        call_command(
            "assistant_train", str(ASSISTANT / "eval" / "heldout.tsv"), "--dry-run", stdout=StringIO()
        )
    with pytest.raises(CommandError, match="giữ lại"):
        call_command(
            "assistant_train",
            "--memory",
            str(ASSISTANT / "eval" / "heldout.tsv"),
            "--dry-run",
            stdout=StringIO(),
        )


def test_southern_and_central_words_and_ai_in_capitals_read_as_the_guides_write():
    from binhdan.assistant.text import tokenize

    assert [t.folded for t in tokenize("Mạ coi video vô mô")] == ["me", "xem", "video", "vao", "dau"]
    # the unaccented "rang" may be the tooth: only "răng" typed with its mark is "sao"
    assert [t.folded for t in tokenize("răng rứa")] == ["sao", "vay"]
    assert [t.folded for t in tokenize("rang")] == ["rang"]
    assert [t.folded for t in tokenize("dùng AI viết bài")] == [
        "dung",
        "tri",
        "tue",
        "nhan",
        "tao",
        "viet",
        "bai",
    ]
    assert next(t.folded for t in tokenize("ai làm app này")) == "ai"
