"""The JSON API's error answers as OpenAPI schemas, so that every status an operation can answer is
declared in /api/v1/openapi.json with its shape (tests/fuzz/test_api_fuzz.py checks every answer
against the document).

Every error is `{"detail": "<Vietnamese message>"}`; a 422 also names each wrong field in `errors`,
a damaged pull cursor adds `restart`. Domain-free: the routers of every app declare them.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class Problem(Schema):
    detail: str = Field(..., description="Lời báo lỗi bằng tiếng Việt")


class FieldProblem(Schema):
    field: str = Field(..., description="Trường bị sai (ví dụ `question`)")
    message: str


class InvalidProblem(Schema):
    detail: str = Field(..., description="Lời báo lỗi bằng tiếng Việt, nêu từng trường sai")
    errors: list[FieldProblem] = Field(default_factory=list)


class CursorProblem(Schema):
    detail: str
    restart: bool = Field(
        False, description="true: mã đồng bộ hỏng, hãy đồng bộ lại từ đầu (không gửi since)"
    )


# What each status means when it is an error; ninja's OpenAPI description is the HTTP phrase.
PROBLEMS: dict[int, type[Schema]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    413: Problem,
    422: InvalidProblem,
    429: Problem,
}


def problems(*codes: int) -> dict[int, Any]:
    """The `response=` entries of these error codes: `response={200: Out, **problems(401, 413)}`."""
    return {code: PROBLEMS[code] for code in codes}
