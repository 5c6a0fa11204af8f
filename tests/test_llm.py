"""rag/llm.py: the OpenAI-compatible client against a real loopback server, the packaged-model assembly with
fake slices, the factory's errors, and (slow) the real packaged Qwen2.5-Coder-1.5B through llama-cpp-python."""
from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.config import Config
from rag.llm import (
    Generator,
    LLMServerError,
    ModelUnavailableError,
    OpenAICompatible,
    make_generator,
    packaged_model_path,
)

# ---- a tiny OpenAI-compatible server --------------------------------------------------------------------------


class _Server:
    """Records each request; answers with `status`/`body` or streams `pieces` as SSE chunks."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body = b""
        self.pieces: list[str] = []
        self.stall = 0.0  # seconds to wait after the first piece (a hung server)


@pytest.fixture
def server() -> Iterator[tuple[_Server, str]]:
    state = _Server()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)})
            if state.status != 200 or state.body:  # an error, or a server that ignores stream=true
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                self._stream()
            except BrokenPipeError:  # the client gave up (the timeout test)
                pass

        def _stream(self) -> None:
            first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
            self.wfile.write(f"data: {json.dumps(first)}\n\n".encode())
            self.wfile.write(b": keep-alive\n\n")
            for i, piece in enumerate(state.pieces):
                if i == 1 and state.stall:
                    time.sleep(state.stall)
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


MESSAGES = [{"role": "system", "content": "Answer from the sources."}, {"role": "user", "content": "Siapa?"}]


def test_openai_streams_pieces_in_order_and_sends_the_request(server: tuple[_Server, str]) -> None:
    state, url = server
    state.pieces = ["Kim ", "bertemu ", "Krivoruchko", " [1]", ".", " Ünïcödé ✓"]
    gen = OpenAICompatible(url + "/", model="qwen2.5:1.5b", api_key="sekret", timeout=5)
    assert isinstance(gen, Generator)

    pieces = list(gen.stream(MESSAGES, max_tokens=40, stop=["\n\n"]))
    assert pieces == state.pieces
    assert gen.complete(MESSAGES, max_tokens=40) == "Kim bertemu Krivoruchko [1]. Ünïcödé ✓"

    req = state.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["messages"] == MESSAGES
    assert req["body"]["stream"] is True
    assert req["body"]["model"] == "qwen2.5:1.5b"
    assert req["body"]["max_tokens"] == 40 and req["body"]["stop"] == ["\n\n"]
    assert req["headers"]["Authorization"] == "Bearer sekret"


def test_openai_without_key_sends_no_authorization(server: tuple[_Server, str]) -> None:
    state, url = server
    state.pieces = ["ok"]
    assert OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5) == "ok"
    assert "Authorization" not in state.requests[0]["headers"]


def test_openai_http_error_has_status_and_body(server: tuple[_Server, str]) -> None:
    state, url = server
    state.status, state.body = 500, b'{"error": "model not loaded"}'
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert info.value.status == 500
    assert "500" in str(info.value) and "model not loaded" in str(info.value) and url in str(info.value)


def test_openai_server_that_ignores_stream_true(server: tuple[_Server, str]) -> None:
    state, url = server
    state.body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "Semua sekaligus."}}]}).encode()
    assert list(OpenAICompatible(url, model="m", timeout=5).stream(MESSAGES, max_tokens=5)) == ["Semua sekaligus."]


def test_openai_refused_connection_names_the_url() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert isinstance(info.value, ConnectionError)
    assert f"127.0.0.1:{port}" in str(info.value) and info.value.status is None


def test_openai_stalled_stream_times_out(server: tuple[_Server, str]) -> None:
    state, url = server
    state.pieces, state.stall = ["a", "b"], 1.5
    pieces = OpenAICompatible(url, model="m", timeout=0.3).stream(MESSAGES, max_tokens=5)
    assert next(pieces) == "a"  # what arrived before the stall is already shown to the user
    with pytest.raises(LLMServerError, match="timed out") as info:
        next(pieces)
    assert url in str(info.value)


def test_make_generator_choices_and_errors(server: tuple[_Server, str]) -> None:
    _, url = server
    assert make_generator(Config(llm="none")) is None
    gen = make_generator(Config(llm="openai", llm_url=url, llm_model="m"))
    assert isinstance(gen, OpenAICompatible) and gen.url == url + "/chat/completions"
    with pytest.raises(ValueError, match="RAG_LLM_URL"):
        make_generator(Config(llm="openai"))
    with pytest.raises(ValueError, match="unknown"):
        make_generator(Config(llm="gpt"))


# ---- packaged model assembly ----------------------------------------------------------------------------------


def _fake_parts(folder: Path, n: int = 12) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(1, n + 1):  # 12 slices: string order (1, 10, 11, 12, 2, ...) would be wrong
        p = folder / f"slice{i}.bin"
        p.write_bytes(bytes([i]) * (1000 + i))
        paths.append(p)
    return paths


def test_packaged_model_assembles_in_order_verifies_and_reuses(tmp_path: Path) -> None:
    parts = _fake_parts(tmp_path / "parts")
    whole = b"".join(p.read_bytes() for p in parts)
    digest = hashlib.sha256(whole).hexdigest()
    calls = []

    def provider() -> list[Path]:
        calls.append(1)
        return parts

    cache = tmp_path / "cache"
    path = packaged_model_path(cache, parts=provider, sha256=digest, filename="m.gguf")
    assert path == cache / "m.gguf" and path.read_bytes() == whole
    assert sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) == ["m.gguf", "m.gguf.sha256"]

    # second call: trusts the stamp, never looks at the slices again (they may even be gone)
    for p in parts:
        p.unlink()
    assert packaged_model_path(cache, parts=provider, sha256=digest, filename="m.gguf") == path
    assert len(calls) == 1

    # a truncated cached file is not trusted: rebuilt from the slices (gone now -> clear error)
    path.write_bytes(whole[:10])
    with pytest.raises(ModelUnavailableError, match="requirements-llm.txt"):
        packaged_model_path(cache, parts=provider, sha256=digest, filename="m.gguf")


def test_packaged_model_bad_hash_leaves_nothing_behind(tmp_path: Path) -> None:
    parts = _fake_parts(tmp_path / "parts")
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailableError, match="sha256") as info:
        packaged_model_path(cache, parts=lambda: parts, sha256="0" * 64, filename="m.gguf")
    assert "requirements-llm.txt" in str(info.value)
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == []


def test_packaged_model_missing_packages_say_what_to_install(tmp_path: Path) -> None:
    from rag.llm import installed_parts

    with pytest.raises(ModelUnavailableError, match=r"pip install -r requirements-llm\.txt"):
        installed_parts(["no-such-package-part1", "no-such-package-part2"])
    with pytest.raises(ModelUnavailableError, match="requirements-llm.txt"):
        packaged_model_path(tmp_path, parts=lambda: installed_parts(["no-such-package-part1"]), sha256="0" * 64)


# ---- the real packaged model ----------------------------------------------------------------------------------

SYSTEM = ("You answer questions using only the numbered sources the user gives you. "
          "Reply with one short sentence and cite the source number like [1].")
FEW_SHOT = [
    {"role": "user",
     "content": "Sources:\n[1] Ibu kota Jepang adalah Tokyo.\n\nQuestion: What is the capital of Japan?"},
    {"role": "assistant", "content": "The capital of Japan is Tokyo [1]."},
]


@pytest.mark.slow
def test_local_packaged_model_answers_streams_and_reuses_the_prefix() -> None:
    pytest.importorskip("llama_cpp")
    from rag.llm import LocalGGUF

    gen = LocalGGUF(packaged_model_path(), n_ctx=2048, n_threads=2)

    def ask(country: str, capital: str) -> tuple[list[str], float, float]:
        messages = [{"role": "system", "content": SYSTEM}, *FEW_SHOT, {"role": "user", "content": (
            f"Sources:\n[1] Menurut buku atlas, ibu kota negara {country} adalah kota {capital}.\n"
            f"[2] Cuaca di sana cerah sepanjang minggu.\n\nQuestion: What is the capital of {country}?")}]
        start = time.perf_counter()
        first = None
        pieces = []
        for piece in gen.stream(messages, max_tokens=30):
            first = first if first is not None else time.perf_counter() - start
            pieces.append(piece)
        return pieces, first or 0.0, time.perf_counter() - start

    pieces1, first1, total1 = ask("Zembla", "Novaria")
    pieces2, first2, total2 = ask("Kerovia", "Lintang")
    print(f"\ncold: first piece {first1:.2f} s, done {total1:.2f} s: {''.join(pieces1)!r}")
    print(f"warm: first piece {first2:.2f} s, done {total2:.2f} s: {''.join(pieces2)!r}")
    assert "Novaria" in "".join(pieces1) and "Lintang" in "".join(pieces2)
    assert len(pieces1) > 1
    assert first2 < first1
