"""Citizen ID numbers (CCCD / số định danh cá nhân): validated, then kept only as a keyed hash and a mask."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError

_DIGITS = re.compile(r"\D")


def normalise_citizen_id(raw: str) -> str:
    """Return the 12 digits of a citizen ID or raise a Vietnamese ValidationError."""
    digits = _DIGITS.sub("", raw or "")
    if len(digits) != 12:
        raise ValidationError("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    province = int(digits[:3])
    if not 1 <= province <= 96:
        raise ValidationError("Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ (001-096).")
    return digits


def hash_citizen_id(digits: str) -> str:
    return hmac.new(settings.CITIZEN_ID_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


def mask_citizen_id(digits: str) -> str:
    """0791******23: enough for a person to recognise their own number, not enough to use it."""
    return f"{digits[:4]}{'*' * 6}{digits[-2:]}"
