import numpy as np

from rag.bm25 import Bm25Index, Tokenizer


def test_tokenizer_stems_indonesian_and_drops_stopwords():
    tok = Tokenizer()
    tokens = tok("Pertemuan yang dipimpin oleh Wakil Menteri Pertahanan di Pyongyang")
    assert "yang" not in tokens and "oleh" not in tokens and "di" not in tokens
    assert "pimpin" in tokens  # dipimpin -> pimpin (Indonesian Snowball)
    assert "pyongyang" in tokens
    assert tok.version != Tokenizer(remove_stopwords=False).version


def _index() -> tuple[Tokenizer, Bm25Index]:
    tok = Tokenizer()
    texts = ["Kim bertemu Krivoruchko di Pyongyang", "Harga cabai naik di Jakarta", "Banjir melanda Jakarta"]
    return tok, Bm25Index.build(["a", "b", "c"], [tok(t) for t in texts], ["kompas.tv", "tempo.co", "tempo.co"],
                                [20240718, 20190101, 0])


def test_scores_rank_matching_chunk_first_and_unknown_words_score_zero():
    tok, index = _index()
    scores = index.scores(tok("Krivoruchko Pyongyang"))
    assert int(np.argmax(scores)) == 0 and scores[1] == 0 and scores[2] == 0
    assert not index.scores(tok("kata yang tidak ada")).any()


def test_idf_is_higher_for_rarer_terms():
    tok, index = _index()
    idf = index.idf(["jakarta", "krivoruchko", "tidakada"])
    assert idf["krivoruchko"] > idf["jakarta"] > 0
    assert idf["tidakada"] == 0.0


def test_filter_mask_by_source_and_dates():
    _, index = _index()
    assert index.mask() is None
    assert index.mask(sources=["tempo.co"]).tolist() == [False, True, True]
    assert index.mask(date_from=20240101).tolist() == [True, False, False]
    assert index.mask(date_to=20200101).tolist() == [False, True, False]  # unknown date (0) never in a range


def test_save_and_load_round_trip(tmp_path):
    tok, index = _index()
    index.save(tmp_path / "bm25", [tok("x")] * 3)
    loaded = Bm25Index.load(tmp_path / "bm25")
    assert loaded.chunk_ids == ["a", "b", "c"]
    q = tok("Banjir Jakarta")
    assert np.allclose(loaded.scores(q), index.scores(q))
    assert Bm25Index.load_tokens(tmp_path / "bm25")["b"] == tok("x")
