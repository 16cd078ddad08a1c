"""The sync API under /api/v1/: session (the field app) or personal token (Authorization: Bearer …)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.gzip import gzip_page
from ninja import Router
from ninja.security import HttpBearer, SessionAuth

from binhdan.accounts.models import User
from binhdan.accounts.tokens import user_for_token
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import Team

router = Router(tags=["đồng bộ"])


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class FieldSessionAuth(SessionAuth):
    """The field app's browser session; CSRF-checked. Officers still need two-factor (middleware)."""


AUTH = [TokenAuth(), FieldSessionAuth()]

PUSH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["records"],
                "properties": {
                    "records": {
                        "type": "array",
                        "maxItems": sync.MAX_RECORDS_PER_PUSH,
                        "items": {
                            "type": "object",
                            "required": ["uuid", "type", "data"],
                            "properties": {
                                "uuid": {"type": "string", "format": "uuid"},
                                "type": {"type": "string", "enum": list(sync.PLANNERS)},
                                "data": {"type": "object"},
                            },
                        },
                    }
                },
            },
            "example": {
                "records": [
                    {
                        "uuid": "7f8e1d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
                        "type": "visit",
                        "data": {
                            "household": 12,
                            "visited_at": "2025-10-05T09:30:00+07:00",
                            "minutes": 20,
                            "channel": "door",
                            "people": [
                                {
                                    "resident": 31,
                                    "skills": [{"skill": "vneid-kich-hoat", "outcome": "guided"}],
                                    "status": {"vneid_level": {"value": 2, "evidence": "seen"}},
                                }
                            ],
                            "follow_up_on": "2025-10-12",
                        },
                    }
                ]
            },
        }
    },
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.post(
    "/sync/push",
    auth=AUTH,
    summary="Đẩy các bản ghi từ điện thoại lên (mỗi bản ghi một câu trả lời)",
    openapi_extra={"requestBody": PUSH_BODY},
)
def push(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "Nội dung gửi lên không phải JSON hợp lệ."}, status=400)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return JsonResponse({"detail": "Thiếu danh sách records."}, status=400)
    if len(records) > sync.MAX_RECORDS_PER_PUSH:
        return JsonResponse(
            {"detail": f"Mỗi lần gửi tối đa {sync.MAX_RECORDS_PER_PUSH} bản ghi; hãy chia nhỏ."}, status=413
        )
    return JsonResponse({"results": sync.push(user=_user(request), records=records)})


@router.get("/sync/pull", auth=AUTH, summary="Lấy các thay đổi trong phạm vi của mình từ một mốc đồng bộ")
@gzip_page  # a village's first pull is ~200 KB of JSON, ~20 KB gzipped: it matters on a weak link
def pull(request: HttpRequest, since: str = "", limit: int = 300) -> HttpResponse:
    try:
        page = sync.pull(user=_user(request), since=since or None, limit=limit)
    except ValueError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse(page)


@router.get("/me", auth=AUTH, summary="Người dùng hiện tại, vai trò và tổ")
def me(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    roles = [
        {
            "kind": r.kind,
            "label": r.get_kind_display(),
            "place": r.place_id,
            "place_name": r.place.name if r.place else "",
        }
        for r in user.current_roles()
    ]
    villages = [r["place"] for r in roles if r["kind"] in ("member", "team_leader")]
    team = Team.objects.filter(village_id__in=villages).first()
    return JsonResponse(
        {
            "id": user.pk,
            "username": user.username,
            "name": user.display_name,
            "roles": roles,
            "team": {"id": team.pk, "name": team.name, "phone": team.contact_phone} if team else None,
        }
    )
