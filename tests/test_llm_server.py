"""RAG_LLM=openai end to end: answers through an OpenAI-compatible server, and what the answer does when the
server is down, stalls, errs or talks nonsense (the grounded answer without the LLM, with a note that says why,
in the question's language). Fast tests use a loopback fake (tests/fake_openai.py); the slow ones start a real
`python -m llama_cpp.server` on 127.0.0.1 serving the packaged GGUF model.

Nothing may hang: every fake-server test uses a timeout below a second and checks how long the answer took.
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from rag import NewsQA
from rag.answerability import TreeEnsemble
from rag.answering import FALLBACK_NOTE, Answer, Answerer, AnswerStream
from rag.llm import OpenAICompatible, make_generator

from conftest import SEED, free_port
from fake_openai import FakeOpenAI, elapsed

FESTIVAL = {"title": "Festival Budaya Solo Resmi Dibuka", "source": "solopos.com", "date": "2024-07-20",
            "text": "Festival Budaya Solo dibuka oleh Wali Kota Teguh Prakosa pada Sabtu (20/7/2024). Festival itu "
                    "menampilkan tari tradisional dan kuliner khas Solo selama tiga hari di Benteng Vastenburg."}
KIM_EN = "When did Kim Jong-un meet Krivoruchko in Pyongyang?"
KIM_ID = "Kapan Kim Jong-un bertemu Krivoruchko di Pyongyang?"
GOOD = "Kim Jong-un met Aleksey Krivoruchko in Pyongyang [1]. "


def constant_gate(probability: float = 0.9) -> TreeEnsemble:
    """Answerability decided in advance: these tests are about what happens after the gate says "answer"."""
    logit = float(np.log(probability / (1 - probability)))
    leaf = {"left": [-1], "right": [-1], "feature": [-2], "threshold": [-2.0], "value": [0.0]}
    return TreeEnsemble([leaf], logit, 0.1, 0.5)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def seed_qa(tmp_path, fake_embedder) -> NewsQA:
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder, llm="none")
    qa.rebuild(SEED.parent)
    return qa


def ask(qa: NewsQA, url: str, question: str, timeout: float = 0.5, **config: object) -> tuple[Answer, list[str]]:
    """Answer through the server at `url` (client built from the config, as NewsQA does); the pieces streamed."""
    generator = make_generator(qa.config.with_(llm="openai", llm_url=url, llm_model="m", llm_timeout=timeout,
                                               **config))
    stream: AnswerStream = Answerer(qa.retriever, qa.tokenizer, gate=constant_gate(),
                                    generator=generator).stream(question)
    pieces = list(stream)
    assert stream.answer is not None
    assert "".join(pieces) == stream.answer.text  # what was streamed is what the final answer shows
    return stream.answer, [p for p in pieces if p]  # "" only says the evidence is chosen (see the test below)


def assert_grounded_fallback(ans: Answer, note: str) -> None:
    """The LLM-free answer (short answer + verbatim quotes with [n]) with `note` as its last line."""
    assert ans.mode == "fallback" and not ans.refused and ans.verified is None
    assert ans.note == note and ans.text.splitlines()[-1] == note
    assert "Krivoruchko" in ans.text and "[1]" in ans.lead
    assert ans.citations and all(c.quote in ans.text or " ".join(c.quote.split()) in ans.text for c in ans.citations)


# ---- fast: a fake server ---------------------------------------------------------------------------------------

def test_the_evidence_is_known_before_the_server_is_asked_and_the_answer_cites_its_numbers(seed_qa, fake):
    """A chat can show the quotes while the model writes: the stream's first piece is "" with `.reading` set, sent
    before any request, and the final answer's citations are those same numbered sentences."""
    fake.pieces = [GOOD]
    generator = make_generator(seed_qa.config.with_(llm="openai", llm_url=fake.url, llm_model="m", llm_timeout=1))
    stream = Answerer(seed_qa.retriever, seed_qa.tokenizer, gate=constant_gate(), generator=generator).stream(KIM_EN)
    pieces = iter(stream)
    assert next(pieces) == "" and fake.chat_requests() == []
    reading = stream.reading
    assert [c.number for c in reading] == list(range(1, len(reading) + 1)) and stream.language == "en"
    assert any("Krivoruchko" in c.quote for c in reading) and {c.chunk_id for c in reading} <= {
        h.chunk_id for h in stream.hits}
    rest = list(pieces)
    prompt = fake.chat_requests()[0]["body"]["messages"][-1]["content"]
    assert all(" ".join(c.quote.split()) in " ".join(prompt.split()) for c in reading)  # what the model read
    ans = stream.answer
    assert ans.mode == "generative" and "".join(rest) == ans.text
    assert ans.citations == [c for c in reading if c.number == 1]
    assert 0 < ans.timings["sources"] < ans.timings["first_token"] <= ans.timings["first_shown"]


