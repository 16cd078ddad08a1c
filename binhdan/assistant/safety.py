"""The one rule every answer keeps: never ask anyone to give an OTP, a password, a PIN or an ID number."""

from __future__ import annotations

import re

from binhdan.common.text import fold

# Folded. A "give" verb followed by a secret in the same clause, with no negation before the verb.
_GIVE = r"(doc|gui|cung cap|dua|cho biet|noi cho|chup|chia se)"
_SECRET = (
    r"(ma otp|otp|mat khau|mk|ma pin|pin|passcode|ma xac thuc|ma kich hoat|so can cuoc|so cccd|so dinh danh"  # nosec B105  # the words of a request for a secret
    r"|anh (the )?can cuoc|anh cccd|so the|ma bao mat|cvv)"
)
_REQUEST = re.compile(rf"\b{_GIVE}\b(\s+\w+){{0,6}}?\s+{_SECRET}\b")
# Negations, and words that make the clause a warning or a past mistake rather than an instruction.
_NEGATION = re.compile(
    r"\b(khong|dung|chang|cam|tuyet doi|chua bao gio|da|lo|neu|chi can|ke gian|ke lua|lua dao|bi)\b"
)
_CLAUSE = re.compile(r"[.;!?\n:()]+")


def asks_for_secret(text: str) -> bool:
    """True when some clause tells the reader to give away an OTP, password, PIN or ID number."""
    for clause in _CLAUSE.split(fold(text)):
        for match in _REQUEST.finditer(clause):
            if (
                clause[match.end() :].lstrip().startswith(("ve ", "ve\n"))
                or clause[match.end() :].strip() == "ve"
            ):
                continue  # "ngân hàng gửi mã OTP về máy bạn": the code comes to the reader
            if not _NEGATION.search(clause[: match.end()]):
                return True
    return False


def safe_lines(lines: list[str]) -> list[str]:
    """The lines that keep the rule; any that would break it are dropped rather than shown."""
    return [line for line in lines if not asks_for_secret(line)]
