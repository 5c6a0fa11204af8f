"""rag/short_confidence.py: the features of a short answer and the shipped models (what/which, where, who) that decide
whether it leads the answer (their training and valid numbers: bench/short_confidence.py, bench/RESULTS.md)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rag.extraction import ShortAnswer, short_answers
from rag.short_confidence import FEATURES, KINDS, ShortConfidence, load_models, model_path, short_features

PHRASE = ShortAnswer("terus memberikan ancaman", 0, 24, "other", 1.0, "phrase")
NAME = ShortAnswer("Korea JoongAng Daily", 0, 20, "other", 6.0, "name")


def test_features_of_a_lone_candidate_and_of_one_with_runner_ups():
    lone = dict(zip(FEATURES, short_features([NAME])))
    assert lone["source_name"] == 1.0 and lone["source_phrase"] == 0.0
    assert lone["score"] == 6.0 and lone["margin"] == 5.0 and lone["log_candidates"] == 0.0
    crowded = dict(zip(FEATURES, short_features([PHRASE, NAME, NAME])))
    assert crowded["source_phrase"] == 1.0 and crowded["margin"] == pytest.approx(-5.0)
    assert crowded["log_candidates"] == pytest.approx(math.log(3))


def test_name_core_counts_as_a_name():
    core = ShortAnswer("Krivoruchko", 0, 11, "other", 3.0, "name_core")
    assert dict(zip(FEATURES, short_features([core])))["source_name"] == 1.0


def test_the_shipped_models_load_with_their_threshold_and_read_the_score():
    models = load_models()
    assert set(models) == set(KINDS) == {"other", "where", "who"}
    assert models["who"].languages == {"id"} and models["other"].languages == models["where"].languages == {"id", "en"}
    for kind, model in models.items():
        assert model.info["trained_by"] == "bench/short_confidence.py" and model.info["kind"] == kind
        assert model.threshold == 0.5 and model_path(kind).exists()
        source = {"other": "phrase", "where": "locative", "who": "name"}[kind]
        def p(score: float, rivals: int = 0) -> float:
            found = [ShortAnswer("x", 0, 1, kind, score, source)] + [ShortAnswer("y", 2, 3, kind, score, source)] * rivals
            return float(model.probability(np.array(short_features(found)))[0])

        assert p(0.5) < p(3.0) < p(7.0) and p(7.0) > 0.5  # more likely right with a higher score, as on train
        assert p(0.5, rivals=3) < 0.5  # a low score among tied rivals: a guess


def test_a_guessed_phrase_is_withheld_by_the_shipped_model():
    """From the seed article: "What does North Korea keep testing?" reads the phrase after the question's words
    ("terus memberikan ancaman"), a guess the shipped model withholds."""
    model = load_models()["other"]
    testing = short_answers("What does North Korea keep testing?", "Bagi Korea Selatan dan Jepang, Korea Utara terus "
                            "memberikan ancaman dengan terus-menerus melakukan uji coba rudal balistik.")
    assert testing and testing[0].text == "terus memberikan ancaman" and not model.shown(testing)
    shown = ShortConfidence(np.zeros(len(FEATURES)), 5.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))
    assert shown.shown(testing)  # a model that trusts everything shows it


def test_a_model_trained_on_other_features_is_refused_with_the_way_out(tmp_path):
    stale = tmp_path / "short_confidence.json"
    stale.write_text('{"features": ["score"], "weights": [1.0], "bias": 0.0, "mean": [0.0], "scale": [1.0]}')
    with pytest.raises(ValueError, match="bench/short_confidence.py"):
        ShortConfidence.load(stale)
