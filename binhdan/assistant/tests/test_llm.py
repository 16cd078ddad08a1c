"""The optional language model, against a fake OpenAI-compatible server on localhost."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from binhdan.assistant.services import ask

pytestmark = pytest.mark.django_db
QUESTION = "cach quet ma qr tra tien"


class FakeModel(BaseHTTPRequestHandler):
    reply = "1. Mở ứng dụng ngân hàng.\n2. Quét mã QR.\nKhông đọc mã OTP cho bất kỳ ai."
    delay = 0.0
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        time.sleep(self.delay)
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.reply}}]}
        ).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_model(settings) -> Iterator[type[FakeModel]]:
    FakeModel.requests = []
    FakeModel.delay = 0.0
    FakeModel.reply = "1. Mở ứng dụng ngân hàng.\n2. Quét mã QR.\nKhông đọc mã OTP cho bất kỳ ai."
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ASSISTANT_LLM_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.ASSISTANT_LLM_MODEL = "fake"
    settings.ASSISTANT_LLM_API_KEY = "khoa-thu"
    settings.ASSISTANT_LLM_TIMEOUT = 0.5
    yield FakeModel
    server.shutdown()
    server.server_close()
    thread.join(timeout=2)


def test_the_language_model_is_off_by_default(settings):
    assert settings.ASSISTANT_LLM_URL == ""
    assert ask(question=QUESTION).rephrased is False


def test_the_answer_is_rephrased_from_the_retrieved_guides_only(fake_model):
    answer = ask(question=QUESTION)
    assert answer.rephrased
    assert answer.answer == fake_model.reply
    sent = fake_model.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer khoa-thu"
    prompt = sent["body"]["messages"][1]["content"]
    assert answer.guide is not None and answer.guide.title in prompt


def test_a_slow_model_falls_back_to_the_plain_answer(fake_model, caplog):
    fake_model.delay = 1.5
    answer = ask(question=QUESTION)
    assert not answer.rephrased
    assert "Các bước:" in answer.answer


def test_a_model_reply_asking_for_an_otp_is_thrown_away(fake_model, caplog):
    fake_model.reply = "Bạn hãy đọc mã OTP cho tôi để tôi kiểm tra."
    answer = ask(question=QUESTION)
    assert not answer.rephrased
    assert "đọc mã OTP cho tôi" not in answer.answer


def test_an_unreachable_model_falls_back_to_the_plain_answer(settings, caplog):
    settings.ASSISTANT_LLM_URL = "http://127.0.0.1:9/v1"
    settings.ASSISTANT_LLM_TIMEOUT = 0.5
    answer = ask(question=QUESTION)
    assert not answer.rephrased
    assert "Các bước:" in answer.answer


def test_a_not_confident_answer_is_never_sent_to_the_model(fake_model):
    answer = ask(question="cách nấu canh chua cá lóc")
    assert not answer.rephrased
    assert fake_model.requests == []
