"""A loopback OpenAI-compatible server whose behaviour each test sets: streamed pieces, stalls, hangs, pings,
HTTP errors, bodies that are not event streams. Used by tests/test_llm.py (the client) and tests/test_llm_server.py
(what the answer does when the server misbehaves).

Why a real socket server rather than a mocked transport: the timeouts, refused connections and half-sent streams
under test happen in httpx's network layer, which a mock would skip.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    """Records each request; answers POST /v1/chat/completions as configured, GET /v1/models with `models`.

    status/body/content_type: a non-streamed answer (an error, or a server that ignores stream=true);
    raw: bytes sent as a 200 body with `content_type` (garbage, NDJSON...);
    pieces: streamed as SSE chunks, then a finish chunk and [DONE] unless `finish` is False (a cut stream);
    stall: seconds to wait after the first piece; hang: seconds to wait before sending anything at all;
    pings: keep-alive comments sent every `ping_every` seconds before the first piece;
    reject_fields: request fields answered with HTTP 400, as OpenAI's own API answers fields it does not know.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body = b""
        self.content_type = "application/json"
        self.raw: bytes | None = None
        self.pieces: list[str] = []
        self.finish = True
        self.stall = 0.0
        self.hang = 0.0
        self.pings = 0
        self.ping_every = 0.1
        self.models = ["fake-model"]
        self.reject_fields: set[str] = set()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)  # ends early when the server stops, so no handler outlives its test for long

    def start(self) -> FakeOpenAI:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                state.requests.append({"path": self.path, "headers": dict(self.headers), "body": None})
                body = json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in state.models]})
                self._send(200, "application/json", body.encode())

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(raw)
                state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                unknown = sorted(state.reject_fields & set(body))
                if unknown:
                    error = {"error": {"message": f"Unrecognized request argument supplied: {unknown[0]}",
                                       "type": "invalid_request_error"}}
                    self._send(400, "application/json", json.dumps(error).encode())
                    return
                try:
                    if state.hang:
                        state._sleep(state.hang)
                        return
                    if state.raw is not None:
                        self._send(200, state.content_type, state.raw)
                    elif state.status != 200 or state.body:
                        self._send(state.status, state.content_type, state.body)
                    else:
                        self.send_response(200)
                        self.send_header("Content-Type", "text/event-stream")
                        self.end_headers()
                        self._stream()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _event(self, payload: dict[str, Any] | str) -> None:
                data = payload if isinstance(payload, str) else json.dumps(payload)
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

            def _stream(self) -> None:
                self._event({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
                self.wfile.write(b": keep-alive\n\n")
                for _ in range(state.pings):
                    state._sleep(state.ping_every)
                    self.wfile.write(b": ping - 2024-07-19 00:00:00\n\n")
                    self.wfile.flush()
                for i, piece in enumerate(state.pieces):
                    if i == 1 and state.stall:
                        state._sleep(state.stall)
                    self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                if state.finish:
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self._event("[DONE]")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def elapsed(start: float) -> float:
    return time.perf_counter() - start
