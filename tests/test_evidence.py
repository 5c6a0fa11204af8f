"""Evidence sentences: offsets into the article, the features that pick the answering sentence, and the shipped
sentence scorer on the seed article's own sentences."""
from __future__ import annotations

import numpy as np

from rag.bm25 import Bm25Index, Tokenizer
from rag.evidence import (DISCOURSE_FEATURES, SENTENCE_FEATURES, SentenceScorer, question_terms, rank_sentences,
                          sentence_features, split_hits, with_date_words)
from rag.records import Hit

ARTICLE = ("Hubungan militer Rusia-Korea Utara semakin kuat. "
           "Pertemuan Kim Jong-un dengan delegasi Rusia yang dipimpin Aleksey Krivoruchko dilakukan di Pyongyang, "
           "Kamis (18/7/2024). "
           "Pertemuan tersebut diungkapkan oleh Kantor Berita Korea Utara, KCNA, Jumat (19/7/2024). "
           "Banjir melanda Jakarta.")
OTHER = "Harga cabai naik di Jakarta. Pemerintah berjanji menstabilkan harga."


def _hits() -> list[Hit]:
    prefix = "Judul\n"  # the chunk starts after a title line: offsets are into the whole article text
    return [Hit("seed", "seed:1", "Judul", "2024-07-19", "kompas.tv", None, ARTICLE, 1.0, len(prefix),
                len(prefix) + len(ARTICLE)),
            Hit("other", "other:1", "Cabai", None, "tempo.co", None, OTHER, 0.2, 0, len(OTHER))]


def _index(tok: Tokenizer) -> Bm25Index:
    texts = [ARTICLE, OTHER, "Presiden bertemu menteri di Jakarta.", "Kantor pos tutup hari Minggu."]
    return Bm25Index.build([f"c{i}" for i in range(len(texts))], [tok(t) for t in texts], ["x"] * len(texts),
                           [0] * len(texts))


def test_sentences_keep_offsets_into_the_article_and_a_neighbour_as_context():
    article = "Judul\n" + ARTICLE
    sentences = split_hits(_hits()[:1])
    assert len(sentences) == 4
    for s in sentences:
        assert article[s.start:s.end] == s.text
        assert article[s.context_start:s.context_end] == s.context
        assert s.text in s.context
    assert sentences[1].context.startswith(sentences[0].text)


def test_head_coverage_marks_the_sentence_holding_the_category_asked_for():
    tok = Tokenizer()
    column = SENTENCE_FEATURES.index("head_coverage")
    for question in ("Kantor berita apa yang mengungkapkan pertemuan Kim Jong-un dengan Krivoruchko?",
                     "Which news agency reported Kim Jong-un's meeting with Krivoruchko?"):
        terms = question_terms(question, tok, _index(tok))
        sentences = split_hits(_hits())
        x = sentence_features(terms, tok, sentences)
        assert x.shape == (len(sentences), len(SENTENCE_FEATURES))
        marked = [s.text for s, v in zip(sentences, x[:, column]) if v == 1.0]
        assert marked == [sentences[2].text], question  # only the KCNA sentence says "Kantor Berita"
    terms = question_terms("Siapa yang memimpin delegasi Rusia?", tok, _index(tok))
    assert not sentence_features(terms, tok, split_hits(_hits()))[:, column].any()  # no category named


def test_short_answer_features_mark_sentences_holding_a_phrase_of_the_asked_kind():
    tok = Tokenizer()
    has, score = SENTENCE_FEATURES.index("has_short_answer"), SENTENCE_FEATURES.index("short_answer_score")
    question = "Kapan Kim Jong-un bertemu Krivoruchko?"
    terms = question_terms(question, tok, _index(tok))
    sentences = split_hits(_hits())
    x = sentence_features(terms, tok, sentences, question)
    by_text = {s.text: row for s, row in zip(sentences, x)}
    assert by_text[sentences[1].text][has] == 1.0  # "... Kamis (18/7/2024)": a date
    assert by_text["Banjir melanda Jakarta."][has] == 0.0  # no date: nothing to extract
    assert by_text["Banjir melanda Jakarta."][score] == 0.0
    # without the question (as before): the columns stay zero, the others are unchanged
    x0 = sentence_features(terms, tok, sentences)
    assert not x0[:, [has, score]].any()
    rest = [i for i in range(len(SENTENCE_FEATURES)) if i not in (has, score)]
    assert np.array_equal(x0[:, rest], x[:, rest])


def test_shipped_scorer_prefers_the_sentence_that_answers():
    tok = Tokenizer()
    scorer = SentenceScorer.load()
    for question, expected in (("Siapa yang memimpin delegasi Rusia?", "Krivoruchko"),
                               ("Kapan Kim Jong-un bertemu Krivoruchko?", "Kamis (18/7/2024)"),
                               ("Berapa harga cabai di Jakarta?", "Harga cabai")):
        ranked = rank_sentences(question_terms(question, tok, _index(tok)), tok, _hits(), scorer, question)
        assert expected in ranked[0].text, (question, ranked[0].text)
        scores = np.array([s.score for s in ranked])
        assert np.all(np.diff(scores) <= 0) and np.all((scores >= 0) & (scores <= 1))


