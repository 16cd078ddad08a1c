"""Looking up a learner code typed by someone on the web or sent to the API, under one shared limit.

Learner codes are short enough to read aloud, and a valid one reveals the village team leader's name
and phone, so guessing must be slow everywhere a code is accepted (the learner page and
POST /api/v1/assistant/ask). The counts live in the shared cache (CACHES["default"]), so every
worker sees the same numbers, and are kept:

- per client address (`common.net.client_key`, trusted-proxy aware; an IPv6 /64 is one address):
  wrong codes from one address;
- per code: every successful lookup of one code, from any address — bounds how fast a leaked or
  guessed code can be used from many addresses, far above what one learner asking questions needs.
"""

from __future__ import annotations

from django.http import HttpRequest

from binhdan.assistant import services
from binhdan.common.net import client_key
from binhdan.common.throttle import Limit
from binhdan.registry.models import Resident

WRONG_CODES_PER_ADDRESS = Limit("learner-code-address", tries=10, seconds=15 * 60)
LOOKUPS_PER_CODE = Limit("learner-code-code", tries=60, seconds=15 * 60)
TOO_MANY = "Bạn đã nhập sai mã học viên nhiều lần. Vui lòng đợi 15 phút rồi thử lại."


class TooManyGuesses(Exception):
    """The address or the code has used up its tries; nothing was looked up."""


def look_up(request: HttpRequest, code: str | None) -> Resident | None:
    """The learner holding `code`, or None; raises TooManyGuesses (before looking) over the limit."""
    address = client_key(request)
    normalised = services.normalise_code(code)
    if WRONG_CODES_PER_ADDRESS.exceeded(address) or (normalised and LOOKUPS_PER_CODE.exceeded(normalised)):
        raise TooManyGuesses(TOO_MANY)
    resident = services.learner_by_code(normalised)
    if resident is None:
        WRONG_CODES_PER_ADDRESS.hit(address)
    else:
        # Only codes that exist get a counter, so guessing cannot fill the cache with keys.
        LOOKUPS_PER_CODE.hit(normalised)
    return resident
