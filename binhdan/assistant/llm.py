"""Optional rephrasing by a large language model behind an OpenAI-compatible endpoint.

Off unless ASSISTANT_LLM_URL is set. The model only sees the question and the retrieved guides, is told
to use nothing else, and its reply is thrown away (the plain answer is kept) when the call fails, times
out, comes back empty or breaks the no-secrets rule.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from binhdan.assistant.guides import Guide
from binhdan.assistant.safety import asks_for_secret

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Bạn là trợ lý ảo của Tổ công nghệ số cộng đồng, giúp người cao tuổi ở nông thôn dùng điện thoại. "
    "Chỉ dùng thông tin trong các hướng dẫn được cung cấp, không thêm số điện thoại, địa chỉ web, phí hay "
    "thời hạn nào khác. Trả lời bằng tiếng Việt có dấu, câu ngắn, các bước đánh số. Không bao giờ hỏi "
    "hay bảo người dân đưa mã OTP, mật khẩu, mã PIN hoặc số căn cước cho bất kỳ ai. Nếu hướng dẫn không "
    "trả lời được câu hỏi, hãy nói là chưa chắc và khuyên hỏi Tổ công nghệ số cộng đồng ở thôn."
)
MAX_ANSWER_CHARS = 3000


def is_enabled() -> bool:
    return bool(getattr(settings, "ASSISTANT_LLM_URL", ""))


def _guide_context(guides: Sequence[Guide]) -> str:
    parts = []
    for guide in guides:
        lines = [f"# {guide.title}", guide.summary]
        for heading, items in guide.sections.items():
            lines.append(f"## {heading}")
            lines.extend(f"- {item}" for item in items)
        parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(parts)


def rephrase(*, question: str, guides: Sequence[Guide], plain_answer: str) -> str | None:
    """The model's answer grounded in `guides`, or None to keep the plain answer."""
    base = getattr(settings, "ASSISTANT_LLM_URL", "")
    if not base or not guides:
        return None
    url = base.rstrip("/")
    if not url.endswith("/chat/completions"):
        url += "/chat/completions"
    body = {
        "model": getattr(settings, "ASSISTANT_LLM_MODEL", "") or "default",
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Hướng dẫn:\n{_guide_context(guides)}\n\nCâu trả lời gốc:\n{plain_answer}\n\n"
                f"Câu hỏi của người dân: {question}",
            },
        ],
    }
    headers = {"Content-Type": "application/json"}
    api_key = getattr(settings, "ASSISTANT_LLM_API_KEY", "")
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    timeout = float(getattr(settings, "ASSISTANT_LLM_TIMEOUT", 8))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310  # the configured URL only
            payload = json.loads(response.read().decode("utf-8"))
        text = str(payload["choices"][0]["message"]["content"]).strip()
    except (OSError, urllib.error.URLError, TimeoutError, ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning("assistant: language model unavailable, plain answer used: %s", exc)
        return None
    if not text or len(text) > MAX_ANSWER_CHARS or asks_for_secret(text):
        logger.warning("assistant: language model answer rejected, plain answer used")
        return None
    return text
