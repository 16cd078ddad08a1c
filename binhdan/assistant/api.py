"""JSON API of the assistant: POST /api/v1/assistant/ask. Public, like the chat page.

A learner code in the request is looked up under the same limit as the learner page
(`learner_codes.look_up`): over it the answer is 429 and nothing is looked up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from binhdan.assistant import learner_codes, services

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
    learner_code = None
    if payload.learner_code:
        try:
            learner = learner_codes.look_up(request, payload.learner_code)
        except learner_codes.TooManyGuesses as exc:
            raise HttpError(429, str(exc)) from exc
        learner_code = learner.learner_code if learner is not None else None
    return services.ask(question=payload.question, learner_code=learner_code).as_dict()