def test_english_words_are_read_as_the_equivalent_the_passages_use():
    tok = Tokenizer()
    discussed = [Hit("a", "a:1", "Judul", None, None, None, "Kim Jong-un mendiskusikan kerja sama militer.", 1.0, 0, 45)]
    question = "What did Kim Jong-un discuss with the delegation?"
    # without passages: the glossary's most common equivalent ("membahas" -> stem "bahas")
    assert "bahas" in question_terms(question, tok, _index(tok)).idf
    terms = question_terms(question, tok, _index(tok), discussed)
    assert "diskusi" in terms.idf and "bahas" not in terms.idf  # the article's word, "mendiskusikan"
    assert "mendiskusikan" in terms.analysis
    # no equivalent in the passages: the most common one, so the question's verb counts as missing
    assert "bahas" in question_terms(question, tok, _index(tok), _hits()[1:]).idf
    # Indonesian questions are read as they are
    assert question_terms("Apa yang dibahas Kim?", tok, _index(tok), discussed).analysis == "Apa yang dibahas Kim?"


def test_dates_are_matched_in_both_languages_as_the_keyword_index_holds_them():
    text = "Pertemuan dilakukan di Pyongyang, Kamis (18/7/2024). KCNA melaporkannya Jumat (19/7)."
    extended = with_date_words(text, "2024-07-19")
    assert extended.startswith(text)
    assert "18 Juli 2024" in extended and "18 July 2024" in extended
    assert "19 July 2024" in extended  # the yearless date takes the article's year
    assert with_date_words("Tanpa tanggal.", "2024-07-19") == "Tanpa tanggal."
    assert "19 July" not in with_date_words("Jumat (19/7).", None)  # no year to give it: left as written
    assert with_date_words(text, "not a date").startswith(text)
    tok = Tokenizer()
    texts = [ARTICLE, OTHER, "Presiden bertemu menteri di Jakarta, 3 Juli 2023."]
    index = Bm25Index.build([f"c{i}" for i in range(len(texts))], [tok(t) for t in texts], ["x"] * len(texts),
                            [0] * len(texts))
    terms = question_terms("Who did Kim meet on 18 July?", tok, index)
    assert set(terms.idf) == {"kim", "18", "juli"} and terms.idf["juli"] > 0
    column = SENTENCE_FEATURES.index("idf_coverage")
    sentences = split_hits(_hits()[:1])
    x = sentence_features(terms, tok, sentences)
    meeting = next(i for i, s in enumerate(sentences) if "18/7/2024" in s.text)
    assert x[meeting, column] == 1.0  # "Kim", "18" and, through "Kamis (18/7/2024)", "Juli"


def test_discourse_features_tell_apart_sentences_of_one_article_that_all_name_its_topic():
    """News repeats its topic in most sentences: the question's verb, an anaphor's antecedent and the words only
    one sentence of the article holds are what single out the one that answers."""
    tok = Tokenizer()
    text = ("Kim Jong-un bertemu delegasi Rusia di Pyongyang. "
            "Pada pertemuan itu, Kim Jong-un mendiskusikan kerja sama militer dengan Rusia. "
            "Pertemuan tersebut diungkapkan oleh KCNA. "
            "Kim Jong-un juga mendukung Rusia.")
    hits = [Hit("seed", "seed:1", "Judul", None, None, None, text, 1.0, 0, len(text))]
    index = Bm25Index.build(["c0", "c1", "c2"], [tok(text), tok(OTHER), tok("Presiden bertemu menteri.")],
                            ["x"] * 3, [0] * 3)
    sentences = split_hits(hits)
    col = {name: SENTENCE_FEATURES.index(name) for name in DISCOURSE_FEATURES}

    question = "Apa yang didiskusikan Kim Jong-un dengan Rusia?"
    x = sentence_features(question_terms(question, tok, index), tok, sentences, question)
    assert x.shape == (4, len(SENTENCE_FEATURES))
    assert x[:, col["has_verb"]].tolist() == [1.0] * 4
    assert x[:, col["verb_coverage"]].tolist() == [0.0, 1.0, 0.0, 0.0]  # only the second says "mendiskusikan"
    # "Kim", "Jong-un", "Rusia" are in most sentences: discounted; the verb only one holds counts in full
    rare = x[:, col["article_rare_coverage"]]
    assert rare[1] == rare.max() and rare[1] < x[1, SENTENCE_FEATURES.index("idf_coverage")]
    assert x[1, col["article_only_coverage"]] > 0 and x[0, col["article_only_coverage"]] == 0

    question = "Kantor berita apa yang melaporkan pertemuan Kim Jong-un dengan delegasi Rusia?"
    terms = question_terms(question, tok, index)
    x = sentence_features(terms, tok, sentences, question)
    coverage, anaphor = x[:, SENTENCE_FEATURES.index("idf_coverage")], x[:, col["anaphor_idf_coverage"]]
    # "Pertemuan tersebut ..." refers back: it also counts the previous sentence's words
    assert anaphor[2] > coverage[2]
    assert anaphor[0] == coverage[0] and anaphor[3] == coverage[3]  # no anaphor: its own words only
    # verb-like words are read by their prefix: "melaporkan" (in no sentence), but also "pertemuan" (in three: the
    # first sentence's "bertemu" has the same root, "temu")
    assert x[:, col["verb_coverage"]].tolist() == [1 / 3, 1 / 3, 1 / 3, 0.0]


def test_discourse_features_of_no_sentences_and_of_a_question_without_terms():
    tok = Tokenizer()
    terms = question_terms("Siapa?", tok, _index(tok))
    assert sentence_features(terms, tok, []).shape == (0, len(SENTENCE_FEATURES))
    x = sentence_features(terms, tok, split_hits(_hits()), "Siapa?")
    assert np.isfinite(x).all()
    assert not x[:, [SENTENCE_FEATURES.index(n) for n in DISCOURSE_FEATURES]].any()
