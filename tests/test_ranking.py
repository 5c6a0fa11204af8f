import numpy as np
import pytest

from rag.bm25 import Bm25Index, Tokenizer
from rag.ranking import DEFAULT_MODEL, FEATURES, LinearRanker, QueryTerms, answer_evidence, candidate_features

TEXTS = {
    "a": "Kim Jong-un bertemu Aleksey Krivoruchko di Pyongyang",
    "b": "Harga cabai di Jakarta naik",
    "c": "Krivoruchko adalah wakil menteri",
}


def _setup():
    tok = Tokenizer()
    ids = list(TEXTS)
    index = Bm25Index.build(ids, [tok(TEXTS[i]) for i in ids], [""] * 3, [0] * 3)
    return tok, index, ids


def test_features_reward_coverage_of_rare_question_terms():
    tok, index, ids = _setup()
    terms = QueryTerms.build("Kim bertemu Krivoruchko di Pyongyang", "id", tok, index)
    dense = {"a": 0.85, "b": 0.80, "c": 0.82}
    keyword = {"a": 5.0, "c": 2.0}
    x = candidate_features(terms, index, [TEXTS[i] for i in ids], dense, keyword, ids)
    assert x.shape == (3, len(FEATURES))
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert col["idf_coverage"][0] == pytest.approx(1.0)
    assert col["idf_coverage"][1] == 0.0 and 0 < col["idf_coverage"][2] < 1
    assert col["dense_gap"][0] == 0.0 and col["dense_gap"][1] < 0
    assert col["inv_rank_bm25"][1] < col["inv_rank_bm25"][0]
    assert (col["is_en"] == 0).all()


def test_ranker_round_trip_and_feature_check(tmp_path):
    r = LinearRanker(np.arange(len(FEATURES)), 0.5, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), info={"x": 1})
    r.save(tmp_path / "r.json")
    loaded = LinearRanker.load(tmp_path / "r.json")
    x = np.ones((2, len(FEATURES)))
    assert np.allclose(loaded.score(x), r.score(x)) and loaded.info == {"x": 1}
    with pytest.raises(ValueError, match="retrain"):
        LinearRanker([1.0], 0.0, [0.0], [1.0], features=("other",))


def test_shipped_ranker_prefers_the_covering_passage():
    assert DEFAULT_MODEL.exists(), "rag/ranker.json must ship (bench/train_ranker.py --write)"
    ranker = LinearRanker.load()
    tok, index, ids = _setup()
    terms = QueryTerms.build("Kim bertemu Krivoruchko di Pyongyang", "id", tok, index)
    x = candidate_features(terms, index, [TEXTS[i] for i in ids], {"a": 0.85, "b": 0.84, "c": 0.84},
                           {"a": 5.0, "c": 2.0}, ids)
    assert ids[int(np.argmax(ranker.score(x)))] == "a"


def test_answer_type_evidence_counts_only_what_the_question_lacks():
    tok, index, _ = _setup()
    terms = QueryTerms.build("Kapan Kim bertemu Krivoruchko?", "id", tok, index)
    assert terms.answer_type == "when"
    names, numbers, has_date = answer_evidence(terms, "Kim bertemu Krivoruchko di Pyongyang pada 18 Juli 2024.")
    assert names == pytest.approx(np.log1p(2))  # Pyongyang, Juli — not Kim or Krivoruchko
    assert numbers == pytest.approx(np.log1p(2)) and has_date == 1.0
    assert answer_evidence(terms, "Kim bertemu Krivoruchko.") == (0.0, 0.0, 0.0)