def test_answer_through_a_server_is_streamed_and_verified(seed_qa, fake):
    fake.pieces = ["Kim Jong-un met ", "Aleksey Krivoruchko ", "in Pyongyang [1]. ", "They met on Thursday [1]."]
    ans, pieces = ask(seed_qa, fake.url, KIM_EN)
    assert ans.mode == "generative" and ans.verified is True
    assert pieces == ["Kim Jong-un met Aleksey Krivoruchko in Pyongyang [1].", " They met on Thursday [1]."]
    assert fake.chat_requests()[0]["body"]["model"] == "m"


@pytest.mark.parametrize("question, note", [
    (KIM_EN, "(The LLM server at {url} is not reachable (connection refused); showing the answer without it.)"),
    (KIM_ID, "(Server LLM di {url} tidak dapat dihubungi (koneksi ditolak); jawaban ditampilkan tanpa LLM.)"),
])
def test_server_down_falls_back_to_the_grounded_answer_with_a_note(seed_qa, question, note):
    url = f"http://127.0.0.1:{free_port()}/v1"
    start = time.perf_counter()
    ans, _ = ask(seed_qa, url, question)
    assert elapsed(start) < 5
    assert_grounded_fallback(ans, note.format(url=url))


@pytest.mark.parametrize("question, note", [
    (KIM_EN, "(The LLM server at {url} did not answer within 0.5 s; showing the answer without it.)"),
    (KIM_ID, "(Server LLM di {url} tidak menjawab dalam 0.5 detik; jawaban ditampilkan tanpa LLM.)"),
])
def test_server_that_accepts_but_never_answers_times_out(seed_qa, fake, question, note):
    fake.hang = 30.0
    start = time.perf_counter()
    ans, _ = ask(seed_qa, fake.url, question)
    assert elapsed(start) < 5
    assert_grounded_fallback(ans, note.format(url=fake.url))


def test_server_that_only_pings_times_out(seed_qa, fake):
    fake.pieces, fake.pings, fake.ping_every = [GOOD], 300, 0.05  # 15 s of keep-alives, never any text
    start = time.perf_counter()
    ans, _ = ask(seed_qa, fake.url, KIM_EN, timeout=0.4)
    assert elapsed(start) < 5
    assert_grounded_fallback(ans, f"(The LLM server at {fake.url} did not answer within 0.4 s; "
                                  "showing the answer without it.)")


def test_server_stalling_after_a_verified_sentence_keeps_it_and_says_the_rest_is_missing(seed_qa, fake):
    fake.pieces, fake.stall = [GOOD + "They", " met on Thursday [1]."], 30.0
    start = time.perf_counter()
    ans, pieces = ask(seed_qa, fake.url, KIM_EN)
    assert elapsed(start) < 5
    note = f"(The LLM server at {fake.url} did not answer within 0.5 s; the answer may be incomplete.)"
    assert pieces == [GOOD.strip(), "\n" + note]  # the verified sentence was shown before the stall
    assert ans.mode == "generative" and ans.verified is True and ans.note == note
    assert ans.text == GOOD.strip() + "\n" + note and [c.number for c in ans.citations] == [1]


def test_server_cut_off_mid_sentence_shows_only_whole_verified_sentences(seed_qa, fake):
    fake.pieces, fake.finish = [GOOD + "They met on Thurs"], False
    ans, _ = ask(seed_qa, fake.url, KIM_EN)
    assert ans.text.splitlines()[0] == GOOD.strip() and "Thurs" not in ans.text
    assert ans.text.splitlines()[1] == (f"(The LLM server at {fake.url} broke off the connection; "
                                        "the answer may be incomplete.)")


