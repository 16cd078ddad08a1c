"""JSON API of the assistant: POST /api/v1/assistant/ask. Public, like the chat page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from binhdan.assistant import services

router = Router(tags=["assistant"])


class AskIn(Schema):
    question: str
    learner_code: str | None = None


class ResultOut(Schema):
    guide: str
    title: str
    topics: list[str]
    score: float


class RecommendationOut(Schema):
    guide: str
    title: str


class AskOut(Schema):
    question: str
    confident: bool
    answer: str
    results: list[ResultOut]
    ms: float
    scam: bool
    rephrased: bool
    contact: str
    recommendations: list[RecommendationOut]


@router.post("/ask", response=AskOut, auth=None)
def ask(request: HttpRequest, payload: AskIn) -> dict[str, Any]:
    if not payload.question.strip():
        raise HttpError(422, "Câu hỏi đang trống.")
    return services.ask(question=payload.question, learner_code=payload.learner_code).as_dict()
