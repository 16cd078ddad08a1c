"""A local HTTP proxy that misbehaves on purpose: drops requests, drops responses, repeats and reorders."""

from __future__ import annotations

import http.client
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FaultyProxy:
    def __init__(self, upstream_port: int, *, seed: int = 7, drop_request: float = 0.1, drop_response: float = 0.1,
                 repeat: float = 0.1, max_delay: float = 0.3) -> None:  # fmt: skip
        self.upstream_port = upstream_port
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.rates = (drop_request, drop_response, repeat)
        self.max_delay = max_delay
        self.counts = {"forwarded": 0, "dropped_request": 0, "dropped_response": 0, "repeated": 0}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    roll, delay = proxy.random.random(), proxy.random.uniform(0, proxy.max_delay)
                drop_req, drop_resp, repeat = proxy.rates
                time.sleep(delay)  # requests from concurrent clients overtake each other
                if roll < drop_req:
                    proxy._count("dropped_request")
                    self.close_connection = True
                    return
                sends = 2 if drop_req <= roll < drop_req + repeat else 1
                answer = None
                for _ in range(sends):
                    answer = proxy._forward(self.command, self.path, dict(self.headers), body)
                    if answer is None:
                        break
                if sends == 2:
                    proxy._count("repeated")
                if answer is None or drop_req + repeat <= roll < drop_req + repeat + drop_resp:
                    # The server may have stored the batch; the phone never hears back.
                    proxy._count("dropped_response")
                    self.close_connection = True
                    return
                status, headers, payload = answer
                proxy._count("forwarded")
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
            headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            connection.close()
            return response.status, response.getheaders(), payload
        except OSError:
            return None

    def start(self) -> FaultyProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