@pytest.mark.parametrize("status, body, problem", [
    (401, b'{"error": {"message": "Invalid API key"}}',
     "answered with an error (HTTP 401: Invalid API key); check RAG_LLM_API_KEY"),
    (500, b'{"error": "model not loaded"}', "answered with an error (HTTP 500: model not loaded)"),
    (404, b"404 page not found",
     ("answered with an error (HTTP 404: 404 page not found); check RAG_LLM_URL (usually ending in /v1) and "
      "RAG_LLM_MODEL")),
])
def test_http_errors_name_the_status(seed_qa, fake, status, body, problem):
    fake.status, fake.body = status, body
    ans, _ = ask(seed_qa, fake.url, KIM_EN, llm_api_key="wrong")
    assert_grounded_fallback(ans, f"(The LLM server at {fake.url} {problem}; showing the answer without it.)")
    assert "wrong" not in ans.text  # the key is never shown


def test_http_error_in_indonesian(seed_qa, fake):
    fake.status, fake.body = 401, b'{"error": {"message": "Invalid API key"}}'
    ans, _ = ask(seed_qa, fake.url, KIM_ID)
    assert_grounded_fallback(ans, f"(Server LLM di {fake.url} menjawab dengan galat (HTTP 401: Invalid API key); "
                                  "periksa RAG_LLM_API_KEY; jawaban ditampilkan tanpa LLM.)")


@pytest.mark.parametrize("ctype, raw", [("text/html", b"<html><body>Open WebUI</body></html>\n"),
                                        ("application/x-ndjson", b'{"message": {"content": "Hi"}}\n')])
def test_garbage_response_is_named_as_such(seed_qa, fake, ctype, raw):
    fake.content_type, fake.raw = ctype, raw
    ans, _ = ask(seed_qa, fake.url, KIM_EN)
    assert_grounded_fallback(ans, f"(The LLM server at {fake.url} sent a response that is not an "
                                  "OpenAI-compatible stream; showing the answer without it.)")


def test_an_answer_that_fails_verification_is_still_the_verification_fallback(seed_qa, fake):
    fake.pieces = ["Kim met Sergei Shoigu in Moscow [1]."]
    ans, _ = ask(seed_qa, fake.url, KIM_EN)
    assert ans.mode == "fallback" and ans.verified is False and ans.note == FALLBACK_NOTE["en"]


