"""rag/llm.py: the OpenAI-compatible client against a real loopback server, the packaged-model assembly with
fake slices, the factory's errors, and (slow) the real packaged Qwen2.5-Coder-1.5B through llama-cpp-python."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Config
from rag.llm import (
    Generator,
    LLMServerError,
    ModelUnavailableError,
    OpenAICompatible,
    make_generator,
    normalise_llm_url,
    packaged_model_path,
)

from conftest import free_port
from fake_openai import FakeOpenAI, elapsed

# ---- a tiny OpenAI-compatible server (tests/fake_openai.py) ---------------------------------------------------


@pytest.fixture
def server() -> Iterator[tuple[FakeOpenAI, str]]:
    with FakeOpenAI() as state:
        yield state, state.url


MESSAGES = [{"role": "system", "content": "Answer from the sources."}, {"role": "user", "content": "Siapa?"}]


def test_openai_streams_pieces_in_order_and_sends_the_request(server: tuple[FakeOpenAI, str]) -> None:
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


def test_openai_asks_llama_cpp_servers_for_greedy_decoding_and_drops_that_where_unknown(
        server: tuple[FakeOpenAI, str]) -> None:
    """repeat_penalty 1.0 (llama.cpp's server defaults to 1.1, which made the model drop its [1]); a server that
    rejects the field (OpenAI's API: HTTP 400) gets the request again without it, and later ones never have it."""
    state, url = server
    state.pieces = ["ok"]
    gen = OpenAICompatible(url, model="m", timeout=5)
    assert gen.complete(MESSAGES, max_tokens=5) == "ok"
    assert state.requests[0]["body"]["repeat_penalty"] == 1.0 and state.requests[0]["body"]["temperature"] == 0
    state.requests.clear()
    state.reject_fields = {"repeat_penalty"}
    gen = OpenAICompatible(url, model="m", timeout=5)
    assert gen.complete(MESSAGES, max_tokens=5) == "ok" and gen.complete(MESSAGES, max_tokens=5) == "ok"
    assert ["repeat_penalty" in r["body"] for r in state.requests] == [True, False, False]


def test_openai_without_key_sends_no_authorization(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.pieces = ["ok"]
    assert OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5) == "ok"
    assert "Authorization" not in state.requests[0]["headers"]


def test_openai_http_error_has_status_and_body(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.status, state.body = 500, b'{"error": "model not loaded"}'
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert info.value.status == 500
    assert "500" in str(info.value) and "model not loaded" in str(info.value) and url in str(info.value)


def test_openai_server_that_ignores_stream_true(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "Semua sekaligus."}}]}).encode()
    assert list(OpenAICompatible(url, model="m", timeout=5).stream(MESSAGES, max_tokens=5)) == ["Semua sekaligus."]


def test_openai_refused_connection_names_the_url() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert isinstance(info.value, ConnectionError)
    assert f"127.0.0.1:{port}" in str(info.value) and info.value.status is None
    assert info.value.kind == "unreachable" and info.value.reason == "connection refused"
    assert info.value.server == url


