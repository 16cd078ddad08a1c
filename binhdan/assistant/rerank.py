"""A small learned re-ranker over the first guides that BM25 finds.

The first-stage ranking (`retrieval.Index`) finds the right guide among its first few nearly always,
but residents' stories, elderly phrasing and symptoms often put a neighbour first. For each of the
first `CANDIDATES` guides we compute a handful of features — the first stage's parts (BM25, nearest
question, coverage, precise evidence, names, intent), character-trigram similarity of the folded
question with the guide's questions and with its whole text (robust to typos, chat spelling and words
run together), the first stage's rank — and order them by a linear score.

The weights are learned by `manage.py assistant_train` on the project's own tuning questions
(`binhdan/assistant/tuning/*.tsv`, never the held-out set in `eval/`) with a listwise softmax loss, and
kept in `rerank.json` beside this module, so serving needs only the standard library and no download.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

WEIGHTS_PATH = Path(__file__).with_name("rerank.json")
CANDIDATES = 10
NGRAM = 3
FEATURES = (
    "score",
    "bm25",
    "best_question",
    "coverage",
    "evidence",
    "names",
    "intent",
    "char_questions",
    "char_text",
    "first_stage_rank",
    "gap_to_first",
    "safety_when_scam",
    "memory_nearest",
    "memory_votes",
    "title_names_missing",
)
# How many of the remembered questions nearest to the question vote for a guide's topics.
MEMORY_NEIGHBOURS = 5


def char_ngrams(folded: str) -> Counter[str]:
    """Character trigrams of each folded word, with its boundaries (" dien " → " di", "die", …)."""
    grams: Counter[str] = Counter()
    for word in folded.split():
        padded = f" {word} "
        for i in range(len(padded) - NGRAM + 1):
            grams[padded[i : i + NGRAM]] += 1
    return grams


class CharVectors:
    """TF-IDF vectors of character trigrams, one per document, unit length; `similarity` is a cosine."""

    def __init__(self, documents: Sequence[str]) -> None:
        counts = [char_ngrams(d) for d in documents]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = max(len(documents), 1)
        self.idf = {g: math.log((n + 1) / (d + 1)) + 1.0 for g, d in df.items()}
        self.vectors = [self._unit(c) for c in counts]
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for d, vector in enumerate(self.vectors):
            for g, v in vector.items():
                self.postings.setdefault(g, []).append((d, v))

    def _unit(self, counts: Counter[str]) -> dict[str, float]:
        vector = {g: (1 + math.log(k)) * self.idf.get(g, 0.0) for g, k in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items() if v}

    def query(self, folded: str) -> dict[str, float]:
        return self._unit(char_ngrams(folded))

    def similarities(self, query: dict[str, float]) -> dict[int, float]:
        """Cosine with every document sharing a trigram with the query (the others are 0)."""
        out: dict[int, float] = {}
        for g, q in query.items():
            for d, v in self.postings.get(g, ()):
                out[d] = out.get(d, 0.0) + q * v
        return out

    def similarity(self, query: dict[str, float], document: int) -> float:
        vector = self.vectors[document]
        if len(query) > len(vector):
            return sum(v * query.get(g, 0.0) for g, v in vector.items())
        return sum(v * vector.get(g, 0.0) for g, v in query.items())


class Memory:
    """Residents' questions the project labelled (the tuning files): the nearest ones vote for topics.

    Like a FAQ's question-to-question match: a new question phrased like one already seen finds that
    one's topic, whichever words the guide itself uses.
    """

    def __init__(self, questions: Sequence[tuple[str, frozenset[str]]]) -> None:
        self.texts = [q for q, _ in questions]
        self.topics = [t for _, t in questions]
        self.vectors = CharVectors(self.texts)

    def neighbours(self, folded: str, *, exclude: str | None = None) -> list[tuple[float, frozenset[str]]]:
        sims = self.vectors.similarities(self.vectors.query(folded))
        scored = [(sim, self.topics[i]) for i, sim in sims.items() if self.texts[i] != exclude]
        return heapq.nlargest(MEMORY_NEIGHBOURS, scored, key=lambda x: x[0])


def memory_features(
    neighbours: Sequence[tuple[float, frozenset[str]]], topics: Iterable[str]
) -> tuple[float, float]:
    """The nearest remembered question of the guide's topics (its similarity) and the neighbours' vote."""
    wanted = set(topics)
    nearest = max((sim for sim, t in neighbours if t & wanted), default=0.0)
    votes = sum(sim for sim, t in neighbours if t & wanted)
    return nearest, votes


def read_memory(paths: Iterable[Path], normalise: Callable[[str], str]) -> Memory:
    import csv

    questions: list[tuple[str, frozenset[str]]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                text = (row.get("question") or "").strip()
                topics = frozenset(t.strip() for t in (row.get("topics") or "").split("|") if t.strip())
                if text and topics:
                    questions.append((normalise(text), topics))
    return Memory(questions)


TUNING_DIR = Path(__file__).with_name("tuning")


@dataclass(frozen=True)
class Model:
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    features: tuple[str, ...] = FEATURES

    def score(self, row: Sequence[float]) -> float:
        return sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.means, self.scales, strict=True)
        )

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "means": list(self.means),
            "scales": list(self.scales),
        }


def load_model(path: Path = WEIGHTS_PATH) -> Model | None:
    """The committed weights, or None when there are none (or they were learned on other features)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("features") != list(FEATURES):
        return None
    return Model(tuple(data["weights"]), tuple(data["means"]), tuple(data["scales"]))


def train(
    examples: Iterable[tuple[Sequence[Sequence[float]], Sequence[bool]]],
    *,
    features: Sequence[str] = FEATURES,
    l2: float = 0.02,
    steps: int = 600,
    rate: float = 0.1,
) -> Model:
    """Listwise training: for each question, softmax over its candidates; maximise the right ones' share.

    `examples` holds, per question, the candidates' feature rows and which candidates are right.
    Deterministic (full-batch gradient descent from zero weights, Adam steps).
    """
    import numpy as np

    groups = [(np.asarray(rows, dtype=float), np.asarray(right, dtype=bool)) for rows, right in examples]
    groups = [(x, y) for x, y in groups if y.any() and not y.all()]
    if not groups:
        raise ValueError("Không có câu hỏi nào để học (cần ứng viên đúng và sai).")
    stacked = np.vstack([x for x, _ in groups])
    means = stacked.mean(axis=0)
    scales = stacked.std(axis=0)
    scales[scales < 1e-9] = 1.0
    normal = [((x - means) / scales, y) for x, y in groups]
    w = np.zeros(stacked.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        grad = l2 * w
        for x, y in normal:
            z = x @ w
            z = z - z.max()
            p = np.exp(z)
            p /= p.sum()
            q = np.where(y, p, 0.0)
            q /= q.sum()
            grad += (p - q) @ x / len(normal)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    if stacked.shape[1] != len(features):
        raise ValueError(f"{stacked.shape[1]} đặc trưng nhưng có {len(features)} tên.")
    return Model(
        tuple(float(x) for x in w),
        tuple(float(x) for x in means),
        tuple(float(x) for x in scales),
        tuple(features),
    )


def save_model(model: Model, path: Path = WEIGHTS_PATH) -> None:
    path.write_text(json.dumps(model.as_json(), indent=2) + "\n", encoding="utf-8")