class FailingLocal:
    """A local backend that fails as llama-cpp-python does when the prompt does not fit its context."""

    name = "local:failing"

    def stream(self, messages, max_tokens: int, stop=None) -> Iterator[str]:
        raise ValueError("Requested tokens (5000) exceed context window of 4096")
        yield ""  # a generator, like LocalGGUF.stream

    def complete(self, messages, max_tokens: int, stop=None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def warm(self, messages) -> None:
        pass


def test_a_failing_local_model_falls_back_too(seed_qa):
    stream = Answerer(seed_qa.retriever, seed_qa.tokenizer, gate=constant_gate(), generator=FailingLocal()).stream(
        KIM_ID)
    assert "".join(stream) == stream.answer.text
    assert_grounded_fallback(stream.answer, "(LLM lokal gagal (Requested tokens (5000) exceed context window of "
                                            "4096); jawaban ditampilkan tanpa LLM.)")


def test_newsqa_with_rag_llm_openai_uses_the_server_and_its_settings(tmp_path, e5_embedder, fake):
    """NewsQA builds the client from the config (URL, model, key, timeout) and the shipped answerability model
    decides; a question the sources cannot answer is refused before the server is ever called. The real
    embedder: the model reads dense similarities, which a fake embedder makes random (P 0.29 instead of 0.78)."""
    fake.pieces = ["Wali Kota Teguh Prakosa membuka Festival Budaya Solo [1]."]
    qa = NewsQA(tmp_path / "index", embedder=e5_embedder, llm="openai", llm_url=fake.url + "/",
                llm_model="qwen2.5:1.5b", llm_api_key="sekret", llm_timeout=0.5)
    qa.rebuild(SEED.parent)
    qa.add([FESTIVAL])
    refused = qa.ask("Siapa yang ditemui Prabowo di Surabaya?")
    assert refused.refused and fake.requests == []  # decided before any LLM call
    ans = qa.ask("Siapa yang membuka Festival Budaya Solo?")
    assert ans.mode == "generative" and ans.verified is True, ans.text
    assert ans.text == "Wali Kota Teguh Prakosa membuka Festival Budaya Solo [1]."
    request = fake.chat_requests()[0]
    assert request["body"]["model"] == "qwen2.5:1.5b" and request["headers"]["Authorization"] == "Bearer sekret"
    fake.hang = 30.0  # now the server stalls: the configured 0.5 s bound the wait
    start = time.perf_counter()
    stalled = qa.ask("Siapa yang membuka Festival Budaya Solo?")
    assert elapsed(start) < 5 and stalled.mode == "fallback" and "Teguh Prakosa" in stalled.lead
    assert stalled.text.endswith("tidak menjawab dalam 0.5 detik; jawaban ditampilkan tanpa LLM.)")


# ---- slow: a real llama.cpp server (llama-cpp-python's, with the packaged model) ------------------------------

API_KEY = "test-key"
ALIAS = "qwen2.5-coder-1.5b-instruct"


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port with the packaged GGUF and an API key; yields the
    base URL once `/v1/models` answers (loading takes ~10 s), stops the server afterwards."""
    pytest.importorskip("llama_cpp")
    from rag.llm import packaged_model_path

    model = packaged_model_path()
    port = free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", ALIAS,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
           "--n_threads_batch", "2", "--api_key", API_KEY]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        start = time.perf_counter()
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{_tail(log)}")
            try:
                if httpx.get(url + "/models", headers={"Authorization": f"Bearer {API_KEY}"},
                             timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if elapsed(start) > 300:
                pytest.fail(f"llama_cpp.server did not start within 300 s:\n{_tail(log)}")
            time.sleep(0.25)
        print(f"\nllama_cpp.server ready after {elapsed(start):.1f} s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def real_qa(tmp_path_factory, e5_embedder, llama_server) -> NewsQA:
    """The seed article with the real embedder and the shipped answerability model, answering through the server
    with the model name the server reports."""
    model = OpenAICompatible(llama_server, api_key=API_KEY, timeout=30).models()[0]
    assert model == ALIAS
    qa = NewsQA(tmp_path_factory.mktemp("real") / "index", embedder=e5_embedder, llm="openai", llm_url=llama_server,
                llm_model=model, llm_api_key=API_KEY, llm_timeout=600)
    qa.rebuild(SEED.parent)
    return qa


@pytest.mark.slow
def test_real_server_answers_the_seed_question_streamed_and_verified(real_qa):
    stream = real_qa.ask_stream("Who did Kim meet on 18 July?")
    start = time.perf_counter()
    arrivals = [(elapsed(start), piece) for piece in stream]
    ans = stream.answer
    print(f"\ncold: first token {ans.timings['first_token']:.1f} s, total {ans.timings['total']:.1f} s, "
          f"{len(arrivals)} pieces: {ans.text!r}")
    assert ans.timings["first_token"] > 0  # the server was asked and answered
    assert "".join(p for _, p in arrivals) == ans.text
    assert ans.mode in ("generative", "fallback") and not ans.refused
    assert "LLM server" not in ans.text  # no failure note: the server worked
    if ans.mode == "generative":
        assert ans.verified is True
    else:  # the model's sentence failed verification: the marked fallback
        assert ans.note == FALLBACK_NOTE["en"]
    assert "Krivoruchko" in ans.text and "[1]" in ans.text
    assert ans.citations and ans.citations[0].number == 1


@pytest.mark.slow
def test_real_server_streams_token_by_token(real_qa, llama_server):
    """The client yields the server's tokens as they come (the chat shows words before the answer is done)."""
    from rag.prompting import build_messages

    ev = real_qa.answerer.gather("Siapa yang memimpin delegasi Rusia?")
    messages = build_messages(ev.question, [(n, s.hit, s.text) for n, s in enumerate(ev.sentences[:4], 1)])
    gen = OpenAICompatible(llama_server, model=ALIAS, api_key=API_KEY, timeout=600)
    start = time.perf_counter()
    arrivals = [(elapsed(start), piece) for piece in gen.stream(messages, max_tokens=60)]
    text = "".join(p for _, p in arrivals)
    print(f"\nwarm prefix: first piece {arrivals[0][0]:.1f} s, done {arrivals[-1][0]:.1f} s, "
          f"{len(arrivals)} pieces: {text!r}")
    assert len(arrivals) > 3 and arrivals[0][0] < arrivals[-1][0]
    assert "Krivoruchko" in text


@pytest.mark.slow
def test_real_server_with_a_wrong_key_falls_back_with_http_401(real_qa, llama_server):
    qa = NewsQA(real_qa.config.index_dir, embedder=real_qa.embedder, llm="openai", llm_url=llama_server,
                llm_model=ALIAS, llm_api_key="wrong-key", llm_timeout=60)
    ans = qa.ask("Who did Kim meet on 18 July?")
    assert ans.mode == "fallback" and "Krivoruchko" in ans.lead
    assert ans.text.splitlines()[-1].startswith(f"(The LLM server at {llama_server} answered with an error (HTTP 401")
    assert "check RAG_LLM_API_KEY" in ans.text and "wrong-key" not in ans.text


@pytest.mark.slow
def test_real_server_too_slow_for_the_timeout_falls_back(real_qa, llama_server):
    """A new prompt takes the CPU model seconds to read; a 0.2 s budget runs out first (last test: the server
    finishes the abandoned answer in the background until the fixture stops it)."""
    qa = NewsQA(real_qa.config.index_dir, embedder=real_qa.embedder, llm="openai", llm_url=llama_server,
                llm_model=ALIAS, llm_api_key=API_KEY, llm_timeout=0.2)
    start = time.perf_counter()
    ans = qa.ask("Kapan Kim Jong-un bertemu Krivoruchko?")
    assert elapsed(start) < 30
    assert ans.mode == "fallback" and ans.text.splitlines()[-1] == (
        f"(Server LLM di {llama_server} tidak menjawab dalam 0.2 detik; jawaban ditampilkan tanpa LLM.)")


def test_openai_mode_without_a_url_answers_without_the_llm_and_says_why(tmp_path, fake_embedder, monkeypatch):
    from conftest import SEED
    from rag import NewsQA

    monkeypatch.delenv("RAG_LLM_URL", raising=False)
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder, llm="openai", llm_url=None)
    qa.rebuild(SEED.parent)
    with pytest.warns(UserWarning, match="LLM unavailable"):
        answer = qa.ask("Siapa yang memimpin delegasi Rusia?")
    assert answer.mode == "extractive" and "Krivoruchko" in answer.text
    assert "LLM unavailable" in qa.llm_problem