def test_openai_stalled_stream_times_out(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.pieces, state.stall = ["a", "b"], 1.5
    pieces = OpenAICompatible(url, model="m", timeout=0.3).stream(MESSAGES, max_tokens=5)
    assert next(pieces) == "a"  # what arrived before the stall is already shown to the user
    with pytest.raises(LLMServerError, match="did not answer within 0.3 s") as info:
        next(pieces)
    assert url in str(info.value) and info.value.kind == "timeout" and info.value.timeout == 0.3


def test_openai_server_that_accepts_but_never_answers_times_out(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.hang = 10.0
    start = time.perf_counter()
    with pytest.raises(LLMServerError, match="did not answer within 0.3 s") as info:
        OpenAICompatible(url, model="m", timeout=0.3).complete(MESSAGES, max_tokens=5)
    assert info.value.kind == "timeout" and elapsed(start) < 3


def test_openai_keep_alive_pings_do_not_count_as_an_answer(server: tuple[FakeOpenAI, str]) -> None:
    """sse-starlette servers (llama_cpp.server) send ': ping' comments while busy: only text resets the clock."""
    state, url = server
    state.pieces, state.pings, state.ping_every = ["never shown"], 200, 0.05  # 10 s of pings, no text
    start = time.perf_counter()
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", timeout=0.4).complete(MESSAGES, max_tokens=5)
    assert info.value.kind == "timeout" and elapsed(start) < 3


@pytest.mark.parametrize("status, body, reason", [
    (401, b'{"error": {"message": "Invalid API key", "type": "invalid_request_error"}}', "HTTP 401: Invalid API key"),
    (500, b'{"error": "model not loaded"}', "HTTP 500: model not loaded"),
    (404, b'404 page not found', "HTTP 404: 404 page not found"),
])
def test_openai_http_errors_name_the_status_and_the_servers_message(server: tuple[FakeOpenAI, str], status: int,
                                                                     body: bytes, reason: str) -> None:
    state, url = server
    state.status, state.body = status, body
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(url, model="m", api_key="bad", timeout=5).complete(MESSAGES, max_tokens=5)
    assert (info.value.kind, info.value.status, info.value.reason) == ("http", status, reason)


@pytest.mark.parametrize("ctype, raw, what", [
    ("text/html", b"<!doctype html><html><body>Open WebUI</body></html>\n", "not a server-sent event stream"),
    ("application/x-ndjson", b'{"model":"qwen","message":{"content":"Hi"},"done":false}\n', "/v1"),
    ("text/event-stream", b"", "an empty response"),
    ("text/event-stream", b"data: {not json\n\n", "malformed JSON"),
    ("application/json", b'{"detail": "Not Found"}', "without choices"),
])
def test_openai_garbage_is_a_clear_malformed_response(server: tuple[FakeOpenAI, str], ctype: str, raw: bytes,
                                                      what: str) -> None:
    state, url = server
    state.content_type, state.raw = ctype, raw
    with pytest.raises(LLMServerError, match=what) as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert info.value.kind == "malformed"


def test_openai_stream_cut_before_the_end_is_not_a_complete_answer(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.pieces, state.finish = ["Kim bertemu ", "Krivo"], False  # the server closes without finish/[DONE]
    pieces = OpenAICompatible(url, model="m", timeout=5).stream(MESSAGES, max_tokens=5)
    assert [next(pieces), next(pieces)] == ["Kim bertemu ", "Krivo"]
    with pytest.raises(LLMServerError, match="before the answer was complete") as info:
        next(pieces)
    assert info.value.kind == "dropped"


def test_openai_error_event_inside_the_stream(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.content_type, state.raw = "text/event-stream", b'data: {"error": {"message": "context overflow"}}\n\n'
    with pytest.raises(LLMServerError, match="context overflow") as info:
        OpenAICompatible(url, model="m", timeout=5).complete(MESSAGES, max_tokens=5)
    assert info.value.kind == "error"


def test_openai_without_a_model_name_uses_the_servers_first_model(server: tuple[FakeOpenAI, str]) -> None:
    state, url = server
    state.pieces, state.models = ["ok"], ["/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "other"]
    gen = OpenAICompatible(url, timeout=5)
    assert gen.models() == state.models
    assert gen.complete(MESSAGES, max_tokens=5) == "ok"
    assert state.chat_requests()[0]["body"]["model"] == state.models[0]


def test_llm_url_forms_and_credentials_never_shown() -> None:
    assert normalise_llm_url("127.0.0.1:11434/v1/") == "http://127.0.0.1:11434/v1"
    assert normalise_llm_url(" https://api.example.org/v1 ") == "https://api.example.org/v1"
    with pytest.raises(ValueError, match="RAG_LLM_URL"):
        normalise_llm_url("ftp://host/v1")
    gen = OpenAICompatible("http://user:secret@127.0.0.1:8080/v1", model="m")
    assert "secret" not in gen.server and gen.server == "http://127.0.0.1:8080/v1" and "secret" not in gen.name
    port = free_port()
    with pytest.raises(LLMServerError) as info:
        OpenAICompatible(f"http://user:secret@127.0.0.1:{port}/v1", model="m", timeout=5).complete(MESSAGES, 5)
    assert "secret" not in str(info.value) and "secret" not in info.value.url + info.value.server


def test_make_generator_choices_and_errors(server: tuple[FakeOpenAI, str]) -> None:
    _, url = server
    assert make_generator(Config(llm="none")) is None
    gen = make_generator(Config(llm="openai", llm_url=url, llm_model="m", llm_api_key="k", llm_timeout=7.5))
    assert isinstance(gen, OpenAICompatible) and gen.url == url + "/chat/completions"
    assert (gen.model, gen.api_key, gen.timeout) == ("m", "k", 7.5)
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
