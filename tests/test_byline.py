"""Questions about an article itself (rag/byline.py): which are recognised, what the topic is, whether the found
article is about that topic; and, with a fake embedder, the answers built from the seed article's byline. The real
models answer them in tests/test_e2e_answers.py."""
from __future__ import annotations

import pytest

from rag import NewsQA
from rag.answering import REFUSAL
from rag.articles import load_articles
from rag.background import BackgroundIdf
from rag.bm25 import Tokenizer
from rag.byline import (FIELDS, LABELS, MISSING, TOPIC_COVERAGE, BylineQuestion, byline_line, byline_question,
                        clean_topic, same_outlet, topic_coverage)
from rag.records import Article, Hit
from rag.render import passage_html

from conftest import SEED


@pytest.mark.parametrize("question, field, topic", [
    ("Who wrote the article about the Russia-North Korea meeting?", "author", "Russia-North Korea meeting"),
    ("Who was the article about Kim written by?", "author", "Kim"),
    ("Who is the author?", "author", ""),
    ("Name the writer of this story.", "author", ""),
    ("Who edited this story?", "editor", ""),
    ("Which outlet published the article about Kim?", "outlet", "Kim"),
    ("When was the article about Krivoruchko's visit published?", "published", "Krivoruchko's visit"),
    ("What is the source of this article?", "credit", ""),
    ("When did Kompas TV publish its story on Kim's meeting?", "published", "Kim's meeting"),
    ("Kapan Kompas TV menerbitkan berita tentang pertemuan Kim?", "published", "pertemuan Kim"),
    ("Siapa penulis berita ini?", "author", ""),
    ("Siapa yang menulis artikel tentang pertemuan Kim Jong-un?", "author", "pertemuan Kim Jong-un"),
    ("Berita tentang pertemuan Kim ditulis oleh siapa?", "author", "pertemuan Kim"),
    ("Siapa editornya?", "editor", ""),
    ("Siapa editor berita ini?", "editor", ""),
    ("Kapan berita tentang Kim diterbitkan?", "published", "Kim"),
    ("Media apa yang menerbitkan berita ini?", "outlet", ""),
    ("Apa sumber berita ini?", "credit", ""),
])
def test_questions_about_the_article_itself_are_recognised(question, field, topic):
    assert byline_question(question) == BylineQuestion(field, topic)


@pytest.mark.parametrize("question, field, topic, outlet", [
    ("Who wrote the Kompas TV report on Kim's meeting?", "author", "Kim's meeting", "Kompas TV"),
    ("Who edited the Tempo story about the fire?", "editor", "fire", "Tempo"),
    ("Siapa yang menulis laporan Kompas TV tentang pertemuan Kim?", "author", "pertemuan Kim", "Kompas TV"),
    ("Who wrote the UN report on climate?", "author", "climate", "UN"),  # checked against the article found
])
def test_a_report_of_a_named_outlet_may_be_the_article(question, field, topic, outlet):
    assert byline_question(question) == BylineQuestion(field, topic, outlet)


def test_a_report_of_no_named_outlet_is_a_document_in_the_news():
    assert byline_question("Who wrote the report on the meeting?") is None
    assert byline_question("Siapa yang menulis laporan tentang pertemuan itu?") is None


@pytest.mark.parametrize("named, source, expected", [
    ("Kompas TV", "kompas.tv", True), ("Tempo", "tempo.co", True), ("KOMPAS.TV", "Kompas TV", True),
    ("UN", "kompas.tv", False), ("Kompas TV", None, False), ("", "kompas.tv", False),
])
def test_same_outlet(named, source, expected):
    assert same_outlet(named, source) is expected


@pytest.mark.parametrize("question", [
    "Who wrote the letter to Putin?",  # a role word whose object is not the article
    "Who is the author of the book?",
    "Siapa penulis buku itu?",
    "Siapa wartawan yang ditahan?",
    "Who reported the attack?",
    "Which news agency reported the meeting?",  # the news agency *in* the story (KCNA)
    "What did the report say about ammunition?",
    "Who wrote it?",  # "it" may be a letter in the story: not taken for the article
    "Who did Kim meet on 18 July?",
    "Siapa yang memimpin delegasi Rusia?",
    "When did KCNA publish the statement?",  # a statement in the story, not the article
    "Kapan KCNA melaporkan pertemuan itu?",
])
def test_questions_about_the_news_are_not_taken_for_byline_questions(question):
    assert byline_question(question) is None


def test_topic_loses_its_lead_words_and_demonstratives():
    assert clean_topic(" about the tiger attack?") == "tiger attack"
    assert clean_topic(" tentang banjir di Jakarta?") == "banjir di Jakarta"
    assert clean_topic(" ini?") == "" and clean_topic("?") == ""


@pytest.fixture(scope="module")
def seed_hit() -> Hit:
    a = load_articles([SEED]).articles[0]
    return Hit(a.id, f"{a.id}::v::0", a.title, a.date, a.source, a.url, a.text, 1.0, 0, len(a.text))


@pytest.mark.parametrize("topic, language, about", [
    ("Russia-North Korea meeting", "en", True),
    ("pertemuan Kim Jong-un", "id", True),
    ("North Korea's missile test", "en", True),
    ("the Paris Olympics", "en", False),
    ("banjir di Jakarta", "id", False),
    ("the flood in Jakarta", "en", False),
    ("tiger attack in Sumatra", "en", False),  # "tiger" is not in the glossary: kept, and missing
])
def test_topic_coverage_tells_the_seed_article_s_topics_from_others(seed_hit, topic, language, about):
    tokenizer = Tokenizer()
    coverage = topic_coverage(topic, language, [seed_hit], tokenizer, BackgroundIdf.load(tokenizer=tokenizer.version))
    assert (coverage >= TOPIC_COVERAGE) == about, coverage