def test_a_server_that_timed_out_is_skipped_for_a_while_then_tried_again(seed_qa, fake):
    """Without this every question would wait the full timeout again before the same fallback."""
    fake.hang = 30.0
    generator = make_generator(seed_qa.config.with_(llm="openai", llm_url=fake.url, llm_model="m", llm_timeout=2.0))
    answerer = Answerer(seed_qa.retriever, seed_qa.tokenizer, gate=constant_gate(), generator=generator,
                        llm_retry_after=1.0)
    note = f"(The LLM server at {fake.url} did not answer within 2 s; showing the answer without it.)"
    assert_grounded_fallback(answerer.answer(KIM_EN), note)
    assert len(fake.chat_requests()) == 1
    start = time.perf_counter()
    skipped = answerer.answer(KIM_EN)
    assert elapsed(start) < 1.5 and len(fake.chat_requests()) == 1  # not asked again, no second 2 s wait
    assert_grounded_fallback(skipped, note)
    time.sleep(1.0)
    fake.hang, fake.pieces = 0.0, [GOOD]
    again = answerer.answer(KIM_EN)  # the window is over: the server is tried again, and now answers
    assert again.mode == "generative" and len(fake.chat_requests()) == 2
    assert answerer.answer(KIM_EN).mode == "generative"


def test_an_http_error_does_not_put_the_server_aside(seed_qa, fake):
    fake.status, fake.body = 500, b'{"error": "boom"}'
    generator = make_generator(seed_qa.config.with_(llm="openai", llm_url=fake.url, llm_model="m", llm_timeout=0.5))
    answerer = Answerer(seed_qa.retriever, seed_qa.tokenizer, gate=constant_gate(), generator=generator)
    answerer.answer(KIM_EN)
    answerer.answer(KIM_EN)
    assert len(fake.chat_requests()) == 2  # a bad answer is not an outage: each question tries again
