import numpy as np

from rag.bm25 import Bm25Index, Tokenizer


def test_tokenizer_stems_indonesian_and_drops_stopwords():
    tok = Tokenizer()
    tokens = tok("Pertemuan yang dipimpin oleh Wakil Menteri Pertahanan di Pyongyang")
    assert "yang" not in tokens and "oleh" not in tokens and "di" not in tokens
    assert "pimpin" in tokens  # dipimpin -> pimpin
    assert "pyongyang" in tokens
    assert tok.version != Tokenizer(remove_stopwords=False).version


def test_tokenizer_gives_affixed_forms_one_root_and_leaves_names_whole():
    """The dictionary-based stemmer restores a root the prefix absorbed (Snowball gave "berte", "temu", "emu",
    "ulis" and "irim" here, so a question's "bertemu" missed the story's "pertemuan")."""
    tok = Tokenizer()
    assert tok("bertemu pertemuan menemui ditemui") == ["temu"] * 4
    assert tok("menulis tulisan") == ["tulis"] * 2 and tok("mengirim dikirim pengiriman") == ["kirim"] * 3
    assert tok("berita Krivoruchko Pertamina") == ["berita", "krivoruchko", "pertamina"]


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


def test_contains_agrees_with_a_plain_membership_test_over_many_chunks():
    """`contains` binary-searches the postings, which must therefore be ascending: checked on 2,000 chunks
    against np.isin, with positions outside the index (-1) among those asked."""
    rng = np.random.default_rng(7)
    vocab = [f"kata{i}" for i in range(60)]
    tokens = [list(rng.choice(vocab, size=rng.integers(1, 30))) for _ in range(2000)]
    index = Bm25Index.build([f"c{i}" for i in range(2000)], tokens, ["s"] * 2000, [0] * 2000)
    positions = np.concatenate([rng.choice(2000, size=80, replace=False), [-1]])
    for token in vocab[:20] + ["unknown"]:
        postings = index.postings(token)
        assert np.all(np.diff(postings) > 0)
        expected = np.array([token in tokens[p] if p >= 0 else False for p in positions])
        assert (index.contains(token, positions) == expected).all()
        assert (np.isin(positions, postings) == expected).all()
