"""The generative prompt: source lines and how much evidence the LLM is shown (rag/prompting.py)."""
from __future__ import annotations

from rag.prompting import build_messages, format_sources, prefix_messages, prompt_evidence, source_line
from rag.records import Hit


def _hit(source: str | None = "kompas.tv", date: str | None = "2024-07-19", article: str = "a") -> Hit:
    return Hit(article, f"{article}:0", "Title", date, source, None, "text", 1.0, 0, 4)


def test_source_line_names_outlet_and_date_when_known():
    assert source_line(2, _hit(), "Kim bertemu Krivoruchko.") == "[2] (kompas.tv, 2024-07-19) Kim bertemu Krivoruchko."
    assert source_line(1, _hit(None, None), "Kim bertemu Krivoruchko.") == "[1] Kim bertemu Krivoruchko."


def test_prompt_evidence_keeps_sentences_within_the_character_budget():
    sentences = [(_hit(None, None), "x" * 100)] * 4  # "[n] " + 100 characters + newline = 105 each
    assert prompt_evidence(sentences, max_sentences=4, max_chars=450) == 4
    assert prompt_evidence(sentences, max_sentences=4, max_chars=320) == 3
    assert prompt_evidence(sentences, max_sentences=4, max_chars=314) == 2
    assert prompt_evidence(sentences, max_sentences=3, max_chars=10_000) == 3


def test_prompt_evidence_always_shows_the_best_two_even_when_long():
    long = [(_hit(), "y" * 900)] * 4
    assert prompt_evidence(long, max_sentences=4, max_chars=450) == 2
    assert prompt_evidence(long[:1], max_sentences=4, max_chars=450) == 1
    assert prompt_evidence([], max_sentences=4, max_chars=450) == 0


def test_question_message_follows_the_constant_prefix():
    messages = build_messages("Siapa?", [(1, _hit(), "Kim bertemu Krivoruchko.")])
    assert messages[:-1] == prefix_messages()
    assert messages[-1]["content"] == "Sources:\n[1] (kompas.tv, 2024-07-19) Kim bertemu Krivoruchko.\n\nQuestion: Siapa?"


def test_outlet_and_date_are_written_once_per_run_of_lines_from_one_article():
    kompas, antara = _hit(), _hit("antaranews.com", "2024-07-18", article="b")
    lines = format_sources([(1, kompas, "Satu."), (2, kompas, "Dua."), (3, antara, "Tiga."), (4, kompas, "Empat.")])
    assert lines.splitlines() == ["[1] (kompas.tv, 2024-07-19) Satu.", "[2] Dua.",
                                  "[3] (antaranews.com, 2024-07-18) Tiga.", "[4] (kompas.tv, 2024-07-19) Empat."]
    # sources without outlet or date (FacQA, IDK-MRC) read as before
    bare = [(1, _hit(None, None), "Satu."), (2, _hit(None, None), "Dua."), (3, _hit(None, None, article="b"), "Tiga.")]
    assert format_sources(bare) == "\n".join(source_line(n, h, t) for n, h, t in bare)


def test_a_leading_dateline_is_left_out_of_the_source_line():
    """"PYONGYANG, KOMPAS.TV - " is metadata the line already carries; given to the packaged model as a source's
    opening, it once answered with a few-shot example instead of the sources."""
    kompas = _hit()
    lines = format_sources([(1, kompas, "Pertemuan dilakukan di Pyongyang."),
                            (2, kompas, "PYONGYANG, KOMPAS.TV - Hubungan militer Rusia-Korea Utara semakin kuat."),
                            (3, _hit(article="b"), "JAKARTA - Presiden datang.")])
    assert lines.splitlines() == ["[1] (kompas.tv, 2024-07-19) Pertemuan dilakukan di Pyongyang.",
                                  "[2] Hubungan militer Rusia-Korea Utara semakin kuat.",
                                  "[3] (kompas.tv, 2024-07-19) Presiden datang."]
    # not a dateline: a sentence that merely starts with a capitalised word and a dash stays whole
    assert format_sources([(1, kompas, "Kompas - Presiden datang.")]).endswith("Kompas - Presiden datang.")
