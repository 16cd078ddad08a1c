"""JSON API of the assistant: POST /api/v1/assistant/ask. Public, like the chat page.

A learner code in the request is looked up under the same limit as the learner page
(`learner_codes.look_up`): over it the answer is 429 and nothing is looked up.

`conversation` (optional; the key of the answer before) lets a follow-up ("còn bước 3 thì sao?") be
answered from the guide in hand; an unknown or expired key starts a new conversation, whose key every
answer carries. `commune` (optional, the commune's official code) says whose question this is: it is
logged, scrubbed, only if that commune switched logging on (a learner code's commune wins)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from binhdan.assistant import ask_limit, learner_codes, questions, services
from binhdan.common.api_schemas import problems

router = Router(tags=["assistant"])


class AskIn(Schema):
    # No NUL: no PostgreSQL text column stores one (the conversation and the log keep the question).
    question: str = Field(..., max_length=20000, pattern=r"^[^\x00]*$")
    learner_code: str | None = Field(None, max_length=100)
    conversation: str | None = Field(
        None, max_length=100, description="Mã cuộc hỏi đáp của câu trả lời trước"
    )
    commune: str | None = Field(None, max_length=20, description="Mã xã (mã đơn vị hành chính)")


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
    conversation: str = Field(..., description="Gửi kèm câu hỏi tiếp theo để hỏi tiếp về hướng dẫn này")
    follow_up: bool
    step: int | None = None
    guide: str | None = None


@router.post("/ask", response={200: AskOut, **problems(400, 413, 422, 429)}, auth=None)
def ask(request: HttpRequest, payload: AskIn) -> dict[str, Any]:
    try:
        ask_limit.count_question(request)  # one limit per address with the chat page
    except ask_limit.TooManyQuestions as exc:
        raise HttpError(429, str(exc)) from exc
    if not payload.question.strip():
        raise HttpError(422, "Câu hỏi đang trống.")
    learner_code = None
    if payload.learner_code:
        try:
            learner = learner_codes.look_up(request, payload.learner_code)
        except learner_codes.TooManyGuesses as exc:
            raise HttpError(429, str(exc)) from exc
        learner_code = learner.learner_code if learner is not None else None
    return services.ask(
        question=payload.question,
        learner_code=learner_code,
        conversation=payload.conversation,
        commune=questions.commune_by_code(payload.commune),
    ).as_dict()
