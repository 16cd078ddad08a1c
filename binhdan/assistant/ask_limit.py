"""How many questions one address may ask: the chat page and POST /api/v1/assistant/ask share one limit.

Every question writes (a conversation row, and a logged question when the commune logs them), so a flood
from one address would fill the tables and drown the officer's page. The count lives in the shared cache
(CACHES["default"], every worker sees it), per client address (`common.net.client_key`: trusted-proxy
aware, an IPv6 /64 is one address), and every posted question counts, answered or not.

Why 60 a minute: a commune hall, a school or a mobile network's carrier-grade NAT puts a whole class of
residents behind ONE address. A class of 30 asking their first question when the trainer says "now ask
the assistant", then a follow-up, is 60 questions in the same minute; one person types a question in
10–20 seconds. So the limit never stops a class, while a script from one address is held to one question
a second (86,400 rows a day at worst, purged after a day / 90 days) instead of hundreds a second.
"""

from __future__ import annotations

from django.http import HttpRequest

from binhdan.common.net import client_key
from binhdan.common.throttle import Limit

QUESTIONS_PER_ADDRESS = Limit("assistant-ask-address", tries=60, seconds=60)
TOO_MANY = (
    "Máy của bạn (hoặc mạng chung nơi bạn đang hỏi) đã gửi quá nhiều câu hỏi trong một phút qua. "
    "Vui lòng đợi một phút rồi hỏi lại."
)


class TooManyQuestions(Exception):
    """The address has asked its questions for this minute; nothing was answered or stored."""


def count_question(request: HttpRequest) -> None:
    """Count one question from the request's address; raises TooManyQuestions (not counting) over the limit."""
    address = client_key(request)
    if QUESTIONS_PER_ADDRESS.exceeded(address):
        raise TooManyQuestions(TOO_MANY)
    QUESTIONS_PER_ADDRESS.hit(address)