def test_one_rare_name_does_not_carry_a_topic():
    tokenizer = Tokenizer()
    hit = Hit("a", "a::v::0", "", None, None, None, "Bandara Internasional Lombok dibuka tahun 2011.", 1.0, 0, 47)
    background = BackgroundIdf.load(tokenizer=tokenizer.version)
    coverage = topic_coverage("gempa di Lombok", "id", [hit], tokenizer, background)
    assert coverage == 0.5 < TOPIC_COVERAGE  # "lombok" outweighs "gempa", but only one of the two stems is there


def test_every_field_has_a_label_and_a_refusal_in_both_languages():
    for language in ("en", "id"):
        assert set(LABELS[language]) == set(MISSING[language]) == set(FIELDS)


def test_byline_line_lists_the_fields_the_article_has():
    assert byline_line({"author": "A", "credit": "C", "outlet": "kompas.tv"}, "id") == "Penulis: A · Sumber: C"
    assert byline_line({"editor": "E"}, "en") == "Editor: E"


@pytest.fixture
def qa(tmp_path, fake_embedder) -> NewsQA:
    qa = NewsQA(tmp_path / "index", embedder=fake_embedder)
    qa.rebuild(SEED.parent)
    return qa


def test_the_seed_article_s_byline_reaches_the_hits(qa):
    hit = qa.search("Krivoruchko", k=1)[0]
    assert (hit.author, hit.editor, hit.credit) == ("Haryo Jati", "Desy-Afrianti", "Korea JongAng Daily")


def test_who_wrote_it_is_answered_from_the_byline_with_a_byline_citation(qa):
    ans = qa.ask("Siapa penulis berita tentang pertemuan Kim Jong-un?")
    assert not ans.refused and ans.mode == "byline" and ans.short_answer == "Haryo Jati"
    assert ans.lead.startswith("Haryo Jati, menurut keterangan artikel [1] (kompas.tv, 19 Juli 2024): “Hubungan")
    assert "Penulis: Haryo Jati · Editor: Desy-Afrianti · Sumber: Korea JongAng Daily" in ans.text
    (c,) = ans.citations
    assert c.kind == "byline" and c.quote == "Penulis: Haryo Jati" and c.start == c.end == 0
    assert "<mark>Penulis: Haryo Jati</mark>" in passage_html(c, ans.hits[0])


def test_english_byline_questions_get_english_labels_and_dates(qa):
    assert qa.ask("Who edited this story?").short_answer == "Desy-Afrianti"
    ans = qa.ask("When was the article about Krivoruchko's visit published?")
    assert ans.short_answer == "19 July 2024" and "Author: Haryo Jati" in ans.text


def test_the_named_outlet_s_report_is_credited_from_the_byline(qa):
    ans = qa.ask("Who wrote the Kompas TV report on Kim Jong-un's meeting with the Russian delegation?")
    assert not ans.refused and ans.mode == "byline" and ans.short_answer == "Haryo Jati"


def test_another_outlet_s_report_is_asked_of_the_news_itself(qa):
    ans = qa.ask("Who wrote the UN report on Kim Jong-un's meeting with the Russian delegation?")
    assert ans.mode != "byline" and ans.short_answer != "Haryo Jati"


def test_an_article_about_another_topic_is_not_credited(qa):
    ans = qa.ask("Who wrote the article about the flood in Jakarta?")
    assert ans.refused and ans.mode == "byline" and ans.citations == []
    assert ans.text.startswith(REFUSAL["en"]) and "flood in Jakarta" in ans.text


def test_an_article_without_the_field_says_so(qa):
    qa.add([{"id": "plain", "title": "Banjir di Jakarta", "text": "Banjir merendam Jakarta pada Senin pagi.",
             "date": "2024-07-20", "source": "example.id"}])
    ans = qa.ask("Siapa penulis berita tentang banjir di Jakarta?")
    assert ans.refused and ans.text.startswith(REFUSAL["id"]) and "tidak mencantumkan penulis" in ans.text
    assert "“Banjir di Jakarta”" in ans.text
    qa.add([Article(id="untitled", title="", text="Harimau sumatera menyerang warga di Riau pada Mei lalu, kata "
                    "petugas balai konservasi setempat kepada wartawan.")])  # a QA passage: no title
    ans = qa.ask("Siapa penulis berita tentang harimau sumatera yang menyerang warga?")
    assert ans.refused and "“Harimau sumatera menyerang warga di Riau pada Mei lalu, kata petugas balai …” [1]" \
        in ans.text, ans.text  # an untitled article is named by its first words


def test_with_several_articles_this_article_needs_the_conversation(qa):
    qa.add([{"id": "plain", "title": "Banjir di Jakarta", "text": "Banjir merendam Jakarta pada Senin pagi.",
             "date": "2024-07-20", "source": "example.id"}])
    alone = qa.ask("Siapa penulis berita ini?")
    assert alone.refused and "Berita yang mana?" in alone.text
    history = [("user", "Siapa yang ditemui Kim Jong-un di Pyongyang?"), ("assistant", "Aleksey Krivoruchko ...")]
    assert qa.ask("Siapa penulis berita ini?", history=history).short_answer == "Haryo Jati"
