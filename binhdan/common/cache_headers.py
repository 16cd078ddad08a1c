"""No copy of a signed-in answer in any cache: a shared computer's browser, a proxy, the back button.

Answers to a request that carried credentials (a signed-in session, or an `Authorization` header such
as the field app's token) get `Cache-Control: private, no-store` unless the view chose its own header
(the offline guides and the field app's shell say how they may be cached). OWASP ASVS 8.1.1 / 8.2.1.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PRIVATE_NO_STORE = "private, no-store"


def carried_credentials(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool((user is not None and user.is_authenticated) or request.headers.get("Authorization"))


class PrivateAnswersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response.headers and carried_credentials(request):
            response.headers["Cache-Control"] = PRIVATE_NO_STORE
        return response
