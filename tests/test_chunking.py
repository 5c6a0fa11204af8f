from rag.chunking import article_fingerprint, build_embed_text, chunk_article, sentence_spans
from rag.records import Article

BODY = ("PYONGYANG, KOMPAS.TV - Kim Jong-un bertemu Wakil Menteri Pertahanan Rusia.\n"
        "Pertemuan dengan delegasi yang dipimpin Aleksey Krivoruchko dilakukan di Pyongyang, Kamis (18/7/2024). "
        "Dr. Budi menilai kerja sama itu penting.\n"
        "Pertemuan tersebut diungkapkan oleh KCNA, Jumat (19/7).")


def _article(text: str = BODY) -> Article:
    return Article(id="a1", title="Kim bertemu delegasi Rusia", text=text, date="2024-07-19", source="kompas.tv")


def test_sentences_respect_lines_and_abbreviations():
    spans = sentence_spans(BODY)
    sentences = [BODY[s:e] for s, e in spans]
    assert sentences[0].endswith("Rusia.")
    assert any(s.startswith("Dr. Budi menilai") for s in sentences), sentences  # "Dr." does not end a sentence
    assert len(sentences) == 4
    assert all(s == s.strip() for s in sentences)


def test_chunk_offsets_point_into_article_text():
    article = _article()
    chunks = chunk_article(article, max_chars=120)
    assert len(chunks) >= 3
    for c in chunks:
        assert article.text[c.start:c.end] == c.text
    assert chunks[0].start == 0
    # chunks cover every sentence once, in order, without overlap
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


def test_dates_normalised_into_metadata_and_both_languages():
    chunks = chunk_article(_article(), max_chars=1000)
    assert len(chunks) == 1
    c = chunks[0]
    assert c.dates == ["2024-07-18", "2024-07-19"]  # "Jumat (19/7)" takes its year from the article date
    assert "18 July 2024" in c.embed_text and "18 Juli 2024" in c.embed_text
    assert "Thursday" in c.embed_text
    assert c.embed_text.startswith("Kim bertemu delegasi Rusia (19 Juli 2024)")


def test_relative_dates_add_the_words_of_the_day_or_month_they_mean():
    """ "kemarin" in a story of Friday 19 July 2024 is searchable as 18 July; "bulan lalu" as June 2024."""
    article = _article("Kim bertemu delegasi Rusia kemarin di Pyongyang. Putin berkunjung bulan lalu.")
    (c,) = chunk_article(article, max_chars=1000)
    assert c.dates == ["2024-06", "2024-07-18"]
    assert "18 July 2024" in c.embed_text and "Kamis 18 Juli 2024" in c.embed_text
    assert "Juni 2024 June 2024" in c.embed_text


def test_fingerprint_changes_only_for_articles_with_relative_dates():
    """Relative dates came later: an article without any keeps the fingerprint (and chunk ids) it had, so an
    existing index re-embeds only the articles whose date words changed."""
    import hashlib
    import json

    from rag.chunking import CHUNKING_VERSION

    plain = _article()  # explicit dates only
    payload = [CHUNKING_VERSION, plain.title, plain.text, plain.date, plain.source, plain.url, plain.author]
    before = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
    assert article_fingerprint(plain) == before
    relative = _article("Kim bertemu delegasi Rusia kemarin.")
    payload = [CHUNKING_VERSION, relative.title, relative.text, relative.date, relative.source, relative.url,
               relative.author]
    assert article_fingerprint(relative) != hashlib.sha256(json.dumps(payload, ensure_ascii=False)
                                                           .encode("utf-8")).hexdigest()[:16]


def test_an_article_with_a_byline_is_stored_again_with_it():
    """The byline joined the chunk metadata later: articles without one keep their chunk ids; one with an editor
    (or credited source) gets new ones, so a rebuild stores its chunks again, with the byline."""
    from rag.indexing import chunk_metadata

    plain, signed = _article(), _article()
    signed.metadata["editor"] = "Desy-Afrianti"
    assert article_fingerprint(plain) != article_fingerprint(signed)
    chunk = chunk_article(signed)[0]
    meta = chunk_metadata(signed, chunk, article_fingerprint(signed))
    assert meta["editor"] == "Desy-Afrianti" and "author" not in meta and "credit" not in meta
    assert "editor" not in chunk_metadata(plain, chunk_article(plain)[0], article_fingerprint(plain))


def test_long_sentence_becomes_its_own_chunk():
    long = "Kata " * 300 + "akhir."
    article = _article(long + "\nKalimat pendek.")
    chunks = chunk_article(article, max_chars=200)
    assert [c.text for c in chunks] == [long, "Kalimat pendek."]


def test_fingerprint_and_chunk_ids_change_with_content_only():
    a, b = _article(), _article()
    assert article_fingerprint(a) == article_fingerprint(b)
    assert [c.id for c in chunk_article(a)] == [c.id for c in chunk_article(b)]
    b.text += "\nTambahan."
    assert article_fingerprint(a) != article_fingerprint(b)
    assert chunk_article(a)[0].id != chunk_article(b)[0].id


def test_embed_text_without_title_or_date_is_just_the_text():
    article = Article(id="p", title="", text="Harimau sumatera dilindungi.")
    assert build_embed_text(article, article.text, []) == "Harimau sumatera dilindungi."
